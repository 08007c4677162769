"""Hidden grader for xor.py: the 2-2-1 sigmoid network, its chain-rule training step, training
to a solution, and predictions.

- Initial weights for the forward, step and training tests are drawn in the grader (the
  reference's Glorot-uniform `init_xor_mlp` on the learner's `rng`), so the learner's functions
  are compared with the reference from the very same weights.
- `init_xor_mlp` gets `np.random.default_rng(seed)`, which crosses into the worker by its state.
  It is judged by shapes, zero biases, the Glorot range and spread, and reproducibility for one
  seed.
- `train_xor` is run from five starting points drawn per learner among those from which the
  reference itself learns XOR (at lr 8 for 1000 epochs about one Glorot start in five of a
  2-2-1 network gets stuck),
  and must learn it from at least four. The learner's loss curve is drawn over the reference's,
  and the decision boundary of the learner's trained network (its own `xor_forward` on a grid)
  over the four points.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure, check_call, expect_close
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import recorded_tolerance
from reference.mistakes import mistakes_for

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y4 = np.array([[0.0], [1.0], [1.0], [0.0]])
TRAIN_LR, TRAIN_EPOCHS = 8.0, 1000  # the reference learns XOR from ~4 in 5 Glorot starts

# Keras's 2-H-1 sigmoid network recorded in graders/baselines/xor.npz (`nnlab baselines record
# -f xor`): its output on the four XOR points, the half-SSE loss, and the weights after one
# keras.optimizers.SGD step on that loss.
KERAS = load_baselines(Path(__file__).resolve().parent / "baselines", ["xor"])["xor"]
KERAS_IDS = [case.name for case in KERAS]
PARAM_KEYS = ("W1", "b1", "W2", "b2")


def start(ref, rng, hidden=2, dtype=np.float64):
    params = ref.xor.init_xor_mlp(rng, hidden=hidden)
    for key in ("b1", "b2"):  # non-zero biases exercise every gradient from the first step
        params[key] = rng.normal(scale=0.5, size=params[key].shape)
    return {k: v.astype(dtype) for k, v in params.items()}


def learnt(y_hat) -> bool:
    y_hat = np.asarray(y_hat, dtype=np.float64).reshape(-1)
    return y_hat.shape == (4,) and bool(np.all((y_hat >= 0.5) == (Y4.ravel() == 1)))


# ------------------------------------------------------------------------------------------
# Initial weights
# ------------------------------------------------------------------------------------------


def learner_init(learner, seed, hidden):
    value = learner.xor.init_xor_mlp(np.random.default_rng(seed), hidden=hidden)
    shapes = {"W1": (2, hidden), "b1": (hidden,), "W2": (hidden, 1), "b2": (1,)}
    what = f"xor.init_xor_mlp(rng, hidden={hidden})"
    if not isinstance(value, dict) or set(value) != set(shapes):
        raise GradingFailure(f"{what} should return a dict with keys {sorted(shapes)}, got "
                             f"{sorted(value) if isinstance(value, dict) else type(value).__name__}")
    for key, shape in shapes.items():
        array = value[key]
        if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.kind != "f":
            got = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
            raise GradingFailure(f"{what}[{key!r}] should be a float array of shape {shape}, got {got}")
    return value, what


@pytest.mark.points(1)
def test_init_shapes_and_biases(learner, rng):
    """xor.init_xor_mlp: the four arrays' shapes, biases zero"""
    hidden = int(rng.integers(2, 6))
    value, what = learner_init(learner, int(rng.integers(1 << 30)), hidden)
    if np.any(value["b1"] != 0) or np.any(value["b2"] != 0):
        raise GradingFailure(f"{what}: the biases should start at zero, as a Keras Dense layer's do")
    for key in ("W1", "W2"):  # zeros everywhere is not an initialisation
        if np.unique(value[key]).size < value[key].size:
            raise GradingFailure(f"{what}[{key!r}] has repeated values: weights are random draws.")


