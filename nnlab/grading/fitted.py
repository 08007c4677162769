"""A fitted model's own parameters, found among its attributes, and what they compute.

Shared by the hidden mlp grader and the public mlp checks (`nnlab.grading.scenarios`): a
model's predictions must follow from the weights it keeps, whatever it calls them. Runs in the
trusted parent on plain data read from the worker (`vars(model)`), never on learner objects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# scikit-learn's names for hidden activations, in the course's words
HIDDEN_NAMES = {"identity": "linear", "logistic": "sigmoid"}


def as_params(weights: Any, biases: Any) -> dict[str, np.ndarray] | None:
    """{"W1", "b1", ...} from lists of weight matrices and bias vectors, or None."""
    if not (isinstance(weights, (list, tuple)) and isinstance(biases, (list, tuple))
            and 0 < len(weights) == len(biases) <= 20):
        return None
    params = {**{f"W{i}": w for i, w in enumerate(weights, 1)},
              **{f"b{i}": b for i, b in enumerate(biases, 1)}}
    return params if chains(params) else None


def chains(params: Any) -> bool:
    """Whether params is {"W1": (D, H1), "b1": (H1,), ...} of float arrays that chain."""
    if not isinstance(params, dict) or not params or len(params) % 2:
        return False
    layers = len(params) // 2
    if set(params) != {f"{k}{i}" for i in range(1, layers + 1) for k in "Wb"}:
        return False
    for i in range(1, layers + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray) and W.dtype.kind == "f"
                and W.ndim == 2 and b.shape == (W.shape[1],)):
            return False
        if i > 1 and params[f"W{i - 1}"].shape[1] != W.shape[0]:
            return False
    return True


def parameter_candidates(state: dict) -> list[dict[str, np.ndarray]]:
    """Where a model may keep its weights, from its attributes (`vars(model)`), in order:
    params_ (the class docstring's), scikit-learn's coefs_ and intercepts_, then any dict of
    W1, b1, ..., any list of (W, b) pairs, and any two lists of weights and biases."""
    found = []
    if chains(state.get("params_")):
        found.append(state["params_"])
    found.append(as_params(state.get("coefs_"), state.get("intercepts_")))
    values = [v for k, v in state.items() if k not in ("params_", "coefs_", "intercepts_")]
    found += [v for v in values if chains(v)]
    for v in values:
        if isinstance(v, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in v):
            found.append(as_params([p[0] for p in v], [p[1] for p in v]))
    lists = [v for v in values if isinstance(v, (list, tuple)) and v
             and all(isinstance(a, np.ndarray) for a in v)]
    found += [as_params(w, b) for w in lists for b in lists if w is not b]
    return [p for p in found if p is not None]


_HIDDEN = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
           "sigmoid": lambda z: 0.5 * (1 + np.tanh(0.5 * z))}


def network_output(params: dict[str, np.ndarray], activation: str, classifier: bool,
                   X: np.ndarray) -> np.ndarray:
    """What a dense network's parameters compute on X (N, D): `activation` between layers,
    then class probabilities (N, K) from a softmax for a classifier, the raw outputs (N, K)
    for a regressor. Raises ValueError when the parameters do not fit X or the activation is
    unknown."""
    hidden = _HIDDEN.get(HIDDEN_NAMES.get(activation, activation))
    if hidden is None:
        raise ValueError(f"unknown activation {activation!r}")
    if params["W1"].ndim != 2 or params["W1"].shape[0] != np.shape(X)[1]:
        raise ValueError(f"W1 has shape {params['W1'].shape}, expected ({np.shape(X)[1]}, H1)")
    a = np.asarray(X, dtype=params["W1"].dtype)
    layers = len(params) // 2
    with np.errstate(all="ignore"):
        for i in range(1, layers + 1):
            weights, biases = params[f"W{i}"], params[f"b{i}"]
            a = a @ weights + biases
            if i < layers:
                a = hidden(a)
        if classifier:
            a = np.exp(a - a.max(axis=1, keepdims=True))
            a = a / a.sum(axis=1, keepdims=True)
    return a


def mean_losses(out: np.ndarray, y: np.ndarray, classifier: bool) -> tuple[float, ...]:
    """The mean training loss of a network's outputs `out` on targets y: cross-entropy of the
    class probabilities (N, K) for a classifier (classes in sorted order); for a regressor
    both conventions, half the squared error (scikit-learn's) and the squared error."""
    out = np.asarray(out, dtype=np.float64)
    if classifier:
        codes = np.unique(y, return_inverse=True)[1].reshape(-1)
        picked = out[np.arange(len(codes)), codes]
        return (float(-np.mean(np.log(np.maximum(picked, 1e-300)))),)
    targets = np.asarray(y, dtype=np.float64).reshape(len(out), -1)
    squared = float(np.mean(np.sum((out.reshape(len(out), -1) - targets) ** 2, axis=1)))
    return squared / 2, squared
