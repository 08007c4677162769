"""Gradescope: an autograder.zip per assignment that grades one submission per container.

`build_bundle(course, out, assignment="a1")` writes the zip Gradescope's "Configure Autograder"
page takes for that one assignment:

- `setup.sh`: installs bubblewrap where apt-get can (the strongest sandbox level; Gradescope's
  containers run as root, often without unprivileged user namespaces) and nnlab (its source
  travels in the bundle, under `nnlab_src/`) with pip;
- `run_autograder`: grades `/autograder/submission` into `/autograder/results/results.json`;
- the course's `course.yml`, the assignment's graders (`graders/test_<module>.py` of its
  modules only, with the shared helpers and baselines), `reference/` and `questions/` (an
  upload's answers.yml, or its notebook's answer cells, graded in the same pass), its public
  checks;
- `nnlab-bundle.json`: the assignment, and whether the instructor allowed a weak sandbox;
- `seed_keys.json`: one key per module of the assignment, derived from the secret seed
  (nnlab.seeds): never the seed itself, so the bundle cannot give away other assignments'
  hidden cases, and each learner's cases are derived from their Gradescope email or sid.

In results.json the public checks are visible at once and the hidden tests only after the due
date (`after_due_date`); the total stays hidden until then too. A grader fault is never a
score: the results carry no total and say the submission will be regraded. `NNLAB_AUTOGRADER`
moves the /autograder root (tests run the bundle against a fake tree).
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

from nnlab.course import Course

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
ROOT="${NNLAB_AUTOGRADER:-/autograder}"
cd "$ROOT/source"
# bubblewrap gives learner code a file system of its own (nnlab's strongest sandbox level).
# Without it, as root, nnlab runs learner code under a private uid and makes the course
# unreadable to it; `nnlab doctor` says which level holds.
if ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) \\
    || echo "nnlab setup: could not install bubblewrap; learner code runs at the rlimits level"
fi
python3 -m pip install --quiet "$ROOT/source/nnlab_src"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission, in a fresh container.
set -uo pipefail
ROOT="${NNLAB_AUTOGRADER:-/autograder}"
PYTHON="${NNLAB_PYTHON:-python3}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
exec "$PYTHON" -m nnlab.gradescope.run --root "$ROOT"
"""
BUNDLE_FILE, KEYS_FILE = "nnlab-bundle.json", "seed_keys.json"

NNLAB_FILES = ("pyproject.toml", "README.md")
COURSE_PARTS = ("course.yml", "graders", "reference", "questions")  # questions/: answers.yml judged


def _add_tree(archive: zipfile.ZipFile, source: Path, target: str, skip=lambda path: False) -> None:
    if source.is_file():
        archive.write(source, target)
        return
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc") \
                and not skip(path):
            archive.write(path, f"{target}/{path.relative_to(source).as_posix()}")


def _add_text(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_bundle(course: Course, out: Path, assignment: str, nnlab_root: Path | None = None,
                 allow_weak_sandbox: bool = False) -> Path:
    """Write the autograder.zip of one assignment to `out`; returns it. Raises CourseError for
    an unknown assignment, OSError when `out` cannot be written."""
    import nnlab

    modules = course.assignment(assignment).modules
    other_graders = {f"test_{m}.py" for m in course.modules if m not in modules}
    nnlab_root = nnlab_root or Path(nnlab.__file__).resolve().parent.parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP_SH, executable=True)
        _add_text(archive, "run_autograder", RUN_AUTOGRADER, executable=True)
        for part in COURSE_PARTS:
            source = course.root / part
            if source.exists():
                _add_tree(archive, source, part, skip=lambda p: p.parent == course.root / "graders"
                          and p.name in other_graders)
        for module in modules:
            checks = course.root / "exercises" / "checks" / f"{module}.json"
            if checks.is_file():
                archive.write(checks, f"exercises/checks/{module}.json")
        _add_tree(archive, nnlab_root / "nnlab", "nnlab_src/nnlab")
        for name in NNLAB_FILES:
            if (nnlab_root / name).is_file():
                archive.write(nnlab_root / name, f"nnlab_src/{name}")
        _add_text(archive, BUNDLE_FILE, json.dumps({"assignment": assignment,
                                                    "allow_weak_sandbox": allow_weak_sandbox}) + "\n")
        # Keys for this assignment's modules only: never the master seed.
        _add_text(archive, KEYS_FILE, course.module_keys(modules, warn=False).to_json())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, out)
    return out
