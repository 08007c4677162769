"""The mlp grader: the solution and Cleo's correct file get full marks, Dan's typical mistakes
each lose points and are named (his training itself is sound, so his accuracy keeps its
points), a learner whose training is too slow is told so in one line and loses only the tests
of that fit, fit must leave X alone, and a fixed random_state must reproduce a fit."""

import sys

import pytest

from nnlab.course import load_course
from reference.mistakes import MISTAKES
from tests.support import ROOT, copy_course, grade_cleanly, learner_folder, solution_with


def grade(course, folder, source, functions=None):
    return grade_cleanly(learner_folder(folder, "mlp", source), course, functions)


def failed(result):
    return {t.name: t.output for t in result.tests if not t.passed}


def message(name):
    return next(m for m in MISTAKES if m.name == name).message()


@pytest.mark.parametrize("source", ["solutions", "examples/class/cleo"])
def test_correct_files_get_full_marks_and_loss_curve_figures(course, tmp_path, source):
    result = grade(course, tmp_path / "learner", (ROOT / source / "mlp.py").read_text())
    assert result.score == result.max_score > 0, failed(result)
    titles = {f.title for f in result.figures}
    assert {"mlp.MLPClassifier: loss over epochs on the digits",
            "mlp.MLPRegressor: loss over epochs on the make_regression set"} <= titles
    curves = next(f for f in result.figures if "digits" in f.title).data["curves"]
    assert set(curves) == {"yours", "reference"} and len(curves["yours"]) == 20


def test_dan_loses_points_and_each_misconception_is_named(course, tmp_path):
    result = grade(course, tmp_path / "dan", (ROOT / "examples/class/dan/mlp.py").read_text())
    lost = failed(result)
    expected = {
        "mlp.MLPClassifier: predict returns the labels": "mlp_classifier_predict_indices",
        "mlp.MLPClassifier: score is the accuracy": "mlp_classifier_score_error_rate",
        "mlp.MLPClassifier: loss_curve_": "mlp_loss_curve_per_batch",
        "mlp.MLPRegressor: predict returns (N,)": "mlp_regressor_predict_column",
        "mlp.MLPRegressor: score is R^2": "mlp_regressor_score_mse",
        "mlp.MLPRegressor: loss_curve_": "mlp_regressor_loss_curve_per_batch",
        # training judged as training: with mini-batches his loss_curve_ is not the epoch's mean
        "mlp.MLPClassifier: trained with Adam": "mlp_loss_curve_per_batch",
        "mlp.MLPRegressor: trained with Adam": "mlp_regressor_loss_curve_per_batch",
    }
    for prefix, name in expected.items():
        outputs = [out for test, out in lost.items() if test.startswith(prefix)]
        assert outputs and message(name) in outputs[0], (prefix, outputs)
    assert len(lost) == len(expected), sorted(lost)  # his sound training keeps its points


def test_too_slow_training_is_told_in_one_line_and_costs_only_the_classifier(tmp_path, monkeypatch):
    (tmp_path / "course").mkdir()
    root = copy_course(tmp_path / "course")
    grader = root / "graders" / "test_mlp.py"
    grader.write_text(grader.read_text().replace("FIT_SECONDS = 20 ", "FIT_SECONDS = 3 "))
    course = load_course(root / "course.yml")
    # graders run in this process: forget an earlier grading's test_mlp, so the copy is read
    monkeypatch.delitem(sys.modules, "test_mlp", raising=False)
    slow = '''
import time

_fit = MLPClassifier.fit


def _slow_fit(self, X, y):
    if len(X) > 1000:  # only the digits
        time.sleep(5)
    return _fit(self, X, y)


MLPClassifier.fit = _slow_fit
'''
    result = grade(course, tmp_path / "slow", solution_with("mlp", slow))
    lost = failed(result)
    digits_tests = {"mlp.MLPClassifier: accuracy on the digits within 3 points of scikit-learn's",
                    "mlp.MLPClassifier: accuracy on the digits within 3 points of a Keras MLP "
                    "trained the same way",
                    "mlp.MLPClassifier: predict_proba gives probabilities, rows summing to 1",
                    "mlp.MLPClassifier: loss_curve_ holds one mean loss per epoch and falls"}
    # The digits fit runs out of time; once a function has (the same limit applying), later fits
    # fail at once with that reason instead of each costing the limit again (issue 12's bound
    # on a hanging learner). Every lost test says so in one line.
    assert digits_tests <= set(lost)
    assert all(name.startswith("mlp.MLPClassifier") for name in lost)
    for name in digits_tests:
        assert "\n" not in lost[name] and "took over 3 s" in lost[name] and "vectorised" in lost[name]
    assert all("\n" not in output and " s" in output for output in lost.values())


def test_fit_must_leave_X_alone_and_random_state_must_reproduce(course, tmp_path):
    careless = '''
_fit = MLPClassifier.fit


def _centring_fit(self, X, y):
    X -= X.mean(axis=0)  # centres the caller's array in place
    self.random_state = None  # and ignores the seed
    return _fit(self, X, y)


MLPClassifier.fit = _centring_fit
'''
    result = grade(course, tmp_path / "careless", solution_with("mlp", careless),
                   functions={"mlp.MLPClassifier"})
    lost = failed(result)
    assert any("fit modified X in place" in out for out in lost.values()), lost
    assert "mlp.MLPClassifier: the same random_state gives the same model" in lost
