"""The catalogue of known-wrong variants, used to name a learner's misconception.

Each entry is a function decorated with `@mistake(target, looks_like=..., why=...)`:

- `target` is "module.function" of CURRICULUM.md, the learner function the mistake imitates.
- `looks_like` and `why` complete the sentence shown to the learner:
  "your {function} looks like {looks_like}: {why}".
- By default (`same_signature=True`) the decorated function takes exactly the target's arguments
  (same names, same defaults) and returns what the wrong learner code would return. Such entries
  are self-contained: they use only `np` and `math` (no other names of this file or of the
  curriculum), because they run both here, on graders' cases, and grafted onto a solution file
  by `nnlab verify` to make a wrong submission.
- Entries with `same_signature=False` (for example a wrong backward pass written as a function of
  the forward inputs) are used by graders that call them explicitly; `nnlab verify` does not
  graft them.

The comparator tries every entry registered for a function whose output differs from the
expected one on the case at hand, and names the first that matches the learner's output.
"""

from __future__ import annotations

import math  # noqa: F401  (entries may use it)
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """One known-wrong variant of a curriculum function."""

    target: str
    name: str
    looks_like: str
    why: str
    fn: Callable
    same_signature: bool = True

    @property
    def function(self) -> str:
        return self.target.split(".", 1)[1]

    def message(self) -> str:
        return f"your {self.function} looks like {self.looks_like}: {self.why}"


MISTAKES: list[Mistake] = []


def mistake(target: str, *, looks_like: str, why: str, same_signature: bool = True):
    """Register the decorated function as a known-wrong variant of `target`."""

    def register(fn: Callable) -> Callable:
        MISTAKES.append(Mistake(target, fn.__name__, looks_like, why, fn, same_signature))
        return fn

    return register


def mistakes_for(target: str) -> list[Mistake]:
    """Every registered mistake for "module.function", in catalogue order."""
    return [m for m in MISTAKES if m.target == target]


# --------------------------------------------------------------------------------------------
# The entries, one section per learner module. Keep each section's functions together.
# --------------------------------------------------------------------------------------------


# --- activations ---
# Self-contained: NumPy only, so each entry can be grafted onto a solution file.


@mistake("activations.binary_step",
         looks_like="a step that is 0 at x == 0 (x > 0 instead of x >= 0)",
         why="the binary step fires at zero: binary_step(0) is 1")
def binary_step_zero_at_zero(x):
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


@mistake("activations.sigmoid_grad", looks_like="x * (1 - x)",
         why="the lecture's f(x)(1 - f(x)) is written in terms of the sigmoid's output; your "
             "function receives the pre-activation x, so compute s = sigmoid(x) and return "
             "s * (1 - s)")
def sigmoid_grad_applied_to_x(x):
    x = np.asarray(x)
    return x * (1 - x)


@mistake("activations.tanh_grad", looks_like="1 - x**2",
         why="1 - f(x)**2 uses tanh's output; your function receives the pre-activation x, so "
             "square tanh(x), not x")
def tanh_grad_applied_to_x(x):
    x = np.asarray(x)
    return 1 - x**2


@mistake("activations.relu_grad", looks_like="a derivative that is 1 at x == 0 (x >= 0)",
         why="at the corner x == 0 this course, like TensorFlow, uses 0: test x > 0")
def relu_grad_one_at_zero(x):
    x = np.asarray(x)
    return (x >= 0).astype(x.dtype)


@mistake("activations.relu_grad", looks_like="ReLU itself, max(x, 0)",
         why="the derivative of ReLU is 1 for x > 0 and 0 otherwise, not the function's value")
def relu_grad_returns_relu(x):
    return np.maximum(x, 0)


@mistake("activations.leaky_relu",
         looks_like="a leaky ReLU with slope 0.3, Keras's LeakyReLU default",
         why="the negative slope is the `alpha` argument, and its default is the lecture's 0.01 "
             "(0.3 is the default of Keras's LeakyReLU layer, not of this course)")
def leaky_relu_keras_default_slope(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x >= 0, x, 0.3 * x)


@mistake("activations.leaky_relu_grad", looks_like="a derivative that is 1 at x == 0",
         why="the derivative is undefined at the corner and this course, like TensorFlow, takes "
             "the leaky slope alpha there: 1 only where x > 0")
def leaky_relu_grad_one_at_zero(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x >= 0, 1.0, alpha).astype(x.dtype)


@mistake("activations.elu", looks_like="alpha * exp(x) for x <= 0, without the - 1",
         why="ELU's negative side is alpha * (exp(x) - 1), which is 0 at x == 0 and approaches "
             "-alpha for very negative x")
def elu_without_minus_one(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))


@mistake("activations.elu_grad", looks_like="exp(x) for x < 0, without alpha",
         why="the derivative of alpha * (exp(x) - 1) is alpha * exp(x); it only equals exp(x) "
             "when alpha is 1")
def elu_grad_without_alpha(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x >= 0, 1.0, np.exp(np.minimum(x, 0))).astype(x.dtype)


@mistake("activations.softplus_grad", looks_like="softplus itself, log(1 + exp(x))",
         why="the derivative of softplus is the sigmoid 1 / (1 + exp(-x))")
def softplus_grad_returns_softplus(x):
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@mistake("activations.softmax", looks_like="exp(z) / sum(exp(z)) without subtracting the maximum",
         why="exp overflows to inf for large z and inf / inf is nan; subtract "
             "np.max(z, axis=axis, keepdims=True) first, which does not change the result")
def softmax_without_max_shift(z, axis=-1):
    e = np.exp(np.asarray(z))
    return e / np.sum(e, axis=axis, keepdims=True)


@mistake("activations.softmax", looks_like="a softmax normalised over the whole array",
         why="each probability vector lies along `axis` (the rows of an (N, K) batch) and must "
             "sum to 1 on its own: pass axis=axis and keepdims=True to np.max and np.sum")
