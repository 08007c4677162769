"""A simple (Elman) recurrent layer: the oracle for `rnn.py`.

The step is Keras's SimpleRNN with its default tanh activation:

    h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)

with kernel (D, H), recurrent_kernel (H, H), bias (H,); sequences are batch first, (N, T, D).
rnn_backward is backpropagation through time: the gradient reaching h_t is the upstream dh_seq[:, t]
plus what flows back from step t + 1 through the recurrent kernel, and the weight gradients add up
the contributions of every step.

Computation happens in the floating dtype the inputs promote to (float32 in -> float32 out).

Caches:
- rnn_step: `(x_t, h_prev, kernel, recurrent_kernel, h)`.
- rnn (sequence): `(x, h0, kernel, recurrent_kernel, hs)` with `hs` time-major, (T, N, H).
Only time steps are looped over; the input projections of all steps are one matrix product.
"""

from __future__ import annotations

import numpy as np

from reference._numerics import as_float, float_dtype

__all__ = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step. x_t (N, D), h_prev (N, H) -> (h (N, H), cache)."""
    dtype = float_dtype(x_t, h_prev, kernel, recurrent_kernel, bias)
    x_t, h_prev, kernel, recurrent_kernel, bias = (
        as_float(a, dtype) for a in (x_t, h_prev, kernel, recurrent_kernel, bias))
    h = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
    return h, (x_t, h_prev, kernel, recurrent_kernel, h)


def rnn_step_backward(dh, cache):
    """Gradients of one step given dh (N, H) = dLoss/dh.

    Returns (dx_t (N, D), dh_prev (N, H), dkernel (D, H), drecurrent_kernel (H, H), dbias (H,)).
    """
    x_t, h_prev, kernel, recurrent_kernel, h = cache
    dz = np.asarray(dh, dtype=h.dtype) * (1.0 - h * h)  # tanh'(z) = 1 - tanh(z)^2
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    """Run the layer over a sequence, as `keras.layers.SimpleRNN(H, return_sequences=True)`.

    x (N, T, D); h0 (N, H) initial state (None means zeros, as Keras).
    Returns (h_seq (N, T, H), cache).
    """
    x = np.asarray(x)
    n, t_len, d = x.shape
    hidden = np.shape(recurrent_kernel)[0]
    if h0 is None:
        h0 = np.zeros((n, hidden), dtype=float_dtype(x, kernel))
    dtype = float_dtype(x, h0, kernel, recurrent_kernel, bias)
    x, h0, kernel, recurrent_kernel, bias = (
        as_float(a, dtype) for a in (x, h0, kernel, recurrent_kernel, bias))
    # every step's input projection at once, laid out time-major so each step reads one block
    hs = np.ascontiguousarray((x.reshape(n * t_len, d) @ kernel + bias).reshape(n, t_len, hidden).transpose(1, 0, 2))
    h = h0
    for t in range(t_len):
        hs[t] += h @ recurrent_kernel
        h = np.tanh(hs[t], out=hs[t])
    cache = (x, h0, kernel, recurrent_kernel, hs)
    return hs.transpose(1, 0, 2).copy(), cache


def rnn_backward(dh_seq, cache):
    """Backpropagation through time for rnn_forward.

    dh_seq (N, T, H): dLoss/dh_t for every step. Returns
    (dx (N, T, D), dh0 (N, H), dkernel (D, H), drecurrent_kernel (H, H), dbias (H,)).
    """
    x, h0, kernel, recurrent_kernel, hs = cache
    n, t_len, d = x.shape
    hidden = h0.shape[1]
    dhs = np.asarray(dh_seq, dtype=hs.dtype).transpose(1, 0, 2)
    dz = 1.0 - hs * hs  # tanh' of every step, overwritten by dLoss/dz step by step
    dh_next = np.zeros((n, hidden), dtype=hs.dtype)
    rk_t = recurrent_kernel.T
    for t in range(t_len - 1, -1, -1):
        dz[t] *= dhs[t] + dh_next
        dh_next = dz[t] @ rk_t
    dz_flat = dz.reshape(t_len * n, hidden)
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(t_len * n, hidden)
    x_tm = x.transpose(1, 0, 2).reshape(t_len * n, d)  # time-major rows, matching dz_flat
    dx = (dz_flat @ kernel.T).reshape(t_len, n, d).transpose(1, 0, 2).copy()
    return dx, dh_next, x_tm.T @ dz_flat, h_prev.T @ dz_flat, dz_flat.sum(axis=0)
