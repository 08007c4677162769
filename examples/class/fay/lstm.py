import numpy as np


def sig(z):
    return 1 / (1 + np.exp(-z))


def lstm_gates(z):
    H = z.shape[1] // 4
    i = sig(z[:, :H])
    f = sig(z[:, H:2 * H])
    o = sig(z[:, 2 * H:3 * H])
    g = np.tanh(z[:, 3 * H:])
    return i, f, g, o


def lstm_cell_state(f, i, g, c_prev):
    return c_prev + i * g


def lstm_hidden_state(o, c):
    return o * np.tanh(c)


def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    H = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i = sig(z[:, :H])
    f = sig(z[:, H:2 * H])
    g = np.tanh(z[:, 2 * H:3 * H])
    o = sig(z[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * c
    return h, c, {"x": x_t, "h_prev": h_prev, "c_prev": c_prev, "W": kernel, "U": recurrent_kernel,
                  "i": i, "f": f, "g": g, "o": o, "c": c}


def lstm_step_backward(dh, dc, cache):
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    dz = np.hstack([dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g ** 2),
                    dh * np.tanh(c) * o * (1 - o)])
    return (dz @ cache["W"].T, dz @ cache["U"].T, dc * f, cache["x"].T @ dz, cache["h_prev"].T @ dz,
            dz.sum(axis=0))


def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    N, T, D = x.shape
    H = h0.shape[1]
    h, c = h0, c0
    h_seq = np.zeros((N, T, H))
    steps = []
    for t in range(T):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = sig(z[:, :H]), sig(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sig(z[:, 3 * H:])
        steps.append((x[:, t], h, c, i, f, g, o))
        c = f * c + i * g
        h = o * np.tanh(c)
        h_seq[:, t] = h
    return h_seq, h, c, (steps, kernel, recurrent_kernel)


def lstm_backward(dh_seq, cache):
    steps, kernel, recurrent_kernel = cache
    N, T, H = dh_seq.shape
    dx = np.zeros((N, T, kernel.shape[0]))
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    for t in reversed(range(T)):
        x_t, h_prev, c_prev, i, f, g, o = steps[t]
        c = f * c_prev + i * g
        dh = dh_seq[:, t] + dh_next
        dc = dc_next + dh * o * (1 - np.tanh(c) ** 2)
        dz = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                        dh * np.tanh(c) * o * (1 - o)])
        dx[:, t] = dz @ kernel.T
        dkernel = x_t.T @ dz
        drecurrent_kernel = h_prev.T @ dz
        dbias = dz.sum(axis=0)
        dh_next = dz @ recurrent_kernel.T
        dc_next = dc * f
    return dx, dh_next, dc_next, dkernel, drecurrent_kernel, dbias
