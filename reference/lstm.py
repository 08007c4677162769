"""A long short-term memory layer: the oracle for `lstm.py`.

Keras's LSTM (Keras 3, default activations), with weights kernel (D, 4H),
recurrent_kernel (H, 4H), bias (4H,) whose column blocks are the gates in the order
[i | f | c | o] (input, forget, candidate, output):

    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_c)   o = sigmoid(z_o)
    c = f * c_prev + i * g
    h = o * tanh(c)

The recurrent activation is the plain logistic sigmoid (Keras 3's default; Keras 2 once used a
"hard" sigmoid). `unit_forget_bias` only changes the initial bias, never this arithmetic.
Computation happens in the floating dtype the inputs promote to (float32 in -> float32 out).

Caches:
- lstm_step: `(x_t, h_prev, c_prev, kernel, recurrent_kernel, gates, c, tanh_c)` with
  gates (N, 4, H) holding the activated i, f, g, o.
- lstm (sequence): `(x, h0, c0, kernel, recurrent_kernel, gates, cs, tanh_cs, hs)`, time-major:
  gates (T, N, 4, H), cs / tanh_cs / hs (T, N, H).
Only time steps are looped over; the input projections of all steps are one matrix product.
For speed, lstm_forward activates all four gates with one tanh, using
sigmoid(z) = 0.5 * tanh(z / 2) + 0.5 with the sigmoid blocks' weight columns halved first (exact
in binary floating point); the step functions use the direct, overflow-free sigmoid. The two
agree to a few ulps, far inside any grading tolerance.
"""

from __future__ import annotations

import numpy as np

from reference._numerics import as_float, float_dtype, sigmoid

__all__ = [
    "lstm_gates",
    "lstm_cell_state",
    "lstm_hidden_state",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
]


def _activate(z: np.ndarray) -> np.ndarray:
    """Activate pre-activations z (..., 4, H) in place: sigmoid for i, f, o and tanh for g."""
    g = np.tanh(z[..., 2, :])
    sigmoid(z, out=z)
    z[..., 2, :] = g
    return z


def lstm_gates(z):
    """Split pre-activations z (N, 4H) into Keras's [i | f | c | o] blocks and activate them.

    Returns (i, f, g, o), each (N, H): sigmoid, sigmoid, tanh, sigmoid.
    """
    z = as_float(z)
    if z.shape[-1] % 4:
        raise ValueError(f"the last axis of z must be 4H, got {z.shape[-1]}")
    hidden = z.shape[-1] // 4
    blocks = _activate(z.reshape(*z.shape[:-1], 4, hidden).copy())
    return tuple(blocks[..., k, :].copy() for k in range(4))


def lstm_cell_state(f, i, g, c_prev):
    """New cell state f * c_prev + i * g (keep part of the old memory, write part of the new)."""
    return np.asarray(f) * np.asarray(c_prev) + np.asarray(i) * np.asarray(g)


def lstm_hidden_state(o, c):
    """New hidden state o * tanh(c)."""
    return np.asarray(o) * np.tanh(c)


