"""Mutants and rewrites of conv.py (see README.md)."""

MUTANTS = [
    dict(name="'same' padding all on one side", function="conv2d_forward",
         described=r"shifted by one row|at the border",
         code='''
def _pad_amounts(size, kernel, stride, padding):
    if padding == "valid":
        return 0, 0
    out = conv2d_output_size(size, kernel, stride, "same")
    total = max((out - 1) * stride + kernel - size, 0)
    return 0, total
'''),
    dict(name="conv2d_forward leaves out the bias", function="conv2d_forward",
         described=r"bias is left out",
         code='''
_correct_conv2d_forward = conv2d_forward


def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    return _correct_conv2d_forward(x, kernel, np.zeros_like(np.asarray(bias)), stride, padding)
'''),
    dict(name="conv2d_backward averages dbias over the batch", function="conv2d_backward",
         described=r"divided by N",
         code='''
_correct_conv2d_backward = conv2d_backward


def conv2d_backward(dout, cache):
    dx, dkernel, dbias = _correct_conv2d_backward(dout, cache)
    return dx, dkernel, dbias / np.asarray(dout).shape[0]
'''),
    dict(name="conv2d_backward's dx ignores the stride", function="conv2d_backward",
         described=r"What differs:.*stride",
         code='''
def conv2d_backward(dout, cache):
    xp, kernel, (sh, sw), (top, left), x_shape = cache
    dout = np.asarray(dout)
    _, h, w, _ = x_shape
    kh, kw = kernel.shape[:2]
    _, h_out, w_out, _ = dout.shape
    dtype = np.result_type(xp, kernel)
    dxp = np.zeros(xp.shape, dtype=dtype)
    dkernel = np.zeros(kernel.shape, dtype=dtype)
    for i in range(h_out):
        for j in range(w_out):
            g = dout[:, i, j, :]
            dxp[:, i:i + kh, j:j + kw, :] += np.tensordot(g, kernel, axes=([1], [3]))
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            dkernel += np.tensordot(xp[:, rows, cols, :], g, axes=([0], [0]))
    dbias = dout.sum(axis=(0, 1, 2)).astype(dtype)
    return dxp[:, top:top + h, left:left + w, :].copy(), dkernel, dbias
'''),
    dict(name="conv2d_output_size 'same' rounds down", function="conv2d_output_size",
         described=r"one less than expected.*round",
         code='''
def conv2d_output_size(size, kernel, stride, padding):
    size, kernel, stride = int(size), int(kernel), int(stride)
    if padding == "valid":
        return (size - kernel) // stride + 1
    if padding == "same":
        return max(size // stride, 1)
    raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
'''),
]

REWRITES = [
    dict(name="conv2d_forward by sliding_window_view and einsum", code='''
def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    n, h, w, _ = x.shape
    kh, kw, _, c_out = kernel.shape
    sh, sw = _pair(stride)
    top, bottom = _pad_amounts(h, kh, sh, padding)
    left, right = _pad_amounts(w, kw, sw, padding)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    h_out = conv2d_output_size(h, kh, sh, padding)
    w_out = conv2d_output_size(w, kw, sw, padding)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    windows = windows[:, ::sh, ::sw][:, :h_out, :w_out]  # (N, H_out, W_out, C_in, kh, kw)
    out = np.einsum("nijcab,abcf->nijf", windows, kernel) + bias
    out = out.astype(np.result_type(x, kernel, bias, 1.0), copy=False)
    return out, (xp, kernel, (sh, sw), (top, left), x.shape)
'''),
    dict(name="flatten by ravel per sample", code='''
def flatten_forward(x):
    x = np.asarray(x)
    return np.stack([sample.ravel() for sample in x]), x.shape


def flatten_backward(dout, cache):
    return np.asarray(dout).reshape(tuple(cache)).copy()
'''),
]
