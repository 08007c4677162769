"""A grader fault needs proof: a test that raises is rerun with the reference in the learner's
place, and only an error the reference hits too is a grader fault ("grader_error", to regrade).
Otherwise the learner's values broke the grader: their failure, with one line saying what their
function returned. Figures never fail on a learner's numbers.

The three cases of issue 19 are here as regressions: an empty last mini-batch, perceptron
errors `[1, [1, 1]]`, and `loss_curve_ = [1e308, -1e308] * 10` (a class run with `-j 1` too).
"""

import json
import subprocess
import sys

import numpy as np

from nnlab.grading.figures import Figure, FigureRecorder
from nnlab.grading.runner import grade_submission
from nnlab.reports.plots import draw
from tests.support import ROOT, copy_course, learner_folder, solution_with

EMPTY_LAST_BATCH = """
def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    batches = [(X[order[s:s + batch_size]], y[order[s:s + batch_size]])
               for s in range(0, len(X), batch_size)]
    return batches + [(X[:0], y[:0])]
"""

RAGGED_ERRORS = """
_perceptron_train = perceptron_train
def perceptron_train(X, y, lr=0.1, epochs=100):
    w, b, errors = _perceptron_train(X, y, lr, epochs)
    return w, b, [1, [1, 1]]
"""

HUGE_CURVE = """
_fit = MLPClassifier.fit
def _huge_curve_fit(self, X, y):
    _fit(self, X, y)
    self.loss_curve_ = [1e308, -1e308] * 10
    return self
MLPClassifier.fit = _huge_curve_fit
"""


def grade(tmp_path, course, module, extra, functions=None):
    folder = learner_folder(tmp_path / "learner", module, solution_with(module, extra))
    return grade_submission(folder, course, warn_seed=False, modules=[module], functions=functions)


def test_an_empty_last_batch_is_the_learners_failure_not_a_grader_error(tmp_path, course):
    result = grade(tmp_path, course, "gradient_descent", EMPTY_LAST_BATCH,
                   functions={"gradient_descent.minibatches"})
    assert not result.error and not result.grader_errors, result.grader_errors
    lost = [t for t in result.tests if not t.passed]
    assert lost and all(t.outcome == "failed" and t.score == 0 for t in lost)
    # the tests whose grader code once broke on the empty batch (a reshape of size 0) now say so
    for test in lost:
        assert "is empty" in test.output or ", 0]" in test.output, test.output
        assert "not a fault in your code" not in test.output


def test_ragged_perceptron_errors_are_named_in_one_line(tmp_path, course):
    result = grade(tmp_path, course, "perceptron", RAGGED_ERRORS,
                   functions={"perceptron.perceptron_train"})
    assert not result.error and not result.grader_errors, result.grader_errors
    early = next(t for t in result.tests if "stops after the first epoch" in t.name)
    assert early.outcome == "failed" and early.score == 0
    assert early.output.startswith("perceptron.perceptron_train returned [1, [1, 1]] as its "
                                   "output[2], where the reference returns a 1-d int array"), \
        early.output
    assert all(t.outcome == "failed" for t in result.tests)


def test_a_grader_bug_is_still_a_grader_error(tmp_path):
    """A grader that raises with the reference's values too is nnlab's fault: no learner loses
    points for it, and the feedback says so."""
    (tmp_path / "course").mkdir()
    course_root = copy_course(tmp_path / "course")
    grader = course_root / "graders" / "test_activations.py"
    grader.write_text(grader.read_text() + '''

@pytest.mark.points(1)
def test_broken_grader(learner):
    """activations.relu: a grader with a bug of its own"""
    out = learner.activations.relu(np.array([1.0, -1.0]))
    return out[7]  # IndexError whoever answers
''')
    from nnlab.course import load_course

    course = load_course(course_root / "course.yml")
    folder = learner_folder(tmp_path / "learner", "activations",
                            (ROOT / "solutions" / "activations.py").read_text())
    result = grade_submission(folder, course, warn_seed=False, modules=["activations"],
                              functions={"activations.relu"})
    broken = next(t for t in result.tests if "a grader with a bug" in t.name)
    assert broken.outcome == "grader_error" and "IndexError" in broken.output
    assert "not a fault in your code" in broken.output
    assert all(t.passed for t in result.tests if t is not broken)


