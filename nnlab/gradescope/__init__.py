"""Gradescope: an autograder.zip that grades one submission per container with nnlab.

`build_bundle(course, out)` writes the zip Gradescope's "Configure Autograder" page takes:

- `setup.sh`: installs nnlab (its source travels in the bundle, under `nnlab_src/`) with pip;
- `run_autograder`: grades `/autograder/submission` into `/autograder/results/results.json`;
- the course's `course.yml`, `graders/`, `reference/` and `exercises/checks/` (public checks);
- `secret_seed` (only when `$NNLAB_SECRET_SEED` or course.yml's variable is set at build time;
  the bundle is instructor-only on Gradescope, so the seed stays secret).

In results.json the public checks are visible at once and the hidden tests only after the due
date (`after_due_date`); the total stays hidden until then too. A grader fault is never a
score: the results carry no total and say the submission will be regraded. `NNLAB_AUTOGRADER`
moves the /autograder root (tests run the bundle against a fake tree).
"""

from __future__ import annotations

import io
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
python3 -m pip install --quiet "$ROOT/source/nnlab_src"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission, in a fresh container.
set -uo pipefail
ROOT="${NNLAB_AUTOGRADER:-/autograder}"
PYTHON="${NNLAB_PYTHON:-python3}"
if [ -f "$ROOT/source/secret_seed" ]; then
  export %(seed_env)s="$(cat "$ROOT/source/secret_seed")"
fi
mkdir -p "$ROOT/results"
cd "$ROOT/source"
exec "$PYTHON" -m nnlab.gradescope.run --root "$ROOT"
"""

NNLAB_FILES = ("pyproject.toml", "README.md")
COURSE_PARTS = ("course.yml", "graders", "reference", "exercises/checks")


def _add_tree(archive: zipfile.ZipFile, source: Path, target: str) -> None:
    if source.is_file():
        archive.write(source, target)
        return
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc"):
            archive.write(path, f"{target}/{path.relative_to(source).as_posix()}")


def _add_text(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_bundle(course: Course, out: Path, nnlab_root: Path | None = None) -> Path:
    """Write autograder.zip to `out`; returns it. Raises OSError when `out` cannot be written."""
    import nnlab

    nnlab_root = nnlab_root or Path(nnlab.__file__).resolve().parent.parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP_SH, executable=True)
        _add_text(archive, "run_autograder", RUN_AUTOGRADER % {"seed_env": course.secret_seed_env},
                  executable=True)
        for part in COURSE_PARTS:
            source = course.root / part
            if source.exists():
                _add_tree(archive, source, part)
        _add_tree(archive, nnlab_root / "nnlab", "nnlab_src/nnlab")
        for name in NNLAB_FILES:
            if (nnlab_root / name).is_file():
                archive.write(nnlab_root / name, f"nnlab_src/{name}")
        seed = os.environ.get(course.secret_seed_env, "")
        if seed:
            _add_text(archive, "secret_seed", seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, out)
    return out
