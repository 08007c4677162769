"""Public check scenarios: several calls whose outcome is judged as a summary of properties.

Some contract functions have no single right value on fixed inputs: an initialiser draws
random numbers (more than one way of drawing them is right), and a model class is judged by
training it. A scenario case runs a few calls and reduces what came back to a dict of plain
properties ({"W1 shape": [200, 100], "b1 is all zeros": True, ...}); `nnlab build` records the
reference's summary and `nnlab check` compares the learner's with it, so the feedback names the
property that differs. Every property is an int, a bool, a string or a list of those, each far
from its boundary (a spread within 10% on thousands of draws), so the reference's summary is
the same on every machine and a correct learner's draws pass whatever order they draw in.

A scenario reaches the code through a `Caller`: `ReferenceCaller` calls reference/ in this
process (at build time); `nnlab.selfcheck` passes one that calls the sandboxed worker. Learner
values are judged in the trusted parent on plain data and may be anything (None, text, ragged
lists): every property is computed defensively and says what it found.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Protocol

import numpy as np

from nnlab.grading.fitted import mean_losses, network_output, parameter_candidates
from nnlab.outcome import LearnerFailure


class Caller(Protocol):
    """How a scenario calls the code under check."""

    def call(self, name: str, args: tuple, kwargs: dict) -> Any: ...
    def method(self, obj: Any, name: str, args: tuple) -> Any: ...
    def attribute(self, obj: Any, name: str) -> Any: ...


# Stub functions the reference holds as values instead (reference.perceptron has the gates
# themselves; the learner's stub computes them in logic_gates()).
_DERIVED: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "logic_gates": lambda module: lambda: (module.AND_GATE, module.OR_GATE, module.NAND_GATE),
}


class ReferenceCaller:
    """Calls a module's code in this process (reference/ at build time); every call gets its
    own copy of the arguments, so a Generator starts from the same state each time."""

    def __init__(self, module: Any):
        self.module = module

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        function = getattr(self.module, name, None) or _DERIVED[name](self.module)
        return function(*copy.deepcopy(args), **copy.deepcopy(kwargs))

    def method(self, obj: Any, name: str, args: tuple) -> Any:
        return getattr(obj, name)(*copy.deepcopy(args))

    def attribute(self, obj: Any, name: str) -> Any:
        return dict(vars(obj)) if name == "__dict__" else getattr(obj, name)


def _array(value: Any) -> np.ndarray | None:
    """A numeric array of `value`, or None when it is not one (ragged, text, None)."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return None
    return array if array.dtype.kind in "fiub" else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------------
# Initialisers
# ------------------------------------------------------------------------------------------


