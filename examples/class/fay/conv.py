import numpy as np


def conv2d_output_size(size, kernel, stride, padding):
    if padding == "same":
        return int(np.ceil(size / stride))
    # number of steps the window can take
    return (size - kernel) // stride


def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    if np.isscalar(stride):
        stride = (stride, stride)
    sh, sw = stride
    kh, kw, c_in, c_out = kernel.shape
    if padding == "same":
        # pad half the kernel on each side so the window can sit on the border
        ph, pw = (kh - 1) // 2, (kw - 1) // 2
        x_pad = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    else:
        x_pad = x
    n, hp, wp, _ = x_pad.shape
    h_out = (hp - kh) // sh + 1
    w_out = (wp - kw) // sw + 1
    out = np.zeros((n, h_out, w_out, c_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            patch = x_pad[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            for f in range(c_out):
                out[:, i, j, f] = np.sum(patch * kernel[:, :, :, f], axis=(1, 2, 3)) + bias[f]
    cache = (x_pad, kernel, stride, x.shape)
    return out, cache


def conv2d_backward(dout, cache):
    x_pad, kernel, (sh, sw), x_shape = cache
    n, h, w, _ = x_shape
    kh, kw, c_in, c_out = kernel.shape
    dx_pad = np.zeros_like(x_pad)
    dkernel = np.zeros_like(kernel)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            patch = x_pad[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            for f in range(c_out):
                g = dout[:, i, j, f]
                dx_pad[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :] += kernel[:, :, :, f] * g[:, None, None, None]
                dkernel[:, :, :, f] += np.sum(patch * g[:, None, None, None], axis=0)
    # average over the batch, like the loss
    dkernel = dkernel / n
    dbias = np.sum(dout, axis=(0, 1, 2)) / n
    top = (x_pad.shape[1] - h) // 2
    left = (x_pad.shape[2] - w) // 2
    dx = dx_pad[:, top:top + h, left:left + w, :]
    return dx, dkernel, dbias


def maxpool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    if stride is None:
        stride = pool_size
    ph, pw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    n, h, w, c = x.shape
    if padding == "same":
        h_out, w_out = -(-h // sh), -(-w // sw)
        pad_h = max((h_out - 1) * sh + ph - h, 0)
        pad_w = max((w_out - 1) * sw + pw - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        h_out, w_out = (h - ph) // sh + 1, (w - pw) // sw + 1
        pad_h = pad_w = 0
    out = np.zeros((n, h_out, w_out, c), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j, :] = np.max(x[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :], axis=(1, 2))
    return out, (x, out, (ph, pw), (sh, sw), (pad_h // 2, pad_w // 2), (h, w))


def maxpool2d_backward(dout, cache):
    x_pad, out, (ph, pw), (sh, sw), (top, left), (h, w) = cache
    dx = np.zeros_like(x_pad)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            window = x_pad[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :]
            is_max = window == out[:, i:i + 1, j:j + 1, :]
            dx[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :] += is_max * dout[:, i:i + 1, j:j + 1, :]
    return dx[:, top:top + h, left:left + w, :]


def flatten_forward(x):
    # (N, H, W, C) -> (N, C, H, W) first, like the CNN notes I read
    if x.ndim == 4:
        x_t = x.transpose(0, 3, 1, 2)
    else:
        x_t = x
    return x_t.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache)


def cnn_forward(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = weights
    a, _ = conv2d_forward(x, k1, b1)
    a, _ = maxpool2d_forward(np.maximum(a, 0), 2)
    a, _ = conv2d_forward(a, k2, b2)
    a, _ = maxpool2d_forward(np.maximum(a, 0), 2)
    a, _ = flatten_forward(a)
    a = np.maximum(a @ w3 + b3, 0)
    z = a @ w4 + b4
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
