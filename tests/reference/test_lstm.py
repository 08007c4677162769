"""reference.lstm against live Keras/TensorFlow: LSTM sequences and final states, GradientTape
gradients, centred differences, the step and gate functions; and the purity of the sequence
functions of both recurrent modules (lstm and rnn)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference import lstm, rnn
from tests.reference._keras import require_keras
from tests.reference._recurrent import SIZES, TOL, _assert_close, _case, _weights
from tests.support import numeric_grad

keras, tf = require_keras()

pytestmark = pytest.mark.keras


def _keras_lstm(x, h0, c0, dh_seq, rng, dtype):
    n, t, d = x.shape
    hidden = dh_seq.shape[-1]
    layer = keras.layers.LSTM(hidden, return_sequences=True, return_state=True, dtype=dtype)
    layer.build((None, t, d))
    kernel, recurrent, bias = _weights(layer, rng, dtype)
    zeros = np.zeros((n, hidden), dtype)
    xt = tf.constant(x)
    h0t = tf.constant(zeros if h0 is None else h0)
    c0t = tf.constant(zeros if c0 is None else c0)
    with tf.GradientTape() as tape:
        tape.watch([xt, h0t, c0t])
        seq, h_last, c_last = layer(xt, initial_state=[h0t, c0t])
        loss = tf.reduce_sum(seq * dh_seq)
    grads = tape.gradient(loss, [xt, h0t, c0t, *layer.trainable_weights])
    return (kernel, recurrent, bias), (seq.numpy(), h_last.numpy(), c_last.numpy()), [g.numpy() for g in grads]


@pytest.mark.parametrize("with_state", [True, False], ids=["h0c0", "zeros"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "NTDH=%d,%d,%d,%d" % s)
def test_lstm_matches_keras_lstm(size, with_state):
    rng, x, h0, c0, dh_seq = _case(size, "float64", with_state)
    (kernel, recurrent, bias), outs_k, grads_k = _keras_lstm(x, h0, c0, dh_seq, rng, "float64")
    h_seq, h_t, c_t, cache = lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)
    for a, b, name in zip((h_seq, h_t, c_t), outs_k, ("h_seq", "h_T", "c_T")):
        _assert_close(a, b, TOL["float64"], name)
    grads = lstm.lstm_backward(dh_seq, cache)
    names = ("dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias")
    for g, g_k, name in zip(grads, grads_k, names):
        _assert_close(g, g_k, TOL["float64"], name)


def test_lstm_float32_matches_keras_and_stays_float32():
    rng, x, h0, c0, dh_seq = _case((3, 6, 4, 5), "float32", True)
    (kernel, recurrent, bias), outs_k, grads_k = _keras_lstm(x, h0, c0, dh_seq, rng, "float32")
    h_seq, h_t, c_t, cache = lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)
    grads = lstm.lstm_backward(dh_seq, cache)
    assert all(a.dtype == np.float32 for a in (h_seq, h_t, c_t, *grads))
    for a, b in zip((h_seq, h_t, c_t), outs_k):
        _assert_close(a, b, TOL["float32"])
    for g, g_k in zip(grads, grads_k):
        _assert_close(g, g_k, TOL["float32"] * 10)


def _lstm_params(size, seed):
    n, t, d, h = size
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, t, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h)),
            rng.normal(scale=0.6, size=(d, 4 * h)), rng.normal(scale=0.6, size=(h, 4 * h)),
            rng.normal(size=4 * h), rng.normal(size=(n, t, h)))


@pytest.mark.parametrize("size", [(2, 4, 3, 2), (1, 5, 2, 3)], ids=str)
def test_lstm_backward_numerical(size):
    x, h0, c0, kernel, recurrent, bias, dh_seq = _lstm_params(size, 0)
    cache = lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)[3]
    grads = lstm.lstm_backward(dh_seq, cache)

    def loss():
        return float(np.sum(lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)[0] * dh_seq))

    for g, arr in zip(grads, (x, h0, c0, kernel, recurrent, bias)):
        _assert_close(g, numeric_grad(loss, arr), 1e-7)


def test_lstm_step_backward_numerical():
    x, h0, c0, kernel, recurrent, bias, _ = _lstm_params((2, 1, 3, 3), 4)
    x_t = x[:, 0]
    rng = np.random.default_rng(5)
    dh, dc = rng.normal(size=h0.shape), rng.normal(size=c0.shape)
    cache = lstm.lstm_step_forward(x_t, h0, c0, kernel, recurrent, bias)[2]
    grads = lstm.lstm_step_backward(dh, dc, cache)

    def loss():
        h, c, _ = lstm.lstm_step_forward(x_t, h0, c0, kernel, recurrent, bias)
        return float(np.sum(h * dh) + np.sum(c * dc))

    for g, arr in zip(grads, (x_t, h0, c0, kernel, recurrent, bias)):
        _assert_close(g, numeric_grad(loss, arr), 1e-7)


def test_lstm_steps_agree_with_the_sequence():
    x, h0, c0, kernel, recurrent, bias, dh_seq = _lstm_params((3, 6, 4, 3), 1)
    h_seq, h_t, c_t, cache = lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)
    h, c, caches = h0, c0, []
    for t in range(x.shape[1]):
        h, c, step_cache = lstm.lstm_step_forward(x[:, t], h, c, kernel, recurrent, bias)
        caches.append(step_cache)
        _assert_close(h, h_seq[:, t], 1e-14, f"h at step {t}")
    _assert_close(h, h_t, 1e-14, "h_T")
    _assert_close(c, c_t, 1e-14, "c_T")
    dx, dh0, dc0, dk, drk, db = lstm.lstm_backward(dh_seq, cache)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    sums = [np.zeros_like(kernel), np.zeros_like(recurrent), np.zeros_like(bias)]
    for t in reversed(range(x.shape[1])):
        dx_t, dh_next, dc_next, *dparams = lstm.lstm_step_backward(dh_seq[:, t] + dh_next, dc_next, caches[t])
        _assert_close(dx_t, dx[:, t], 1e-12, f"dx at step {t}")
        sums = [s + p for s, p in zip(sums, dparams)]
    _assert_close(dh_next, dh0, 1e-12, "dh0")
    _assert_close(dc_next, dc0, 1e-12, "dc0")
    for s, g in zip(sums, (dk, drk, db)):
        _assert_close(s, g, 1e-12)


def test_lstm_gate_functions_follow_keras_order_and_compose_the_step():
    n, hidden = 4, 3
    rng = np.random.default_rng(6)
    z = rng.normal(scale=2.0, size=(n, 4 * hidden))
    i, f, g, o = lstm.lstm_gates(z)
    blocks = np.split(z, 4, axis=1)  # Keras's [i | f | c | o]
    sig = keras.activations.sigmoid
    for got, block, act in zip((i, f, g, o), blocks, (sig, sig, keras.activations.tanh, sig)):
        _assert_close(got, act(tf.constant(block)).numpy(), TOL["float64"])
    c_prev = rng.normal(size=(n, hidden))
    c = lstm.lstm_cell_state(f, i, g, c_prev)
    np.testing.assert_allclose(c, f * c_prev + i * g)
    np.testing.assert_allclose(lstm.lstm_hidden_state(o, c), o * np.tanh(c))
    # the three pieces make one step
    x_t, h_prev = rng.normal(size=(n, 2)), rng.normal(size=(n, hidden))
    kernel = rng.normal(size=(2, 4 * hidden))
    recurrent = rng.normal(size=(hidden, 4 * hidden))
    bias = rng.normal(size=4 * hidden)
    gates = lstm.lstm_gates(x_t @ kernel + h_prev @ recurrent + bias)
    c_expected = lstm.lstm_cell_state(gates[1], gates[0], gates[2], c_prev)
    h, c_step, _ = lstm.lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent, bias)
    _assert_close(c_step, c_expected, 1e-14)
    _assert_close(h, lstm.lstm_hidden_state(gates[3], c_expected), 1e-14)


def test_lstm_gates_stable_for_large_pre_activations():
    z = np.array([[-1e3, 1e3, -30.0, 750.0, 0.0, -30.0, 40.0, -745.0]])  # H = 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gates = lstm.lstm_gates(z)
    with np.errstate(over="ignore"):
        naive = 1.0 / (1.0 + np.exp(-z))  # right values, but overflows on the way
    expected = np.split(naive, 4, axis=1)
    expected[2] = np.tanh(z[:, 4:6])
    for got, want in zip(gates, expected):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-300)


def test_sequence_functions_are_pure():
    x, h0, c0, kernel, recurrent, bias, dh_seq = _lstm_params((2, 3, 2, 2), 7)
    arrays = (x, h0, c0, kernel, recurrent, bias, dh_seq)
    copies = [a.copy() for a in arrays]
    h_seq, h_t, c_t, cache = lstm.lstm_forward(x, h0, c0, kernel, recurrent, bias)
    h_seq[...] = 0.0
    h_t[...] = 0.0
    c_t[...] = 0.0
    grads = lstm.lstm_backward(dh_seq, cache)
    np.testing.assert_array_equal(grads[0], lstm.lstm_backward(dh_seq, lstm.lstm_forward(*arrays[:6])[3])[0])
    rk = recurrent[:, :2]
    h_r, cache_r = rnn.rnn_forward(x, h0, kernel[:, :2], rk, bias[:2])
    h_r[...] = 0.0
    rnn.rnn_backward(dh_seq, cache_r)
    for a, b in zip(arrays, copies):
        np.testing.assert_array_equal(a, b)
