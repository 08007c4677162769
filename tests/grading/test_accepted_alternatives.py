"""Two equally right answers: the textbook and Keras 3's gradient of categorical cross-entropy
both keep full marks, in the hidden graders and the public checks, and the learner is told which
one theirs matched."""

import pytest

from nnlab.grading.runner import grade_submission
from nnlab.selfcheck import run_checks
from tests.support import ROOT, solution_with

FUNCTION = "losses.categorical_cross_entropy_grad"

TEXTBOOK = '''
def categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    # The lectures' gradient: -y / (N p), no rescaling of the rows; 0 where the clip holds p.
    p = np.asarray(p)
    inside = (p >= eps) & (p <= 1 - eps)
    return np.where(inside, -y_true / np.clip(p, eps, 1 - eps), 0) / p.shape[0]
'''

FORGOT_THE_MEAN = '''
def categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    p = np.asarray(p)
    inside = (p >= eps) & (p <= 1 - eps)
    return np.where(inside, -y_true / np.clip(p, eps, 1 - eps), 0)
'''


@pytest.mark.parametrize("extra, matched", [("", "Keras 3's gradient"),
                                            (TEXTBOOK, "the textbook gradient")],
                         ids=["Keras 3", "textbook"])
def test_both_gradients_keep_full_marks_and_the_check_says_which(course, tmp_path, extra, matched):
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "losses.py").write_text(solution_with("losses", extra))
    result = grade_submission(folder, course, warn_seed=False, functions={FUNCTION})
    mine = [t for t in result.tests if t.function == FUNCTION]
    assert len(mine) >= 4 and all(t.passed for t in mine), [t.output for t in mine]
    # The convention matched, as structure (results.json's detail.accepted): only a second one.
    accepted = {t.detail.accepted for t in mine if t.detail is not None}
    assert accepted == (set() if extra == "" else {"the textbook gradient -y_true / (N p)"})
    checks = run_checks(folder, FUNCTION, limits=course.limits, tolerances=course.tolerances,
                        checks_dir=ROOT / "exercises" / "checks")
    assert checks[0].status == "pass", checks[0].problems
    # The check names an accepted alternative; the reference's own convention goes unsaid.
    assert checks[0].notes == ([] if extra == "" else [
        f"{FUNCTION}: your answer matches the textbook gradient -y_true / (N p), accepted as "
        f"correct."])


def test_an_answer_matching_neither_still_loses_points(course, tmp_path):
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "losses.py").write_text(solution_with("losses", FORGOT_THE_MEAN))
    result = grade_submission(folder, course, warn_seed=False, functions={FUNCTION})
    assert not any(t.passed for t in result.tests if t.function == FUNCTION)
