"""Catalogued mistakes of conv.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.registry import mistake


# Entries for conv.py. Backward entries (same_signature=False) take the upstream gradient
# followed by the forward function's arguments, e.g. (dout, x, kernel, bias, stride=1,
# padding="valid"), and return what the target backward returns. Every entry is self-contained.


@mistake("conv.conv2d_output_size", looks_like='"same" padding that ignores the stride',
         why='with padding="same" the output has ceil(size / stride) positions, the input size only at stride 1')
def conv2d_output_size_same_ignores_stride(size, kernel, stride, padding):
    if str(padding).lower() == "same":
        return int(size)
    return (int(size) - int(kernel)) // int(stride) + 1


@mistake("conv.conv2d_output_size", looks_like="the valid-padding size without the first window",
         why="the window that starts at position 0 counts too: floor((size - kernel) / stride) + 1")
def conv2d_output_size_missing_plus_one(size, kernel, stride, padding):
    if str(padding).lower() == "same":
        return -(-int(size) // int(stride))
    return (int(size) - int(kernel)) // int(stride)


@mistake("conv.conv2d_forward", looks_like="a true convolution with the kernel flipped",
         why="Keras's Conv2D computes a cross-correlation: kernel[0, 0] multiplies the top-left pixel "
             "of each window, and the kernel is never rotated")
def conv2d_forward_flipped_kernel(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel)[::-1, ::-1], np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]

    def pads(n, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x, ((0, 0), pads(x.shape[1], kh, sh), pads(x.shape[2], kw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding with the odd extra pixel at the top/left',
         why="when the total padding is odd (for example an even input at stride 2), TensorFlow puts the "
             "extra pixel at the bottom/right, so the first window starts at row 0 and column 0")
def conv2d_forward_same_extra_pad_top_left(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]

    def pads(n, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total - total // 2, total // 2

    xp = np.pad(x, ((0, 0), pads(x.shape[1], kh, sh), pads(x.shape[2], kw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding split evenly, (k - 1) // 2 pixels on every side',
         why="TensorFlow pads max((out - 1) * stride + k - size, 0) pixels in all, which depends on the "
             "stride and the input size; at stride 2 on an even input that is one pixel, at the bottom/right")
def conv2d_forward_same_pad_split_evenly(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]
    same = str(padding).lower() == "same"
    ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if same else (0, 0)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.conv2d_backward", same_signature=False,
         looks_like="an input gradient that uses the kernel without rotating it",
         why="pixel (r, c) is multiplied by kernel[r - i, c - j] in the window at (i, j), so spreading "
             "dout back onto the input must use each window's own kernel offset, not the mirrored one")
def conv2d_backward_dx_kernel_not_rotated(dout, x, kernel, bias, stride=1, padding="valid"):
    """Arguments: (dout, x, kernel, bias, stride=1, padding="valid"); returns (dx, dkernel, dbias)."""
    x, kernel, dout = np.asarray(x), np.asarray(kernel), np.asarray(dout)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape

    def pads(size, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // s) - 1) * s + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, kh, sh), pads(w, kw, sw)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    ho, wo = dout.shape[1:3]
    dxp = np.zeros(xp.shape, np.result_type(x, kernel, dout, 1.0))
    dkernel = np.zeros(kernel.shape, dxp.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
            dxp[:, rows, cols, :] += dout @ kernel[kh - 1 - i, kw - 1 - j].T
            dkernel[i, j] = np.tensordot(xp[:, rows, cols, :], dout, axes=([0, 1, 2], [0, 1, 2]))
    return dxp[:, top:top + h, left:left + w, :], dkernel, dout.sum(axis=(0, 1, 2))


@mistake("conv.conv2d_backward", same_signature=False,
         looks_like="weight gradients averaged over the batch instead of summed",
         why="dout is already the gradient of the batch-averaged loss (the 1/N is in it), so each weight "
             "collects the sum of its contributions from every image; dividing by N again makes "
             "dkernel and dbias N times too small")
def conv2d_backward_batch_averaged(dout, x, kernel, bias, stride=1, padding="valid"):
    """Arguments: (dout, x, kernel, bias, stride=1, padding="valid"); returns (dx, dkernel, dbias)."""
    x, kernel, dout = np.asarray(x), np.asarray(kernel), np.asarray(dout)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape

    def pads(size, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // s) - 1) * s + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, kh, sh), pads(w, kw, sw)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    ho, wo = dout.shape[1:3]
    dxp = np.zeros(xp.shape, np.result_type(x, kernel, dout, 1.0))
    dkernel = np.zeros(kernel.shape, dxp.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
            dxp[:, rows, cols, :] += dout @ kernel[i, j].T
            dkernel[i, j] = np.tensordot(xp[:, rows, cols, :], dout, axes=([0, 1, 2], [0, 1, 2]))
    return dxp[:, top:top + h, left:left + w, :], dkernel / n, dout.sum(axis=(0, 1, 2)) / n


@mistake("conv.conv2d_forward", looks_like="images reshaped to channels-first, x.reshape(N, C, H, W), instead of transposed",
         why="reshape keeps the order of the numbers in memory, so it mixes rows, columns and channels; "
             "Keras images are already channels-last, (N, H, W, C), as the kernel's C_in axis expects, "
             "and moving an axis takes np.transpose or np.moveaxis")
def conv2d_forward_channels_first_by_reshape(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    # channels-first by reshape (wrong), then back to channels-last by moving the axis
    xc = np.moveaxis(x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2]), 1, -1)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    kh, kw = kernel.shape[:2]

    def pads(n, k, s):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(xc, ((0, 0), pads(xc.shape[1], kh, sh), pads(xc.shape[2], kw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, kernel.shape[3]), np.result_type(x, kernel, bias, 1.0)) + bias
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] @ kernel[i, j]
    return out, (x, kernel, bias)


@mistake("conv.maxpool2d_forward", looks_like="pooling windows that slide one pixel at a time",
         why="MaxPooling2D's stride defaults to the pool size (stride=None), so 2x2 windows do not overlap "
             "and halve the height and width")
def maxpool2d_forward_stride_one(x, pool_size=2, stride=None, padding="valid"):
    x = np.asarray(x)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = 1 if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)

    def pads(n, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // st) - 1) * st + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x.astype(np.result_type(x, 1.0)), ((0, 0), pads(x.shape[1], ph, sh), pads(x.shape[2], pw, sw), (0, 0)),
                constant_values=-np.inf)
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf, xp.dtype)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :])
    return out, x


@mistake("conv.maxpool2d_forward", looks_like='"same" pooling that pads with zeros',
         why="padding for max pooling must never win a window, so TensorFlow pads with -inf; "
             "a zero pad replaces negative border maxima with 0")
def maxpool2d_forward_same_zero_pad(x, pool_size=2, stride=None, padding="valid"):
    x = np.asarray(x)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)

    def pads(n, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-n // st) - 1) * st + k - n, 0)
        return total // 2, total - total // 2

    xp = np.pad(x.astype(np.result_type(x, 1.0)), ((0, 0), pads(x.shape[1], ph, sh), pads(x.shape[2], pw, sw), (0, 0)))
    ho, wo = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = np.full((x.shape[0], ho, wo, x.shape[3]), -np.inf, xp.dtype)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :])
    return out, x


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient copied to every tied maximum",
         why="only one input produced each window's output, so its gradient goes to one place; "
             "TensorFlow picks the first maximum in row-major order (a mask x == max marks all ties)")
def maxpool2d_backward_every_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    x, dout = np.asarray(x), np.asarray(dout)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)
    n, h, w, _ = x.shape

    def pads(size, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // st) - 1) * st + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, ph, sh), pads(w, pw, sw)
    xp = np.pad(x.astype(np.result_type(x, dout, 1.0)), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    ho, wo = dout.shape[1:3]
    spots = [(slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
             for i in range(ph) for j in range(pw)]
    top_value = np.max([xp[:, r, c, :] for r, c in spots], axis=0)
    dxp = np.zeros(xp.shape, xp.dtype)
    for r, c in spots:
        dxp[:, r, c, :] += np.where(xp[:, r, c, :] == top_value, dout, 0.0)
    return dxp[:, top:top + h, left:left + w, :]


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient sent to the last of the tied maxima",
         why="TensorFlow gives a window's gradient to its first maximum in row-major order "
             "(a strict > while scanning keeps the first; >= keeps the last)")
def maxpool2d_backward_last_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    x, dout = np.asarray(x), np.asarray(dout)
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else tuple(pool_size)
    s = pool_size if stride is None else stride
    sh, sw = (s, s) if np.ndim(s) == 0 else tuple(s)
    n, h, w, _ = x.shape

    def pads(size, k, st):
        if str(padding).lower() == "valid":
            return 0, 0
        total = max((-(-size // st) - 1) * st + k - size, 0)
        return total // 2, total - total // 2

    (top, bottom), (left, right) = pads(h, ph, sh), pads(w, pw, sw)
    xp = np.pad(x.astype(np.result_type(x, dout, 1.0)), ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-np.inf)
    ho, wo = dout.shape[1:3]
    spots = [(slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
             for i in range(ph) for j in range(pw)]
    windows = np.stack([xp[:, r, c, :] for r, c in spots])
    last = len(spots) - 1 - np.argmax(windows[::-1], axis=0)
    dxp = np.zeros(xp.shape, xp.dtype)
    for k, (r, c) in enumerate(spots):
        dxp[:, r, c, :] += np.where(last == k, dout, 0.0)
    return dxp[:, top:top + h, left:left + w, :]


@mistake("conv.flatten_forward", looks_like="a channels-first (N, C, H, W) flatten",
         why="Keras images are channels-last, and Flatten reads them in (H, W, C) order, so a Dense "
             "layer's kernel rows follow that order")
def flatten_forward_channels_first(x):
    x = np.asarray(x)
    moved = np.moveaxis(x, -1, 1) if x.ndim > 2 else x
    return moved.reshape(x.shape[0], -1), x.shape


@mistake("conv.cnn_forward", looks_like="the network with a channels-first flatten",
         why="Keras's Flatten reads the (N, H, W, C) feature maps in (H, W, C) order, which is the row "
             "order of the first Dense kernel in model.get_weights()")
def cnn_forward_channels_first_flatten(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = (np.asarray(w) for w in weights)
    a = np.asarray(x)
    for kernel, bias in ((k1, b1), (k2, b2)):
        kh, kw = kernel.shape[:2]
        ho, wo = a.shape[1] - kh + 1, a.shape[2] - kw + 1
        z = np.zeros((a.shape[0], ho, wo, kernel.shape[3]), np.result_type(a, kernel, 1.0)) + bias
        for i in range(kh):
            for j in range(kw):
                z += a[:, i:i + ho, j:j + wo, :] @ kernel[i, j]
        z = np.maximum(z, 0.0)
        hp, wp = z.shape[1] // 2, z.shape[2] // 2
        a = z[:, :2 * hp, :2 * wp].reshape(z.shape[0], hp, 2, wp, 2, z.shape[3]).max(axis=(2, 4))
    a = np.moveaxis(a, -1, 1).reshape(a.shape[0], -1)
    a = np.maximum(a @ w3 + b3, 0.0)
    logits = a @ w4 + b4
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@mistake("conv.cnn_forward", looks_like="the network's logits, without the final softmax",
         why="the last Dense layer has a softmax activation, so each row is a probability "
             "distribution that sums to 1")
def cnn_forward_without_softmax(x, weights):
    k1, b1, k2, b2, w3, b3, w4, b4 = (np.asarray(w) for w in weights)
    a = np.asarray(x)
    for kernel, bias in ((k1, b1), (k2, b2)):
        kh, kw = kernel.shape[:2]
        ho, wo = a.shape[1] - kh + 1, a.shape[2] - kw + 1
        z = np.zeros((a.shape[0], ho, wo, kernel.shape[3]), np.result_type(a, kernel, 1.0)) + bias
        for i in range(kh):
            for j in range(kw):
                z += a[:, i:i + ho, j:j + wo, :] @ kernel[i, j]
        z = np.maximum(z, 0.0)
        hp, wp = z.shape[1] // 2, z.shape[2] // 2
        a = z[:, :2 * hp, :2 * wp].reshape(z.shape[0], hp, 2, wp, 2, z.shape[3]).max(axis=(2, 4))
    a = a.reshape(a.shape[0], -1)
    a = np.maximum(a @ w3 + b3, 0.0)
    return a @ w4 + b4
