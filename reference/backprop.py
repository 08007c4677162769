"""Reference: the chain rule, layer by layer (lectures 001, 002).

Each forward returns `(out, cache)` and its backward takes `(dout, cache)`, where `dout` is
dLoss/dout; every backward step is "local derivative times upstream gradient".

Cache layouts (private to this module; learners may cache whatever they like):

- `dense_forward`: `(x, W)`.
- `activation_forward`: `(name, z)`.
- `mlp_forward`: a list with one `(dense_cache, activation_cache)` per layer, first layer first;
  for a softmax output the last activation cache is `("softmax", z)` and its backward passes
  `dout` through unchanged, because `dout` is then already the gradient w.r.t. the logits.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from reference._numerics import (
    ACTIVATIONS, activate, activation_derivative, as_float, float_dtype, softmax,
)

__all__ = [
    "dense_forward", "dense_backward", "activation_forward", "activation_backward",
    "init_mlp", "mlp_forward", "mlp_backward", "numerical_gradient", "relative_error",
]

# Keras's TruncatedNormal keeps draws within two standard deviations of the underlying normal;
# this is the standard deviation of N(0, 1) truncated to [-2, 2], by which Keras's
# VarianceScaling divides so that the *truncated* draws have the intended variance.
_TRUNCATED_STD = 0.87962566103423978


def dense_forward(x, W, b):
    """A fully connected layer, Keras's `Dense` without activation: `out = x @ W + b`.

    Args:
        x: `(N, D_in)` inputs (any leading axes `(..., D_in)` work, as in Keras).
        W: `(D_in, D_out)` kernel; b: `(D_out,)` bias.

    Returns:
        out: `(N, D_out)`; cache: `(x, W)` for `dense_backward`.
    """
    dtype = float_dtype(x, W, b)
    x, W, b = as_float(x, dtype), as_float(W, dtype), as_float(b, dtype)
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    """Backward pass of `dense_forward`.

    Args:
        dout: `(N, D_out)` upstream gradient dLoss/dout.
        cache: from `dense_forward`.

    Returns:
        dx `(N, D_in)` = dout @ W^T; dW `(D_in, D_out)` = x^T @ dout (summed over the batch, not
        averaged: any 1/N belongs to the loss); db `(D_out,)` = dout summed over the batch.
    """
    x, W = cache
    dout = as_float(dout, float_dtype(dout, x))
    dx = dout @ W.T
    x2 = x.reshape(-1, x.shape[-1])
    d2 = dout.reshape(-1, dout.shape[-1])
    return dx, x2.T @ d2, d2.sum(axis=0)


def activation_forward(z, name):
    """Apply the named activation elementwise.

    Args:
        z: pre-activations, any shape.
        name: one of "linear", "sigmoid", "tanh", "relu", "leaky_relu" (slope 0.01, the
            lecture's), "elu" (alpha 1), "softplus".

    Returns:
        a: same shape and dtype as `z`; cache: `(name, z)`.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    z = as_float(z)
    return activate(z, name), (name, z)


def activation_backward(da, cache):
    """Backward pass of `activation_forward`: dz = da * f'(z).

    At z == 0 the derivative is 0 for ReLU, 0.01 for leaky ReLU and 1 for ELU (curriculum rule).

    Args:
        da: upstream gradient, the shape of the activation.
        cache: from `activation_forward`.

    Returns:
        dz: the shape of `z`.
    """
    name, z = cache
    da = as_float(da, float_dtype(da, z))
    return da * activation_derivative(z, name)


def _he_normal(rng, fan_in, fan_out):
    # Keras HeNormal: VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal").
    stddev = math.sqrt(2.0 / max(1.0, fan_in)) / _TRUNCATED_STD
    w = rng.standard_normal((fan_in, fan_out)) * stddev
    outside = np.abs(w) > 2 * stddev
    while outside.any():
        w[outside] = rng.standard_normal(int(outside.sum())) * stddev
        outside = np.abs(w) > 2 * stddev
    return w


def _glorot_uniform(rng, fan_in, fan_out):
    # Keras GlorotUniform: VarianceScaling(scale=1, mode="fan_avg", distribution="uniform").
    limit = math.sqrt(3.0 / max(1.0, (fan_in + fan_out) / 2.0))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def init_mlp(layer_sizes, rng: np.random.Generator, init="he"):
    """Initial weights for an MLP with the given layer sizes, drawn from `rng`, as Keras does.

    "he" (Keras `HeNormal`): a normal with stddev s = sqrt(2 / fan_in) / 0.8796..., truncated to
    [-2 s, 2 s] by redrawing the draws outside it, so the weights' own stddev is sqrt(2 / fan_in).
    "xavier" (Keras `GlorotUniform`): uniform on [-L, L], L = sqrt(6 / (fan_in + fan_out)).
    Biases are zero. Draw order: W1, W2, ... (for "he", each kernel's redraws follow its first
    draw); the values therefore depend on this order but the distribution does not.

    Args:
        layer_sizes: `(D_0, D_1, ..., D_L)`, input size first, at least two entries.
        rng: the only source of randomness.
        init: "he" or "xavier" ("glorot" is accepted as a synonym).

    Returns:
        `{"W1": (D_0, D_1), "b1": (D_1,), ..., "WL": (D_{L-1}, D_L), "bL": (D_L,)}`, float64.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError("layer_sizes needs an input size and at least one layer size")
    draw = {"he": _he_normal, "xavier": _glorot_uniform, "glorot": _glorot_uniform}.get(init)
    if draw is None:
        raise ValueError(f"unknown init {init!r}; expected 'he' or 'xavier'")
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = draw(rng, fan_in, fan_out)
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def _n_layers(params) -> int:
    n = 0
    while f"W{n + 1}" in params:
        n += 1
    if n == 0:
        raise ValueError("params holds no 'W1'")
    return n


def mlp_forward(X, params, hidden="relu", output="linear"):
    """Forward pass of a fully connected network: Dense + `hidden` for every layer but the last,
    Dense + `output` for the last.

    Args:
        X: `(N, D_0)` inputs.
        params: `{"W1": (D_0, D_1), "b1": (D_1,), ..., "WL", "bL"}` as `init_mlp` makes.
        hidden: an `activation_forward` name for the hidden layers.
        output: "linear", "sigmoid" or "softmax" (softmax along the last axis).

    Returns:
        out: `(N, D_L)`; caches: a list of L `(dense_cache, activation_cache)` pairs.
    """
    if output not in ("linear", "sigmoid", "softmax"):
        raise ValueError(f"unknown output {output!r}; expected 'linear', 'sigmoid' or 'softmax'")
    n = _n_layers(params)
    a = X
    caches = []
    for i in range(1, n + 1):
        z, dense_cache = dense_forward(a, params[f"W{i}"], params[f"b{i}"])
        if i < n:
            a, act_cache = activation_forward(z, hidden)
        elif output == "softmax":
            a, act_cache = softmax(z, axis=-1), ("softmax", z)
        else:
            a, act_cache = activation_forward(z, output)
        caches.append((dense_cache, act_cache))
    return a, caches


def mlp_backward(dout, caches):
    """Backward pass of `mlp_forward`.

    Args:
        dout: `(N, D_L)`, dLoss/dout; for a softmax output, the gradient w.r.t. the logits
            (for mean cross-entropy that is `(softmax(logits) - y_onehot) / N`).
        caches: from `mlp_forward`.

    Returns:
        `{"W1": (D_0, D_1), "b1": (D_1,), ..., "WL", "bL"}`, the gradients of the loss.
    """
    grads = {}
    upstream = dout
    for i in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[i - 1]
        if act_cache[0] == "softmax":
            dz = as_float(upstream, float_dtype(upstream, act_cache[1]))
        else:
            dz = activation_backward(upstream, act_cache)
        upstream, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dense_cache)
    return {key: grads[key] for i in range(1, len(caches) + 1) for key in (f"W{i}", f"b{i}")}


def numerical_gradient(f: Callable, x, eps=1e-6):
    """Centred-difference estimate of the gradient of a scalar function at `x`.

    grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i. `f` is called on a
    perturbed float64 copy of `x` (so `f` must compute from its argument); `x` itself is never
    touched.

    Args:
        f: maps an array shaped like `x` to a scalar.
        x: the point, any shape.
        eps: the step.

    Returns:
        grad: shaped like `x`, in x's floating dtype (float64 for integer `x`).
    """
    out_dtype = float_dtype(x)
    work = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty_like(work)
    flat = work.reshape(-1)  # a view: perturbing `flat` perturbs `work`
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(work))
        flat[i] = old - eps
        f_minus = float(f(work))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad.astype(out_dtype, copy=False)


def relative_error(a, b):
    """The largest elementwise relative error, max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|).

    The 1e-8 floor keeps entries where both are (near) zero from dividing by zero.

    Args:
        a, b: arrays of the same (or broadcastable) shape.

    Returns:
        a float.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
