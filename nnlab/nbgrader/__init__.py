"""nnlab as an nbgrader course: lab notebooks' contract (extract), the notebook helper (lab),
the course directory (course: `nnlab nbgrader build`) and secure autograding into nbgrader's
gradebook (autograde: `nnlab nbgrader autograde`)."""

import os
import sys
from pathlib import Path

# The kernel's environment variable holding the student's seeds (nnlab.nbgrader.kernel). Here,
# with `course_dir_of`, so the learner's side (lab.py, without nbgrader installed) reads them.
LEARNER_SEEDS_ENV = "NNLAB_LEARNER_SEEDS"


def course_dir_of(notebook_folder: Path) -> Path | None:
    """The nbgrader course folder above a notebook's folder (it holds nbgrader_config.py)."""
    for folder in (notebook_folder, *notebook_folder.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def use_course_environment() -> str:
    """Put the bin folder of the Python running nnlab first on PATH, for the commands nbgrader
    runs as subprocesses (`alembic` when it opens a new gradebook, `jupyter`): they then come
    from the course's environment whether or not it is activated. Returns that folder."""
    folder = os.path.dirname(os.path.abspath(sys.executable))
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[:1] != [folder]:
        os.environ["PATH"] = folder + (os.pathsep + path if path else "")
    return folder
