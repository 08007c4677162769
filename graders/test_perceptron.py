"""Hidden grader for perceptron.py: the weighted sum, a neuron, the perceptron's prediction and
Rosenblatt's learning rule, and three logic gates.

Inputs are drawn per learner from `rng`. The lecture's worked example (w0 = 1, W = [5, -3],
x = [-3, 2] gives z = -20) is checked as it stands. Training runs use learning rates that are
powers of two on the gates and XOR, so every sum is exact and no prediction depends on rounding
(a sample exactly on the line is predicted 1); random separable data are drawn with a margin.

`neuron` takes a function. Grader-made functions cannot enter the sandbox (only plain data
crosses), so the activations passed are NumPy's own, named by reference and resolved inside the
worker: `numpy.tanh` and `numpy.positive` (the identity, a linear neuron).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure, LearnerFailure, Outcome, check_call, expect_close
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import recorded_tolerance, whole_output_candidates
from nnlab.grading.compare import bound_arguments, describe_call, describe_value
from nnlab.sandbox.protocol import FunctionRef
from reference.mistakes import mistakes_for

GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TRUTH = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
ACTIVATIONS = {"tanh": np.tanh, "positive": np.positive}

# Keras's Dense layers recorded in graders/baselines/dense.npz: a neuron layer is a Dense layer
# (x @ kernel + bias, then the activation), so its linear cases record weighted_sum's z and its
# tanh cases record neuron(x, kernel, bias, np.tanh), in float64 and float32.
DENSE = {case.name: case for case in
         load_baselines(Path(__file__).resolve().parent / "baselines", ["dense"])["dense"]}
KERAS_LINEAR = [DENSE["f64_linear"], DENSE["f32_linear"]]
KERAS_TANH = [DENSE["f64_tanh"], DENSE["f32_tanh"]]

# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def check_neuron(learner, ref, x, w, b, activation, expected=None, note="", exact_dtype=False,
                 **tolerance):
    """neuron(x, w, b, numpy.<activation>) against the reference (or `expected`, a recorded
    Keras output, at `tolerance`), mistakes named."""
    fn = ACTIVATIONS[activation]
    if expected is None:
        expected = ref.perceptron.neuron(x, w, b, fn)
    result = learner.perceptron.neuron.call(x, w, b, FunctionRef(f"numpy.{activation}"))
    what = (f"perceptron.neuron(x: {describe_value(x)}, w: {describe_value(w)}, "
            f"b: {describe_value(b)}, activation=np.{activation})")
    candidates = [(m, (lambda m=m: m.fn(x.copy(), w.copy(), copy.copy(b), fn)))
                  for m in mistakes_for("perceptron.neuron") if m.same_signature]
    expect_close(result.value, expected, what=what, mistakes=candidates, note=note,
                 exact_dtype=exact_dtype, comparator=learner.comparator, **tolerance)
    if result.mutated:
        raise GradingFailure(f"{what} modified {', '.join(result.mutated)} in place; return new arrays.")


def _trained_prefix(value, epochs):
    """(w, b, errors[:epochs]) of a training result; the errors as an array (a list is fine)."""
    if isinstance(value, (tuple, list)) and len(value) == 3:
        w, b, errors = value
        if isinstance(errors, list):
            try:
                errors = np.asarray(errors)
            except (TypeError, ValueError):
                return tuple(value)
        if isinstance(errors, np.ndarray) and errors.ndim == 1:
            errors = errors[:epochs]
        return (w, b, errors)
    return value


def check_training(learner, ref, X, y, **kwargs):
    """perceptron_train against the reference: the final w and b, and the error count of every
    epoch the reference ran. Epochs after the reference stopped are the early-stop test's
    business, so a training that never stops early loses that test only."""
    expected = ref.perceptron.perceptron_train(X, y, **kwargs)
    epochs = len(expected[2])
    result = learner.perceptron.perceptron_train.call(X, y, **kwargs)
    what = describe_call("perceptron.perceptron_train", ref.perceptron.perceptron_train, (X, y), kwargs)
    candidates = [
        (m, (lambda m=m: _trained_prefix(m.fn(X.copy(), y.copy(), **kwargs), epochs)))
        for m in mistakes_for("perceptron.perceptron_train") if m.same_signature
    ]
    expect_close(_trained_prefix(result.value, epochs), _trained_prefix(expected, epochs),
                 what=what + " returned (w, b, errors); compared with the expected w, b and the "
                 "errors of each epoch,", mistakes=candidates,
                 inputs=bound_arguments(ref.perceptron.perceptron_train, (X, y), kwargs))
    if result.mutated:
        raise GradingFailure(f"{what} modified {', '.join(result.mutated)} in place.")
    return result.value


def separable(rng, n=30, d=3, margin=0.15):
    """Points on either side of a random plane, none closer to it than `margin`, with 0/1
    labels; redrawn until the reference converges within 200 epochs at lr 0.1."""
    while True:
        w_true = rng.normal(size=d)
        w_true /= np.linalg.norm(w_true)
        b_true = rng.uniform(-0.3, 0.3)
        X = rng.uniform(-1.0, 1.0, size=(4 * n, d))
        z = X @ w_true + b_true
        keep = np.abs(z) > margin
        X, z = X[keep][:n], z[keep][:n]
        y = (z >= 0).astype(np.int64)
        if 0 < y.sum() < n:
            return X, y


def gate_value(learner, name):
    value = learner.perceptron.value(f"{name}_GATE")
    if value is None:
        raise LearnerFailure(Outcome.NOT_IMPLEMENTED,
                             f"perceptron.{name}_GATE is not implemented yet (it is None).")
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise GradingFailure(f"perceptron.{name}_GATE should be a tuple (w, b), got "
                             f"{type(value).__name__}")
    return value


# ------------------------------------------------------------------------------------------
# The lecture's worked example
# ------------------------------------------------------------------------------------------

X_EXAMPLE, W_EXAMPLE, B_EXAMPLE = np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0


@pytest.mark.points(1)
def test_weighted_sum_worked_example(learner, ref):
    """perceptron.weighted_sum: the lecture's example, 1 + 5 * (-3) - 3 * 2 = -20"""
    check_call(learner.perceptron.weighted_sum, ref.perceptron.weighted_sum,
               X_EXAMPLE, W_EXAMPLE, B_EXAMPLE)


