"""Private numerical helpers shared by the reference modules: the working dtype, a stable
sigmoid, softplus and softmax, and the activations the dense networks use.

`float_dtype` and `as_float` are reference/'s one spelling of the working-dtype rule: compute in
the dtype the inputs promote to if it is floating (float32 in, float32 out), else in float64.
(losses.py applies the rule to its floating inputs only, so integer labels never promote.)

These deliberately do not import `reference.activations` or `reference.losses`, and those two
take only the dtype helpers from here, computing their own functions: the oracle's curriculum
modules stay independent of one another, so a slip in one cannot hide a slip in another.
Every helper keeps the floating dtype of its input and never warns on overflow for |x| up to
1e3 and beyond.
"""

from __future__ import annotations

import numpy as np

# Keras's `backend.epsilon()`: the clipping constant wherever a log needs it.
EPSILON = 1e-7

# The activations the backprop module knows, with Keras's defaults where the lecture is silent.
LEAKY_ALPHA = 0.01  # the lecture's leaky slope (Keras's LeakyReLU layer defaults to 0.3)
ELU_ALPHA = 1.0


def float_dtype(*arrays) -> np.dtype:
    """The dtype to compute in: what NumPy promotes `arrays` to if that is floating, else float64
    (integers and bools compute in float64).

    Python scalars are "weak" under NumPy 2's promotion rules, so a float32 array combined with
    a Python float stays float32.
    """
    dtype = np.result_type(*arrays)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def as_float(x, dtype=None) -> np.ndarray:
    """`x` as an ndarray of `dtype`, or of its own `float_dtype` when `dtype` is None.

    A new array only where a conversion is needed: an ndarray already of that dtype comes back
    as it is, so callers that write into the result must copy it first.
    """
    if isinstance(x, np.ndarray):
        if (x.dtype == dtype) if dtype is not None else (x.dtype.kind == "f"):
            return x  # the common case, without the conversion machinery
    x = np.asarray(x)
    return x.astype(float_dtype(x) if dtype is None else dtype, copy=False)


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow for any finite z.

    exp is only ever taken of -|z|, so it lies in (0, 1]: sigmoid(z) = 1 / (1 + e) for z >= 0
    and e / (1 + e) for z < 0, with e = exp(-|z|). `out` may be `z` itself (the LSTM activates
    its gates in place).
    """
    z = as_float(z)
    e = np.exp(-np.abs(z))
    negative = z < 0  # taken before `out`, which may be z, is written
    denominator = 1 + e
    if out is None:
        out = np.empty_like(e)
    np.divide(1, denominator, out=out)
    np.divide(e, denominator, out=out, where=negative)
    return out


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))."""
    z = as_float(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along `axis`, after subtracting the maximum (stable)."""
    z = as_float(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) without forming softmax (stable for large logits)."""
    z = as_float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def activate(z: np.ndarray, name: str) -> np.ndarray:
    """The named activation of the pre-activation `z`."""
    z = as_float(z)
    if name == "linear":
        return z.copy()
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z >= 0, z, LEAKY_ALPHA * z)
    if name == "elu":
        # expm1 of min(z, 0) keeps exp from overflowing on the branch np.where discards.
        return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return softplus(z)
    raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")


def activation_derivative(z: np.ndarray, name: str) -> np.ndarray:
    """f'(z) for the named activation, with the curriculum's values at the kink z == 0:
    0 for ReLU, the leaky slope for leaky ReLU, the right-hand value 1 for ELU."""
    z = as_float(z)
    one = np.ones_like(z)
    if name == "linear":
        return one
    if name == "sigmoid":
        s = sigmoid(z)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.where(z > 0, one, 0 * one)
    if name == "leaky_relu":
        return np.where(z > 0, one, LEAKY_ALPHA * one)
    if name == "elu":
        return np.where(z >= 0, one, ELU_ALPHA * np.exp(np.minimum(z, 0)))
    if name == "softplus":
        return sigmoid(z)
    raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")


ACTIVATIONS = frozenset({"linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"})
