"""Shared helpers for catalogued mistakes: small, correct building blocks that many wrong
variants repeat (a stable sigmoid or softmax, Keras's clipping of probabilities).

An entry may call these instead of copying them. Each helper is written as a learner could have
written it in their own module, so `Mistake.graft_source` can copy it beside the entry:

- it uses only `np`, `math`, builtins and other helpers of this file (no constants, no other
  imports);
- its name starts with `_mistake_`, so a grafted copy cannot replace a learner's function and
  is plainly not part of the curriculum.

A helper is right where the mistake is not: the bug an entry imitates stays visible in the
entry itself.
"""

import math  # noqa: F401  (helpers may use it)

import numpy as np


def _mistake_float(x):
    """x as an ndarray with a floating dtype: its own if floating, else float64."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _mistake_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp is only taken of -|x|."""
    x = _mistake_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _mistake_softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _mistake_softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`, after subtracting the maximum (stable)."""
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _mistake_clip(p, eps):
    """p clipped to [eps, 1 - eps], as Keras clips probabilities before a log."""
    return np.clip(p, eps, 1 - eps)


def _mistake_unclipped(p, eps):
    """True where eps <= p <= 1 - eps: the entries clipping leaves alone (elsewhere the clipped
    loss is flat, so its gradient is 0)."""
    p = np.asarray(p)
    return (p >= eps) & (p <= 1 - eps)


def _mistake_rows_to_one(p):
    """Each row of p divided by its sum (Keras 3's first step of categorical cross-entropy)."""
    p = np.asarray(p)
    return p / np.sum(p, axis=-1, keepdims=True)


def _mistake_local_derivative(z, name):
    """f'(z) of the named activation, with the curriculum's kink values (float64)."""
    z = np.asarray(z, dtype=np.float64)
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    table = {
        "linear": np.ones_like(z), "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(z) ** 2,
        "relu": (z > 0).astype(np.float64), "leaky_relu": np.where(z > 0, 1.0, 0.01),
        "elu": np.where(z >= 0, 1.0, np.exp(np.minimum(z, 0))), "softplus": s,
    }
    return table[name]


def _mistake_activate(z, name):
    """The named activation of z (the hidden layers of an MLP)."""
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