@pytest.mark.points(1)
def test_neuron_worked_example(learner, ref):
    """perceptron.neuron: the lecture's example with a linear and a tanh activation"""
    for activation in ("positive", "tanh"):
        check_neuron(learner, ref, X_EXAMPLE, W_EXAMPLE, B_EXAMPLE, activation)


@pytest.mark.points(1)
def test_predict_worked_example(learner, ref):
    """perceptron.perceptron_predict: the lecture's example is on the 0 side, its mirror image on the 1 side"""
    check_call(learner.perceptron.perceptron_predict, ref.perceptron.perceptron_predict,
               X_EXAMPLE, W_EXAMPLE, B_EXAMPLE)
    # the mirror image (w and b negated) is on the 1 side: a constant 0 earns nothing here
    check_call(learner.perceptron.perceptron_predict, ref.perceptron.perceptron_predict,
               X_EXAMPLE, -np.asarray(W_EXAMPLE), -B_EXAMPLE)


# ------------------------------------------------------------------------------------------
# Weighted sums and neurons
# ------------------------------------------------------------------------------------------

LAYOUTS = {
    "one sample": ((4,), (4,), ()),
    "a batch": ((6, 4), (4,), ()),
    "a batch, 3 neurons": ((6, 4), (4, 3), (3,)),
    "one sample, 3 neurons": ((4,), (4, 3), (3,)),
}