def initialiser(caller: Caller, function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """init_mlp(layer_sizes, rng, init) and init_xor_mlp(rng, hidden): the keys and shapes, zero
    biases, each kernel's spread against its initialiser's (He normal: std sqrt(2 / fan_in);
    Glorot uniform: inside [-L, L], L = sqrt(6 / (fan_in + fan_out)), std L / sqrt(3)), and the
    same weights from a Generator in the same state."""
    params = caller.call(function, args, kwargs)
    if type(params) is not dict:
        return {"returns": f"a {type(params).__name__}, not a dict"}
    summary: dict[str, Any] = {"keys": sorted(str(k) for k in params)}
    he = kwargs.get("init", "he" if function == "init_mlp" else "xavier") == "he"
    for key in sorted(params, key=str):
        value = _array(params[key])
        if value is None or value.dtype.kind != "f":
            summary[f"{key} is a float array"] = False
            continue
        summary[f"{key} shape"] = list(value.shape)
        if str(key).startswith("b"):
            summary[f"{key} is all zeros"] = bool(np.all(value == 0))
        elif value.ndim == 2 and value.size > 1:
            w = value.astype(np.float64)
            fan_in, fan_out = w.shape
            if he:
                he_std = np.sqrt(2.0 / fan_in)
                summary[f"{key} has std within 10% of sqrt(2 / fan_in)"] = \
                    bool(abs(np.std(w) / he_std - 1) <= 0.1)
            else:
                glorot = np.sqrt(6.0 / (fan_in + fan_out))
                summary[f"{key} has std within 10% of L / sqrt(3), L = sqrt(6 / (fan_in + "
                        f"fan_out))"] = bool(abs(np.std(w) / (glorot / np.sqrt(3.0)) - 1) <= 0.1)
                summary[f"{key} lies inside [-L, L]"] = bool(np.max(np.abs(w)) <= glorot * (1 + 1e-9))
            summary[f"{key} has mean near 0"] = \
                bool(abs(float(np.mean(w))) <= 5 * float(np.std(w)) / np.sqrt(w.size))
    again = caller.call(function, args, kwargs)
    summary["a Generator in the same state gives the same weights"] = isinstance(again, dict) \
        and set(again) == set(params) and all(
            _array(again[k]) is not None and _array(params[k]) is not None
            and np.array_equal(_array(again[k]), _array(params[k])) for k in params)
    return summary


# ------------------------------------------------------------------------------------------
# Model classes
# ------------------------------------------------------------------------------------------


def fitted_model(caller: Caller, function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """MLPClassifier / MLPRegressor(**kwargs) fitted on args = (X, y): the shapes of what it
    predicts, predict and score consistent with predict_proba, loss_curve_ one finite mean
    loss per epoch that falls and ends near the loss of the final weights, the predictions
    following from the model's own weights (no lookup of the training data), and the same
    random_state giving the same fit."""
    X, y = args
    classifier = function == "MLPClassifier"
    model = caller.call(function, (), kwargs)
    caller.method(model, "fit", (X, y))
    summary: dict[str, Any] = {}
    pred = _array(caller.method(model, "predict", (X,)))
    summary["predict shape"] = list(pred.shape) if pred is not None else "not an array"
    if classifier:
        proba = _array(caller.method(model, "predict_proba", (X,)))
        ok = proba is not None and proba.ndim == 2 and proba.dtype.kind == "f"
        summary["predict_proba shape"] = list(proba.shape) if proba is not None else "not an array"
        with np.errstate(all="ignore"):
            summary["predict_proba rows are probabilities that sum to 1"] = bool(
                ok and np.all(proba >= 0) and np.allclose(proba.sum(axis=1), 1, atol=1e-5))
            labels = np.unique(y)
            summary["predict gives the label of predict_proba's largest column"] = bool(
                ok and pred is not None and pred.shape == (len(X),)
                and proba.shape == (len(X), len(labels))
                and np.array_equal(pred, labels[np.argmax(proba, axis=1)]))
        score = caller.method(model, "score", (X, y))
        summary["score is the accuracy of predict"] = bool(
            pred is not None and pred.shape == np.shape(y) and _is_number(score)
            and abs(score - float(np.mean(pred == y))) <= 1e-9)
        output = proba
    else:
        score = caller.method(model, "score", (X, y))
        with np.errstate(all="ignore"):
            r2 = (1 - np.sum((y - pred) ** 2) / np.sum((y - np.mean(y)) ** 2)
                  if pred is not None and pred.shape == np.shape(y) else None)
        summary["score is R^2 of predict"] = bool(r2 is not None and _is_number(score)
                                                  and abs(score - float(r2)) <= 1e-6)
        output = pred
    curve = _array(caller.attribute(model, "loss_curve_"))
    epochs = kwargs.get("max_iter", 200)
    summary[f"loss_curve_ has one loss per epoch ({epochs})"] = \
        bool(curve is not None and curve.shape == (epochs,))
    finite = bool(curve is not None and curve.ndim == 1 and curve.size > 1
                  and curve.dtype.kind == "f" and np.all(np.isfinite(curve)))
    summary["loss_curve_ is finite and falls overall"] = finite and bool(curve[-1] < curve[0])
    try:
        state = caller.attribute(model, "__dict__")
    except LearnerFailure:  # a model without a __dict__ (slots): no weights to be found
        state = None
    params = _own_params(state, output, kwargs, classifier, X)
    summary["predictions follow from the model's own weights"] = params is not None
    summary["loss_curve_'s last epoch mean is near the loss of the final weights"] = bool(
        params is not None and finite and _near_final_loss(
            float(curve[-1]), params, kwargs, classifier, X, y))
    twin = caller.call(function, (), kwargs)
    caller.method(twin, "fit", (X, y))
    again = _array(caller.method(twin, "predict_proba" if classifier else "predict", (X,)))
    summary["the same random_state gives the same fit"] = bool(
        output is not None and again is not None and again.shape == output.shape
        and np.array_equal(again, output))
    return summary


def epoch_means(caller: Caller, function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """MLPClassifier / MLPRegressor(**kwargs) fitted on args = (X, y) with a learning rate so
    small that the weights barely move: every epoch's mean loss over all the samples is then
    the loss of the final weights, so each loss_curve_ entry must be it (to 0.1%), and a curve
    of each epoch's last batch, or of a sum, is told apart."""
    X, y = args
    classifier = function == "MLPClassifier"
    model = caller.call(function, (), kwargs)
    caller.method(model, "fit", (X, y))
    output = _array(caller.method(model, "predict_proba" if classifier else "predict", (X,)))
    try:
        state = caller.attribute(model, "__dict__")
    except LearnerFailure:
        state = None
    params = _own_params(state, output, kwargs, classifier, X)
    curve = _array(caller.attribute(model, "loss_curve_"))
    epochs = kwargs.get("max_iter", 200)
    summary: dict[str, Any] = {
        f"loss_curve_ has one loss per epoch ({epochs})":
            bool(curve is not None and curve.shape == (epochs,)),
        "predictions follow from the model's own weights": params is not None}
    means = False
    if params is not None and curve is not None and curve.ndim == 1 and curve.size \
            and curve.dtype.kind == "f" and np.all(np.isfinite(curve)):
        finals = mean_losses(network_output(params, kwargs.get("activation", "relu"),
                                            classifier, X), y, classifier)
        means = any(bool(np.all(np.abs(curve - f) <= 1e-3 * abs(f) + 1e-9)) for f in finals)
    summary["each loss_curve_ entry is the mean loss over every sample of its epoch"] = means
    return summary


def _own_params(state: Any, output: np.ndarray | None, kwargs: dict, classifier: bool,
                X: np.ndarray) -> dict | None:
    """The model's parameters that its predictions follow from, or None."""
    if output is None or not isinstance(state, dict):
        return None
    for params in parameter_candidates(state):
        try:
            expected = network_output(params, kwargs.get("activation", "relu"), classifier, X)
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        if not classifier and expected.size == output.size:
            expected = expected.reshape(output.shape)
        loose = np.float32 in (output.dtype, params["W1"].dtype)
        with np.errstate(all="ignore"):
            if expected.shape == output.shape and np.allclose(
                    output, expected, rtol=1e-3 if loose else 1e-6, atol=1e-5 if loose else 1e-9):
                return params
    return None


def _near_final_loss(last: float, params: dict, kwargs: dict, classifier: bool,
                     X: np.ndarray, y: np.ndarray) -> bool:
    """Whether the last epoch's mean loss is near the mean training loss of the final weights
    (cross-entropy; for a regressor half the squared error or the squared error). Loose: the
    epoch's mean is taken while the weights still move."""
    finals = mean_losses(network_output(params, kwargs.get("activation", "relu"), classifier, X),
                         y, classifier)
    return any(abs(last - f) <= 0.5 * max(last, f) + 0.02 for f in finals)


# ------------------------------------------------------------------------------------------
# Logic gates
# ------------------------------------------------------------------------------------------

GATE_INPUTS = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])  # 00, 01, 10, 11
GATE_TABLES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0]}


