"""nnlab.nbgrader.extract: modules rebuilt from lab notebooks by grade_id, one-line errors for
mangled notebooks (no kernel needed)."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from nnlab.authoring.notebooks import make_lab_notebook
from nnlab.grading.submission import read_submission
from nnlab.nbgrader.extract import NotebookError, module_sources


@pytest.fixture(scope="module")
def lab(course):
    return make_lab_notebook(course, "a2"), make_lab_notebook(course, "a2", solutions=True)


def _exercise(nb, grade_id):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


def _write(tmp_path, nb, name="a2.ipynb"):
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_contract_metadata_on_every_exercise_cell(lab):
    stub, _ = lab
    solution_cells = [c for c in stub.cells if (c.metadata.get("nbgrader") or {}).get("solution")]
    exercises = [c for c in solution_cells if "question" not in c.metadata["nnlab"]]
    answers = [c for c in solution_cells if "question" in c.metadata["nnlab"]]
    assert exercises and answers
    for cell in answers:  # a concept question's answer cell is no part of a module's source
        assert cell.metadata["nnlab"] == {"question": cell.metadata["nnlab"]["question"]}
        assert cell.metadata["nbgrader"]["grade_id"] == "answer-" + cell.metadata["nnlab"]["question"].replace(".", "-")
    for cell in exercises:
        meta = cell.metadata["nbgrader"]
        assert meta == {"solution": True, "grade": False, "locked": False, "schema_version": 3,
                        "grade_id": meta["grade_id"]}
        module = cell.metadata["nnlab"]["module"]
        assert meta["grade_id"].startswith(f"{module}-")
    assert _exercise(stub, "losses-mse") is not None


def test_solution_cells_taken_other_cells_from_release(tmp_path, lab, course):
    stub, solved = lab
    release = _write(tmp_path, stub, "release.ipynb")
    learner = copy.deepcopy(solved)
    # Tampering with a locked module cell changes nothing: it comes from the release.
    locked = next(c for c in learner.cells if c.metadata.get("nnlab", {}).get("module") and
                  not c.metadata["nbgrader"].get("solution"))
    locked.source = "import os; os.system('echo pwned')\nimport numpy as np"
    (tmp_path / "sub").mkdir()
    path = _write(tmp_path / "sub", learner, "release.ipynb")
    sources = module_sources(path, release=release)
    assert set(sources) == {"losses", "gradient_descent"}
    assert "pwned" not in sources["losses"]
    assert "np.mean" in sources["losses"] or "np.sum" in sources["losses"]
    compile(sources["losses"], "losses.py", "exec")


@pytest.mark.parametrize("mangle, message", [
    ("delete", "exercise cell losses-mse is missing"),
    ("duplicate", "appears twice"),
    ("reorder", "out of order"),
    ("metadata", "metadata of exercise cell losses-mse was changed (points)"),
    ("split", "outside its exercise cell"),
    ("markdown", "turned into a markdown cell"),
    ("json", "invalid JSON"),
])
def test_mangled_notebooks_one_line(tmp_path, lab, mangle, message):
    stub, solved = lab
    release = _write(tmp_path, stub, "a2.ipynb")
    nb = copy.deepcopy(solved)
    cell = _exercise(nb, "losses-mse")
    index = nb.cells.index(cell)
    if mangle == "delete":
        del nb.cells[index]
    elif mangle == "duplicate":
        nb.cells.insert(index, copy.deepcopy(cell))
    elif mangle == "reorder":
        other = _exercise(nb, "losses-mse_grad")
        j = nb.cells.index(other)
        nb.cells[index], nb.cells[j] = nb.cells[j], nb.cells[index]
    elif mangle == "metadata":
        cell.metadata["nbgrader"]["points"] = 100
    elif mangle == "split":
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(cell.source))
        cell.source = "# split off"
    elif mangle == "markdown":
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "a2.ipynb"
    if mangle == "json":
        path.write_text(nbformat.writes(nb)[:-40], encoding="utf-8")
    else:
        path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(NotebookError) as raised:
        module_sources(path, release=release)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_and_renamed(tmp_path, lab):
    stub, solved = lab
    release = _write(tmp_path, stub, "a2.ipynb")
    with pytest.raises(NotebookError, match="no such notebook"):
        module_sources(tmp_path / "nope.ipynb", release=release)
    (tmp_path / "sub").mkdir()
    other = _write(tmp_path / "sub", solved, "mine.ipynb")
    with pytest.raises(NotebookError, match="expected a notebook named a2.ipynb"):
        module_sources(other, release=release)


def test_read_submission_builds_modules_from_notebooks(tmp_path, lab, course):
    _, solved = lab
    folder = tmp_path / "ada"
    folder.mkdir()
    _write(folder, solved)
    submission = read_submission(folder, course.modules)
    assert sorted(submission.files) == ["gradient_descent.py", "losses.py"]
    assert b"def mse(" in submission.files["losses.py"]
    single = read_submission(folder / "a2.ipynb", course.modules, learner="self-check")
    assert single.files == submission.files


def test_answers_are_read_from_answer_cells_by_grade_id_never_run(tmp_path, lab):
    """Each answer cell's text gives its answer (arithmetic worked out, nothing run); the
    question ids come from the release, so a learner's edited metadata changes nothing."""
    from nnlab.nbgrader.extract import notebook_answers

    stub, _ = lab
    learner = copy.deepcopy(stub)
    cells = {c.metadata["nnlab"]["question"]: c for c in learner.cells
             if "question" in (c.metadata.get("nnlab") or {})}
    assert {"losses.mse", "losses.bce", "gradient_descent.step"} <= set(cells)
    cells["losses.mse"].source = cells["losses.mse"].source.replace("answer = ...", "answer = (1 + 2.5) / 2")
    cells["losses.bce"].source = "answer = __import__('os').system('echo pwned')\nlab.answer('losses.bce', answer)"
    cells["gradient_descent.step"].source = cells["gradient_descent.step"].source.replace("answer = ...", "answer = 2.2")
    cells["gradient_descent.step"].metadata["nnlab"]["question"] = "losses.mse"  # tampered: ignored
    learner.cells.append(copy.deepcopy(cells["losses.mse"]))  # a duplicate: the first copy counts
    learner.cells[-1].source = "answer = 99"
    answers = notebook_answers(learner, stub)
    assert answers["losses.mse"] == 1.75 and answers["gradient_descent.step"] == 2.2
    assert answers["losses.bce"] == "__import__('os').system('echo pwned')"  # its text: judged malformed
    assert "losses.half_sse_grad" not in answers  # `answer = ...`: not answered yet
