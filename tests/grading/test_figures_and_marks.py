"""Graders' figures become PNGs linked from feedback.md; a test's own time limit is honoured;
a parametrized test's title can name its parameter."""

import json
import textwrap

from nnlab.grading.figures import Figure, FigureRecorder
from nnlab.grading.results import SubmissionResult, TestResult
from nnlab.reports.publish import Publisher
from nnlab.grading.runner import grade_submission
from tests.support import copy_course, solution_with
from nnlab.course import load_course

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_figures_are_drawn_beside_feedback_and_linked(tmp_path):
    figures: list[Figure] = []
    recorder = FigureRecorder(figures)
    recorder.loss_curves("xor.train_xor: loss over epochs", yours=[1.0, 0.5, 0.2],
                         reference=[1.0, 0.4, 0.1])
    recorder.decision_boundary("xor.train_xor: decision boundary", [0, 0.5, 1], [0, 1],
                               [[0.1, 0.9, 0.2], [0.8, 0.3, 0.7]],
                               points=[[0, 0], [1, 1]], labels=[0, 0])
    recorder.loss_curves("not numbers", yours=["a", object()])  # nothing to draw: skipped
    assert [f.kind for f in figures] == ["loss_curves", "decision_boundary"]
    result = SubmissionResult(learner="ada", tests=[TestResult("xor.train_xor: solves", 1, 1)],
                              modules=["xor"], figures=figures)
    folder = Publisher().learner(tmp_path, result)
    for figure in figures:
        png = folder / "figures" / figure.filename
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert f"](figures/{figure.filename})" in (folder / "feedback.md").read_text()
    data = json.loads((folder / "results.json").read_text())
    assert data["extra_data"]["figures"] == [f"figures/{f.filename}" for f in figures]
    assert not list((folder / "figures").glob(".*"))  # no temporary files left behind


EXTRA_GRADER = textwrap.dedent('''

    @pytest.mark.points(1)
    @pytest.mark.seconds_per_call(6)
    def test_zz_slow_but_allowed(learner):
        """activations.linear: a slow call with a longer limit"""
        learner.activations.linear(np.zeros(2))


    @pytest.mark.points(1)
    def test_zz_slow_default_limit(learner):
        """activations.linear: a slow call with the default limit"""
        learner.activations.linear(np.zeros(2))


    @pytest.mark.points(1)
    @pytest.mark.parametrize("fn", ["relu", "tanh"])
    def test_zz_titled(learner, fn):
        """activations.{fn}: called by name"""
        getattr(learner.activations, fn)(np.zeros(2))
''')


def test_per_test_time_limit_and_templated_titles(tmp_path, fast_course, make_submission):
    (tmp_path / "course").mkdir()
    root = copy_course(tmp_path / "course")
    grader = root / "graders" / "test_activations.py"
    grader.write_text(grader.read_text() + EXTRA_GRADER)
    course = load_course(root / "course.yml").model_copy(update={"limits": fast_course.limits})
    slow = solution_with("activations", "import time\n_fast_linear = linear\n"
                         "def linear(x):\n    if x.shape == (2,):\n        time.sleep(2.5)\n"
                         "    return _fast_linear(x)\n")
    folder = make_submission("sol", {"activations.py": slow}, modules=("activations",))
    result = grade_submission(folder, course)
    assert not result.error, result.error
    by_name = {t.name: t for t in result.tests}
    assert by_name["activations.linear: a slow call with a longer limit"].passed
    limited = by_name["activations.linear: a slow call with the default limit"]
    assert limited.outcome == "timeout", limited.output
    assert by_name["activations.relu: called by name"].passed
    assert by_name["activations.tanh: called by name"].passed