def logic_gates(caller: Caller, function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """logic_gates() -> (and, or, nand), each (w, b): whether the binary step of x @ w + b
    (1 where it is >= 0) gives each gate's truth table on 00, 01, 10, 11. Any weights that do
    are right, so the weights themselves are never compared."""
    gates = caller.call(function, args, kwargs)
    summary: dict[str, Any] = {}
    for i, name in enumerate(GATE_TABLES):
        key = f"the {name} gate's (w, b) gives {name}'s truth table on 00, 01, 10, 11"
        try:
            w, b = gates[i]
            w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
            with np.errstate(all="ignore"):
                step = (GATE_INPUTS @ w + b >= 0).astype(int).reshape(-1)
            summary[key] = step.tolist() == GATE_TABLES[name]
        except (TypeError, ValueError, IndexError, KeyError):
            summary[key] = False
    return summary


# What a property that fails asks of the learner, by the start of its name.
WHY = {
    "predictions follow from": "predict_proba, or the regressor's predict, must be what the "
                               "forward pass of the weights kept on the model computes (params_ = "
                               "{'W1', 'b1', ...}, or coefs_ and intercepts_), not a lookup of "
                               "the training data",
    "loss_curve_'s last epoch": "loss_curve_[e] is the mean loss over the samples of epoch e",
    "each loss_curve_ entry": "loss_curve_[e] is the mean loss over all the samples of epoch "
                              "e (each batch's mean weighted by its size), not the last batch's",
    "loss_curve_ has one loss": "one entry per epoch, max_iter in all",
    "the same random_state": "draw every random number from np.random.default_rng(random_state)",
    "a Generator in the same state": "draw every weight from rng, never from np.random's global "
                                     "functions",
}


def summary_differences(got: Any, expected: dict[str, Any]) -> list[str]:
    """Each property of `expected` the learner's summary does not share, as "PROPERTY: no" (a
    property that holds for the right answer and not theirs) or "PROPERTY: yours X, expected
    Y"; empty when the two agree."""
    if not isinstance(got, dict):
        return [f"the check could not run: {got!r}"]
    found = []
    for key, want in expected.items():
        have = got.get(key, "(not reached)")
        if have == want and type(have) is type(want):
            continue
        if want is True and have is False:
            hint = next((h for start, h in WHY.items() if key.startswith(start)), "")
            found.append(f"{key}: no" + (f" ({hint})" if hint else ""))
        elif want is False and have is True:
            found.append(f"{key}: yes, where a right answer does not")
        else:
            found.append(f"{key}: yours {have!r}, expected {want!r}")
    found += [f"{key}: {value!r}" for key, value in got.items() if key not in expected]
    return found


SCENARIOS: dict[str, Callable[[Caller, str, tuple, dict], dict[str, Any]]] = {
    "initialiser": initialiser,
    "fitted_model": fitted_model,
    "epoch_means": epoch_means,
    "logic_gates": logic_gates,
}
