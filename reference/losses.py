"""Reference losses and their gradients, with Keras's reductions, vectorised and stable.

Shapes: targets and predictions have the same shape, batch first: `(N,)`, `(N, D)` or
`(N, d1, ..., dk)`. Every loss returns a 0-d NumPy scalar; every gradient has the prediction's
shape. The working dtype is the floating dtype of the inputs (float32 stays float32; integer or
boolean targets never promote it; no floating input at all means float64).

Reductions (Keras's `sum_over_batch_size` applied to the per-sample loss of its loss function):

- mse: mean of the squared error over each sample's elements, then the mean over the batch. With
  equal-sized samples that is the mean over all elements, which is how it is computed here.
- binary cross-entropy: p clipped to [eps, 1 - eps], mean over the last axis, then the mean over
  the rest; again the mean over all elements.
- categorical cross-entropy: each row of p rescaled to sum to 1 (Keras 3 does this), clipped to
  [eps, 1 - eps], summed over the last (class) axis, averaged over the rest.
- softmax cross-entropy: log-softmax by log-sum-exp, summed over classes, averaged over the rest.

Gradients are of the loss exactly as defined, 1/N included. Where the clipping is active (p
outside [eps, 1 - eps], boundaries excluded) the clipped expression is flat, so the gradient
is 0 there: what TensorFlow's autodiff gives through `clip_by_value`.
"""

from __future__ import annotations

import numpy as np

from reference._numerics import as_float, float_dtype

__all__ = [
    "mse", "mse_grad", "half_sse", "half_sse_grad",
    "binary_cross_entropy", "binary_cross_entropy_grad",
    "categorical_cross_entropy", "categorical_cross_entropy_grad",
    "softmax_cross_entropy", "softmax_cross_entropy_grad",
]


def _working_float(*arrays):
    """The arrays in one floating working dtype, and that dtype: the promotion of the floating
    inputs only, so integer or boolean targets never promote float32 predictions (see the module
    docstring); float64 when no input is floating."""
    arrays = [np.asarray(a) for a in arrays]
    dtype = float_dtype(*[a.dtype for a in arrays if a.dtype.kind == "f"] or [np.float64])
    return [as_float(a, dtype) for a in arrays], dtype


def _batch_size(a: np.ndarray) -> int:
    """N, the length of the batch axis (1 for a 0-d array)."""
    return a.shape[0] if a.ndim else 1


def _samples(a: np.ndarray) -> int:
    """The number of per-sample losses once the last (class) axis is reduced."""
    return a.size // a.shape[-1] if a.ndim else 1


# ------------------------------------------------------------------------------------------
# Squared errors
# ------------------------------------------------------------------------------------------


def mse(y_true, y_pred):
    """Keras's mean squared error: mean over each sample's elements, then over the batch.
    y_true, y_pred: (N, ...) same shape -> 0-d scalar in the working dtype."""
    (y_true, y_pred), _ = _working_float(y_true, y_pred)
    return np.mean(np.square(y_pred - y_true))


def mse_grad(y_true, y_pred):
    """d mse / d y_pred = 2 (y_pred - y_true) / (number of elements).
    y_true, y_pred: (N, ...) same shape -> (N, ...) in the working dtype."""
    (y_true, y_pred), dtype = _working_float(y_true, y_pred)
    return dtype.type(2) * (y_pred - y_true) / dtype.type(max(y_pred.size, 1))


def half_sse(y, y_hat):
    """The lecture's loss 1/2 (y - y_hat)^2, summed and divided by the batch size N = y.shape[0].
    y, y_hat: (N, ...) same shape -> 0-d scalar in the working dtype."""
    (y, y_hat), dtype = _working_float(y, y_hat)
    return dtype.type(0.5) * np.sum(np.square(y - y_hat)) / dtype.type(_batch_size(y))


def half_sse_grad(y, y_hat):
    """d half_sse / d y_hat = -(y - y_hat) / N.
    y, y_hat: (N, ...) same shape -> (N, ...) in the working dtype."""
    (y, y_hat), dtype = _working_float(y, y_hat)
    return (y_hat - y) / dtype.type(_batch_size(y))


# ------------------------------------------------------------------------------------------
# Cross-entropies on probabilities
# ------------------------------------------------------------------------------------------