def layout(rng, name, dtype=np.float64):
    xs, ws, bs = LAYOUTS[name]
    x = rng.normal(size=xs).astype(dtype)
    w = rng.normal(size=ws).astype(dtype)
    b = rng.normal(size=bs).astype(dtype) if bs else float(rng.normal())
    return x, w, b


@pytest.mark.points(1)
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_weighted_sum_layouts(learner, ref, rng, name):
    """perceptron.weighted_sum: single samples, batches and several neurons"""
    check_call(learner.perceptron.weighted_sum, ref.perceptron.weighted_sum, *layout(rng, name))


@pytest.mark.points(1)
def test_weighted_sum_float32(learner, ref, rng):
    """perceptron.weighted_sum: float32 stays float32"""
    x, w, b = layout(rng, "a batch, 3 neurons", np.float32)
    check_call(learner.perceptron.weighted_sum, ref.perceptron.weighted_sum, x, w, b,
               exact_dtype=True)


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["a batch", "a batch, 3 neurons"])
def test_neuron_tanh(learner, ref, rng, name):
    """perceptron.neuron: a tanh neuron"""
    check_neuron(learner, ref, *layout(rng, name), "tanh")


# ------------------------------------------------------------------------------------------
# Predictions
# ------------------------------------------------------------------------------------------


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", KERAS_LINEAR, ids=[c.name for c in KERAS_LINEAR])
def test_weighted_sum_keras(learner, ref, case):
    """perceptron.weighted_sum: a recorded Keras Dense layer without activation (x @ kernel + bias)"""
    check_call(learner.perceptron.weighted_sum, ref.perceptron.weighted_sum,
               case["x"], case["kernel"], case["bias"], expected=case["out"],
               exact_dtype=case.dtype == np.float32, note=keras_note(case, "out"),
               **recorded_tolerance(learner.comparator, case))


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", KERAS_TANH, ids=[c.name for c in KERAS_TANH])
def test_neuron_keras(learner, ref, case):
    """perceptron.neuron: a recorded Keras Dense(activation='tanh') layer, neuron(x, kernel, bias, np.tanh)"""
    check_neuron(learner, ref, case["x"], case["kernel"], case["bias"], "tanh",
                 expected=case["out"], note=keras_note(case, "out"),
                 exact_dtype=case.dtype == np.float32, **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["a batch", "a batch, 3 neurons"])
def test_predict_random(learner, ref, rng, name):
    """perceptron.perceptron_predict: integer classes 0 and 1"""
    for _ in range(50):  # both classes among the answers: a constant must not pass by luck
        case = layout(rng, name)
        if np.unique(ref.perceptron.perceptron_predict(*case)).size == 2:
            break
    check_call(learner.perceptron.perceptron_predict, ref.perceptron.perceptron_predict, *case)


@pytest.mark.points(2)
def test_predict_at_threshold(learner, ref, rng):
    """perceptron.perceptron_predict: a sample exactly on the line z = 0 is predicted 1"""
    # Small integers keep every sum exact; about a third of the samples land on z == 0. Drawn
    # again until some samples are on the 0 side: a constant 1 must not pass by luck.
    for _ in range(50):
        w = rng.integers(-2, 3, size=3).astype(np.float64)
        w[0] = 1.0
        X = rng.integers(-2, 3, size=(12, 3)).astype(np.float64)
        b = float(rng.integers(-2, 3))
        X[:4, 0] = -(X[:4, 1:] @ w[1:] + b)  # these four sit exactly on the line
        if np.any(X @ w + b < 0):
            break
    check_call(learner.perceptron.perceptron_predict, ref.perceptron.perceptron_predict, X, w, b)


# ------------------------------------------------------------------------------------------
# Rosenblatt's rule
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_train_and(learner, ref):
    """perceptron.perceptron_train: AND, the weights and each epoch's error count"""
    check_training(learner, ref, GATE_INPUTS, np.array(TRUTH["AND"]), lr=0.5, epochs=50)


