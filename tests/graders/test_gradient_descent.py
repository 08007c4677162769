"""The gradient_descent grader: the solution (textbook Adam) and cleo (Keras's Adam, another
correct shuffle) keep full marks, typical mistakes lose points and are named, and mini-batches
are judged by their properties, never by the reference's permutation."""

import pytest

from tests.support import ROOT, grade_cleanly, learner_folder, solution_with

MODULE = "gradient_descent"


def grade(folder, course, source=None, base=ROOT / "solutions", functions=None):
    if source is None:
        source = (base / f"{MODULE}.py").read_text(encoding="utf-8")
    return grade_cleanly(learner_folder(folder, MODULE, source), course, functions)


@pytest.mark.parametrize("learner, base", [("solution", ROOT / "solutions"),
                                           ("cleo", ROOT / "examples" / "class" / "cleo")])
def test_correct_learners_get_full_marks(tmp_path, course, learner, base):
    result = grade(tmp_path / learner, course, base=base)
    lost = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert result.score == result.max_score > 0, lost
    assert any(f.kind == "loss_curves" for f in result.figures)


def test_dan_loses_points_and_each_mistake_is_named(tmp_path, course):
    result = grade(tmp_path / "dan", course, base=ROOT / "examples" / "class" / "dan")
    feedback = "\n".join(t.output for t in result.tests if not t.passed)
    assert result.score < result.max_score
    for looks_like in ("gradient ascent", "momentum that steps with the old velocity",
                       "Adam without bias correction", "batching that drops the last short batch",
                       "a summed, not averaged, gradient"):
        assert f"looks like {looks_like}" in feedback, looks_like


@pytest.mark.parametrize("order", ["rng.choice(len(X), size=len(X), replace=False)",
                                   "np.argsort(rng.random(len(X)))[::-1]"])
def test_minibatches_with_another_permutation_keep_full_marks(tmp_path, course, order):
    variant = (f"def minibatches(X, y, batch_size, rng):\n"
               f"    order = {order}\n"
               f"    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])\n"
               f"            for i in range(0, len(X), batch_size)]\n")
    result = grade(tmp_path / "other-order", course, solution_with(MODULE, variant),
                   functions={"gradient_descent.minibatches"})
    assert result.tests and all(t.passed for t in result.tests), [t.output for t in result.tests]


def test_minibatches_from_the_global_random_state_lose_reproducibility(tmp_path, course):
    variant = ("def minibatches(X, y, batch_size, rng):\n"
               "    order = np.random.permutation(len(X))\n"
               "    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])\n"
               "            for i in range(0, len(X), batch_size)]\n")
    result = grade(tmp_path / "global-rng", course, solution_with(MODULE, variant),
                   functions={"gradient_descent.minibatches"})
    lost = [t for t in result.tests if not t.passed]
    assert [t.name for t in lost] == [
        "gradient_descent.minibatches: shuffled with the rng, the same rng state gives the same batches"]
    assert "rng argument" in lost[0].output


def test_adam_with_keras_epsilon_placement_is_accepted(tmp_path, course):
    result = grade(tmp_path / "keras-adam", course, base=ROOT / "examples" / "class" / "cleo",
                   functions={"gradient_descent.adam_step"})
    assert len(result.tests) == 4 and all(t.passed for t in result.tests)