def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One step. x_t (N, D), h_prev (N, H), c_prev (N, H) -> (h (N, H), c (N, H), cache)."""
    dtype = float_dtype(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    x_t, h_prev, c_prev, kernel, recurrent_kernel, bias = (
        as_float(a, dtype) for a in (x_t, h_prev, c_prev, kernel, recurrent_kernel, bias))
    n, hidden = h_prev.shape
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    gates = _activate(z.reshape(n, 4, hidden))
    i, f, g, o = (gates[:, k] for k in range(4))
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x_t, h_prev, c_prev, kernel, recurrent_kernel, gates, c, tanh_c)


def _gate_grads(dh, dc, gates, c_prev, tanh_c, out):
    """dLoss/dz (N, 4, H) of one step into `out`; returns dLoss/dc_prev.

    dh, dc: upstream gradients w.r.t. h and c of this step (dc excludes the path through h).
    """
    i, f, g, o = (gates[:, k] for k in range(4))
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)  # c reaches the loss through h as well as c_next
    # each line: upstream gradient of the gate times the derivative of its activation
    out[:, 0] = dc * g * (i * (1.0 - i))
    out[:, 1] = dc * c_prev * (f * (1.0 - f))
    out[:, 2] = dc * i * (1.0 - g * g)
    out[:, 3] = dh * tanh_c * (o * (1.0 - o))
    return dc * f


def lstm_step_backward(dh, dc, cache):
    """Gradients of one step given dh = dLoss/dh and dc = dLoss/dc (both (N, H)).

    Returns (dx_t (N, D), dh_prev (N, H), dc_prev (N, H), dkernel (D, 4H),
    drecurrent_kernel (H, 4H), dbias (4H,)).
    """
    x_t, h_prev, c_prev, kernel, recurrent_kernel, gates, c, tanh_c = cache
    dtype = gates.dtype
    n, _, hidden = gates.shape
    dz = np.empty((n, 4, hidden), dtype=dtype)
    dc_prev = _gate_grads(np.asarray(dh, dtype), np.asarray(dc, dtype), gates, c_prev, tanh_c, dz)
    dz = dz.reshape(n, 4 * hidden)
    return (dz @ kernel.T, dz @ recurrent_kernel.T, dc_prev,
            x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0))


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    """Run the layer over a sequence.

    x (N, T, D); h0, c0 (N, H) initial states (None means zeros, as Keras).
    Returns (h_seq (N, T, H), h_T (N, H), c_T (N, H), cache), equal to
    `keras.layers.LSTM(H, return_sequences=True, return_state=True)` with these weights.
    """
    x = np.asarray(x)
    n, t_len, d = x.shape
    hidden = np.shape(recurrent_kernel)[0]
    base = float_dtype(x, kernel)
    h0 = np.zeros((n, hidden), base) if h0 is None else h0
    c0 = np.zeros((n, hidden), base) if c0 is None else c0
    dtype = float_dtype(x, h0, c0, kernel, recurrent_kernel, bias)
    x, h0, c0, kernel, recurrent_kernel, bias = (
        as_float(a, dtype) for a in (x, h0, c0, kernel, recurrent_kernel, bias))
    # sigmoid(z) = (tanh(z / 2) + 1) / 2, so one tanh activates all four gates when the sigmoid
    # blocks' columns are halved beforehand (exact: a power of two) and mapped back afterwards
    half = np.full((4, hidden), 0.5, dtype)  # i, f, o: sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5
    half[2] = 1.0                            # g: tanh(z) = 1.0 * tanh(1.0 * z) + 0
    shift = 1.0 - half
    columns = half.reshape(4 * hidden)
    kernel_h, recurrent_h, bias_h = kernel * columns, recurrent_kernel * columns, bias * columns
    # every step's input projection at once, time-major: gates[t] starts as x_t @ kernel + bias
    gates = (x.reshape(n * t_len, d) @ kernel_h + bias_h).reshape(n, t_len, 4, hidden)
    gates = np.ascontiguousarray(gates.transpose(1, 0, 2, 3))
    cs = np.empty((t_len, n, hidden), dtype)
    tanh_cs = np.empty_like(cs)
    hs = np.empty_like(cs)
    ig = np.empty((n, hidden), dtype)
    h, c = h0, c0
    for t in range(t_len):
        z = gates[t]
        z += (h @ recurrent_h).reshape(n, 4, hidden)
        np.tanh(z, out=z)
        z *= half
        z += shift                                   # now [i, f, g, o], activated
        np.multiply(z[:, 0], z[:, 2], out=ig)
        c = np.multiply(z[:, 1], c, out=cs[t])       # c = f * c_prev + i * g
        c += ig
        np.tanh(c, out=tanh_cs[t])
        h = np.multiply(z[:, 3], tanh_cs[t], out=hs[t])  # h = o * tanh(c)
    cache = (x, h0, c0, kernel, recurrent_kernel, gates, cs, tanh_cs, hs)
    return hs.transpose(1, 0, 2).copy(), hs[-1].copy(), cs[-1].copy(), cache


def lstm_backward(dh_seq, cache):
    """Backpropagation through time for lstm_forward.

    dh_seq (N, T, H): dLoss/dh_t for every step (the gradient of h_T is dh_seq[:, -1]; the
    final cell state gets no upstream gradient). Returns
    (dx (N, T, D), dh0 (N, H), dc0 (N, H), dkernel (D, 4H), drecurrent_kernel (H, 4H), dbias (4H,)).
    """
    x, h0, c0, kernel, recurrent_kernel, gates, cs, tanh_cs, hs = cache
    n, t_len, d = x.shape
    hidden = h0.shape[1]
    dtype = gates.dtype
    dhs = np.asarray(dh_seq, dtype=dtype).transpose(1, 0, 2)
    # everything that does not depend on the recurrence, for all steps at once:
    # dz_i = dc * g * i(1-i), dz_f = dc * c_prev * f(1-f), dz_g = dc * i * (1-g^2),
    # dz_o = dh * tanh(c) * o(1-o), and dc = dc_next + dh * o * (1 - tanh(c)^2)
    i, f, g, o = (gates[:, :, k] for k in range(4))
    c_prevs = np.concatenate([c0[None], cs[:-1]])
    by_dc = np.empty((t_len, n, 3, hidden), dtype)  # dz_{i,f,g} / dc, built in place
    for k, (gate, times) in enumerate(((i, g), (f, c_prevs))):  # sigmoid' = s (1 - s)
        np.subtract(1.0, gate, out=by_dc[:, :, k])
        by_dc[:, :, k] *= gate
        by_dc[:, :, k] *= times
    np.multiply(g, g, out=by_dc[:, :, 2])        # tanh' = 1 - g^2
    np.subtract(1.0, by_dc[:, :, 2], out=by_dc[:, :, 2])
    by_dc[:, :, 2] *= i
    by_dh = np.subtract(1.0, o)                    # dz_o / dh = tanh(c) * o (1 - o)
    by_dh *= o
    by_dh *= tanh_cs
    dc_by_dh = np.multiply(tanh_cs, tanh_cs)       # dc / dh = o * (1 - tanh(c)^2), via h = o tanh(c)
    np.subtract(1.0, dc_by_dh, out=dc_by_dh)
    dc_by_dh *= o
    dz = np.empty((t_len, n, 4, hidden), dtype)
    dh_next = np.zeros((n, hidden), dtype)
    dc_next = np.zeros((n, hidden), dtype)
    rk_t = recurrent_kernel.T
    for t in range(t_len - 1, -1, -1):
        dh = dhs[t] + dh_next
        dc = dh * dc_by_dh[t]
        dc += dc_next
        step = dz[t]
        np.multiply(by_dc[t], dc[:, None, :], out=step[:, :3])
        np.multiply(by_dh[t], dh, out=step[:, 3])
        dc_next = np.multiply(dc, f[t])
        dh_next = step.reshape(n, 4 * hidden) @ rk_t
    dz_flat = dz.reshape(t_len * n, 4 * hidden)
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(t_len * n, hidden)
    x_tm = x.transpose(1, 0, 2).reshape(t_len * n, d)
    dx = (dz_flat @ kernel.T).reshape(t_len, n, d).transpose(1, 0, 2).copy()
    return dx, dh_next, dc_next, x_tm.T @ dz_flat, h_prev.T @ dz_flat, dz_flat.sum(axis=0)
