"""The lstm grader end to end: the solution scores full marks, a correct loop over samples too
(well inside the time limits), and the example learner fay loses points on each of her
misconceptions, each named on the function where she made it."""

import pytest

from reference.mistakes import mistakes_for
from tests.support import ROOT, grade_cleanly, learner_folder, solution_with


def grade(make_submission, course, learner, base):
    return grade_cleanly(make_submission(learner, base=base, modules=("lstm",)), course)


@pytest.fixture(scope="module")
def fay(tmp_path_factory, course):
    """fay's lstm.py, graded once for every test here."""
    source = (ROOT / "examples/class/fay/lstm.py").read_text(encoding="utf-8")
    return grade_cleanly(learner_folder(tmp_path_factory.mktemp("class") / "fay", "lstm", source), course)


def message(target, name):
    return next(m for m in mistakes_for(target) if m.name == name).message()


def test_solution_scores_full_marks(make_submission, course):
    result = grade(make_submission, course, "solution", "solutions")
    assert result.max_score >= 40 and result.score == result.max_score
    assert {t.function for t in result.tests} == {
        f"lstm.{f}" for f in ("lstm_gates", "lstm_cell_state", "lstm_hidden_state", "lstm_step_forward",
                              "lstm_step_backward", "lstm_forward", "lstm_backward")}


def test_a_loop_over_samples_keeps_full_marks(make_submission, course):
    result = grade(make_submission, course, "loops", "tests/graders/per_sample")
    assert result.score == result.max_score, [(t.name, t.output) for t in result.tests if not t.passed]
    # (the margin under the per-call limit is measured, not asserted: benchmarks/plain_loop_headroom.py)


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


# BPTT written wrong, in the solution's own cache layout (a list of step caches), appended to the
# solution so that only lstm_backward changes. Each must lose points on lstm_backward and be named
# by its catalogued entry (same_signature=False entries are not grafted by `nnlab verify`; the
# weight gradients assigned per step are fay's mistake, tested above).
WRONG_BPTT = {
    "lstm_backward_no_cell_path": ("dh_seq[:, t, :] + dh_next", "np.zeros_like(dc_next)"),
    "lstm_backward_no_hidden_path": ("dh_seq[:, t, :]", "dc_next"),
}
BPTT_TEMPLATE = '''
def lstm_backward(dh_seq, cache):
    n, t_len, _ = dh_seq.shape
    kernel, recurrent_kernel = cache[0][3], cache[0][4]
    dx = np.zeros((n, t_len, kernel.shape[0]), dtype=dh_seq.dtype)
    dkernel, drecurrent_kernel = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=dh_seq.dtype)
    dh_next = np.zeros_like(dh_seq[:, 0, :])
    dc_next = np.zeros_like(dh_seq[:, 0, :])
    for t in reversed(range(t_len)):
        dx[:, t, :], dh_next, dc_next, dk, drk, db = lstm_step_backward({dh}, {dc}, cache[t])
        dkernel += dk
        drecurrent_kernel += drk
        dbias += db
    return dx, dh_next, dc_next, dkernel, drecurrent_kernel, dbias
'''


@pytest.mark.parametrize("mistake", sorted(WRONG_BPTT))
def test_each_bptt_misconception_loses_points_and_is_named(course, tmp_path, mistake):
    dh, dc = WRONG_BPTT[mistake]
    folder = learner_folder(tmp_path / "learner", "lstm", solution_with("lstm", BPTT_TEMPLATE.format(dh=dh, dc=dc)))
    result = grade_cleanly(folder, course, {"lstm.lstm_backward"})
    lost = [t for t in result.tests if not t.passed]
    assert lost, f"{mistake} kept every point"
    named = message("lstm.lstm_backward", mistake)
    assert any(named in t.output for t in lost), [t.output for t in lost]
