"""A correct rnn.py written the slow way: a Python loop over samples, then over time steps,
one vector at a time. The graders must give it full marks inside their time limits."""

import numpy as np


def _dtype(*arrays):
    return np.result_type(*arrays)


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    n, hidden = h_prev.shape[0], kernel.shape[1]
    h = np.empty((n, hidden), dtype=_dtype(x_t, h_prev, kernel, recurrent_kernel, bias))
    for s in range(n):
        h[s] = np.tanh(x_t[s] @ kernel + h_prev[s] @ recurrent_kernel + bias)
    return h, (x_t, h_prev, kernel, recurrent_kernel, h)


def rnn_step_backward(dh, cache):
    x_t, h_prev, kernel, recurrent_kernel, h = cache
    dx_t = np.zeros_like(x_t)
    dh_prev = np.zeros_like(h_prev)
    dkernel = np.zeros_like(kernel)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=kernel.dtype)
    for s in range(x_t.shape[0]):
        dz = dh[s] * (1 - h[s] ** 2)
        dx_t[s] = kernel @ dz
        dh_prev[s] = recurrent_kernel @ dz
        dkernel += np.outer(x_t[s], dz)
        drecurrent_kernel += np.outer(h_prev[s], dz)
        dbias += dz
    return dx_t, dh_prev, dkernel, drecurrent_kernel, dbias


def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    n, t_len, _ = x.shape
    hidden = kernel.shape[1]
    h_seq = np.empty((n, t_len, hidden), dtype=_dtype(x, h0, kernel, recurrent_kernel, bias))
    for s in range(n):
        h = h0[s]
        for t in range(t_len):
            h = np.tanh(x[s, t] @ kernel + h @ recurrent_kernel + bias)
            h_seq[s, t] = h
    return h_seq, (x, h0, kernel, recurrent_kernel, h_seq)


def rnn_backward(dh_seq, cache):
    x, h0, kernel, recurrent_kernel, h_seq = cache
    n, t_len, _ = x.shape
    dx = np.zeros_like(x)
    dh0 = np.zeros_like(h0)
    dkernel = np.zeros_like(kernel)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=kernel.dtype)
    for s in range(n):
        dh_next = np.zeros(kernel.shape[1], dtype=kernel.dtype)
        for t in range(t_len - 1, -1, -1):
            h_prev = h_seq[s, t - 1] if t > 0 else h0[s]
            dz = (dh_seq[s, t] + dh_next) * (1 - h_seq[s, t] ** 2)
            dx[s, t] = kernel @ dz
            dkernel += np.outer(x[s, t], dz)
            drecurrent_kernel += np.outer(h_prev, dz)
            dbias += dz
            dh_next = recurrent_kernel @ dz
        dh0[s] = dh_next
    return dx, dh0, dkernel, drecurrent_kernel, dbias
