"""Shared helpers for catalogued mistakes: small, correct building blocks that many wrong
variants repeat (a stable sigmoid or softmax, Keras's clipping of probabilities).

An entry may call these instead of copying them. Each helper is written as a learner could have
written it in their own module, so `Mistake.graft_source` can copy it beside the entry:

- it uses only `np`, `math`, builtins and other helpers of this file (no constants, no other
  imports);
- its name starts with `_mistake_`, so a grafted copy cannot replace a learner's function and
  is plainly not part of the curriculum.

A helper is right where the mistake is not: the bug an entry imitates stays visible in the
entry itself.
"""

import math  # noqa: F401  (helpers may use it)

import numpy as np


def _mistake_float(x):
    """x as an ndarray with a floating dtype: its own if floating, else float64."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _mistake_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp is only taken of -|x|."""
    x = _mistake_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _mistake_softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _mistake_softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`, after subtracting the maximum (stable)."""
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _mistake_clip(p, eps):
    """p clipped to [eps, 1 - eps], as Keras clips probabilities before a log."""
    return np.clip(p, eps, 1 - eps)


def _mistake_unclipped(p, eps):
    """True where eps <= p <= 1 - eps: the entries clipping leaves alone (elsewhere the clipped
    loss is flat, so its gradient is 0)."""
    p = np.asarray(p)
    return (p >= eps) & (p <= 1 - eps)


def _mistake_rows_to_one(p):
    """Each row of p divided by its sum (Keras 3's first step of categorical cross-entropy)."""
    p = np.asarray(p)
    return p / np.sum(p, axis=-1, keepdims=True)


def _mistake_local_derivative(z, name):
    """f'(z) of the named activation, with the curriculum's kink values (float64)."""
    z = np.asarray(z, dtype=np.float64)
    s = 1 / (1 + np.exp(-np.clip(z, -500, 500)))
    table = {
        "linear": np.ones_like(z), "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(z) ** 2,
        "relu": (z > 0).astype(np.float64), "leaky_relu": np.where(z > 0, 1.0, 0.01),
        "elu": np.where(z >= 0, 1.0, np.exp(np.minimum(z, 0))), "softplus": s,
    }
    return table[name]


def _mistake_activate(z, name):
    """The named activation of z (the hidden layers of an MLP)."""
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z >= 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return np.logaddexp(0, z)
    raise ValueError(name)


def _mistake_pair(v):
    """(v, v) for a scalar, else the two values of v (a Keras stride or pool size)."""
    return (v, v) if np.ndim(v) == 0 else tuple(v)


def _mistake_same_pads(n, k, s, padding):
    """TensorFlow's (before, after) padding of one axis of size n for a window k at stride s:
    none for "valid"; for "same", max((ceil(n / s) - 1) * s + k - n, 0) in all, the odd pixel
    after."""
    if str(padding).lower() == "valid":
        return 0, 0
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _mistake_window_slices(kh, kw, sh, sw, ho, wo):
    """[(i, j, rows, cols)]: for each kernel offset (i, j), the slices of the padded input that
    offset meets across all ho x wo windows (row-major order of the offsets)."""
    return [(i, j, slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
            for i in range(kh) for j in range(kw)]


def _mistake_cross_correlate(xp, kernel, bias, sh, sw):
    """Keras's Conv2D on an already padded (N, H, W, C_in) input: a cross-correlation with the
    (kh, kw, C_in, C_out) kernel, plus bias; returns (N, H_out, W_out, C_out)."""
    kh, kw = kernel.shape[:2]
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((xp.shape[0], ho, wo, kernel.shape[3]), np.result_type(xp, kernel, bias, 1.0)) + bias
    for i, j, rows, cols in _mistake_window_slices(kh, kw, sh, sw, ho, wo):
        out += xp[:, rows, cols, :] @ kernel[i, j]
    return out


def _mistake_conv_pads(x_shape, kernel_shape, stride, padding):
    """TensorFlow's ((top, bottom), (left, right)) padding for Conv2D of an (N, H, W, C) input."""
    sh, sw = _mistake_pair(stride)
    return (_mistake_same_pads(x_shape[1], kernel_shape[0], sh, padding),
            _mistake_same_pads(x_shape[2], kernel_shape[1], sw, padding))


def _mistake_conv2d(x, kernel, bias, stride, pads):
    """Conv2D of an (N, H, W, C_in) ndarray with the given ((top, bottom), (left, right)) zero
    padding; returns (N, H_out, W_out, C_out)."""
    sh, sw = _mistake_pair(stride)
    return _mistake_cross_correlate(np.pad(x, ((0, 0), *pads, (0, 0))), kernel, bias, sh, sw)


def _mistake_conv2d_backward(dout, x, kernel, stride, padding):
    """Correct Conv2D gradients (dx, dkernel, dbias) for upstream dout of shape (N, H_out, W_out, C_out)."""
    x, kernel, dout = np.asarray(x), np.asarray(kernel), np.asarray(dout)
    sh, sw = _mistake_pair(stride)
    kh, kw = kernel.shape[:2]
    h, w = x.shape[1:3]
    (top, bottom), (left, right) = _mistake_same_pads(h, kh, sh, padding), _mistake_same_pads(w, kw, sw, padding)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    dxp = np.zeros(xp.shape, np.result_type(x, kernel, dout, 1.0))
    dkernel = np.zeros(kernel.shape, dxp.dtype)
    for i, j, rows, cols in _mistake_window_slices(kh, kw, sh, sw, *dout.shape[1:3]):
        dxp[:, rows, cols, :] += dout @ kernel[i, j].T
        dkernel[i, j] = np.tensordot(xp[:, rows, cols, :], dout, axes=([0, 1, 2], [0, 1, 2]))
    return dxp[:, top:top + h, left:left + w, :], dkernel, dout.sum(axis=(0, 1, 2))


def _mistake_maxpool2d(x, pool_size, stride, padding, fill):
    """Max pooling of (N, H, W, C) with the given (non-None) stride, "same" padding filled with
    `fill` (TensorFlow's is -inf)."""
    x = np.asarray(x)
    ph, pw = _mistake_pair(pool_size)
    sh, sw = _mistake_pair(stride)
    pads = (_mistake_same_pads(x.shape[1], ph, sh, padding), _mistake_same_pads(x.shape[2], pw, sw, padding))
    xp = np.pad(x.astype(np.result_type(x, 1.0)), ((0, 0), *pads, (0, 0)), constant_values=fill)
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf, xp.dtype)
    for _, _, rows, cols in _mistake_window_slices(ph, pw, sh, sw, ho, wo):
        out = np.maximum(out, xp[:, rows, cols, :])
    return out


def _mistake_pool_windows(dout, x, pool_size, stride, padding):
    """What a max-pooling backward pass routes dout through: (xp, spots, crop): the input padded
    with -inf, each pool offset's (rows, cols) slices in row-major order, and the slices that
    cut the padding off again."""
    x, dout = np.asarray(x), np.asarray(dout)
    ph, pw = _mistake_pair(pool_size)
    sh, sw = _mistake_pair(pool_size if stride is None else stride)
    h, w = x.shape[1:3]
    (top, bottom), (left, right) = _mistake_same_pads(h, ph, sh, padding), _mistake_same_pads(w, pw, sw, padding)
    xp = np.pad(x.astype(np.result_type(x, dout, 1.0)), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    spots = [(rows, cols) for _, _, rows, cols in _mistake_window_slices(ph, pw, sh, sw, *dout.shape[1:3])]
    return xp, spots, (slice(None), slice(top, top + h), slice(left, left + w), slice(None))


def _mistake_pool_scatter(xp, spots, crop, routed):
    """dx from the gradient each pool offset receives: routed[k] is added at spots[k] of a zero
    array shaped like the padded input xp, and the padding is cut off (crop)."""
    dxp = np.zeros(xp.shape, xp.dtype)
    for (rows, cols), part in zip(spots, routed):
        dxp[:, rows, cols, :] += part
    return dxp[crop]


def _mistake_cnn_features(x, convs):
    """The course CNN's feature maps: for each (kernel, bias), a valid stride-1 Conv2D, ReLU and
    2x2 max pooling; returns (N, H, W, C)."""
    a = np.asarray(x)
    for kernel, bias in convs:
        z = np.maximum(_mistake_cross_correlate(a, kernel, bias, 1, 1), 0.0)
        hp, wp = z.shape[1] // 2, z.shape[2] // 2
        a = z[:, :2 * hp, :2 * wp].reshape(z.shape[0], hp, 2, wp, 2, z.shape[3]).max(axis=(2, 4))
    return a


def _mistake_lstm_layer(x, h0, c0, kernel, recurrent_kernel, bias, step):
    """An LSTM layer over (N, T, D) x, with step(z, h, c) -> (h, c) applied to each step's
    pre-activations z = x_t @ kernel + h @ recurrent_kernel + bias (N, 4H); h0 and c0 (N, H),
    zeros when None. Returns (h_seq (N, T, H), h_T, c_T, (x, h0, c0))."""
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    h = zeros if h0 is None else np.asarray(h0)
    c = zeros if c0 is None else np.asarray(c0)
    hs = []
    for t in range(x.shape[1]):
        h, c = step(x[:, t] @ kernel + h @ recurrent_kernel + bias, h, c)
        hs.append(h)
    return np.stack(hs, axis=1), h, c, (x, h0, c0)


def _mistake_lstm_cell(z, h, c):
    """One correct LSTM step from its pre-activations z = [i | f | c | o] (Keras's order): (h, c)."""
    zi, zf, zg, zo = np.split(z, 4, axis=-1)
    c = 1 / (1 + np.exp(-zf)) * c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)
    return 1 / (1 + np.exp(-zo)) * np.tanh(c), c


def _mistake_lstm_tape(x, h0, c0, kernel, recurrent_kernel, bias):
    """A correct LSTM forward pass that keeps what backpropagation needs: the hidden states
    hs[0..T] and cell states cs[0..T] (hs[0] = h0, cs[0] = c0) and each step's gates (i, f, g, o)."""
    hs, cs, steps = [np.asarray(h0)], [np.asarray(c0)], []
    for t in range(x.shape[1]):
        zi, zf, zg, zo = np.split(x[:, t] @ kernel + hs[-1] @ recurrent_kernel + bias, 4, axis=-1)
        i, f, g, o = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), np.tanh(zg), 1 / (1 + np.exp(-zo))
        cs.append(f * cs[-1] + i * g)
        hs.append(o * np.tanh(cs[-1]))
        steps.append((i, f, g, o))
    return hs, cs, steps


def _mistake_lstm_step_back(dh, dc_later, c_prev, c, gates, recurrent_kernel):
    """One correct LSTM step backwards. dh: all the gradient reaching h_t; dc_later: the gradient
    reaching c_t from step t + 1. Returns (dz, dh_prev, dc_prev): the gradient of the step's
    pre-activations [i | f | c | o] (N, 4H) and those sent back to h_{t-1} and c_{t-1}."""
    i, f, g, o = gates
    tc = np.tanh(c)
    dc = dc_later + dh * o * (1 - tc ** 2)
    dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                         dh * tc * o * (1 - o)], axis=-1)
    return dz, dz @ recurrent_kernel.T, dc * f


def _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel):
    """(dx, dkernel, drecurrent_kernel, dbias) of a recurrent layer (SimpleRNN or LSTM) from each
    step's pre-activation gradient dz (dzs[t]; hs[t] is the hidden state step t read), the
    weights' contributions summed from the last step to the first."""
    dx = np.zeros(x.shape)
    dkernel, drec, dbias = np.zeros(kernel.shape), np.zeros(recurrent_kernel.shape), np.zeros(kernel.shape[1])
    for t in reversed(range(x.shape[1])):
        dx[:, t] = dzs[t] @ kernel.T
        dkernel += x[:, t].T @ dzs[t]
        drec += hs[t].T @ dzs[t]
        dbias += dzs[t].sum(axis=0)
    return dx, dkernel, drec, dbias


def _mistake_xor_pass(params, X, Y):
    """The XOR network's forward pass for a training step: (X float64 (N, 2), Y (N, 1), the
    hidden sigmoids h (N, H), the output sigmoid y_hat (N, 1))."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1, 1)
    h = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    return X, Y, h, 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))


def _mistake_xor_update(params, X, h, d1, d2, lr):
    """New XOR parameters after one gradient step, from the hidden error d1 (N, H) and the
    output error d2 (N, 1) of the batch."""
    return {"W1": params["W1"] - lr * X.T @ d1, "b1": params["b1"] - lr * d1.sum(axis=0),
            "W2": params["W2"] - lr * h.T @ d2, "b2": params["b2"] - lr * d2.sum(axis=0)}


def _mistake_perceptron_epochs(X, y, w, b, epochs, update, stop_early):
    """Rosenblatt's loop from weights w and bias b: each sample predicted by the step
    (z >= 0 gives 1), update(w, b, delta, x) -> (w, b) applied where delta = y - y_hat is not 0,
    errors counted per epoch, stopping after an epoch without any when stop_early.
    Returns (w, b as np.float64, errors int64)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    errors = []
    for _ in range(int(epochs)):
        wrong = 0
        for xi, yi in zip(X, y):
            delta = int(yi) - (1 if xi @ w + b >= 0 else 0)
            if delta != 0:
                wrong += 1
                w, b = update(w, b, delta, xi)
        errors.append(wrong)
        if stop_early and wrong == 0:
            break
    return w, np.float64(b), np.asarray(errors, dtype=np.int64)


def _mistake_rnn_states(x, h_start, kernel, recurrent_kernel, bias):
    """A SimpleRNN's hidden states [h_start, h_1, ..., h_T] over (N, T, D) x (each (N, H))."""
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    hs = [np.asarray(h_start)]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ kernel + hs[-1] @ recurrent_kernel + bias))
    return hs


def _mistake_rnn_dzs(dh_seq, hs, recurrent_kernel):
    """Correct backpropagation through time of a SimpleRNN with states hs = [h0, ..., h_T]:
    (dzs, dh0), dzs[t] (N, H) the gradient of step t's pre-activation."""
    dzs, dh_next = [None] * (len(hs) - 1), np.zeros(np.shape(hs[0]))
    for t in reversed(range(len(dzs))):
        dzs[t] = (dh_seq[:, t] + dh_next) * (1.0 - hs[t + 1] ** 2)
        dh_next = dzs[t] @ recurrent_kernel.T
    return dzs, dh_next


def _mistake_old_velocities(params, velocity):
    """Each parameter's momentum velocity before this step: velocity[k], zeros when velocity is
    None or has no entry for k."""
    velocity = {} if velocity is None else velocity
    return {k: np.asarray(velocity.get(k, np.zeros_like(np.asarray(p, dtype=np.float64))))
            for k, p in params.items()}


def _mistake_adam_moments(params, grads, state, beta_1, beta_2):
    """Adam's updated moments, before any bias correction: (t, p, m, v), t the new step count
    (from 1) and p, m, v dicts of float64 arrays keyed like params."""
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    ps, ms, vs = {}, {}, {}
    for k, p in params.items():
        ps[k] = p = np.asarray(p, dtype=np.float64)
        g = np.asarray(grads[k], dtype=np.float64)
        ms[k] = beta_1 * np.asarray(state["m"].get(k, np.zeros_like(p))) + (1 - beta_1) * g
        vs[k] = beta_2 * np.asarray(state["v"].get(k, np.zeros_like(p))) + (1 - beta_2) * g * g
    return int(state["t"]) + 1, ps, ms, vs


def _mistake_nudged(x, i, step):
    """A copy of the float array x with the entry at index i moved by step."""
    x = x.copy()
    x[i] += step
    return x


def _mistake_each_entry(x, partial):
    """An array shaped like the float array x whose entry at each index i is partial(i),
    filled in np.ndindex order (a numerical gradient, one entry at a time)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        grad[i] = partial(i)
    return grad


def _mistake_init_layers(layer_sizes, draw):
    """MLP parameters W1, b1, W2, ...: W{i} = draw(fan_in, fan_out) (ints), b{i} zeros."""
    params = {}
    for i, (a, c) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{i}"] = draw(int(a), int(c))
        params[f"b{i}"] = np.zeros(int(c))
    return params
