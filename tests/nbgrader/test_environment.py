"""`nnlab nbgrader` works from the course's environment without activating it (issue 21, item 6):
nbgrader runs `alembic` from PATH when it opens a new gradebook, and PATH here holds no venv."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_autograde_opens_a_new_gradebook_with_a_bare_path(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(PATH="/usr/bin:/bin", NNLAB_SECRET_SEED="7")
    nnlab = [sys.executable, "-m", "nnlab", "nbgrader"]
    built = subprocess.run([*nnlab, "build", str(tmp_path / "course"), "--course", str(ROOT / "course.yml")],
                           env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (tmp_path / "course" / "gradebook.db").touch()  # empty: nbgrader creates it, with alembic
    graded = subprocess.run([*nnlab, "autograde", "a2", "--course", str(tmp_path / "course")], env=env,
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    output = graded.stdout + graded.stderr
    assert "Traceback" not in output and "alembic" not in output, output[-2000:]
    assert graded.returncode == 2 and "a2 is not in the gradebook" in output
