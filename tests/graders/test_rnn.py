"""The rnn grader end to end: the solution scores full marks, a correct loop over samples too
(well inside the time limits), and the example learner fay loses points on each of her
misconceptions, each named on the function where she made it."""

import pytest

from reference.mistakes import mistakes_for
from tests.support import ROOT, grade_cleanly, learner_folder, solution_with


def grade(make_submission, course, learner, base):
    return grade_cleanly(make_submission(learner, base=base, modules=("rnn",)), course)


@pytest.fixture(scope="module")
def fay(tmp_path_factory, course):
    """fay's rnn.py, graded once for every test here."""
    source = (ROOT / "examples/class/fay/rnn.py").read_text(encoding="utf-8")
    return grade_cleanly(learner_folder(tmp_path_factory.mktemp("class") / "fay", "rnn", source), course)


def message(target, name):
    return next(m for m in mistakes_for(target) if m.name == name).message()


def test_solution_scores_full_marks(make_submission, course):
    result = grade(make_submission, course, "solution", "solutions")
    assert result.max_score >= 30 and result.score == result.max_score
    functions = {t.function for t in result.tests}
    assert functions == {"rnn.rnn_step_forward", "rnn.rnn_step_backward", "rnn.rnn_forward",
                         "rnn.rnn_backward"}


def test_a_loop_over_samples_keeps_full_marks(make_submission, course):
    result = grade(make_submission, course, "loops", "tests/graders/per_sample")
    assert result.score == result.max_score, [(t.name, t.output) for t in result.tests if not t.passed]
    # (the margin under the per-call limit is measured, not asserted: benchmarks/plain_loop_headroom.py)


@pytest.mark.parametrize("function, mistake", [
    ("rnn.rnn_step_backward", "rnn_step_backward_tanh_of_output"),
    ("rnn.rnn_forward", "rnn_forward_h0_ignored"),
    ("rnn.rnn_backward", "rnn_backward_h0_ignored"),
])
def test_fay_loses_points_and_each_misconception_is_named(fay, function, mistake):
    lost = [t for t in fay.tests if t.function == function and not t.passed]
    assert lost, f"fay kept every point of {function}"
    named = message(function, mistake)
    assert all(named in t.output for t in lost if "dtype" not in t.output), \
        [t.output for t in lost if named not in t.output]
    assert any(named in t.output for t in lost)


def test_fay_keeps_the_points_of_what_she_got_right(fay):
    result = fay
    step = [t for t in result.tests if t.function == "rnn.rnn_step_forward"]
    assert step and all(t.passed for t in step)
    assert 0 < result.score < result.max_score


# BPTT written wrong, in the solution's own cache layout (a list of step caches), appended to the
# solution so that only rnn_backward changes. Each must lose points on rnn_backward and be named
# by its catalogued entry (same_signature=False entries are not grafted by `nnlab verify`).
WRONG_BPTT = {
    "rnn_backward_truncated": "dh_seq[:, t, :]",
    "rnn_backward_assign_not_accumulate": "dh_seq[:, t, :] + dh_next",
}
BPTT_TEMPLATE = '''
def rnn_backward(dh_seq, cache):
    n, t_len, _ = dh_seq.shape
    kernel, recurrent_kernel = cache[0][2], cache[0][3]
    dx = np.zeros((n, t_len, kernel.shape[0]), dtype=dh_seq.dtype)
    dkernel, drecurrent_kernel = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=dh_seq.dtype)
    dh_next = np.zeros_like(dh_seq[:, 0, :])
    for t in reversed(range(t_len)):
        dx[:, t, :], dh_prev, dk, drk, db = rnn_step_backward({upstream}, cache[t])
        dh_next = dh_prev
        {accumulate}
    return dx, dh_next, dkernel, drecurrent_kernel, dbias
'''


@pytest.mark.parametrize("mistake", sorted(WRONG_BPTT))
def test_each_bptt_misconception_loses_points_and_is_named(course, tmp_path, mistake):
    accumulate = ("dkernel, drecurrent_kernel, dbias = dk, drk, db" if "assign" in mistake
                  else "dkernel += dk; drecurrent_kernel += drk; dbias += db")
    code = BPTT_TEMPLATE.format(upstream=WRONG_BPTT[mistake], accumulate=accumulate)
    folder = learner_folder(tmp_path / "learner", "rnn", solution_with("rnn", code))
    result = grade_cleanly(folder, course, {"rnn.rnn_backward"})
    lost = [t for t in result.tests if not t.passed]
    assert lost, f"{mistake} kept every point"
    named = message("rnn.rnn_backward", mistake)
    assert any(named in t.output for t in lost), [t.output for t in lost]
