"""Public checks and hidden graders judge by the same rules.

A learner told "all checks pass" by `nnlab check` must not lose a hidden test for a rule the
public checks never applied to that function (exact dtype, NumPy warnings, in-place changes).
The hidden graders may test more cases, never different rules.
"""

import pytest

from nnlab.grading.compare import Comparator
from nnlab.grading.runner import grade_submission
from nnlab.selfcheck import run_checks
from tests.support import ROOT, solution_with

PUBLIC = sorted(p.stem for p in (ROOT / "exercises" / "checks").glob("*.json"))


def test_public_checks_apply_every_rule_the_hidden_graders_apply(course, make_submission):
    modules = [m for m in PUBLIC if m in course.graded_modules()]
    folder = make_submission("solutions", modules=modules)
    hidden, public = Comparator(course.tolerances), Comparator(course.tolerances)
    result = grade_submission(folder, course, warn_seed=False, comparator=hidden)
    assert not result.error and result.score == result.max_score
    checks = run_checks(folder, limits=course.limits, tolerances=course.tolerances,
                        checks_dir=ROOT / "exercises" / "checks", comparator=public)
    # functions no public case can hold (they take a function, say) are named, not failed
    assert all(c.status in ("pass", "skipped") for c in checks), \
        [c.problems for c in checks if c.status not in ("pass", "skipped")]
    assert hidden.rules_applied, "the hidden graders applied no rule through judge_call"
    missing = sorted(hidden.rules_applied - public.rules_applied)
    assert not missing, f"rules the hidden graders apply but the public checks do not: {missing}"


# Three learners whose work passed `nnlab check` before the two paths shared one comparator,
# then lost points when graded: each is now caught by the public checks too.
NAIVE_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
FLOAT64_FOR_FLOAT32 = "def tanh(x):\n    return np.tanh(np.asarray(x, dtype=np.float64))\n"
LEAKY_GRAD_WITHOUT_CAST = ("def leaky_relu_grad(x, alpha=0.01):\n"
                           "    return np.where(np.asarray(x) > 0, 1.0, alpha)\n")


@pytest.mark.parametrize("function, code, words", [
    ("sigmoid", NAIVE_SIGMOID, "NumPy warned"),
    ("tanh", FLOAT64_FOR_FLOAT32, "expected float32"),
    ("leaky_relu_grad", LEAKY_GRAD_WITHOUT_CAST, "expected float32"),
], ids=["naive sigmoid", "float64 result for float32 input", "leaky_relu_grad without a cast"])
def test_a_fault_the_graders_punish_fails_the_public_checks_too(course, make_submission,
                                                                   function, code, words):
    folder = make_submission("learner", {"activations.py": solution_with("activations", code)},
                             modules=("activations",))
    checks = run_checks(folder, f"activations.{function}", limits=course.limits,
                        tolerances=course.tolerances, checks_dir=ROOT / "exercises" / "checks")
    assert checks[0].status == "fail" and any(words in p for p in checks[0].problems), checks
    result = grade_submission(folder, course, warn_seed=False,
                              functions={f"activations.{function}"})
    lost = [t for t in result.tests if not t.passed]
    assert lost and all(words in t.output for t in lost), [(t.name, t.output) for t in lost]
