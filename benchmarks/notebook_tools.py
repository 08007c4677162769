"""The same work for nbgrader and otter-grader, for class_throughput.py's comparison.

One notebook holds the learner's activations.py and losses.py (solutions/, with the notebook-only
cells dropped) in one solution cell, and a test cell that checks every function against
closed-form values on random inputs. nnlab's graders check more (hidden cases per learner,
mistake diagnosis, dtype, in-place changes), so this *understates* what nbgrader and otter
would cost for nnlab's work: their time is mostly a kernel start per notebook.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TESTS = '''
import numpy as np
rng = np.random.default_rng(0)
for _ in range(20):
    x = rng.normal(scale=3.0, size=(4, 5))
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(sigmoid(x), s)
    assert np.allclose(sigmoid_grad(x), s * (1 - s))
    assert np.allclose(relu(x), np.maximum(x, 0))
    assert np.allclose(tanh(x), np.tanh(x))
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    assert np.allclose(softmax(x), e / e.sum(axis=-1, keepdims=True))
    y, p = rng.normal(size=8), rng.normal(size=8)
    assert np.isclose(mse(y, p), np.mean((y - p) ** 2))
'''


def learner_code() -> str:
    """solutions/activations.py + losses.py without jupytext markdown cells."""
    parts = []
    for module in ("activations", "losses"):
        text = (ROOT / "solutions" / f"{module}.py").read_text()
        text = re.sub(r"^# %% \[markdown\].*?(?=^# %%|\Z)", "", text, flags=re.S | re.M)
        parts.append(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
    return "\n\n".join(parts)


def _cell(kind: str, source: str, metadata: dict | None = None) -> dict:
    cell = {"cell_type": kind, "metadata": metadata or {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


def nbgrader_course(folder: Path, learners: int) -> Path:
    """An nbgrader course folder with assignment a1 released and `learners` submissions."""
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "locked": False, "solution": False,
                                      "grade": False, **kw}}
    nb = _notebook([
        _cell("code", "### BEGIN SOLUTION\n" + learner_code() + "\n### END SOLUTION",
              meta(solution=True, grade_id="solution")),
        _cell("code", TESTS, meta(grade=True, locked=True, grade_id="tests", points=10)),
    ])
    (folder / "source" / "a1").mkdir(parents=True)
    (folder / "source" / "a1" / "a1.ipynb").write_text(json.dumps(nb))
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 120\n")
    for i in range(learners):
        target = folder / "submitted" / f"s{i:03d}" / "a1"
        target.mkdir(parents=True)
        (target / "a1.ipynb").write_text(json.dumps(nb))
    return folder


def time_nbgrader(python: str, folder: Path) -> float:
    import os

    # nbgrader runs `alembic` from PATH: put the virtualenv's bin folder first.
    env = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([python, "-m", "nbgrader", "generate_assignment", "a1", "--force",
                    "--create"], cwd=folder, check=True, capture_output=True, env=env)
    started = time.perf_counter()
    subprocess.run([python, "-m", "nbgrader", "autograde", "a1", "--force", "--create"],
                   cwd=folder, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def otter_assignment(folder: Path, otter: str) -> tuple[Path, Path]:
    """otter assign on a master notebook; returns (autograder.zip, a filled-in submission)."""
    folder.mkdir(parents=True, exist_ok=True)
    tests = [_cell("raw", "# BEGIN TESTS"), _cell("code", TESTS.strip() + "\n"),
             _cell("raw", "# END TESTS")]
    master = _notebook([
        _cell("raw", "# ASSIGNMENT CONFIG\nexport_cell: false\ngenerate: true\n"),
        _cell("raw", "# BEGIN QUESTION\nname: q1\npoints: 10"),
        _cell("code", "# BEGIN SOLUTION\n" + learner_code() + "\n# END SOLUTION"),
        *tests, _cell("raw", "# END QUESTION"),
    ])
    (folder / "master.ipynb").write_text(json.dumps(master))
    subprocess.run([otter, "assign", "master.ipynb", "dist"], cwd=folder, check=True,
                   capture_output=True)
    submission = _notebook([_cell("code", learner_code())])
    (folder / "submission.ipynb").write_text(json.dumps(submission))
    bundle = sorted((folder / "dist" / "autograder").glob("*.zip"))[0]
    return bundle, folder / "submission.ipynb"


def time_otter(otter: str, bundle: Path, submission: Path, learners: int) -> float:
    started = time.perf_counter()
    for i in range(learners):
        out = submission.parent / f"out{i}"
        out.mkdir(exist_ok=True)
        subprocess.run([otter, "run", "-a", str(bundle), "-o", str(out), str(submission)],
                       cwd=submission.parent, check=True, capture_output=True)
    return time.perf_counter() - started


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
