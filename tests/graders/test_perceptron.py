"""The perceptron grader: the solution and a correct learner in another style keep full marks,
typical mistakes lose points and are named, and a training that never stops early loses exactly
the early-stop test."""

import pytest

from tests.support import ROOT, grade_cleanly, learner_folder, solution_with

MODULE = "perceptron"


def grade(folder, course, source=None, base=ROOT / "solutions"):
    if source is None:
        source = (base / f"{MODULE}.py").read_text(encoding="utf-8")
    return grade_cleanly(learner_folder(folder, MODULE, source), course)


@pytest.mark.parametrize("learner, base", [("solution", ROOT / "solutions"),
                                           ("cleo", ROOT / "examples" / "class" / "cleo")])
def test_correct_learners_get_full_marks(tmp_path, course, learner, base):
    result = grade(tmp_path / learner, course, base=base)
    lost = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert result.score == result.max_score > 0, lost


def test_dan_loses_points_and_each_mistake_is_named(tmp_path, course):
    result = grade(tmp_path / "dan", course, base=ROOT / "examples" / "class" / "dan")
    feedback = "\n".join(t.output for t in result.tests if not t.passed)
    assert result.score < result.max_score
    for looks_like in ("x @ w with the bias left out", "the activation applied before the bias",
                       "a step that is 0 at z == 0", "training that never stops early"):
        assert f"looks like {looks_like}" in feedback, looks_like


def test_training_that_never_stops_early_loses_only_the_early_stop_test(tmp_path, course):
    source = (ROOT / "solutions" / f"{MODULE}.py").read_text()
    edited = source.replace("        if wrong == 0:  # an epoch without a mistake: the weights can no "
                            "longer change\n            break\n", "")
    assert edited != source
    result = grade(tmp_path / "no-early-stop", course, edited)
    lost = [t.name for t in result.tests if not t.passed]
    assert lost == ["perceptron.perceptron_train: stops after the first epoch without errors"]
    assert "looks like training that never stops early" in result.tests[
        [t.name for t in result.tests].index(lost[0])].output


def test_gates_left_as_none_are_not_implemented(tmp_path, course):
    result = grade(tmp_path / "stub-gates", course, solution_with(
        MODULE, "AND_GATE = OR_GATE = NAND_GATE = None"))
    gates = [t for t in result.tests if t.name.startswith("perceptron.") and "_GATE" in t.name]
    assert len(gates) == 3 and all(t.outcome == "not_implemented" for t in gates)
    assert all(t.passed for t in result.tests if t not in gates)


def test_other_right_gates_pass_and_wrong_ones_say_where(tmp_path, course):
    result = grade(tmp_path / "gates", course, solution_with(
        MODULE, "AND_GATE = (np.array([0.5, 0.7]), -1.0)\nOR_GATE = (np.array([1.0, 1.0]), 0.5)"))
    by_name = {t.name: t for t in result.tests}
    assert by_name["perceptron.AND_GATE: reproduces the truth table on all four inputs"].passed
    wrong = by_name["perceptron.OR_GATE: reproduces the truth table on all four inputs"]
    # b = +0.5 puts only the input 00 (z = 0.5) on the wrong side
    assert not wrong.passed and "wrong on the inputs 00:" in wrong.output