@pytest.mark.points(1)
def test_init_glorot_uniform(learner, rng):
    """xor.init_xor_mlp: weights uniform within Glorot's limit sqrt(6 / (fan_in + fan_out))"""
    hidden = 200
    value, what = learner_init(learner, int(rng.integers(1 << 30)), hidden)
    for key, fans in (("W1", 2 + hidden), ("W2", hidden + 1)):
        limit = np.sqrt(6.0 / fans)
        w = value[key]
        if np.abs(w).max() > limit:
            raise GradingFailure(f"{what}[{key!r}] has a weight of size {np.abs(w).max():.3g}, "
                                 f"beyond Glorot's limit {limit:.3g} = sqrt(6 / {fans})")
        spread = w.std() / (limit / np.sqrt(3))  # a uniform on [-L, L] has std L / sqrt(3)
        if not 0.8 < spread < 1.2 or abs(w.mean()) > 0.25 * limit:
            raise GradingFailure(f"{what}[{key!r}] has mean {w.mean():.3g} and standard deviation "
                                 f"{w.std():.3g}; uniform on [-{limit:.3g}, {limit:.3g}] gives "
                                 f"about 0 and {limit / np.sqrt(3):.3g}")
    # At hidden=200 the two layers' limits differ by 0.25%: too little to tell one from the
    # other. At hidden=4 they differ by 9.5% (sqrt(6/6) = 1 against sqrt(6/5) = 1.095): the
    # weights of 100 draws come within 3% of each layer's own limit and never pass it.
    pooled = {"W1": [], "W2": []}
    seed = int(rng.integers(1 << 30))
    for k in range(100):
        value, what = learner_init(learner, seed + k, 4)
        for key in pooled:
            pooled[key].append(np.abs(value[key]).ravel())
    for key, fans in (("W1", 2 + 4), ("W2", 4 + 1)):
        limit, top = np.sqrt(6.0 / fans), float(np.max(np.concatenate(pooled[key])))
        if top > limit * (1 + 1e-9) or top < 0.97 * limit:
            raise GradingFailure(
                f"xor.init_xor_mlp(rng, hidden=4)[{key!r}] over 100 seeds reaches |w| = {top:.4g}; "
                f"Glorot's limit for this layer is sqrt(6 / ({fans - (4 if key == 'W1' else 1)} + "
                f"{4 if key == 'W1' else 1})) = {limit:.4g}, which uniform draws come close to "
                f"and never pass (each layer has its own fan_in + fan_out).")


@pytest.mark.points(1)
def test_init_uses_rng(learner, rng):
    """xor.init_xor_mlp: the same seed gives the same weights, another seed others"""
    seed = int(rng.integers(1 << 30))
    first, what = learner_init(learner, seed, 3)
    again, _ = learner_init(learner, seed, 3)
    other, _ = learner_init(learner, seed + 1, 3)
    if not all(np.array_equal(first[k], again[k]) for k in first):
        raise GradingFailure(f"{what} gave different weights for two generators made from the same "
                             f"seed: draw them from the rng argument only")
    if np.array_equal(first["W1"], other["W1"]):
        raise GradingFailure(f"{what} gave the same W1 for two different seeds: draw it from the "
                             f"rng argument")


# ------------------------------------------------------------------------------------------
# Forward pass and predictions
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.parametrize("hidden", [2, 3])
def test_forward(learner, ref, rng, hidden):
    """xor.xor_forward: the truth table's four inputs and random points"""
    params = start(ref, rng, hidden)
    X = np.vstack([X4, rng.uniform(-1, 2, size=(6, 2))])
    check_call(learner.xor.xor_forward, ref.xor.xor_forward, X, params)


@pytest.mark.points(1)
def test_forward_float32(learner, ref, rng):
    """xor.xor_forward: float32 stays float32"""
    params = start(ref, rng, 2, np.float32)
    check_call(learner.xor.xor_forward, ref.xor.xor_forward, X4.astype(np.float32), params,
               exact_dtype=True)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", KERAS, ids=KERAS_IDS)
