"""Convolution, pooling and flatten for channels-last images: the oracle for `conv.py`.

Conventions (CURRICULUM.md, Keras/TensorFlow where the curriculum is silent):

- Images are NHWC, `(N, H, W, C)`. A Conv2D kernel is `(kh, kw, C_in, C_out)` and the layer
  computes a cross-correlation (the kernel is not flipped), `out = sum x[window] * kernel + bias`.
- `stride` and `pool_size` are an int or an `(rows, cols)` pair.
- "valid" keeps only whole windows: `out = floor((n - k) / s) + 1`. "same" gives
  `out = ceil(n / s)` and pads `max((out - 1) * s + k - n, 0)` pixels in all, half of them
  (rounded down) before and the rest after, so an odd total puts the extra pixel at the
  bottom/right. Convolution pads with zeros, max pooling with -inf (a pad never wins).
- Max pooling sends the gradient of each window to its first maximum in row-major window order,
  as TensorFlow's MaxPoolGrad does, so tied maxima do not split or duplicate the gradient.
- Computation happens in the floating dtype the inputs promote to (float32 in -> float32 out;
  integers -> float64).

Caches (the cache contract is `out, cache = f_forward(...)`, `grads = f_backward(dout, cache)`):

- conv2d: `(xs, kernel, (sh, sw), (top, bottom, left, right), x_shape, channels_last)`; `xs`
  is the zero-padded input in the layout its im2col is built from (`channels_last` says which):
  channels first, `(C_in, N, Hp, Wp)` (a copy), for fewer than `CHANNELS_LAST_MIN` channels
  (see `_conv_kernels`), else as given, `(N, Hp, Wp, C_in)` (the input array itself, not a
  copy, when nothing is padded). `Hp = H + top + bottom`, `Wp` likewise.
- maxpool2d: `(xp, out, (ph, pw), (sh, sw), (top, bottom, left, right), x_shape)`; `xp` is the
  -inf padded input (the input array itself, not a copy, when nothing is padded).
- flatten: the input's shape.

This module is the contract: argument checks, TensorFlow's padding rules and the caches. The
arithmetic runs in `reference/_conv_kernels.py` (im2col products in cache-sized blocks, col2im
scatters, max pooling over reshaped views), tuned for speed because every graded learner runs
against it; `benchmarks/README.md` holds the measurements behind each choice.
"""

from __future__ import annotations

import numpy as np

from reference import _conv_kernels as kernels
from reference._numerics import as_float, float_dtype, softmax

__all__ = [
    "conv2d_output_size",
    "conv2d_forward",
    "conv2d_backward",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "flatten_forward",
    "flatten_backward",
    "cnn_forward",
]


# ------------------------------------------------------------------------------------------
# arguments and padding
# ------------------------------------------------------------------------------------------


