import numpy as np


def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    h = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
    return h, (x_t, h_prev, kernel, recurrent_kernel, h)


def rnn_step_backward(dh, cache):
    x_t, h_prev, kernel, recurrent_kernel, h = cache
    # derivative of tanh
    dz = dh * (1 - np.tanh(h) ** 2)
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, np.sum(dz, axis=0)


def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    N, T, D = x.shape
    H = recurrent_kernel.shape[0]
    h = np.zeros((N, H))  # start with an empty memory
    h_seq = np.zeros((N, T, H))
    states = [h]
    for t in range(T):
        h = np.tanh(x[:, t, :] @ kernel + h @ recurrent_kernel + bias)
        h_seq[:, t, :] = h
        states.append(h)
    return h_seq, (x, kernel, recurrent_kernel, states)


def rnn_backward(dh_seq, cache):
    x, kernel, recurrent_kernel, states = cache
    N, T, D = x.shape
    dx = np.zeros(x.shape)
    dkernel = np.zeros(kernel.shape)
    drecurrent_kernel = np.zeros(recurrent_kernel.shape)
    dbias = np.zeros(kernel.shape[1])
    dh_next = np.zeros(states[0].shape)
    for t in range(T - 1, -1, -1):
        dz = (dh_seq[:, t, :] + dh_next) * (1 - states[t + 1] ** 2)
        dx[:, t, :] = dz @ kernel.T
        dkernel += x[:, t, :].T @ dz
        drecurrent_kernel += states[t].T @ dz
        dbias += dz.sum(axis=0)
        dh_next = dz @ recurrent_kernel.T
    return dx, dh_next, dkernel, drecurrent_kernel, dbias
