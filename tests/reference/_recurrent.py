"""Helpers shared by test_rnn.py and test_lstm.py: sizes, seeded cases, Keras weights with a
random bias, and a closeness check relative to the expected values' scale."""

from __future__ import annotations

import numpy as np


TOL = {"float64": 1e-10, "float32": 1e-5}


# (N, T, D, H)
SIZES = [(1, 1, 1, 1), (2, 5, 3, 4), (4, 7, 5, 3), (3, 12, 2, 8), (5, 3, 6, 2)]


def _seeded(*key) -> np.random.Generator:
    return np.random.default_rng(list(repr(key).encode()))


def _assert_close(actual, expected, tol, what=""):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.max(np.abs(actual - expected)))
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert err <= tol * scale, f"{what}: max abs error {err:.3g} > {tol:g} (scale {scale:.3g})"


def _weights(layer, rng, dtype):
    """Keras's initial kernels with a random (non-zero) bias, set back into the layer."""
    kernel, recurrent, bias = layer.get_weights()
    bias = rng.normal(scale=0.5, size=bias.shape).astype(dtype)
    layer.set_weights([kernel, recurrent, bias])
    return kernel.astype(dtype), recurrent.astype(dtype), bias


def _case(size, dtype, with_state):
    n, t, d, h = size
    rng = _seeded(size, dtype, with_state)
    x = rng.normal(size=(n, t, d)).astype(dtype)
    h0 = rng.normal(scale=0.5, size=(n, h)).astype(dtype) if with_state else None
    c0 = rng.normal(scale=0.5, size=(n, h)).astype(dtype) if with_state else None
    dh_seq = rng.normal(size=(n, t, h)).astype(dtype)
    return rng, x, h0, c0, dh_seq
