"""A lab notebook's concept-question cells as the learner's kernel runs them, away from the
course: the numbers come from the question_texts.json released beside the notebook, chosen by
the learner id; the answer cell says whether its answer has the right form."""

import json

import pytest

from nnlab.nbgrader import lab
from nnlab.questions import TEXTS_FILE, learner_variants, question_texts


@pytest.fixture
def released(course, tmp_path, monkeypatch):
    """A release folder (no course above it) with the texts of two students."""
    (tmp_path / TEXTS_FILE).write_text(json.dumps(question_texts(course, ["ana", "bo"], ["losses"])))
    monkeypatch.delenv("NNLAB_LEARNER", raising=False)
    monkeypatch.delenv("NNLAB_LEARNER_SEEDS", raising=False)
    monkeypatch.chdir(tmp_path)
    saved = dict(lab._state)
    yield tmp_path
    lab._state.clear()
    lab._state.update(saved)
    lab._answer_texts.clear()


def test_each_student_sees_their_own_numbers_from_one_release(course, released, monkeypatch):
    mine = {q.id: v for q, v in learner_variants(course, "ana", ["losses"])}
    theirs = {q.id: v for q, v in learner_variants(course, "bo", ["losses"])}
    assert mine["losses.mse"].text != theirs["losses.mse"].text
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")  # nbgrader's student id on a JupyterHub
    lab.start("a2", notebook=str(released / "a2.ipynb"))
    shown = lab.question("losses.mse")._repr_markdown_()
    assert mine["losses.mse"].text in shown and "`ana`" in shown and "JupyterHub" in shown
    lab.start("a2", notebook=str(released / "a2.ipynb"), learner="bo")
    assert theirs["losses.mse"].text in lab.question("losses.mse")._repr_markdown_()
    lab.start("a2", notebook=str(released / "a2.ipynb"), learner="zed")
    missing = lab.question("losses.mse")._repr_markdown_()
    assert "No numbers for learner `zed`" in missing and "lab.start('a2', learner=" in missing
    assert "answer" not in (released / TEXTS_FILE).read_text().replace("answers", "")


def test_the_answer_cell_checks_the_form_and_the_grade_cell_wants_an_answer(course, released):
    lab.start("a2", notebook=str(released / "a2.ipynb"), learner="ana")
    assert str(lab.answer("losses.mse", 1.75)).endswith("is a number, as asked; whether it is right is told after grading")
    assert "expected a number, got 'abc'" in lab.answer("losses.bce", "abc")
    assert lab.answer_verdict("losses.mse") is None
    lab.answer("losses.half_sse_grad", ...)
    with pytest.raises(AssertionError, match="losses.half_sse_grad: no answer yet"):
        lab.answer_verdict("losses.half_sse_grad")


def test_the_cells_run_where_nbgrader_is_not_installed(released):
    """A learner's environment (the handout's) has nnlab but not nbgrader: the question and
    answer cells still run."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['nbgrader'] = sys.modules['nbclient'] = None\n"
            "from nnlab.nbgrader import lab\n"
            "lab.start('a2', notebook='a2.ipynb', learner='ana')\n"
            "print(lab.question('losses.mse')); print(lab.answer('losses.mse', 1.75))")
    done = subprocess.run([sys.executable, "-c", code], cwd=released, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Numbers for learner `ana`" in done.stdout and "is a number, as asked" in done.stdout