def test_forward_keras(learner, ref, case):
    """xor.xor_forward: Keras's recorded Dense(H, sigmoid) -> Dense(1, sigmoid) on the truth table"""
    params = {key: case[key] for key in PARAM_KEYS}
    check_call(learner.xor.xor_forward, ref.xor.xor_forward, case["X"], params,
               expected=case["y_hat"], exact_dtype=case.dtype == np.float32,
               note=keras_note(case, "out"), **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_predict(learner, ref, rng):
    """xor.xor_predict: integer classes from the output"""
    params = start(ref, rng, 3)
    params["W2"] *= 4
    X = np.vstack([X4, rng.uniform(-1, 2, size=(8, 2))])
    # Outputs on both sides of 0.5 for every learner's draw (half of them below): a prediction
    # that is always 1 (thresholding at 0) must not pass by luck of the draw.
    hidden = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    params["b2"] = -np.full_like(params["b2"], np.median(hidden @ params["W2"]))
    check_call(learner.xor.xor_predict, ref.xor.xor_predict, X, params)


@pytest.mark.points(1)
def test_predict_at_half(learner, ref, rng):
    """xor.xor_predict: an output of exactly 0.5 is class 1"""
    # Two hidden units that mirror each other: W1 = [[a, c], [c, a]], equal biases, W2 = [w, -w].
    # On 00 and 11 they are equal (a + c == c + a exactly), so the output is sigmoid(0) = 0.5
    # exactly; on 01 and 10 it is on either side of 0.5, so no constant answer passes.
    a, c = rng.uniform(0.5, 2.0) * rng.choice([-1, 1]), rng.uniform(-3.0, -0.5)
    params = {"W1": np.array([[a, c], [c, a]]), "b1": np.full(2, rng.normal()),
              "W2": np.array([[4.0], [-4.0]]), "b2": np.zeros(1)}
    check_call(learner.xor.xor_predict, ref.xor.xor_predict, X4, params)


# ------------------------------------------------------------------------------------------
# One training step and 50 of them
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.parametrize("hidden", [2, 3])
def test_train_step(learner, ref, rng, hidden):
    """xor.xor_train_step: one step's new weights and the loss before it"""
    params = start(ref, rng, hidden)
    check_call(learner.xor.xor_train_step, ref.xor.xor_train_step, params, X4, Y4,
               float(rng.uniform(0.5, 2.0)))


@pytest.mark.points(1)
def test_train_step_float32(learner, ref, rng):
    """xor.xor_train_step: float32 weights stay float32"""
    params = start(ref, rng, 2, np.float32)
    value = check_call(learner.xor.xor_train_step, ref.xor.xor_train_step, params,
                       X4.astype(np.float32), Y4.astype(np.float32), 1.0)
    if any(getattr(v, "dtype", None) != np.float32 for v in value[0].values()):
        raise GradingFailure("xor.xor_train_step with float32 weights and data should return "
                             "float32 weights")


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
def test_train_step_keras(learner, ref):
    """xor.xor_train_step: one keras.optimizers.SGD step on the half-SSE loss, recorded (the new weights and the loss)"""
    for case in KERAS:
        params = {key: case[key] for key in PARAM_KEYS}
        expected = ({key: case[f"{key}_next"] for key in PARAM_KEYS}, float(case["loss"]))
        check_call(learner.xor.xor_train_step, ref.xor.xor_train_step, params, case["X"],
                   case["Y"], case.settings["lr"], expected=expected,
                   **recorded_tolerance(learner.comparator, case))


def trajectory(step, params, lr, steps):
    """The losses and the weights after `steps` calls of step(params, X, Y, lr)."""
    losses = []
    for _ in range(steps):
        value = step(params, X4, Y4, lr)
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict)):
            raise GradingFailure("xor.xor_train_step should return a tuple (params, loss)")
        params, loss = value
        losses.append(loss)
    try:
        losses = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    return losses, params


