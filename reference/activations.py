"""Reference activations and their derivatives: vectorised, numerically stable, dtype-faithful.

Every function takes an array-like `x` of any shape and returns a new array of the same shape.
A floating input keeps its dtype (float32 in, float32 out); anything else (ints, bools, Python
numbers) is computed in float64. Constants are cast to the working dtype before use so that a
float32 input is never promoted.

Derivatives take the pre-activation `x`. At the kink x == 0 they return 0 for ReLU and the
binary step, the leaky slope `alpha` for leaky ReLU (as TensorFlow's gradient does), and the
right-hand value 1 for ELU.
"""

from __future__ import annotations

import numpy as np

from reference._numerics import as_float

__all__ = [
    "linear", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softmax",
    "linear_grad", "binary_step_grad", "sigmoid_grad", "tanh_grad", "relu_grad",
    "leaky_relu_grad", "elu_grad", "softplus_grad",
]


# ------------------------------------------------------------------------------------------
# Activations
# ------------------------------------------------------------------------------------------


def linear(x):
    """Identity, f(x) = x. x: any shape -> a new array, same shape and floating dtype."""
    return as_float(x).copy()


def binary_step(x):
    """1 where x >= 0, else 0 (so binary_step(0) == 1). x: any shape -> same shape, x's dtype."""
    x = as_float(x)
    return (x >= 0).astype(x.dtype)


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for any |x|: exp only ever sees -|x| <= 0.

    x: any shape -> same shape and floating dtype, values in [0, 1].
    """
    x = as_float(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: cannot overflow
    one = x.dtype.type(1)
    return np.where(x >= 0, one / (one + e), e / (one + e))


def tanh(x):
    """Hyperbolic tangent. x: any shape -> same shape and floating dtype, values in [-1, 1]."""
    return np.tanh(as_float(x))


def relu(x):
    """max(x, 0). x: any shape -> same shape and floating dtype."""
    x = as_float(x)
    return np.maximum(x, x.dtype.type(0))


def leaky_relu(x, alpha=0.01):
    """x where x >= 0, alpha * x elsewhere (the lecture's slope 0.01; Keras's LeakyReLU layer
    defaults to 0.3). x: any shape, alpha: a number -> same shape and floating dtype."""
    x = as_float(x)
    return np.where(x >= 0, x, x.dtype.type(alpha) * x)


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere (expm1 for accuracy near 0; the exponent
    is capped at 0 so the branch np.where discards never overflows).
    x: any shape, alpha: a number -> same shape and floating dtype."""
    x = as_float(x)
    negative = x.dtype.type(alpha) * np.expm1(np.minimum(x, x.dtype.type(0)))
    return np.where(x > 0, x, negative)


def softplus(x):
    """log(1 + exp(x)) computed as logaddexp(x, 0), stable for any |x|.
    x: any shape -> same shape and floating dtype, values >= 0."""
    x = as_float(x)
    return np.logaddexp(x, x.dtype.type(0))


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`, with the maximum subtracted first so exp never
    overflows. z: any shape, axis: an int -> same shape and floating dtype; slices along `axis`
    sum to 1."""
    z = as_float(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# ------------------------------------------------------------------------------------------
# Derivatives, f'(x) at the pre-activation x
# ------------------------------------------------------------------------------------------


def linear_grad(x):
    """1 everywhere. x: any shape -> same shape and floating dtype."""
    return np.ones_like(as_float(x))


def binary_step_grad(x):
    """0 everywhere (the step is flat; at x == 0 the contract says 0).
    x: any shape -> same shape and floating dtype."""
    return np.zeros_like(as_float(x))


def sigmoid_grad(x):
    """sigma(x) * (1 - sigma(x)), computed as e / (1 + e)**2 with e = exp(-|x|): the formula is
    symmetric in x, so this is exact to rounding for any |x|.
    x: any shape -> same shape and floating dtype, values in [0, 0.25]."""
    x = as_float(x)
    e = np.exp(-np.abs(x))
    one = x.dtype.type(1)
    return e / np.square(one + e)


def tanh_grad(x):
    """1 - tanh(x)**2 = sech(x)**2, computed as 4 e / (1 + e)**2 with e = exp(-2|x|): no
    cancellation where tanh(x) is close to +-1, so it keeps full relative accuracy for any |x|.
    x: any shape -> same shape and floating dtype, values in [0, 1]."""
    x = as_float(x)
    e = np.exp(x.dtype.type(-2) * np.abs(x))
    return x.dtype.type(4) * e / np.square(x.dtype.type(1) + e)


def relu_grad(x):
    """1 where x > 0, 0 elsewhere (0 at the kink). x: any shape -> same shape and floating dtype."""
    x = as_float(x)
    return (x > 0).astype(x.dtype)


def leaky_relu_grad(x, alpha=0.01):
    """1 where x > 0, alpha elsewhere (alpha at the kink, as TensorFlow).
    x: any shape, alpha: a number -> same shape and floating dtype."""
    x = as_float(x)
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(alpha))


def elu_grad(x, alpha=1.0):
    """1 where x >= 0 (the right-hand value at the kink), alpha * exp(x) elsewhere.
    x: any shape, alpha: a number -> same shape and floating dtype."""
    x = as_float(x)
    negative = x.dtype.type(alpha) * np.exp(np.minimum(x, x.dtype.type(0)))
    return np.where(x >= 0, x.dtype.type(1), negative)


def softplus_grad(x):
    """The derivative of softplus is the sigmoid. x: any shape -> same shape and floating dtype."""
    return sigmoid(x)
