"""A correct conv.py written the slow, plain way: four nested loops for the convolution and
its gradients, a loop over every window and channel for pooling (with a pixel-by-pixel scan
for the first maximum). tests/graders/test_conv.py grades it as a learner's submission: it must
score full marks inside the time limits, which is how the course stays fair to slow but correct
code."""

import numpy as np


def _pair(value):
    if np.ndim(value) == 0:
        return int(value), int(value)
    return int(value[0]), int(value[1])


def conv2d_output_size(size, kernel, stride, padding):
    if padding == "valid":
        return (size - kernel) // stride + 1
    return (size + stride - 1) // stride


def _pads(size, kernel, stride, padding):
    if padding == "valid":
        return 0, 0
    total = max((conv2d_output_size(size, kernel, stride, padding) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _padded(x, pads_h, pads_w, fill):
    n, h, w, c = x.shape
    xp = np.full((n, h + sum(pads_h), w + sum(pads_w), c), fill, dtype=x.dtype)
    xp[:, pads_h[0]:pads_h[0] + h, pads_w[0]:pads_w[0] + w, :] = x
    return xp


def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    n, h, w, _ = x.shape
    kh, kw, _, c_out = kernel.shape
    sh, sw = _pair(stride)
    pads_h, pads_w = _pads(h, kh, sh, padding), _pads(w, kw, sw, padding)
    xp = _padded(x, pads_h, pads_w, 0)
    h_out, w_out = conv2d_output_size(h, kh, sh, padding), conv2d_output_size(w, kw, sw, padding)
    out = np.zeros((n, h_out, w_out, c_out), dtype=np.result_type(x, kernel, bias))
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for f in range(c_out):
                    window = xp[b, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                    out[b, i, j, f] = np.sum(window * kernel[:, :, :, f]) + bias[f]
    return out, (xp, kernel, (sh, sw), pads_h, pads_w, x.shape)


def conv2d_backward(dout, cache):
    xp, kernel, (sh, sw), pads_h, pads_w, (n, h, w, c_in) = cache
    kh, kw, _, c_out = kernel.shape
    _, h_out, w_out, _ = dout.shape
    dxp = np.zeros(xp.shape, dtype=xp.dtype)
    dkernel = np.zeros(kernel.shape, dtype=kernel.dtype)
    dbias = np.zeros(c_out, dtype=kernel.dtype)
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for f in range(c_out):
                    g = dout[b, i, j, f]
                    rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                    dxp[b, rows, cols, :] += g * kernel[:, :, :, f]
                    dkernel[:, :, :, f] += g * xp[b, rows, cols, :]
                    dbias[f] += g
    return dxp[:, pads_h[0]:pads_h[0] + h, pads_w[0]:pads_w[0] + w, :].copy(), dkernel, dbias


def maxpool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    n, h, w, c = x.shape
    ph, pw = _pair(pool_size)
    sh, sw = _pair(pool_size if stride is None else stride)
    pads_h, pads_w = _pads(h, ph, sh, padding), _pads(w, pw, sw, padding)
    xp = _padded(x, pads_h, pads_w, -np.inf)
    h_out, w_out = conv2d_output_size(h, ph, sh, padding), conv2d_output_size(w, pw, sw, padding)
    out = np.zeros((n, h_out, w_out, c), dtype=x.dtype)
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for ch in range(c):
                    out[b, i, j, ch] = np.max(xp[b, i * sh:i * sh + ph, j * sw:j * sw + pw, ch])
    return out, (xp, (ph, pw), (sh, sw), pads_h, pads_w, x.shape)


def maxpool2d_backward(dout, cache):
    xp, (ph, pw), (sh, sw), pads_h, pads_w, (n, h, w, c) = cache
    _, h_out, w_out, _ = dout.shape
    dxp = np.zeros(xp.shape, dtype=xp.dtype)
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for ch in range(c):
                    # scan the window row by row; a strict > keeps the first maximum
                    best_u, best_v = 0, 0
                    for u in range(ph):
                        for v in range(pw):
                            if xp[b, i * sh + u, j * sw + v, ch] > xp[b, i * sh + best_u, j * sw + best_v, ch]:
                                best_u, best_v = u, v
                    dxp[b, i * sh + best_u, j * sw + best_v, ch] += dout[b, i, j, ch]
    return dxp[:, pads_h[0]:pads_h[0] + h, pads_w[0]:pads_w[0] + w, :].copy()


def flatten_forward(x):
    return x.reshape(x.shape[0], -1).copy(), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache).copy()


def cnn_forward(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = weights
    a, _ = conv2d_forward(x, k1, b1)
    a, _ = maxpool2d_forward(np.maximum(a, 0))
    a, _ = conv2d_forward(a, k2, b2)
    a, _ = maxpool2d_forward(np.maximum(a, 0))
    a, _ = flatten_forward(a)
    a = np.maximum(a @ w3 + b3, 0)
    z = a @ w4 + b4
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)