@pytest.mark.points(2)
def test_train_step_trajectory(learner, ref, rng):
    """xor.xor_train_step: 50 steps from the same weights follow the reference's trajectory"""
    params, lr = start(ref, rng, 2), 2.0
    expected = trajectory(ref.xor.xor_train_step, params, lr, 50)
    actual = trajectory(learner.xor.xor_train_step, params, lr, 50)
    candidates = [(m, (lambda m=m: trajectory(m.fn, copy.deepcopy(params), lr, 50)))
                  for m in mistakes_for("xor.xor_train_step") if m.same_signature]
    expect_close(actual, expected, rtol=1e-6, atol=1e-9, mistakes=candidates,
                 what="50 calls of xor.xor_train_step(params, XOR_X, XOR_Y, lr=2.0), each from "
                      "the weights the last returned; (losses, final params)")


# ------------------------------------------------------------------------------------------
# Training to a solution
# ------------------------------------------------------------------------------------------


def train_with(step, params, lr, epochs):
    """(params, losses) of `epochs` calls of step(params, X, Y, lr), as train_xor returns."""
    losses = np.empty(epochs)
    for e in range(epochs):
        params, losses[e] = step(params, X4, Y4, lr)
    return params, losses


def solvable_starts(ref, rng, count=5):
    """Starting weights from which the reference learns XOR, with its loss curves."""
    starts = []
    while len(starts) < count:
        params = ref.xor.init_xor_mlp(rng)
        trained, losses = ref.xor.train_xor(params, X4, Y4, lr=TRAIN_LR, epochs=TRAIN_EPOCHS)
        if learnt(ref.xor.xor_forward(X4, trained)):
            starts.append((params, losses))
    return starts


@pytest.mark.points(3)
@pytest.mark.seconds_per_call(40)
def test_train_xor_learns(learner, ref, rng, figures):
    """xor.train_xor: learns XOR from at least 4 of 5 starting points"""
    solved, shown, problems = 0, False, []
    for k, (params, ref_losses) in enumerate(solvable_starts(ref, rng)):
        value = learner.xor.train_xor(params, X4, Y4, lr=TRAIN_LR, epochs=TRAIN_EPOCHS)
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict)):
            raise GradingFailure("xor.train_xor should return a tuple (params, losses)")
        trained, losses = value
        y_hat = learner.xor.xor_forward(X4, trained)
        if learnt(y_hat):
            solved += 1
        else:
            problems.append(f"start {k + 1}: outputs {np.round(np.ravel(y_hat), 3).tolist()}")
        if not shown:
            shown = True
            figures.loss_curves("xor.train_xor: loss over epochs", yours=losses,
                                reference=ref_losses)
            grid = np.linspace(-0.25, 1.25, 41)
            gx, gy = np.meshgrid(grid, grid)
            probs = learner.xor.xor_forward(np.column_stack([gx.ravel(), gy.ravel()]), trained)
            figures.decision_boundary("xor.train_xor: decision boundary", grid, grid,
                                      np.reshape(probs, gx.shape), points=X4, labels=Y4.ravel())
    if solved < 4:
        raise GradingFailure(
            f"xor.train_xor(params, XOR_X, XOR_Y, lr={TRAIN_LR:g}, epochs={TRAIN_EPOCHS}) learnt "
            f"XOR (every output on the right side of 0.5) from {solved} of 5 starting points from "
            f"which the reference learns it; " + "; ".join(problems[:3]))


@pytest.mark.points(2)
@pytest.mark.seconds_per_call(30)
def test_train_xor_losses(learner, ref, rng):
    """xor.train_xor: the loss of every epoch, from the same weights as the reference"""
    params = start(ref, rng, 2)
    expected = ref.xor.train_xor(params, X4, Y4, lr=1.0, epochs=300)
    result = learner.xor.train_xor.call(params, X4, Y4, lr=1.0, epochs=300)
    # a wrong training step shows in the losses: name it (its message says xor_train_step)
    candidates = [(m, (lambda m=m: train_with(m.fn, copy.deepcopy(params), 1.0, 300)))
                  for m in mistakes_for("xor.xor_train_step") if m.same_signature]
    expect_close(result.value, expected, rtol=1e-6, atol=1e-9, mistakes=candidates,
                 what="xor.train_xor(params, XOR_X, XOR_Y, lr=1.0, epochs=300); (params, losses)")
    if result.mutated:
        raise GradingFailure("xor.train_xor modified the starting params in place; the caller's "
                             "weights must stay as they were")
