"""Numeric helpers shared by the recurrent modules (rnn.py, lstm.py); private to reference/."""

from __future__ import annotations

import numpy as np


def float_dtype(*arrays) -> np.dtype:
    """The floating dtype the arguments promote to; non-floating inputs compute in float64."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def as_float(dtype: np.dtype, *arrays):
    """Each argument as an ndarray of `dtype` (no copy when it already is one)."""
    return tuple(np.asarray(a).astype(dtype, copy=False) for a in arrays)


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-z)) without overflow for any finite z.

    exp is only ever taken of -|z|, so it lies in (0, 1]: sigmoid(z) = 1 / (1 + e) for z >= 0
    and e / (1 + e) for z < 0, with e = exp(-|z|). `out` may be `z` itself.
    """
    e = np.exp(-np.abs(z))
    r = np.reciprocal(1.0 + e)
    negative = z < 0
    if out is None:
        out = np.empty_like(r)
    np.copyto(out, r)
    np.multiply(e, r, out=out, where=negative)
    return out