def test_a_huge_loss_curve_is_drawn_and_graded(tmp_path, course):
    folder = learner_folder(tmp_path / "learner", "mlp", solution_with("mlp", HUGE_CURVE))
    out = tmp_path / "out"
    result = grade_submission(folder, course, warn_seed=False, modules=["mlp"],
                              functions={"mlp.MLPClassifier"}, out_dir=out)
    assert not result.error and not result.grader_errors
    curve = next(t for t in result.tests if "loss_curve_" in t.name)
    assert curve.outcome == "failed" and curve.score == 0, curve.output
    pngs = list((out / "learner" / "figures").glob("*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert json.loads((out / "learner" / "results.json").read_text())["tests"]


def test_a_class_run_with_one_job_survives_a_huge_loss_curve(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    learner_folder(klass / "huge", "mlp", solution_with("mlp", HUGE_CURVE))
    learner_folder(klass / "ragged", "perceptron", solution_with("perceptron", RAGGED_ERRORS))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", str(klass), "--out",
                           str(out), "-j", "1", "--course", str(ROOT)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for learner in ("huge", "ragged"):
        tests = json.loads((out / learner / "results.json").read_text())["tests"]
        assert tests and not any(t.get("status") == "grader_error" or "grader error" in t["output"]
                                 for t in tests), learner


ODD_CURVES = {
    "huge": [1e308, -1e308] * 10,
    "non-finite": [np.inf, np.nan, -np.inf, 1.0],
    "empty": [],
    "one point": [3.0],
    "ragged": [1, [1, 1]],
    "text": "falling",
    "all nan on a log axis": [np.nan, np.nan],
    "negative on a log axis": [-1.0, -2.0],
}


def test_figures_never_fail_on_a_learners_numbers(tmp_path):
    figures = []
    recorder = FigureRecorder(figures)
    for label, curve in ODD_CURVES.items():
        recorder.loss_curves(f"loss {label}", log_y="log" in label, yours=curve,
                             reference=[3.0, 2.0, 1.0])
    recorder.decision_boundary("boundary huge", [0, 1], [0, 1], [[1e308, -np.inf], [np.nan, 0.5]],
                               points=[[0, 0], [1, 1]], labels=[0, 1])
    recorder.decision_boundary("boundary ragged", [0, 1], [0, 1], [[1, [1]], [0]],
                               points=[[0, 0]], labels=[0])
    recorder.decision_boundary("boundary empty", [], [], [], points=[], labels=[])
    assert {f.title for f in figures} >= {f"loss {label}" for label in ODD_CURVES} - {"loss ragged", "loss text"}
    for figure in figures + [Figure("loss_curves", "raw", {"curves": {"yours": [1e308, -1e308]},
                                                            "log_y": True})]:
        path = draw(figure, tmp_path / figure.filename)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_why_unusable_names_the_part_that_differs_from_the_reference():
    from nnlab.grading.proof import why_unusable

    said = why_unusable([("m.f", {"W": np.zeros(3)})], [("m.f", {"W": np.zeros(3), "b": np.zeros(1)})],
                        KeyError("b"))
    assert said.startswith("m.f returned dict with keys ['W'], where the reference returns a dict")
    said = why_unusable([("m.f", np.array([1e308, -1e308]))], [("m.f", np.array([1.0, 2.0]))],
                        OverflowError("overflow"))
    assert "values as large as 1e+308" in said and "OverflowError: overflow" in said
    # the second call of a function is set beside the reference's second call
    said = why_unusable([("m.f", [1.0]), ("m.f", "text")], [("m.f", [1.0]), ("m.f", [2.0])],
                        TypeError("no"))
    assert said.startswith("m.f returned 'text'")