def softmax_over_whole_array(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


@mistake("activations.softmax", looks_like="a softmax along the last axis whatever `axis` says",
         why="use the `axis` argument in both np.max and np.sum")
def softmax_ignores_axis(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


# --- losses ---
# Self-contained: NumPy only, so each entry can be grafted onto a solution file.


@mistake("losses.mse", looks_like="the sum of squared errors",
         why="Keras's MSE averages: over each sample's elements, then over the batch (np.mean)")
def mse_as_sum(y_true, y_pred):
    return np.sum((np.asarray(y_true) - y_pred) ** 2)


@mistake("losses.mse",
         looks_like="the squared error summed within each sample and averaged over the batch",
         why="Keras's MSE is a mean over each sample's elements too, so it divides by all N * D "
             "elements, not by N")
def mse_sum_per_sample(y_true, y_pred):
    squared = (np.asarray(y_true) - y_pred) ** 2
    return np.sum(squared) / squared.shape[0]


@mistake("losses.mse_grad", looks_like="(y_pred - y_true) / size, without the factor 2",
         why="the derivative of (y_pred - y_true)**2 is 2 (y_pred - y_true)")
def mse_grad_without_two(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return (y_pred - y_true) / y_pred.size


@mistake("losses.mse_grad",
         looks_like="2 (y_pred - y_true) without dividing by the number of elements",
         why="the loss is a mean, so its gradient carries the same 1 / (number of elements)")
def mse_grad_without_mean(y_true, y_pred):
    return 2 * (np.asarray(y_pred) - y_true)


@mistake("losses.mse_grad", looks_like="2 (y_pred - y_true) / N, divided by the batch size only",
         why="MSE averages over each sample's elements as well, so divide by all N * D elements "
             "(y_pred.size)")
def mse_grad_batch_only(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return 2 * (y_pred - y_true) / y_pred.shape[0]


@mistake("losses.mse_grad", looks_like="2 (y_true - y_pred) / size, with the sign flipped",
         why="the gradient with respect to y_pred is positive where the prediction is too large: "
             "2 (y_pred - y_true)")
def mse_grad_wrong_sign(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return 2 * (np.asarray(y_true) - y_pred) / y_pred.size


@mistake("losses.half_sse", looks_like="0.5 * sum((y - y_hat)**2) without dividing by N",
         why="the loss is averaged over the batch: divide by N = y.shape[0]")
def half_sse_without_batch_mean(y, y_hat):
    return 0.5 * np.sum((np.asarray(y) - y_hat) ** 2)


@mistake("losses.half_sse", looks_like="0.5 * mean((y - y_hat)**2) over all elements",
         why="half_sse sums each sample's outputs and divides by the batch size N = "
             "y.shape[0] only")
def half_sse_mean_over_elements(y, y_hat):
    return 0.5 * np.mean((np.asarray(y) - y_hat) ** 2)


@mistake("losses.half_sse_grad", looks_like="(y - y_hat) / N, with the sign flipped",
         why="the lecture's delta is -(y - y_hat): increasing y_hat above y raises the loss, so "
             "the gradient there is positive")
def half_sse_grad_wrong_sign(y, y_hat):
    y = np.asarray(y)
    return (y - y_hat) / y.shape[0]


@mistake("losses.half_sse_grad", looks_like="-(y - y_hat) without dividing by N",
         why="half_sse averages over the batch, so its gradient is divided by N = y.shape[0] too")
def half_sse_grad_without_batch_mean(y, y_hat):
    return -(np.asarray(y) - y_hat)


@mistake("losses.binary_cross_entropy", looks_like="the cross-entropy of p without clipping",
         why="log(0) is -inf where p is exactly 0 or 1; clip p to [eps, 1 - eps] first, as "
             "Keras does")
def binary_cross_entropy_unclipped(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    return np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@mistake("losses.binary_cross_entropy", looks_like="a sum over the last axis, then the batch mean",
         why="Keras averages over the last axis (np.mean, not np.sum) before the batch mean")
def binary_cross_entropy_sum_last_axis(y_true, p, eps=1e-7):
    y_true = np.asarray(y_true)
    c = np.clip(p, eps, 1 - eps)
    return np.mean(np.sum(-(y_true * np.log(c) + (1 - y_true) * np.log(1 - c)), axis=-1))


@mistake("losses.binary_cross_entropy",
         looks_like="-mean(y log p), without the (1 - y) log(1 - p) term",
         why="outputs whose label is 0 must be penalised too, by -log(1 - p)")
def binary_cross_entropy_positive_term_only(y_true, p, eps=1e-7):
    return -np.mean(np.asarray(y_true) * np.log(np.clip(p, eps, 1 - eps)))


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the per-element derivative without the 1/M of the mean",
         why="the loss averages over all M elements, so divide the gradient by p.size")
def binary_cross_entropy_grad_without_mean(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    c = np.clip(p, eps, 1 - eps)
    inside = (p >= eps) & (p <= 1 - eps)
    return np.where(inside, -y_true / c + (1 - y_true) / (1 - c), 0.0)


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the derivative divided by the batch size N only",
         why="the loss averages over the last axis too, so divide by all M = p.size elements")
def binary_cross_entropy_grad_batch_only(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    c = np.clip(p, eps, 1 - eps)
    inside = (p >= eps) & (p <= 1 - eps)
    return np.where(inside, -y_true / c + (1 - y_true) / (1 - c), 0.0) / p.shape[0]


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the derivative evaluated at the clipped p everywhere",
         why="where p lies outside [eps, 1 - eps] the clipped loss does not change with p, so its "
             "gradient there is 0 (mask those entries with np.where)")
def binary_cross_entropy_grad_no_mask(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    c = np.clip(p, eps, 1 - eps)
    return (-y_true / c + (1 - y_true) / (1 - c)) / p.size


@mistake("losses.categorical_cross_entropy",
         looks_like="the cross-entropy of p without rescaling its rows",
         why="Keras 3 first divides each row of p by its sum so it is a distribution; do the same "
             "before clipping")
def categorical_cross_entropy_no_rescale(y_true, p, eps=1e-7):
    return np.mean(-np.sum(np.asarray(y_true) * np.log(np.clip(p, eps, 1 - eps)), axis=-1))


@mistake("losses.categorical_cross_entropy",
         looks_like="a mean over the classes as well as the batch",
         why="per sample, categorical cross-entropy sums over the classes (np.sum(..., axis=-1)); "
             "only the batch is averaged")
def categorical_cross_entropy_mean_over_classes(y_true, p, eps=1e-7):
    p = np.asarray(p)
    q = np.clip(p / np.sum(p, axis=-1, keepdims=True), eps, 1 - eps)
    return -np.mean(np.asarray(y_true) * np.log(q))


@mistake("losses.categorical_cross_entropy", looks_like="a sum over the batch",
         why="the per-sample losses are averaged over the batch (np.mean), not summed")
def categorical_cross_entropy_batch_sum(y_true, p, eps=1e-7):
    p = np.asarray(p)
    q = np.clip(p / np.sum(p, axis=-1, keepdims=True), eps, 1 - eps)
    return -np.sum(np.asarray(y_true) * np.log(q))


@mistake("losses.categorical_cross_entropy_grad",
         looks_like="-y / (N p), ignoring the row rescaling",
         why="the loss divides each row by its sum first, and every probability of a row enters "
             "that sum: through the chain rule the gradient is (g - sum(g * q)) / s with "
             "g = -y / (N q), which is (1 - y / p) / N for rows that sum to 1")
def categorical_cross_entropy_grad_no_rescale(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    inside = (p >= eps) & (p <= 1 - eps)
    return np.where(inside, -y_true / np.clip(p, eps, 1 - eps), 0.0) / p.shape[0]


@mistake("losses.categorical_cross_entropy_grad",
         looks_like="the gradient without the 1/N of the batch mean",
         why="the loss averages over the batch, so its gradient is divided by N = p.shape[0]")
def categorical_cross_entropy_grad_without_mean(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    inside = (q >= eps) & (q <= 1 - eps)
    g = np.where(inside, -y_true / np.clip(q, eps, 1 - eps), 0.0)
    return (g - np.sum(g * q, axis=-1, keepdims=True)) / s


@mistake("losses.softmax_cross_entropy",
         looks_like="log(softmax) computed without subtracting the maximum",
         why="exp of a large logit overflows to inf; use log-sum-exp: shift each row by its "
             "maximum before np.exp")
def softmax_cross_entropy_without_max_shift(y_true, logits):
    logits = np.asarray(logits)
    e = np.exp(logits)
    log_probs = logits - np.log(np.sum(e, axis=-1, keepdims=True))
    return np.mean(-np.sum(np.asarray(y_true) * log_probs, axis=-1))


@mistake("losses.softmax_cross_entropy_grad",
         looks_like="softmax(logits) - y_true without dividing by N",
         why="the loss averages over the batch, so its gradient is (softmax(logits) - y_true) / N")
def softmax_cross_entropy_grad_without_mean(y_true, logits):
    logits = np.asarray(logits)
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True) - y_true


@mistake("losses.softmax_cross_entropy_grad",
         looks_like="(y_true - softmax(logits)) / N, with the sign flipped",
         why="the gradient is predicted minus true: (softmax(logits) - y_true) / N")
def softmax_cross_entropy_grad_wrong_sign(y_true, logits):
    logits = np.asarray(logits)
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return (y_true - e / np.sum(e, axis=-1, keepdims=True)) / logits.shape[0]


# --- conv ---
# Entries for conv.py. Backward entries (same_signature=False) take the upstream gradient
# followed by the forward function's arguments, e.g. (dout, x, kernel, bias, stride=1,
# padding="valid"), and return what the target backward returns. Every entry is self-contained.


@mistake("conv.conv2d_output_size", looks_like='"same" padding that ignores the stride',
         why='with padding="same" the output has ceil(size / stride) positions, the input size only at stride 1')
def conv2d_output_size_same_ignores_stride(size, kernel, stride, padding):
    if str(padding).lower() == "same":
        return int(size)
    return (int(size) - int(kernel)) // int(stride) + 1


@mistake("conv.conv2d_output_size", looks_like="the valid-padding size without the first window",
         why="the window that starts at position 0 counts too: floor((size - kernel) / stride) + 1")
def conv2d_output_size_missing_plus_one(size, kernel, stride, padding):
    if str(padding).lower() == "same":
        return -(-int(size) // int(stride))
    return (int(size) - int(kernel)) // int(stride)


@mistake("conv.conv2d_forward", looks_like="a true convolution with the kernel flipped",
         why="Keras's Conv2D computes a cross-correlation: kernel[0, 0] multiplies the top-left pixel "
             "of each window, and the kernel is never rotated")
def conv2d_forward_flipped_kernel(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel)[::-1, ::-1], np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]

    def pads(n, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x, ((0, 0), pads(x.shape[1], kh, sh), pads(x.shape[2], kw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding with the odd extra pixel at the top/left',
         why="when the total padding is odd (for example an even input at stride 2), TensorFlow puts the "
             "extra pixel at the bottom/right, so the first window starts at row 0 and column 0")
def conv2d_forward_same_extra_pad_top_left(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]

    def pads(n, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total - total // 2, total // 2

    xp = np.pad(x, ((0, 0), pads(x.shape[1], kh, sh), pads(x.shape[2], kw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding split evenly, (k - 1) // 2 pixels on every side',
         why="TensorFlow pads max((out - 1) * stride + k - size, 0) pixels in all, which depends on the "
             "stride and the input size; at stride 2 on an even input that is one pixel, at the bottom/right")
def conv2d_forward_same_pad_split_evenly(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]
    same = str(padding).lower() == "same"
    ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if same else (0, 0)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_backward", same_signature=False,
         looks_like="an input gradient that uses the kernel without rotating it",
         why="pixel (r, c) is multiplied by kernel[r - i, c - j] in the window at (i, j), so spreading "
             "dout back onto the input must use each window's own kernel offset, not the mirrored one")
def conv2d_backward_dx_kernel_not_rotated(dout, x, kernel, bias, stride=1, padding="valid"):
    """Arguments: (dout, x, kernel, bias, stride=1, padding="valid"); returns (dx, dkernel, dbias)."""
    x, kernel, dout = np.asarray(x), np.asarray(kernel), np.asarray(dout)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape

    def pads(size, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // s) - 1) * s + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, kh, sh), pads(w, kw, sw)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    ho, wo = dout.shape[1:3]
    dxp = np.zeros(xp.shape, np.result_type(x, kernel, dout, 1.0))
    dkernel = np.zeros(kernel.shape, dxp.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
            dxp[:, rows, cols, :] += dout @ kernel[kh - 1 - i, kw - 1 - j].T
            dkernel[i, j] = np.tensordot(xp[:, rows, cols, :], dout, axes=([0, 1, 2], [0, 1, 2]))
    return dxp[:, top:top + h, left:left + w, :], dkernel, dout.sum(axis=(0, 1, 2))


@mistake("conv.maxpool2d_forward", looks_like="pooling windows that slide one pixel at a time",
         why="MaxPooling2D's stride defaults to the pool size (stride=None), so 2x2 windows do not overlap "
             "and halve the height and width")
def maxpool2d_forward_stride_one(x, pool_size=2, stride=None, padding="valid"):
    x = np.asarray(x)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = 1 if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)

    def pads(n, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // st) - 1) * st + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x.astype(np.result_type(x, 1.0)), ((0, 0), pads(x.shape[1], ph, sh), pads(x.shape[2], pw, sw), (0, 0)),
                constant_values=-np.inf)
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf, xp.dtype)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :])
    return out, x


@mistake("conv.maxpool2d_forward", looks_like='"same" pooling that pads with zeros',
         why="padding for max pooling must never win a window, so TensorFlow pads with -inf; "
             "a zero pad replaces negative border maxima with 0")
def maxpool2d_forward_same_zero_pad(x, pool_size=2, stride=None, padding="valid"):
    x = np.asarray(x)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)

    def pads(n, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // st) - 1) * st + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x.astype(np.result_type(x, 1.0)), ((0, 0), pads(x.shape[1], ph, sh), pads(x.shape[2], pw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf, xp.dtype)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :])
    return out, x


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient copied to every tied maximum",
         why="only one input produced each window's output, so its gradient goes to one place; "
             "TensorFlow picks the first maximum in row-major order (a mask x == max marks all ties)")
def maxpool2d_backward_every_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    x, dout = np.asarray(x), np.asarray(dout)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)
    n, h, w, _ = x.shape

    def pads(size, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // st) - 1) * st + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, ph, sh), pads(w, pw, sw)
    xp = np.pad(x.astype(np.result_type(x, dout, 1.0)), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    ho, wo = dout.shape[1:3]
    spots = [(slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
             for i in range(ph) for j in range(pw)]
    top_value = np.max([xp[:, r, c, :] for r, c in spots], axis=0)
    dxp = np.zeros(xp.shape, xp.dtype)
    for r, c in spots:
        dxp[:, r, c, :] += np.where(xp[:, r, c, :] == top_value, dout, 0.0)
    return dxp[:, top:top + h, left:left + w, :]


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient sent to the last of the tied maxima",
         why="TensorFlow gives a window's gradient to its first maximum in row-major order "
             "(a strict > while scanning keeps the first; >= keeps the last)")
def maxpool2d_backward_last_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    x, dout = np.asarray(x), np.asarray(dout)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)
    n, h, w, _ = x.shape

    def pads(size, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // st) - 1) * st + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, ph, sh), pads(w, pw, sw)
    xp = np.pad(x.astype(np.result_type(x, dout, 1.0)), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    ho, wo = dout.shape[1:3]
    spots = [(slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
             for i in range(ph) for j in range(pw)]
    windows = np.stack([xp[:, r, c, :] for r, c in spots])
    last = len(spots) - 1 - np.argmax(windows[::-1], axis=0)
    dxp = np.zeros(xp.shape, xp.dtype)
    for k, (r, c) in enumerate(spots):
        dxp[:, r, c, :] += np.where(last == k, dout, 0.0)
    return dxp[:, top:top + h, left:left + w, :]


@mistake("conv.flatten_forward", looks_like="a channels-first (N, C, H, W) flatten",
         why="Keras images are channels-last, and Flatten reads them in (H, W, C) order, so a Dense "
             "layer's kernel rows follow that order")
def flatten_forward_channels_first(x):
    x = np.asarray(x)
    moved = np.moveaxis(x, -1, 1) if x.ndim > 2 else x
    return moved.reshape(x.shape[0], -1), x.shape


@mistake("conv.cnn_forward", looks_like="the network with a channels-first flatten",
         why="Keras's Flatten reads the (N, H, W, C) feature maps in (H, W, C) order, which is the row "
             "order of the first Dense kernel in model.get_weights()")
def cnn_forward_channels_first_flatten(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = (np.asarray(w) for w in weights)
    a = np.asarray(x)
    for kernel, bias in ((k1, b1), (k2, b2)):
        kh, kw = kernel.shape[:2]
        ho, wo = a.shape[1] - kh + 1, a.shape[2] - kw + 1
        z = np.zeros((a.shape[0], ho, wo, kernel.shape[3]), np.result_type(a, kernel, 1.0)) + bias
        for i in range(kh):
            for j in range(kw):
                z += a[:, i:i + ho, j:j + wo, :] @ kernel[i, j]
        z = np.maximum(z, 0.0)
        hp, wp = z.shape[1] // 2, z.shape[2] // 2
        a = z[:, :2 * hp, :2 * wp].reshape(z.shape[0], hp, 2, wp, 2, z.shape[3]).max(axis=(2, 4))
    a = np.moveaxis(a, -1, 1).reshape(a.shape[0], -1)
    a = np.maximum(a @ w3 + b3, 0.0)
    logits = a @ w4 + b4
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@mistake("conv.cnn_forward", looks_like="the network's logits, without the final softmax",
         why="the last Dense layer has a softmax activation, so each row is a probability "
             "distribution that sums to 1")
def cnn_forward_without_softmax(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = (np.asarray(w) for w in weights)
    a = np.asarray(x)
    for kernel, bias in ((k1, b1), (k2, b2)):
        kh, kw = kernel.shape[:2]
        ho, wo = a.shape[1] - kh + 1, a.shape[2] - kw + 1
        z = np.zeros((a.shape[0], ho, wo, kernel.shape[3]), np.result_type(a, kernel, 1.0)) + bias
        for i in range(kh):
            for j in range(kw):
                z += a[:, i:i + ho, j:j + wo, :] @ kernel[i, j]
        z = np.maximum(z, 0.0)
        hp, wp = z.shape[1] // 2, z.shape[2] // 2
        a = z[:, :2 * hp, :2 * wp].reshape(z.shape[0], hp, 2, wp, 2, z.shape[3]).max(axis=(2, 4))
    a = a.reshape(a.shape[0], -1)
    a = np.maximum(a @ w3 + b3, 0.0)
    return a @ w4 + b4


# --- rnn ---
# Entries for rnn.py. Backward entries (same_signature=False) take the upstream gradient followed
# by the forward function's arguments: (dh, x_t, h_prev, kernel, recurrent_kernel, bias) for a
# step, (dh_seq, x, h0, kernel, recurrent_kernel, bias) for a sequence.


@mistake("rnn.rnn_step_forward", looks_like="a step squashed by the sigmoid instead of tanh",
         why="SimpleRNN's activation is tanh, so hidden states lie in (-1, 1), centred on 0")
def rnn_step_forward_sigmoid(x_t, h_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    h = 1.0 / (1.0 + np.exp(-z))
    return h, (x_t, h_prev, h)


@mistake("rnn.rnn_step_forward", looks_like="a step that adds the bias after the tanh",
         why="the bias is part of the pre-activation: h = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)")
def rnn_step_forward_bias_outside_tanh(x_t, h_prev, kernel, recurrent_kernel, bias):
    h = np.tanh(np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel)) + bias
    return h, (x_t, h_prev, h)


@mistake("rnn.rnn_step_backward", same_signature=False,
         looks_like="a step gradient that applies tanh' to the output h instead of the pre-activation",
         why="with h = tanh(z), dh/dz = 1 - tanh(z)^2 = 1 - h^2; 1 - tanh(h)^2 takes tanh twice")
def rnn_step_backward_tanh_of_output(dh, x_t, h_prev, kernel, recurrent_kernel, bias):
    """Arguments: (dh, x_t, h_prev, kernel, recurrent_kernel, bias); returns
    (dx_t, dh_prev, dkernel, drecurrent_kernel, dbias)."""
    x_t, h_prev, kernel, recurrent_kernel = (np.asarray(a) for a in (x_t, h_prev, kernel, recurrent_kernel))
    h = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
    dz = np.asarray(dh) * (1.0 - np.tanh(h) ** 2)
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


@mistake("rnn.rnn_forward", looks_like="a loop that starts every step from h0",
         why="the hidden state is the network's memory: each step must use the previous step's h, "
             "not the initial state")
def rnn_forward_state_not_carried(x, h0, kernel, recurrent_kernel, bias):
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    h0 = np.zeros((x.shape[0], recurrent_kernel.shape[0])) if h0 is None else np.asarray(h0)
    h_seq = np.tanh(x @ kernel + (h0 @ recurrent_kernel)[:, None, :] + bias)
    return h_seq, (x, h0)


@mistake("rnn.rnn_backward", same_signature=False,
         looks_like="backpropagation truncated to one step",
         why="h_t also feeds step t + 1, so the gradient reaching h_t is dh_seq[:, t] plus what flows "
             "back from step t + 1 through the recurrent kernel (dh_next)")
def rnn_backward_truncated(dh_seq, x, h0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    h = np.asarray(h0)
    dkernel, drec, dbias = np.zeros(kernel.shape), np.zeros(recurrent_kernel.shape), np.zeros(kernel.shape[1])
    dx = np.zeros(x.shape)
    dh0 = None
    for t in range(x.shape[1]):
        h_new = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        dz = dh_seq[:, t] * (1.0 - h_new ** 2)
        dx[:, t] = dz @ kernel.T
        dkernel += x[:, t].T @ dz
        drec += h.T @ dz
        dbias += dz.sum(axis=0)
        if t == 0:
            dh0 = dz @ recurrent_kernel.T
        h = h_new
    return dx, dh0, dkernel, drec, dbias


@mistake("rnn.rnn_backward", same_signature=False,
         looks_like="weight gradients assigned (=) at each time step instead of accumulated (+=)",
         why="the same kernel, recurrent kernel and bias are used at every step, so their gradients are "
             "the sum of the contributions of all steps")
def rnn_backward_assign_not_accumulate(dh_seq, x, h0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs = [np.asarray(h0)]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ kernel + hs[-1] @ recurrent_kernel + bias))
    dx = np.zeros(x.shape)
    dh_next = np.zeros(hs[0].shape)
    for t in reversed(range(x.shape[1])):
        dz = (dh_seq[:, t] + dh_next) * (1.0 - hs[t + 1] ** 2)
        dx[:, t] = dz @ kernel.T
        dkernel = x[:, t].T @ dz
        drec = hs[t].T @ dz
        dbias = dz.sum(axis=0)
        dh_next = dz @ recurrent_kernel.T
    return dx, dh_next, dkernel, drec, dbias


# --- lstm ---
# Entries for lstm.py. Backward entries (same_signature=False) take the upstream gradient(s)
# followed by the forward function's arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel,
# bias) for a sequence.


@mistake("lstm.lstm_gates", looks_like="gates split in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_gates_ifog_order(z):
    z = np.asarray(z)
    i, f, o, g = np.split(z, 4, axis=-1)
    return 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), np.tanh(g), 1 / (1 + np.exp(-o))


@mistake("lstm.lstm_gates", looks_like="every gate squashed by the sigmoid",
         why="the candidate (third block) uses tanh, so the values written to the cell lie in (-1, 1)")
def lstm_gates_all_sigmoid(z):
    s = 1 / (1 + np.exp(-np.asarray(z)))
    i, f, g, o = np.split(s, 4, axis=-1)
    return i, f, g, o


@mistake("lstm.lstm_cell_state", looks_like="the forget and input gates swapped",
         why="the forget gate scales the old cell state and the input gate scales the new candidate: "
             "c = f * c_prev + i * g")
def lstm_cell_state_gates_swapped(f, i, g, c_prev):
    return np.asarray(i) * np.asarray(c_prev) + np.asarray(f) * np.asarray(g)


@mistake("lstm.lstm_hidden_state", looks_like="h = o * c without the tanh",
         why="the cell state is squashed before the output gate reads it: h = o * tanh(c)")
def lstm_hidden_state_no_tanh(o, c):
    return np.asarray(o) * np.asarray(c)


@mistake("lstm.lstm_step_forward", looks_like="a step with the gates in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_step_forward_ifog_order(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    zi, zf, zo, zg = np.split(z, 4, axis=-1)
    i, f, o, g = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), 1 / (1 + np.exp(-zo)), np.tanh(zg)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x_t, h_prev, c_prev)


@mistake("lstm.lstm_forward", looks_like="a layer with the gates in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_forward_ifog_order(x, h0, c0, kernel, recurrent_kernel, bias):
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    h = zeros if h0 is None else np.asarray(h0)
    c = zeros if c0 is None else np.asarray(c0)
    hs = []
    for t in range(x.shape[1]):
        zi, zf, zo, zg = np.split(x[:, t] @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
        c = 1 / (1 + np.exp(-zf)) * c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)
        h = 1 / (1 + np.exp(-zo)) * np.tanh(c)
        hs.append(h)
    return np.stack(hs, axis=1), h, c, (x, h0, c0)


@mistake("lstm.lstm_forward", looks_like="a layer whose hidden state is o * c without the tanh",
         why="the cell state is squashed before the output gate reads it: h = o * tanh(c)")
def lstm_forward_h_without_tanh(x, h0, c0, kernel, recurrent_kernel, bias):
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    h = zeros if h0 is None else np.asarray(h0)
    c = zeros if c0 is None else np.asarray(c0)
    hs = []
    for t in range(x.shape[1]):
        zi, zf, zg, zo = np.split(x[:, t] @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
        c = 1 / (1 + np.exp(-zf)) * c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)
        h = 1 / (1 + np.exp(-zo)) * c
        hs.append(h)
    return np.stack(hs, axis=1), h, c, (x, h0, c0)


@mistake("lstm.lstm_backward", same_signature=False,
         looks_like="weight gradients assigned (=) at each time step instead of accumulated (+=)",
         why="the same kernel, recurrent kernel and bias are used at every step, so their gradients are "
             "the sum of the contributions of all steps")
def lstm_backward_assign_not_accumulate(dh_seq, x, h0, c0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs, cs, steps = [np.asarray(h0)], [np.asarray(c0)], []
    for t in range(x.shape[1]):
        zi, zf, zg, zo = np.split(x[:, t] @ kernel + hs[-1] @ recurrent_kernel + bias, 4, axis=-1)
        i, f, g, o = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), np.tanh(zg), 1 / (1 + np.exp(-zo))
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        steps.append((i, f, g, o))
    dx = np.zeros(x.shape)
    dh_next, dc_next = np.zeros(hs[0].shape), np.zeros(cs[0].shape)
    for t in reversed(range(x.shape[1])):
        i, f, g, o = steps[t]
        tc = np.tanh(cs[t + 1])
        dh = dh_seq[:, t] + dh_next
        dc = dc_next + dh * o * (1 - tc ** 2)
        dz = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f), dc * i * (1 - g ** 2),
                             dh * tc * o * (1 - o)], axis=-1)
        dx[:, t] = dz @ kernel.T
        dkernel = x[:, t].T @ dz
        drec = hs[t].T @ dz
        dbias = dz.sum(axis=0)
        dh_next, dc_next = dz @ recurrent_kernel.T, dc * f
    return dx, dh_next, dc_next, dkernel, drec, dbias


@mistake("lstm.lstm_backward", same_signature=False,
         looks_like="backpropagation that drops the gradient along the cell state",
         why="c_t feeds c_{t+1} directly (through the forget gate), so the gradient of c_t also "
             "receives dc_{t+1} * f_{t+1}; this path is what lets LSTMs remember long sequences")
def lstm_backward_no_cell_path(dh_seq, x, h0, c0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs, cs, steps = [np.asarray(h0)], [np.asarray(c0)], []
    for t in range(x.shape[1]):
        zi, zf, zg, zo = np.split(x[:, t] @ kernel + hs[-1] @ recurrent_kernel + bias, 4, axis=-1)
        i, f, g, o = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), np.tanh(zg), 1 / (1 + np.exp(-zo))
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        steps.append((i, f, g, o))
    dx = np.zeros(x.shape)
    dkernel, drec, dbias = np.zeros(kernel.shape), np.zeros(recurrent_kernel.shape), np.zeros(kernel.shape[1])
    dh_next, dc_prev = np.zeros(hs[0].shape), np.zeros(cs[0].shape)
    for t in reversed(range(x.shape[1])):
        i, f, g, o = steps[t]
        tc = np.tanh(cs[t + 1])
        dh = dh_seq[:, t] + dh_next
        dc = dh * o * (1 - tc ** 2)
        dz = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f), dc * i * (1 - g ** 2),
                             dh * tc * o * (1 - o)], axis=-1)
        dx[:, t] = dz @ kernel.T
        dkernel += x[:, t].T @ dz
        drec += hs[t].T @ dz
        dbias += dz.sum(axis=0)
        dh_next, dc_prev = dz @ recurrent_kernel.T, dc * f
    return dx, dh_next, dc_prev, dkernel, drec, dbias


# --- perceptron ---


@mistake("perceptron.weighted_sum", looks_like="x @ w with the bias left out",
         why="the bias b is added to every weighted sum, z = x @ w + b; it shifts the "
             "neuron's threshold left or right")
def perceptron_weighted_sum_without_bias(x, w, b):
    return np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64)


@mistake("perceptron.weighted_sum", looks_like="one sum over the whole batch",
         why="each sample (row of x) gets its own weighted sum; summing x * w over every axis "
             "adds the samples together")
def perceptron_weighted_sum_over_whole_batch(x, w, b):
    return np.sum(np.asarray(x, dtype=np.float64) * np.asarray(w, dtype=np.float64)) + b


@mistake("perceptron.perceptron_predict", looks_like="predictions in {-1, +1}",
         why="this course's perceptron outputs 0 or 1: the binary step is 0 for z < 0 and "
             "1 for z >= 0")
def perceptron_predict_plus_minus_one(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return np.where(z >= 0, 1, -1)


@mistake("perceptron.perceptron_predict", looks_like="a step that is 0 at z == 0",
         why="the lecture's binary step is 1 where z >= 0, so a sample exactly on the line "
             "z = 0 is predicted 1 (use >=, not >)")
def perceptron_predict_strict_step(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return (z > 0).astype(np.int64)


@mistake("perceptron.perceptron_predict", looks_like="sigmoid probabilities",
         why="the perceptron's prediction is the binary step of the weighted sum, integers "
             "0 or 1, not a sigmoid neuron's probability")
def perceptron_predict_sigmoid(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return 1 / (1 + np.exp(-z))


@mistake("perceptron.perceptron_train", looks_like="an update with the wrong sign",
         why="Rosenblatt's rule adds lr * (y - y_hat) * x: a sample predicted 0 whose target "
             "is 1 must pull w towards x, not push it away")
def perceptron_train_wrong_sign(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(int(epochs)):
        wrong = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - (1 if xi @ w + b >= 0 else 0)
            if delta != 0:
                wrong += 1
                w = w - lr * delta * xi
                b = b - lr * delta
        errors.append(wrong)
        if wrong == 0:
            break
    return w, np.float64(b), np.asarray(errors, dtype=np.int64)


@mistake("perceptron.perceptron_train", looks_like="training that never updates the bias",
         why="the bias is a weight too (w0 on a constant input 1) and moves by lr * (y - y_hat) "
             "on every mistake; without it the decision line must pass through the origin")
def perceptron_train_fixed_bias(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    w, errors = np.zeros(X.shape[1]), []
    for _ in range(int(epochs)):
        wrong = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - (1 if xi @ w >= 0 else 0)
            if delta != 0:
                wrong += 1
                w = w + lr * delta * xi
        errors.append(wrong)
        if wrong == 0:
            break
    return w, np.float64(0.0), np.asarray(errors, dtype=np.int64)


@mistake("perceptron.perceptron_train", looks_like="training that never stops early",
         why="once an epoch makes no mistake the weights can no longer change, so training "
             "stops after that epoch and `errors` ends with its 0")
def perceptron_train_no_early_stop(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(int(epochs)):
        wrong = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - (1 if xi @ w + b >= 0 else 0)
            if delta != 0:
                wrong += 1
                w = w + lr * delta * xi
                b = b + lr * delta
        errors.append(wrong)
    return w, np.float64(b), np.asarray(errors, dtype=np.int64)


@mistake("perceptron.perceptron_train", looks_like="training that starts from weights of 1",
         why="Rosenblatt's rule here starts from zero weights and a zero bias")
def perceptron_train_starts_at_one(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    w, b, errors = np.ones(X.shape[1]), 0.0, []
    for _ in range(int(epochs)):
        wrong = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - (1 if xi @ w + b >= 0 else 0)
            if delta != 0:
                wrong += 1
                w = w + lr * delta * xi
                b = b + lr * delta
        errors.append(wrong)
        if wrong == 0:
            break
    return w, np.float64(b), np.asarray(errors, dtype=np.int64)


# --- gradient_descent ---


@mistake("gradient_descent.gradient_descent", looks_like="a path without the starting point",
         why="path[0] is w0 itself and path[k] the k-th iterate, so path has n_steps + 1 rows")
def gradient_descent_path_without_w0(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=np.float64)
    path = []
    for _ in range(int(n_steps)):
        w = w - lr * np.asarray(grad_fn(w.copy()), dtype=np.float64)
        path.append(w)
    return w, np.array(path).reshape((int(n_steps),) + w.shape)


@mistake("gradient_descent.gradient_descent", looks_like="gradient ascent",
         why="the gradient points uphill; descent steps against it, w <- w - lr * grad")
def gradient_descent_ascent(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=np.float64)
    path = [w]
    for _ in range(int(n_steps)):
        w = w + lr * np.asarray(grad_fn(w.copy()), dtype=np.float64)
        path.append(w)
    return w, np.array(path)


@mistake("gradient_descent.sgd_step", looks_like="a step that adds the gradient",
         why="a descent step subtracts lr times the gradient from each parameter")
def gradient_descent_sgd_step_adds(params, grads, lr):
    return {k: np.asarray(p) + lr * np.asarray(grads[k]) for k, p in params.items()}


@mistake("gradient_descent.momentum_step", looks_like="momentum with the velocity's sign flipped",
         why="Keras's velocity is v = momentum * v - lr * g and the step is w + v; adding "
             "+lr * g to the velocity walks uphill")
def gradient_descent_momentum_sign_flipped(params, grads, velocity, lr=0.01, momentum=0.9):
    velocity = {} if velocity is None else velocity
    new_p, new_v = {}, {}
    for k, p in params.items():
        v = np.asarray(velocity.get(k, np.zeros_like(np.asarray(p, dtype=np.float64))))
        v = momentum * v + lr * np.asarray(grads[k])
        new_v[k] = v
        new_p[k] = np.asarray(p) + v
    return new_p, new_v


@mistake("gradient_descent.momentum_step", looks_like="momentum that steps with the old velocity",
         why="first update the velocity, v = momentum * v - lr * g, then step with the new "
             "one, w = w + v")
def gradient_descent_momentum_old_velocity(params, grads, velocity, lr=0.01, momentum=0.9):
    velocity = {} if velocity is None else velocity
    new_p, new_v = {}, {}
    for k, p in params.items():
        v = np.asarray(velocity.get(k, np.zeros_like(np.asarray(p, dtype=np.float64))))
        new_p[k] = np.asarray(p) + v
        new_v[k] = momentum * v - lr * np.asarray(grads[k])
    return new_p, new_v


@mistake("gradient_descent.adam_step", looks_like="Adam without bias correction",
         why="m and v start at zero and are biased towards it early on; Keras scales the "
             "step by sqrt(1 - beta_2**t) / (1 - beta_1**t), with t counting steps from 1")
def gradient_descent_adam_without_bias_correction(params, grads, state, lr=0.001, beta_1=0.9,
                                                  beta_2=0.999, epsilon=1e-7):
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    new_p, new_m, new_v = {}, {}, {}
    for k, p in params.items():
        p = np.asarray(p, dtype=np.float64)
        g = np.asarray(grads[k], dtype=np.float64)
        m = beta_1 * np.asarray(state["m"].get(k, np.zeros_like(p))) + (1 - beta_1) * g
        v = beta_2 * np.asarray(state["v"].get(k, np.zeros_like(p))) + (1 - beta_2) * g * g
        new_p[k] = p - lr * m / (np.sqrt(v) + epsilon)
        new_m[k], new_v[k] = m, v
    return new_p, {"t": int(state["t"]) + 1, "m": new_m, "v": new_v}


@mistake("gradient_descent.adam_step", looks_like="Adam that divides by v instead of sqrt(v)",
         why="Adam divides the first moment by the square root of the second, "
             "m_hat / (sqrt(v_hat) + epsilon), so that the step has the scale of lr")
def gradient_descent_adam_without_sqrt(params, grads, state, lr=0.001, beta_1=0.9,
                                       beta_2=0.999, epsilon=1e-7):
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    t = int(state["t"]) + 1
    new_p, new_m, new_v = {}, {}, {}
    for k, p in params.items():
        p = np.asarray(p, dtype=np.float64)
        g = np.asarray(grads[k], dtype=np.float64)
        m = beta_1 * np.asarray(state["m"].get(k, np.zeros_like(p))) + (1 - beta_1) * g
        v = beta_2 * np.asarray(state["v"].get(k, np.zeros_like(p))) + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        new_p[k] = p - lr * m_hat / (v_hat + epsilon)
        new_m[k], new_v[k] = m, v
    return new_p, {"t": t, "m": new_m, "v": new_v}


@mistake("gradient_descent.minibatches", looks_like="batches in the original order",
         why="each epoch visits the samples in a random order, rng.permutation(N); without the "
             "shuffle every epoch sees the same batches")
def gradient_descent_minibatches_unshuffled(X, y, batch_size, rng):
    X, y = np.asarray(X), np.asarray(y)
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


@mistake("gradient_descent.minibatches", looks_like="batching that drops the last short batch",
         why="every sample is used once per epoch; when N is not a multiple of batch_size the "
             "last batch is smaller, not discarded")
def gradient_descent_minibatches_drop_last(X, y, batch_size, rng):
    X, y = np.asarray(X), np.asarray(y)
    order = rng.permutation(len(X))
    full = len(X) - len(X) % batch_size
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, full, batch_size)]


@mistake("gradient_descent.train_logistic_regression", looks_like="a summed, not averaged, gradient",
         why="the loss is the mean over the N samples, so its gradient is X^T (p - y) / N; "
             "without the 1/N the step grows with the data set")
def gradient_descent_logreg_sum_gradient(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(int(epochs)):
        z = X @ w + b
        p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                     np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
        w = w - lr * X.T @ (p - y)
        b = b - lr * np.sum(p - y)
    return w, np.float64(b), np.array(losses)


@mistake("gradient_descent.train_logistic_regression", looks_like="training without the bias",
         why="the bias has its own gradient, mean(p - y), and is updated with the weights")
def gradient_descent_logreg_fixed_bias(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.zeros(X.shape[1])
    losses = []
    for _ in range(int(epochs)):
        z = X @ w
        p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                     np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
        w = w - lr * X.T @ (p - y) / len(y)
    return w, np.float64(0.0), np.array(losses)


# --- backprop ---
# Backward entries take the forward inputs, not a cache (whose contents are the learner's
# business), so they are `same_signature=False`; each docstring gives the signature.


@mistake("backprop.dense_backward", same_signature=False,
         looks_like="gradients averaged over the batch inside the layer",
         why="dW = x^T @ dout and db = dout summed over the batch; any 1/N is already in dout, "
             "which comes from the mean loss")
def backprop_dense_backward_averaged(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    n = dout.shape[0]
    return dout @ W.T, x.T @ dout / n, dout.sum(axis=0) / n


@mistake("backprop.dense_backward", same_signature=False,
         looks_like="a bias gradient without the batch sum",
         why="the same bias is added to every sample, so its gradient sums dout over the batch "
             "axis: db = dout.sum(axis=0), shape (D_out,)")
def backprop_dense_backward_db_not_summed(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    return dout @ W.T, x.T @ dout, dout.copy()


@mistake("backprop.dense_backward", same_signature=False, looks_like="a transposed dW",
         why="dW has the kernel's shape (D_in, D_out): dW = x^T @ dout, not dout^T @ x")
def backprop_dense_backward_dW_transposed(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def _backprop_local_derivative(z, name):
    # f'(z) with the curriculum's kink values; shared by the activation_backward entries.
    z = np.asarray(z, dtype=np.float64)
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    table = {
        "linear": np.ones_like(z), "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(z) ** 2,
        "relu": (z > 0).astype(np.float64), "leaky_relu": np.where(z > 0, 1.0, 0.01),
        "elu": np.where(z >= 0, 1.0, np.exp(np.minimum(z, 0))), "softplus": s,
    }
    return table[name]


@mistake("backprop.activation_backward", same_signature=False,
         looks_like="the local derivative without the upstream gradient",
         why="the chain rule multiplies the local derivative by the gradient arriving from "
             "above: dz = da * f'(z)")
def backprop_activation_backward_no_upstream(da, z, name):
    """Takes (da, z, name): the upstream gradient, the pre-activation and the activation name
    given to activation_forward (same shapes); returns dz."""
    return _backprop_local_derivative(z, name) * np.ones_like(np.asarray(da, dtype=np.float64))


@mistake("backprop.activation_backward", same_signature=False,
         looks_like="a derivative formula applied to z instead of to f(z)",
         why="sigmoid' = s (1 - s) and tanh' = 1 - t**2 are written in terms of the activation "
             "s = sigmoid(z) or t = tanh(z), not of the pre-activation z")
def backprop_activation_backward_formula_on_z(da, z, name):
    """Takes (da, z, name) as above; applies only to "sigmoid" and "tanh"; returns dz."""
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return da * z * (1 - z)
    if name == "tanh":
        return da * (1 - z**2)
    raise ValueError("only sigmoid and tanh")


@mistake("backprop.mlp_backward", same_signature=False,
         looks_like="backprop that skips the hidden activations' derivative",
         why="going back through a hidden layer multiplies by its activation's derivative at "
             "that layer's pre-activation, dz = da * f'(z), before the Dense backward")
def backprop_mlp_backward_no_hidden_derivative(dout, X, params, hidden="relu", output="linear"):
    """Takes (dout, X, params, hidden="relu", output="linear"): dout as mlp_backward's, and the
    arguments that were given to mlp_forward; returns the grads dict."""
    n_layers = len([k for k in params if k.startswith("W")])
    a, zs, inputs = np.asarray(X, dtype=np.float64), [], []
    for i in range(1, n_layers + 1):
        inputs.append(a)
        z = a @ params[f"W{i}"] + params[f"b{i}"]
        zs.append(z)
        a = z if i == n_layers else _backprop_activate(z, hidden)
    if output == "sigmoid":
        s = 1 / (1 + np.exp(-zs[-1]))
        delta = dout * s * (1 - s)
    else:
        delta = np.asarray(dout, dtype=np.float64)
    grads = {}
    for i in range(n_layers, 0, -1):
        grads[f"W{i}"] = inputs[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        delta = delta @ params[f"W{i}"].T  # the bug: no * f'(z) of the layer below
    return {k: grads[k] for i in range(1, n_layers + 1) for k in (f"W{i}", f"b{i}")}


def _backprop_activate(z, name):
    # The hidden activations, for the mlp_backward entry's forward pass.
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z >= 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return np.logaddexp(0, z)
    raise ValueError(name)


@mistake("backprop.init_mlp", looks_like="weights drawn from N(0, 1) without scaling",
         why="He and Glorot scale the weights by the layer's fan: He normal has standard "
             "deviation sqrt(2 / fan_in), Glorot uniform the limit sqrt(6 / (fan_in + fan_out))")
def backprop_init_mlp_unscaled(layer_sizes, rng, init="he"):
    params = {}
    for i, (a, c) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((int(a), int(c)))
        params[f"b{i}"] = np.zeros(int(c))
    return params


@mistake("backprop.numerical_gradient", looks_like="one-sided differences",
         why="(f(x + eps) - f(x)) / eps has an error proportional to eps; the centred "
             "(f(x + eps) - f(x - eps)) / (2 eps) is accurate to eps**2")
def backprop_numerical_gradient_one_sided(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    base = float(f(x.copy()))
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        grad[i] = (float(f(xp)) - base) / eps
    return grad


@mistake("backprop.numerical_gradient", looks_like="centred differences divided by eps",
         why="the two evaluation points are 2 * eps apart, so the difference is divided by "
             "2 * eps; dividing by eps doubles the gradient")
def backprop_numerical_gradient_missing_two(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (float(f(xp)) - float(f(xm))) / eps
    return grad


@mistake("backprop.relative_error", looks_like="the largest difference over the largest magnitude",
         why="the relative error is taken entry by entry, |a - b| / max(1e-8, |a| + |b|), and "
             "then the largest of those is returned; dividing maxima lets big entries hide "
             "wrong small ones")
def backprop_relative_error_ratio_of_maxima(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))


@mistake("backprop.relative_error", looks_like="the absolute error",
         why="max |a - b| must be divided by max(1e-8, |a| + |b|) entry by entry, so that "
             "large and small gradients are judged alike")
def backprop_relative_error_absolute(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


# --- xor ---


@mistake("xor.xor_forward", looks_like="a network with a linear output",
         why="the XOR network squashes its output with a sigmoid too, so y_hat lies in (0, 1)")
def xor_forward_linear_output(X, params):
    h = 1 / (1 + np.exp(-(np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"])))
    return h @ params["W2"] + params["b2"]


@mistake("xor.xor_train_step", looks_like="a step on mse instead of half_sse",
         why="this exercise minimises J = 1/2 (y - y_hat)^2 averaged over the batch, whose "
             "gradient is -(y - y_hat) / N; mse has no 1/2 and doubles both loss and step")
def xor_train_step_mse(params, X, Y, lr):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1, 1)
    h = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    y_hat = 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
    n = X.shape[0]
    loss = float(np.mean((Y - y_hat) ** 2))
    d2 = -2 * (Y - y_hat) / n * y_hat * (1 - y_hat)
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return {"W1": params["W1"] - lr * X.T @ d1, "b1": params["b1"] - lr * d1.sum(axis=0),
            "W2": params["W2"] - lr * h.T @ d2, "b2": params["b2"] - lr * d2.sum(axis=0)}, loss


@mistake("xor.xor_train_step", looks_like="backprop without the output sigmoid's derivative",
         why="the output error delta = -(y - y_hat) / N must be multiplied by the sigmoid's "
             "derivative y_hat (1 - y_hat) before it reaches W2 and the hidden layer")
def xor_train_step_no_output_derivative(params, X, Y, lr):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1, 1)
    h = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    y_hat = 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
    n = X.shape[0]
    loss = float(0.5 * np.sum((Y - y_hat) ** 2) / n)
    d2 = -(Y - y_hat) / n
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return {"W1": params["W1"] - lr * X.T @ d1, "b1": params["b1"] - lr * d1.sum(axis=0),
            "W2": params["W2"] - lr * h.T @ d2, "b2": params["b2"] - lr * d2.sum(axis=0)}, loss


@mistake("xor.xor_train_step", looks_like="backprop through the already-updated W2",
         why="all gradients are computed from the same forward pass before any weight moves; "
             "the hidden layer's error uses the old W2")
def xor_train_step_uses_updated_W2(params, X, Y, lr):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1, 1)
    h = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    y_hat = 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
    n = X.shape[0]
    loss = float(0.5 * np.sum((Y - y_hat) ** 2) / n)
    d2 = -(Y - y_hat) / n * y_hat * (1 - y_hat)
    W2 = params["W2"] - lr * h.T @ d2
    d1 = (d2 @ W2.T) * h * (1 - h)
    return {"W1": params["W1"] - lr * X.T @ d1, "b1": params["b1"] - lr * d1.sum(axis=0),
            "W2": W2, "b2": params["b2"] - lr * d2.sum(axis=0)}, loss


@mistake("xor.xor_predict", looks_like="thresholding the sigmoid output at 0",
         why="the output is a sigmoid in (0, 1), always above 0; the class is 1 where "
             "y_hat >= 0.5")
def xor_predict_threshold_zero(X, params):
    h = 1 / (1 + np.exp(-(np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"])))
    y_hat = 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
    return (y_hat >= 0).astype(np.int64)


# --- mlp ---
# The mlp module is two classes, so its entries imitate one method each, written as a function
# of plain data that a grader gets from the learner's fitted model (`same_signature=False`;
# each docstring gives the signature).


@mistake("mlp.MLPClassifier.predict", same_signature=False,
         looks_like="the index of the largest probability instead of the class label",
         why="predict returns labels, classes_[argmax]; the column index equals the label only "
             "when the labels happen to be 0, 1, ..., K - 1")
def mlp_classifier_predict_indices(proba, classes):
    """Takes (proba (N, K), classes (K,)): the model's predict_proba(X) and classes_;
    returns the (N,) predictions this mistake makes."""
    return np.argmax(np.asarray(proba), axis=1)


@mistake("mlp.MLPClassifier.score", same_signature=False, looks_like="the error rate",
         why="score is the accuracy, the fraction of correct predictions (higher is better)")
def mlp_classifier_score_error_rate(y_true, y_pred):
    """Takes (y_true (N,), y_pred (N,)): the labels given to score and the model's predict(X);
    returns the score this mistake reports."""
    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


@mistake("mlp.MLPRegressor.score", same_signature=False, looks_like="the mean squared error",
         why="a regressor's score is R^2 = 1 - SS_res / SS_tot (1 is perfect, higher is "
             "better), not the loss")
def mlp_regressor_score_mse(y_true, y_pred):
    """Takes (y_true (N,) or (N, K), y_pred of the same shape): the targets given to score and
    the model's predict(X); returns the score this mistake reports."""
    return float(np.mean((np.asarray(y_true, dtype=np.float64)
                          - np.asarray(y_pred, dtype=np.float64)) ** 2))


@mistake("mlp.MLPRegressor.score", same_signature=False, looks_like="R^2 without centring y",
         why="SS_tot = sum((y - mean(y))**2) measures y's spread around its mean; sum(y**2) "
             "flatters any model when y is far from 0")
def mlp_regressor_score_uncentred(y_true, y_pred):
    """Takes (y_true (N,) or (N, K), y_pred of the same shape) as above; returns the score."""
    y = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(y.shape)
    return float(np.mean(1 - np.sum((y - p) ** 2, axis=0) / np.sum(y**2, axis=0)))