def _pair(value, name: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair of positive ints."""
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
        if len(pair) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return pair


def _padding_mode(padding: str) -> str:
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
    return mode


def _pads(size: int, kernel: int, stride: int, mode: str) -> tuple[int, int, int]:
    """(output size, pad before, pad after) along one spatial axis, TensorFlow's rules."""
    if mode == "valid":
        if size < kernel:
            raise ValueError(f"a window of {kernel} does not fit in an input of {size} "
                             f'with padding="valid"')
        return (size - kernel) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


# ------------------------------------------------------------------------------------------
# convolution
# ------------------------------------------------------------------------------------------


def conv2d_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length along one spatial axis, Keras's rule.

    "valid": floor((size - kernel) / stride) + 1; "same": ceil(size / stride). Like Keras, a
    "valid" window larger than the input is a ValueError (the size would be zero or negative).
    """
    size, kernel, stride = int(size), int(kernel), int(stride)
    if size < 1 or kernel < 1 or stride < 1:
        raise ValueError("size, kernel and stride must be positive")
    return _pads(size, kernel, stride, _padding_mode(padding))[0]


def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    """2-D cross-correlation of NHWC images, as `keras.layers.Conv2D` with these weights.

    x: (N, H, W, C_in). kernel: (kh, kw, C_in, C_out). bias: (C_out,).
    stride: int or (sh, sw). padding: "valid" or "same" (extra pixel bottom/right).
    Returns (out, cache) with out: (N, H_out, W_out, C_out), no activation applied.
    """
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    dtype = float_dtype(x, kernel, bias)
    x, kernel, bias = as_float(x, dtype), as_float(kernel, dtype), as_float(bias, dtype)
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C) and kernel (kh, kw, C_in, C_out); "
                         f"got x {x.shape} and kernel {kernel.shape}")
    n, h, w, cin = x.shape
    kh, kw, kcin, cout = kernel.shape
    if kcin != cin:
        raise ValueError(f"x has {cin} channels but the kernel expects {kcin}")
    if bias.shape != (cout,):
        raise ValueError(f"bias must have shape ({cout},), got {bias.shape}")
    sh, sw = _pair(stride, "stride")
    mode = _padding_mode(padding)
    ho, top, bottom = _pads(h, kh, sh, mode)
    wo, left, right = _pads(w, kw, sw, mode)
    pads = (top, bottom, left, right)
    out, xs, channels_last = kernels.conv2d_product(x, kernel, bias, (sh, sw), pads, ho, wo)
    return out, (xs, kernel, (sh, sw), pads, x.shape, channels_last)


def conv2d_backward(dout, cache):
    """Gradients of a conv2d_forward call.

    dout: (N, H_out, W_out, C_out), dLoss/dout. Returns (dx, dkernel, dbias) with the shapes of
    x (N, H, W, C_in), kernel (kh, kw, C_in, C_out) and bias (C_out,).
    """
    xs, kernel, stride, pads, x_shape, channels_last = cache
    return kernels.conv2d_gradients(dout, xs, kernel, stride, pads, x_shape, channels_last)


# ------------------------------------------------------------------------------------------
# pooling
# ------------------------------------------------------------------------------------------


def maxpool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    """Max pooling of NHWC images, as `keras.layers.MaxPooling2D`.

    x: (N, H, W, C). pool_size, stride: int or pair; stride=None means pool_size.
    padding: "valid" or "same" (pads with -inf, extra pixel bottom/right).
    Returns (out, cache) with out: (N, H_out, W_out, C).
    """
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C), got shape {x.shape}")
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(pool_size if stride is None else stride, "stride")
    mode = _padding_mode(padding)
    ho, top, bottom = _pads(x.shape[1], ph, sh, mode)
    wo, left, right = _pads(x.shape[2], pw, sw, mode)
    pads = (top, bottom, left, right)
    out, xp = kernels.maxpool2d(x, (ph, pw), (sh, sw), pads, ho, wo)
    # the caller owns the returned array; the cache keeps its own copy of the maxima
    return out.copy(), (xp, out, (ph, pw), (sh, sw), pads, x.shape)


def maxpool2d_backward(dout, cache):
    """Gradient of a maxpool2d_forward call: dx of shape (N, H, W, C).

    Each window's gradient goes to its first maximum in row-major order (TensorFlow's rule);
    overlapping windows add up.
    """
    xp, out, pool, stride, pads, x_shape = cache
    dout = np.asarray(dout, dtype=xp.dtype)
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the output's shape {out.shape}, got {dout.shape}")
    return kernels.maxpool2d_gradient(dout, xp, out, pool, stride, pads, x_shape)


# ------------------------------------------------------------------------------------------
# flatten and the lecture's network
# ------------------------------------------------------------------------------------------


def flatten_forward(x):
    """Flatten everything after the batch axis, row-major over (H, W, C) as keras.layers.Flatten.

    x: (N, ...). Returns (out (N, prod(...)), cache).
    """
    x = as_float(x)
    return x.reshape(x.shape[0], -1).copy(), x.shape


def flatten_backward(dout, cache):
    """dx of flatten_forward: dout (N, D) reshaped back to the input's shape."""
    return np.array(dout).reshape(cache)


def _relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) in place: z is always an intermediate of cnn_forward, never the caller's."""
    return np.maximum(z, 0, out=z)


def cnn_forward(x, weights):
    """Class probabilities of the lecture's CNN for NHWC images x (N, H, W, 3).

    Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2)
    -> Flatten -> Dense(128, relu) -> Dense(10, softmax), all "valid" with stride 1 as Keras's
    defaults. `weights` is `model.get_weights()`: [conv1 kernel, conv1 bias, conv2 kernel,
    conv2 bias, dense1 kernel, dense1 bias, dense2 kernel, dense2 bias]. Returns (N, 10).
    """
    weights = [np.asarray(wt) for wt in weights]
    if len(weights) != 8:
        raise ValueError(f"weights must be the 8 arrays of model.get_weights(), got {len(weights)}")
    x = np.asarray(x)
    dtype = float_dtype(x, *weights)
    k1, b1, k2, b2, w3, b3, w4, b4 = (wt.astype(dtype, copy=False) for wt in weights)
    a, _ = conv2d_forward(x.astype(dtype, copy=False), k1, b1)
    a, _ = maxpool2d_forward(_relu(a), 2)
    a, _ = conv2d_forward(a, k2, b2)
    a, _ = maxpool2d_forward(_relu(a), 2)
    a, _ = flatten_forward(a)
    a = _relu(a @ w3 + b3)
    return softmax(a @ w4 + b4)
