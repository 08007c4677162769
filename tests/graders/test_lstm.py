"""The lstm grader end to end: the solution scores full marks, and the example learner fay
loses points on each of her misconceptions, each named on the function where she made it."""

import pytest

from nnlab.grading.runner import grade_submission
from reference.mistakes import mistakes_for
from tests.support import ROOT


def grade(make_submission, course, learner, base):
    folder = make_submission(learner, base=base, modules=("lstm",))
    result = grade_submission(folder, course, warn_seed=False)
    assert not result.error and not result.grader_errors, result.error or result.grader_errors
    return result


@pytest.fixture(scope="module")
def fay(tmp_path_factory, course):
    """fay's lstm.py, graded once for every test here."""
    folder = tmp_path_factory.mktemp("class") / "fay"
    folder.mkdir()
    (folder / "lstm.py").write_text((ROOT / "examples/class/fay/lstm.py").read_text())
    result = grade_submission(folder, course, warn_seed=False)
    assert not result.error and not result.grader_errors, result.error or result.grader_errors
    return result


def message(target, name):
    return next(m for m in mistakes_for(target) if m.name == name).message()


def test_solution_scores_full_marks(make_submission, course):
    result = grade(make_submission, course, "solution", "solutions")
    assert result.max_score >= 40 and result.score == result.max_score
    assert {t.function for t in result.tests} == {
        f"lstm.{f}" for f in ("lstm_gates", "lstm_cell_state", "lstm_hidden_state", "lstm_step_forward",
                              "lstm_step_backward", "lstm_forward", "lstm_backward")}


@pytest.mark.parametrize("function, mistake", [
    ("lstm.lstm_gates", "lstm_gates_ifog_order"),
    ("lstm.lstm_cell_state", "lstm_cell_state_forget_ignored"),
    ("lstm.lstm_step_forward", "lstm_step_forward_h_without_tanh"),
    ("lstm.lstm_backward", "lstm_backward_assign_not_accumulate"),
])
def test_fay_loses_points_and_each_misconception_is_named(fay, function, mistake):
    lost = [t for t in fay.tests if t.function == function and not t.passed]
    assert lost, f"fay kept every point of {function}"
    named = message(function, mistake)
    # (her float32 failures are about the dtype, which no misconception explains)
    assert all(named in t.output for t in lost if "dtype" not in t.output), \
        [t.output for t in lost if named not in t.output]
    assert any(named in t.output for t in lost)


def test_fay_keeps_the_points_of_what_she_got_right(fay):
    result = fay
    for function in ("lstm.lstm_hidden_state", "lstm.lstm_step_backward"):
        tests = [t for t in result.tests if t.function == function]
        assert tests and all(t.passed for t in tests), function
    assert 0 < result.score < result.max_score