@pytest.mark.points(1)
def test_train_or(learner, ref):
    """perceptron.perceptron_train: OR, the weights and each epoch's error count"""
    check_training(learner, ref, GATE_INPUTS, np.array(TRUTH["OR"]), lr=0.25, epochs=50)


@pytest.mark.points(2)
def test_train_separable(learner, ref, rng):
    """perceptron.perceptron_train: random linearly separable data, the default learning rate"""
    X, y = separable(rng)
    check_training(learner, ref, X, y, epochs=200)


@pytest.mark.points(2)
def test_train_stops_early(learner, ref, rng):
    """perceptron.perceptron_train: stops after the first epoch without errors"""
    X, y = separable(rng, n=20, d=2)
    expected = ref.perceptron.perceptron_train(X, y, lr=0.5, epochs=300)[2]
    kwargs = {"lr": 0.5, "epochs": 300}
    value = learner.perceptron.perceptron_train(X, y, **kwargs)
    if not (isinstance(value, (tuple, list)) and len(value) == 3):
        raise GradingFailure("perceptron.perceptron_train should return a tuple (w, b, errors)")
    errors = np.asarray(value[2]) if isinstance(value[2], list) else value[2]
    # a mistake is named only when it reproduces all of (w, b, errors), not the errors alone
    candidates = whole_output_candidates(
        [(m, (lambda m=m: m.fn(X.copy(), y.copy(), **kwargs)))
         for m in mistakes_for("perceptron.perceptron_train") if m.same_signature],
        value, lambda whole: whole[2], learner.comparator.tolerance_for(expected))
    expect_close(errors, expected, mistakes=candidates, comparator=learner.comparator,
                 what=f"perceptron.perceptron_train(X: float64 {X.shape}, y, lr=0.5, epochs=300) "
                      f"should stop after {len(expected)} epochs (the last without errors); its errors")


@pytest.mark.points(2)
def test_train_xor_never_converges(learner, ref):
    """perceptron.perceptron_train: XOR is never learnt, every epoch has errors"""
    value = check_training(learner, ref, GATE_INPUTS, np.array(TRUTH["XOR"]), lr=0.5, epochs=25)
    errors = np.asarray(value[2])
    if len(errors) != 25 or np.any(errors == 0):
        raise GradingFailure("perceptron.perceptron_train on XOR should run all 25 epochs, each "
                             "with errors: no line separates XOR's classes")


@pytest.mark.points(1)
def test_train_float32(learner, ref):
    """perceptron.perceptron_train: float32 inputs give float32 weights"""
    value = check_training(learner, ref, GATE_INPUTS.astype(np.float32), np.array(TRUTH["NAND"]),
                           lr=0.5, epochs=50)
    w = value[0]
    if getattr(w, "dtype", None) != np.float32:
        raise GradingFailure(f"perceptron.perceptron_train(X: float32 ...) returned w of dtype "
                             f"{getattr(w, 'dtype', type(w).__name__)}; float32 inputs keep float32")


# ------------------------------------------------------------------------------------------
# Logic gates
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_gate(learner, ref, gate):
    """perceptron.{gate}_GATE: reproduces the truth table on all four inputs"""
    w, b = gate_value(learner, gate)
    try:
        predicted = ref.perceptron.perceptron_predict(GATE_INPUTS, w, b)
    except (TypeError, ValueError) as error:
        raise GradingFailure(f"perceptron.{gate}_GATE = (w, b) cannot be used as weights: "
                             f"w should be 2 numbers and b a number ({error})") from None
    wrong = [f"{int(x1)}{int(x2)}" for (x1, x2), p, t in zip(GATE_INPUTS, np.ravel(predicted),
                                                             TRUTH[gate]) if p != t]
    if np.shape(predicted) != (4,) or wrong:
        raise GradingFailure(f"perceptron_predict(X, *{gate}_GATE) is wrong on the inputs "
                             f"{', '.join(wrong) or 'all'}: find a line with those inputs on the "
                             f"other side (a sample exactly on the line counts as 1)")