def _clip_bounds(dtype: np.dtype, eps: float):
    # Keras clips to [epsilon, 1.0 - epsilon] with the bounds worked out in Python floats and
    # then cast to the tensor's dtype; doing the same keeps float32 results bit-faithful.
    return dtype.type(eps), dtype.type(1.0 - eps)


def binary_cross_entropy(y_true, p, eps=1e-7):
    """-(y log p + (1 - y) log(1 - p)) with p clipped to [eps, 1 - eps], mean over the last axis,
    then over the batch (= the mean over all elements).
    y_true: (N, ...) targets in [0, 1]; p: (N, ...) probabilities; eps: a float -> 0-d scalar."""
    (y_true, p), dtype = _working_float(y_true, p)
    lo, hi = _clip_bounds(dtype, eps)
    c = np.clip(p, lo, hi)
    one = dtype.type(1)
    return -np.mean(y_true * np.log(c) + (one - y_true) * np.log(one - c))


def binary_cross_entropy_grad(y_true, p, eps=1e-7):
    """d binary_cross_entropy / d p = (-y / c + (1 - y) / (1 - c)) / (number of elements), c the
    clipped p, and 0 where p lies outside [eps, 1 - eps] (the clip is flat there).
    y_true, p: (N, ...) same shape; eps: a float -> (N, ...) in the working dtype."""
    (y_true, p), dtype = _working_float(y_true, p)
    lo, hi = _clip_bounds(dtype, eps)
    c = np.clip(p, lo, hi)
    one = dtype.type(1)
    inside = (p >= lo) & (p <= hi)
    grad = (one - y_true) / (one - c) - y_true / c
    return np.where(inside, grad, dtype.type(0)) / dtype.type(max(p.size, 1))


def categorical_cross_entropy(y_true, p, eps=1e-7):
    """-sum_k y_k log q_k, mean over the batch, with q = p / sum(p) row by row (Keras 3 rescales
    each row to sum to 1) and then clipped to [eps, 1 - eps].
    y_true: (N, K) one-hot; p: (N, K) probabilities; eps: a float -> 0-d scalar."""
    (y_true, p), dtype = _working_float(y_true, p)
    lo, hi = _clip_bounds(dtype, eps)
    q = np.clip(p / np.sum(p, axis=-1, keepdims=True), lo, hi)
    return -np.mean(np.sum(y_true * np.log(q), axis=-1))


def categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    """d categorical_cross_entropy / d p, through the rescaling and the clip.

    With s = sum_k p_k (per row), q = p / s, c = clip(q) and g = -y / (N c) (0 where q was
    clipped), the chain rule through q = p / s gives (g - sum_k g_k q_k) / s. For rows that
    already sum to 1 and no clipping this is (1 - y / p) / N for one-hot y.
    y_true, p: (N, K); eps: a float -> (N, K) in the working dtype.
    """
    (y_true, p), dtype = _working_float(y_true, p)
    lo, hi = _clip_bounds(dtype, eps)
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    c = np.clip(q, lo, hi)
    inside = (q >= lo) & (q <= hi)
    g = np.where(inside, -y_true / c, dtype.type(0)) / dtype.type(_samples(p))
    return (g - np.sum(g * q, axis=-1, keepdims=True)) / s


# ------------------------------------------------------------------------------------------
# Cross-entropy on logits
# ------------------------------------------------------------------------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax_cross_entropy(y_true, logits):
    """-sum_k y_k log softmax(logits)_k, mean over the batch; log-softmax by log-sum-exp, so any
    logits are fine. y_true: (N, K) one-hot; logits: (N, K) -> 0-d scalar in the working dtype."""
    (y_true, logits), _ = _working_float(y_true, logits)
    return -np.mean(np.sum(y_true * _log_softmax(logits), axis=-1))


def softmax_cross_entropy_grad(y_true, logits):
    """(softmax(logits) - y_true) / N, the gradient w.r.t. the logits (for targets whose rows sum
    to 1, as one-hot rows do). y_true, logits: (N, K) -> (N, K) in the working dtype."""
    (y_true, logits), dtype = _working_float(y_true, logits)
    return (np.exp(_log_softmax(logits)) - y_true) / dtype.type(_samples(logits))
