"""Graders compare with recorded Keras outputs too, and every result says what it compared with.

- A learner function equal to the reference but not to Keras loses the Keras test, and the
  feedback says which convention differs (here: Keras clips p before the log).
- results.json and feedback.md name each test's oracle; the `oracle` marker names it, a test
  reading recorded cases is a Keras test without one, and any other compares with the reference.
- Grading reads the recordings with NumPy alone: TensorFlow is never imported, and grading works
  where it cannot be.
- `nnlab verify` reports, per graded module, the points resting on each oracle, with some on
  Keras for every module that has graders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nnlab.baselines import BaselineError
from nnlab.course import load_course
from nnlab.grading.baseline_checks import recorded_cases, recorded_tolerance
from nnlab.grading.compare import Comparator
from nnlab.reports.feedback import md_code
from nnlab.grading.results import ORACLES, SubmissionResult, TestResult
from nnlab.reports.publish import Publisher
from nnlab.grading.runner import grade_submission
from nnlab.verify import oracle_verdicts, verify
from tests.support import ROOT, copy_course

# Cross-entropy as the lecture writes it, with no clip: log(0) where p is exactly 0 or 1. The
# errstate keeps it silent, so only the clipping convention tells it from Keras.
UNCLIPPED_BCE = '''
def binary_cross_entropy(y_true, p, eps=1e-7):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))
'''


def test_equal_to_the_reference_but_not_keras_loses_the_keras_test(tmp_path):
    # a course whose reference forgot Keras's clip: the learner matches that reference exactly
    copy_course(tmp_path, names=("course.yml", "graders", "reference"))
    reference = tmp_path / "reference" / "losses.py"
    reference.write_text(reference.read_text() + "\n" + UNCLIPPED_BCE)
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "losses.py").write_text((ROOT / "solutions" / "losses.py").read_text() + "\n"
                                      + UNCLIPPED_BCE)
    course = load_course(tmp_path / "course.yml")
    result = grade_submission(folder, course, warn_seed=False,
                              functions={"losses.binary_cross_entropy"})
    assert not result.error and not result.grader_errors
    against_reference = [t for t in result.tests if t.oracle == "reference"]
    against_keras = [t for t in result.tests if t.oracle == "keras"]
    assert against_reference and all(t.passed for t in against_reference), \
        [t.output for t in against_reference if not t.passed]
    lost = [t for t in against_keras if not t.passed]
    # both recorded cases hold p == 0 and p == 1
    assert [t.name for t in lost] == [f"losses.binary_cross_entropy: Keras 3 recorded output ({d})"
                                      for d in ("float64", "float32")]
    feedback = lost[0].output
    assert "nan" in feedback and "Keras" in feedback
    # which convention differs: the catalogued misconception, in the learner's terms ...
    assert "looks like the cross-entropy of p without clipping" in feedback
    assert "clip p to [eps, 1 - eps] first, as Keras does" in feedback
    # ... and where the expected values come from, with what the case exercises
    assert "Keras 3's, recorded from keras.losses.BinaryCrossentropy(dtype='float64')" in feedback
    assert "p holds exact 0s and 1s" in feedback
    assert lost[0].compared_with == "Keras 3 recorded output"


def test_results_and_feedback_name_every_tests_oracle(course, make_submission, tmp_path):
    folder = make_submission("solutions")
    result = grade_submission(folder, course, warn_seed=False)
    assert result.score == result.max_score > 0
    out = Publisher().learner(tmp_path / "out", result)
    data = json.loads((out / "results.json").read_text())
    feedback = (out / "feedback.md").read_text()
    for test in data["tests"]:
        oracle = test["extra_data"]["oracle"]
        assert oracle in ORACLES and test["extra_data"]["compared_with"] == ORACLES[oracle]
        assert f"{md_code(test['name'])} ({test['score']:g}/{test['max_score']:g}; compared " \
               f"with: {ORACLES[oracle]})" in feedback
        if test["name"].split(".")[0] in ("activations", "losses"):
            assert (oracle == "keras") == ("Keras 3 recorded output" in test["name"]), test["name"]
    for module in ("activations", "losses"):
        assert any(t["extra_data"]["oracle"] == "keras" and t["name"].startswith(module + ".")
                   for t in data["tests"])
    again = SubmissionResult.from_gradescope(data)
    assert [t.oracle for t in again.tests] == [t.oracle for t in result.tests]


MARKED_GRADER = '''
"""Oracles by marker, by inference from recorded cases, and by default."""

import numpy as np
import pytest

from nnlab.grading import check_call
from nnlab.grading.baseline_checks import check_recorded, recorded_cases

SIGMOID_CASES = recorded_cases("activations.sigmoid")


@pytest.mark.points(1)
def test_default(learner, ref):
    """activations.relu: compared with the reference"""
    check_call(learner.activations.relu, ref.activations.relu, np.linspace(-2, 2, 5))


@pytest.mark.points(1)
def test_reads_recorded_cases(learner):
    """activations.sigmoid: a module-level list of recorded cases"""
    for case in SIGMOID_CASES:
        check_recorded(learner.activations.sigmoid, case)


@pytest.mark.points(1)
@pytest.mark.parametrize("case", recorded_cases("activations.tanh", dtype="float32"))
def test_case_parameter(learner, case):
    """activations.tanh: a recorded case as a parameter"""
    check_recorded(learner.activations.tanh, case)


@pytest.mark.oracle("numerical")
@pytest.mark.points(1)
def test_numerical(learner):
    """activations.tanh_grad: centred differences"""


@pytest.mark.oracle("sklearn")
@pytest.mark.points(1)
def test_sklearn(learner):
    """activations.linear: a scikit-learn score"""
'''


def test_oracle_marker_inference_and_default(tmp_path, make_submission):
    copy_course(tmp_path, names=("course.yml", "graders", "reference"))
    (tmp_path / "graders" / "test_activations.py").write_text(MARKED_GRADER)
    course = load_course(tmp_path / "course.yml")
    result = grade_submission(make_submission("solutions", modules=("activations",)), course,
                              modules=["activations"],
                              warn_seed=False)
    assert not result.error, result.error
    assert {t.name: t.oracle for t in result.tests} == {
        "activations.relu: compared with the reference": "reference",
        "activations.sigmoid: a module-level list of recorded cases": "keras",
        "activations.tanh: a recorded case as a parameter [tanh_f32]": "keras",
        "activations.tanh_grad: centred differences": "numerical",
        "activations.linear: a scikit-learn score": "sklearn",
    }
    assert all(t.passed for t in result.tests)

    (tmp_path / "graders" / "test_activations.py").write_text(
        MARKED_GRADER.replace('oracle("sklearn")', 'oracle("wikipedia")'))
    result = grade_submission(make_submission("again", modules=("activations",)), course,
                              modules=["activations"],
                              warn_seed=False)
    assert "unknown oracle 'wikipedia'" in result.error


def test_recorded_cases_and_their_tolerance():
    cases = recorded_cases("activations.leaky_relu_grad", folder=ROOT / "graders" / "baselines")
    assert {str(c.dtype) for c in cases} == {"float32", "float64"}
    assert all(c.settings["function"] == "leaky_relu" for c in cases)
    only32 = recorded_cases("activations.leaky_relu_grad", dtype=np.float32,
                            folder=ROOT / "graders" / "baselines")
    assert only32 and all(c.dtype == np.float32 for c in only32)
    # Keras rounds the slope through float32: that case's own tolerance is looser than the
    # course's float64 rtol in atol and is kept; elsewhere the course's tolerance applies
    comparator = Comparator()
    slope = next(c for c in cases if c.name == "leaky_relu_f64")
    tol = recorded_tolerance(comparator, slope, "activations.leaky_relu_grad")
    course64 = comparator.tolerance_for(np.zeros(1))
    assert tol.rtol == max(course64.rtol, 5e-8) and tol.atol == max(course64.atol, 1e-12)
    with pytest.raises(BaselineError, match="no recorded case .* calls losses.half_sse"):
        recorded_cases("losses.half_sse", folder=ROOT / "graders" / "baselines")
    with pytest.raises(BaselineError, match="in float32"):
        recorded_cases("losses.softmax_cross_entropy", dtype="float32",
                       folder=ROOT / "graders" / "baselines")


def test_grading_never_imports_tensorflow():
    # TensorFlow and Keras are made unimportable: grading must not need them, and must not try
    code = textwrap.dedent("""
        import sys
        sys.modules["tensorflow"] = None
        sys.modules["keras"] = None
        from nnlab.course import load_course
        from nnlab.grading.runner import grade_submission
        course = load_course(sys.argv[1])
        result = grade_submission(sys.argv[2], course, warn_seed=False)
        keras = [t for t in result.tests if t.oracle == "keras"]
        assert result.score == result.max_score > 0 and len(keras) > 40, result.error
        loaded = {m.split(".")[0] for m, v in sys.modules.items() if v is not None}
        print(sorted(loaded & {"tensorflow", "keras", "jax", "torch"}))
    """)
    run = subprocess.run([sys.executable, "-c", code, str(ROOT / "course.yml"),
                          str(ROOT / "solutions")], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_verify_reports_points_per_oracle_with_keras_for_every_graded_module(course):
    verdicts = []
    checks = verify(course)
    for verdict in checks:  # stop before the (slow) mistake checks: this test needs the rest
        verdicts.append(verdict)
        if verdict.check.startswith("stubs score zero"):
            break
    checks.close()
    by_oracle = {v.check: v for v in verdicts if v.check.endswith(" points by oracle")}
    assert set(by_oracle) == {f"{m} points by oracle" for m in course.graded_modules()}
    assert {"activations", "losses", "conv"} <= set(course.graded_modules())
    for module in course.graded_modules():
        verdict = by_oracle[f"{module} points by oracle"]
        assert verdict.ok, verdict.detail
        assert "Keras 3 recorded output" in verdict.detail and "reference implementation" in verdict.detail
    # one point per activation function and dtype (17 functions, float64 and float32)
    assert "Keras 3 recorded output 34 " in by_oracle["activations points by oracle"].detail


def test_a_module_without_keras_points_fails_the_oracle_check():
    tests = [TestResult("perceptron.neuron: random", 2, 2), TestResult("perceptron.neuron: more", 1, 1),
             TestResult("losses.mse: Keras", 1, 1, oracle="keras"),
             TestResult("losses.mse_grad: numerically", 3, 3, oracle="numerical")]
    verdicts = {v.check: v for v in oracle_verdicts(tests)}
    assert not verdicts["perceptron points by oracle"].ok
    assert verdicts["perceptron points by oracle"].detail == (
        "reference implementation 3 (of 3); no test compares with a recorded Keras output")
    assert verdicts["losses points by oracle"].ok
    assert verdicts["losses points by oracle"].detail == (
        "Keras 3 recorded output 1, numerical gradient 3 (of 4)")
