"""The xor grader: the solution and cleo keep full marks with both figures drawn, typical
mistakes lose points and are named, and a network that cannot learn fails the training test."""

import pytest

from tests.support import ROOT, grade_cleanly, learner_folder, solution_with

MODULE = "xor"


def grade(folder, course, source=None, base=ROOT / "solutions", functions=None):
    if source is None:
        source = (base / f"{MODULE}.py").read_text(encoding="utf-8")
    return grade_cleanly(learner_folder(folder, MODULE, source), course, functions)


@pytest.mark.parametrize("learner, base", [("solution", ROOT / "solutions"),
                                           ("cleo", ROOT / "examples" / "class" / "cleo")])
def test_correct_learners_get_full_marks_and_figures(tmp_path, course, learner, base):
    result = grade(tmp_path / learner, course, base=base)
    lost = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert result.score == result.max_score > 0, lost
    kinds = sorted(f.kind for f in result.figures)
    assert kinds == ["decision_boundary", "loss_curves"]
    boundary = next(f for f in result.figures if f.kind == "decision_boundary")
    assert len(boundary.data["probabilities"]) == 41 and len(boundary.data["points"]) == 4


def test_dan_loses_points_and_each_mistake_is_named(tmp_path, course):
    result = grade(tmp_path / "dan", course, base=ROOT / "examples" / "class" / "dan")
    feedback = "\n".join(t.output for t in result.tests if not t.passed)
    assert result.score < result.max_score
    for looks_like in ("a network with a linear output",
                       "backprop without the output sigmoid's derivative",
                       "thresholding the sigmoid output at 0"):
        assert f"looks like {looks_like}" in feedback, looks_like


def test_a_network_that_does_not_learn_fails_the_training_test(tmp_path, course):
    # a step that leaves the weights alone: the losses never fall and XOR is never learnt
    frozen = ("def xor_train_step(params, X, Y, lr):\n"
              "    y_hat = xor_forward(X, params)\n"
              "    return dict(params), float(0.5 * np.sum((Y - y_hat) ** 2) / len(X))\n")
    result = grade(tmp_path / "frozen", course, solution_with(MODULE, frozen),
                   functions={"xor.train_xor"})
    learns = next(t for t in result.tests if t.name.startswith("xor.train_xor: learns"))
    assert not learns.passed and "from 0 of 5 starting points" in learns.output


def test_keras_tests_say_so_and_catch_a_linear_output(tmp_path, course):
    """The recorded Keras network's tests are labelled "keras" in results; an output layer left
    linear loses them (and is named), as it loses the reference's."""
    linear_output = '''
def xor_forward(X, params):
    h = 1.0 / (1.0 + np.exp(-(X @ params["W1"] + params["b1"])))
    return h @ params["W2"] + params["b2"]
'''
    result = grade(tmp_path / "linear-output", course, solution_with(MODULE, linear_output),
                   functions={"xor.xor_forward"})
    keras = [t for t in result.tests if t.oracle == "keras"]
    assert len(keras) == 3 and all(t.name.startswith("xor.xor_forward: Keras's recorded") for t in keras)
    assert all(t.compared_with == "Keras 3 recorded output" for t in keras)
    assert not any(t.passed for t in keras)
    assert all("looks like" in t.output for t in keras), [t.output for t in keras]
