"""Private numerical helpers shared by the reference modules perceptron, gradient_descent,
backprop, xor and mlp.

These deliberately do not import `reference.activations` or `reference.losses`: the oracle's
modules stay independent of one another, so a slip in one cannot hide a slip in another.
Every helper keeps the floating dtype of its input (float32 in, float32 out) and never warns
on overflow for |x| up to 1e3 and beyond.
"""

from __future__ import annotations

import numpy as np

# Keras's `backend.epsilon()`: the clipping constant wherever a log needs it.
EPSILON = 1e-7

# The activations the backprop module knows, with Keras's defaults where the lecture is silent.
LEAKY_ALPHA = 0.01  # the lecture's leaky slope (Keras's LeakyReLU layer defaults to 0.3)
ELU_ALPHA = 1.0


def float_dtype(*arrays) -> np.dtype:
    """The floating dtype NumPy would promote `arrays` to; integers and bools become float64.

    Python scalars are "weak" under NumPy 2's promotion rules, so a float32 array combined with
    a Python float stays float32.
    """
    dtype = np.result_type(*arrays)
    if dtype.kind != "f":
        dtype = np.result_type(dtype, np.float64)
    return dtype


def as_float(x, dtype=None) -> np.ndarray:
    """`x` as a floating ndarray (a new array only where a conversion is needed)."""
    if isinstance(x, np.ndarray):
        if (x.dtype == dtype) if dtype is not None else (x.dtype.kind == "f"):
            return x  # the common case, without the conversion machinery
    x = np.asarray(x)
    return x.astype(float_dtype(x) if dtype is None else dtype, copy=False)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed from exp(-|z|) so that it never overflows."""
    z = as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


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
