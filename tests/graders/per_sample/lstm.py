"""A correct lstm.py written the slow way: Python loops over samples and time steps, one vector
at a time, with the gates sliced out one by one. The graders must give it full marks inside
their time limits."""

import math

import numpy as np


def _sigmoid(v):
    out = np.empty_like(v)
    for k in range(v.shape[0]):  # element by element, with math.exp
        z = float(v[k])
        out[k] = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    return out


def lstm_gates(z):
    n, width = z.shape
    hidden = width // 4
    i, f, g, o = (np.empty((n, hidden), dtype=z.dtype) for _ in range(4))
    for s in range(n):
        i[s] = _sigmoid(z[s, :hidden])
        f[s] = _sigmoid(z[s, hidden:2 * hidden])
        g[s] = np.tanh(z[s, 2 * hidden:3 * hidden])
        o[s] = _sigmoid(z[s, 3 * hidden:])
    return i, f, g, o


def lstm_cell_state(f, i, g, c_prev):
    c = np.empty_like(c_prev, dtype=np.result_type(f, i, g, c_prev))
    for s in range(c.shape[0]):
        c[s] = f[s] * c_prev[s] + i[s] * g[s]
    return c


def lstm_hidden_state(o, c):
    h = np.empty_like(c, dtype=np.result_type(o, c))
    for s in range(h.shape[0]):
        h[s] = o[s] * np.tanh(c[s])
    return h


def _step(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One sample, one step: vectors in, vectors out, and what the backward pass needs."""
    hidden = h_prev.shape[0]
    z = x @ kernel + h_prev @ recurrent_kernel + bias
    i, f = _sigmoid(z[:hidden]), _sigmoid(z[hidden:2 * hidden])
    g, o = np.tanh(z[2 * hidden:3 * hidden]), _sigmoid(z[3 * hidden:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c)


def _step_back(dh, dc, saved, kernel, recurrent_kernel):
    x, h_prev, c_prev, i, f, g, o, c = saved
    tc = np.tanh(c)
    dc = dc + dh * o * (1 - tc ** 2)
    dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                         dh * tc * o * (1 - o)])
    return kernel @ dz, recurrent_kernel @ dz, dc * f, np.outer(x, dz), np.outer(h_prev, dz), dz


def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    dtype = np.result_type(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    h, c = np.empty(h_prev.shape, dtype), np.empty(h_prev.shape, dtype)
    saved = []
    for s in range(x_t.shape[0]):
        h[s], c[s], keep = _step(x_t[s], h_prev[s], c_prev[s], kernel, recurrent_kernel, bias)
        saved.append(keep)
    return h, c, (saved, kernel, recurrent_kernel)


def lstm_step_backward(dh, dc, cache):
    saved, kernel, recurrent_kernel = cache
    n = len(saved)
    dx = np.zeros((n, kernel.shape[0]), dtype=kernel.dtype)
    dh_prev = np.zeros((n, recurrent_kernel.shape[0]), dtype=kernel.dtype)
    dc_prev = np.zeros_like(dh_prev)
    dkernel, drecurrent_kernel = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=kernel.dtype)
    for s in range(n):
        dx[s], dh_prev[s], dc_prev[s], dk, drk, db = _step_back(dh[s], dc[s], saved[s], kernel,
                                                                 recurrent_kernel)
        dkernel += dk
        drecurrent_kernel += drk
        dbias += db
    return dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    n, t_len, _ = x.shape
    dtype = np.result_type(x, h0, c0, kernel, recurrent_kernel, bias)
    h_seq = np.empty((n, t_len, h0.shape[1]), dtype)
    h_last, c_last = np.empty(h0.shape, dtype), np.empty(h0.shape, dtype)
    saved = []
    for s in range(n):
        h, c, steps = h0[s], c0[s], []
        for t in range(t_len):
            h, c, keep = _step(x[s, t], h, c, kernel, recurrent_kernel, bias)
            h_seq[s, t] = h
            steps.append(keep)
        h_last[s], c_last[s] = h, c
        saved.append(steps)
    return h_seq, h_last, c_last, (saved, kernel, recurrent_kernel)


def lstm_backward(dh_seq, cache):
    saved, kernel, recurrent_kernel = cache
    n, t_len, hidden = dh_seq.shape
    dx = np.zeros((n, t_len, kernel.shape[0]), dtype=kernel.dtype)
    dh0, dc0 = np.zeros((n, hidden), kernel.dtype), np.zeros((n, hidden), kernel.dtype)
    dkernel, drecurrent_kernel = np.zeros_like(kernel), np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=kernel.dtype)
    for s in range(n):
        dh_next, dc_next = np.zeros(hidden, kernel.dtype), np.zeros(hidden, kernel.dtype)
        for t in range(t_len - 1, -1, -1):
            dx[s, t], dh_next, dc_next, dk, drk, db = _step_back(
                dh_seq[s, t] + dh_next, dc_next, saved[s][t], kernel, recurrent_kernel)
            dkernel += dk
            drecurrent_kernel += drk
            dbias += db
        dh0[s], dc0[s] = dh_next, dc_next
    return dx, dh0, dc0, dkernel, drecurrent_kernel, dbias
