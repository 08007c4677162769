"""Catalogued mistakes of activations.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import _mistake_softmax, _mistake_softplus
from reference.mistakes.registry import mistake


# Each entry uses only np, math and the helpers of helpers.py, so `Mistake.graft_source` can write
# it out as learner code (see the package docstring).


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
    return _mistake_softplus(x)


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
    return _mistake_softmax(z, axis=-1)


@mistake("activations.softmax",
         looks_like="a softmax down the columns (axis=0) whatever `axis` says",
         why="each probability vector lies along `axis`, by default the last one (each row of an "
             "(N, K) batch is one sample's K probabilities); pass axis=axis to np.max and np.sum")
def softmax_along_axis_0(z, axis=-1):
    return _mistake_softmax(z, axis=0)


@mistake("activations.softmax",
         looks_like="a softmax that subtracts the maximum of the whole array, not of each row",
         why="a row whose logits all lie far below the global maximum underflows to exp(...) = 0 "
             "everywhere, and 0 / 0 is nan; subtract each row's own maximum, "
             "np.max(z, axis=axis, keepdims=True)")
def softmax_global_max_shift(z, axis=-1):
    z = np.asarray(z)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=axis, keepdims=True)
