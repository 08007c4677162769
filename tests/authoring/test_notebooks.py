"""Every lab notebook of `nnlab build` runs top to bottom in a real kernel (nbclient), with the
solutions filled in, plots included, without an error; and the learner's notebook as built."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nnlab.authoring.notebooks import make_lab_notebook, render

ROOT = Path(__file__).resolve().parents[2]


def _assignments(course):
    return [a.id for a in course.assignments if make_lab_notebook(course, a.id) is not None]


def _run(notebook, folder: Path):
    # The kernel is the venv's own Python (jupyter_client swaps the "python" of the python3 kernel
    # spec for sys.executable); PYTHONPATH makes it import this checkout's nnlab.
    env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "MPLBACKEND": "Agg"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def test_built_notebooks_are_committed_and_carry_the_contract(course):
    ids = _assignments(course)
    assert {"a1", "a2", "a5"} <= set(ids)
    for assignment in ids:
        committed = ROOT / "exercises" / "notebooks" / f"{assignment}.ipynb"
        assert committed.read_text(encoding="utf-8") == render(make_lab_notebook(course, assignment))
        nb = nbformat.read(committed, 4)
        assert nb.metadata["nnlab"]["assignment"] == assignment
        roles = {c.metadata.get("nnlab", {}).get("role") for c in nb.cells}
        assert {"setup", "check"} <= roles


@pytest.mark.parametrize("assignment", ["a1", "a2", "a5"])
def test_lab_notebook_runs_top_to_bottom_with_solutions(assignment, course, tmp_path):
    if assignment not in _assignments(course):
        pytest.skip(f"{assignment} has no solutions yet")
    shutil.copytree(ROOT / "exercises" / "checks", tmp_path / "checks")
    if (ROOT / "exercises" / "data").is_dir():
        shutil.copytree(ROOT / "exercises" / "data", tmp_path / "data")
    notebook = make_lab_notebook(course, assignment, solutions=True)
    nbformat.write(notebook, tmp_path / f"{assignment}.ipynb")  # lab.start finds it there
    _run(notebook, tmp_path)
    problems, images, checks = [], 0, 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"{cell.id}: {output.ename}: {output.evalue[:200]}")
            if output.output_type == "display_data" and "image/png" in output.data:
                images += 1
            if cell.metadata.get("nnlab", {}).get("role") == "check" and "text/html" in output.get("data", {}):
                checks += 1
                html = output.data["text/html"]
                assert "could not run" not in html and ">fail<" not in html and "to do" not in html, (cell.id, html[:500])
    assert not problems, problems
    assert checks >= 2
    assert images >= 1  # every lab with solutions so far draws something


def test_check_cell_sees_the_kernels_code_before_saving(course, tmp_path):
    """The learner's notebook as built: a stub shows "to do"; after an exercise cell is run with
    a correct body (not saved), its check passes, and a wrong body is diagnosed."""
    shutil.copytree(ROOT / "exercises" / "checks", tmp_path / "checks")
    stub = make_lab_notebook(course, "a2")
    nbformat.write(stub, tmp_path / "a2.ipynb")  # saved as released
    source = make_lab_notebook(course, "a2", solutions=True)
    solved = {c.id: c.source for c in source.cells}
    nb = nbformat.v4.new_notebook(metadata=stub.metadata)
    keep = [c for c in stub.cells if c.metadata.get("nnlab", {}).get("role") == "setup" or
            c.metadata.get("nnlab", {}).get("module")][:4]
    mse = next(c for c in stub.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "losses-mse")
    check = nbformat.v4.new_code_cell("lab.check('losses.mse')")
    wrong = nbformat.v4.new_code_cell("def mse(y_true, y_pred):\n    return np.sum((y_true - y_pred) ** 2)\n")
    nb.cells = [*keep, mse, check, nbformat.v4.new_code_cell(solved[mse.id]),
                nbformat.v4.new_code_cell("lab.check('losses.mse')"), wrong, nbformat.v4.new_code_cell("lab.check('losses.mse')")]
    _run(nb, tmp_path)
    html = [c.outputs[0].data.get("text/html", "") for c in nb.cells[-5::2]]
    assert "to do" in html[0]
    assert ">pass<" in html[1]
    assert ">fail<" in html[2] and "losses.mse" in html[2]
