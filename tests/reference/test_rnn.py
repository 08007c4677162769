"""reference.rnn against live Keras/TensorFlow: SimpleRNN sequences and final states,
GradientTape gradients, centred differences, and the step functions."""

from __future__ import annotations

import numpy as np
import pytest

from reference import rnn
from tests.reference._keras import require_keras
from tests.reference._recurrent import SIZES, TOL, _assert_close, _case, _weights
from tests.support import numeric_grad

keras, tf = require_keras()

pytestmark = pytest.mark.keras


def _keras_rnn(x, h0, dh_seq, rng, dtype):
    n, t, d = x.shape
    hidden = dh_seq.shape[-1]
    layer = keras.layers.SimpleRNN(hidden, return_sequences=True, return_state=True, dtype=dtype)
    layer.build((None, t, d))
    kernel, recurrent, bias = _weights(layer, rng, dtype)
    h0_used = np.zeros((n, hidden), dtype) if h0 is None else h0
    xt, h0t = tf.constant(x), tf.constant(h0_used)
    with tf.GradientTape() as tape:
        tape.watch([xt, h0t])
        seq, h_last = layer(xt, initial_state=[h0t])
        loss = tf.reduce_sum(seq * dh_seq)
    grads = tape.gradient(loss, [xt, h0t, *layer.trainable_weights])
    return (kernel, recurrent, bias), seq.numpy(), h_last.numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("with_state", [True, False], ids=["h0", "zeros"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "NTDH=%d,%d,%d,%d" % s)
def test_rnn_matches_keras_simple_rnn(size, with_state):
    rng, x, h0, _, dh_seq = _case(size, "float64", with_state)
    (kernel, recurrent, bias), seq_k, last_k, grads_k = _keras_rnn(x, h0, dh_seq, rng, "float64")
    h_seq, cache = rnn.rnn_forward(x, h0, kernel, recurrent, bias)
    _assert_close(h_seq, seq_k, TOL["float64"], "h_seq")
    _assert_close(h_seq[:, -1], last_k, TOL["float64"], "h_T")
    grads = rnn.rnn_backward(dh_seq, cache)
    for g, g_k, name in zip(grads, grads_k, ("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")):
        _assert_close(g, g_k, TOL["float64"], name)


def test_rnn_float32_matches_keras_and_stays_float32():
    rng, x, h0, _, dh_seq = _case((3, 6, 4, 5), "float32", True)
    (kernel, recurrent, bias), seq_k, _, grads_k = _keras_rnn(x, h0, dh_seq, rng, "float32")
    h_seq, cache = rnn.rnn_forward(x, h0, kernel, recurrent, bias)
    grads = rnn.rnn_backward(dh_seq, cache)
    assert h_seq.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    _assert_close(h_seq, seq_k, TOL["float32"], "h_seq")
    for g, g_k in zip(grads, grads_k):
        _assert_close(g, g_k, TOL["float32"] * 10)


def _rnn_params(size, seed):
    n, t, d, h = size
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(scale=0.6, size=(d, h)),
            rng.normal(scale=0.6, size=(h, h)), rng.normal(size=h), rng.normal(size=(n, t, h)))


@pytest.mark.parametrize("size", [(2, 4, 3, 3), (1, 6, 2, 2)], ids=str)
def test_rnn_backward_numerical(size):
    x, h0, kernel, recurrent, bias, dh_seq = _rnn_params(size, 0)
    _, cache = rnn.rnn_forward(x, h0, kernel, recurrent, bias)
    grads = rnn.rnn_backward(dh_seq, cache)

    def loss():
        return float(np.sum(rnn.rnn_forward(x, h0, kernel, recurrent, bias)[0] * dh_seq))

    for g, arr in zip(grads, (x, h0, kernel, recurrent, bias)):
        _assert_close(g, numeric_grad(loss, arr), 1e-7)


def test_rnn_steps_agree_with_the_sequence():
    x, h0, kernel, recurrent, bias, dh_seq = _rnn_params((3, 5, 4, 3), 1)
    h_seq, cache = rnn.rnn_forward(x, h0, kernel, recurrent, bias)
    h, caches = h0, []
    for t in range(x.shape[1]):
        h, step_cache = rnn.rnn_step_forward(x[:, t], h, kernel, recurrent, bias)
        caches.append(step_cache)
        _assert_close(h, h_seq[:, t], 1e-14, f"h at step {t}")
    dx, dh0, dk, drk, db = rnn.rnn_backward(dh_seq, cache)
    dh_next = np.zeros_like(h0)
    sums = [np.zeros_like(kernel), np.zeros_like(recurrent), np.zeros_like(bias)]
    for t in reversed(range(x.shape[1])):
        dx_t, dh_next, *dparams = rnn.rnn_step_backward(dh_seq[:, t] + dh_next, caches[t])
        _assert_close(dx_t, dx[:, t], 1e-12, f"dx at step {t}")
        sums = [s + p for s, p in zip(sums, dparams)]
    _assert_close(dh_next, dh0, 1e-12, "dh0")
    for s, g in zip(sums, (dk, drk, db)):
        _assert_close(s, g, 1e-12)


def test_rnn_step_backward_numerical():
    x, h0, kernel, recurrent, bias, _ = _rnn_params((2, 1, 3, 4), 2)
    x_t = x[:, 0]
    dh = np.random.default_rng(3).normal(size=h0.shape)
    _, cache = rnn.rnn_step_forward(x_t, h0, kernel, recurrent, bias)
    grads = rnn.rnn_step_backward(dh, cache)

    def loss():
        return float(np.sum(rnn.rnn_step_forward(x_t, h0, kernel, recurrent, bias)[0] * dh))

    for g, arr in zip(grads, (x_t, h0, kernel, recurrent, bias)):
        _assert_close(g, numeric_grad(loss, arr), 1e-7)
