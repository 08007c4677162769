"""The kernel plain `nbgrader autograde` runs a learner's notebook in: their seeds, not the secret.

nbgrader executes a submitted notebook, grade cells included, in a kernel that inherits the
grading process's environment, where the secret seed is; learner code runs in that kernel, so a
cell printing `os.environ` would put the seed into the autograded notebook and its feedback.
`LearnerExecute` (named in the nbgrader_config.py `nnlab nbgrader build` writes, in place of
nbgrader's `Execute`) starts each kernel with an environment without the secret seed and with
`NNLAB_LEARNER_SEEDS`: that student's seeds (nnlab.seeds) for the assignment's modules, which
is all the grade cells' `lab.hidden` needs. The master seed stays in nbgrader's process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nbclient.util import run_sync
from nbgrader.preprocessors import Execute

from nnlab.nbgrader import LEARNER_SEEDS_ENV, course_dir_of  # noqa: F401 (used here, and by lab.py before)


def kernel_environment(course_yml: Path, student: str, assignment: str,
                       base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (this process's environment) without the secret seed, with `student`'s seeds."""
    from nnlab.course import load_course

    course = load_course(course_yml)
    known = {a.id for a in course.assignments}
    modules = course.assignment(assignment).modules if assignment in known else course.modules
    seeds = course.learner_seeds(student, [m for m in modules if m in course.graded_modules()],
                                 warn=False)
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in (course.secret_seed_env, LEARNER_SEEDS_ENV)}
    env[LEARNER_SEEDS_ENV] = seeds.to_json()
    return env


class LearnerExecute(Execute):
    """nbgrader's Execute, with each kernel started in `kernel_environment`."""

    _nnlab_env: dict[str, str] | None = None

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None):
        from nnlab.nbgrader.course import nnlab_course_of

        info = (resources or {}).get("nbgrader") or {}
        path = Path(((resources or {}).get("metadata") or {}).get("path") or os.getcwd())
        course_dir = course_dir_of(path.resolve())
        course_yml = nnlab_course_of(course_dir) if course_dir else None
        if course_yml is None:
            raise RuntimeError(f"nnlab: no nbgrader course built by nnlab above {path}")
        self._nnlab_env = kernel_environment(course_yml, str(info.get("student") or path.parent.name),
                                             str(info.get("assignment") or path.name))
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._nnlab_env = None

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        if self._nnlab_env is not None:
            kwargs["env"] = dict(self._nnlab_env)
        return await super().async_start_new_kernel(**kwargs)

    # nbclient's synchronous entry point wraps the async method it was defined with: rewrap ours
    start_new_kernel = run_sync(async_start_new_kernel)
