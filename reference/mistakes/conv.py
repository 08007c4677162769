"""Catalogued mistakes of conv.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import (_mistake_cnn_features, _mistake_conv2d, _mistake_conv2d_backward,
                                        _mistake_conv_pads, _mistake_maxpool2d, _mistake_pool_scatter,
                                        _mistake_pool_windows)
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
    x, kernel, bias = np.asarray(x), np.asarray(kernel)[::-1, ::-1], np.asarray(bias)  # the flip is the mistake
    out = _mistake_conv2d(x, kernel, bias, stride, _mistake_conv_pads(x.shape, kernel.shape, stride, padding))
    return out, (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding with the odd extra pixel at the top/left',
         why="when the total padding is odd (for example an even input at stride 2), TensorFlow puts the "
             "extra pixel at the bottom/right, so the first window starts at row 0 and column 0")
def conv2d_forward_same_extra_pad_top_left(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    # the right amounts of padding, but each axis's (before, after) swapped: the odd pixel goes first
    pads = [p[::-1] for p in _mistake_conv_pads(x.shape, kernel.shape, stride, padding)]
    return _mistake_conv2d(x, kernel, bias, stride, pads), (x, kernel, bias)


@mistake("conv.conv2d_forward", looks_like='"same" padding split evenly, (k - 1) // 2 pixels on every side',
         why="TensorFlow pads max((out - 1) * stride + k - size, 0) pixels in all, which depends on the "
             "stride and the input size; at stride 2 on an even input that is one pixel, at the bottom/right")
def conv2d_forward_same_pad_split_evenly(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    kh, kw = kernel.shape[:2]
    same = str(padding).lower() == "same"
    ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if same else (0, 0)
    return _mistake_conv2d(x, kernel, bias, stride, ((ph, ph), (pw, pw))), (x, kernel, bias)


@mistake("conv.conv2d_backward", same_signature=False,
         looks_like="an input gradient that uses the kernel without rotating it",
         why="pixel (r, c) is multiplied by kernel[r - i, c - j] in the window at (i, j), so spreading "
             "dout back onto the input must use each window's own kernel offset, not the mirrored one")
def conv2d_backward_dx_kernel_not_rotated(dout, x, kernel, bias, stride=1, padding="valid"):
    """Arguments: (dout, x, kernel, bias, stride=1, padding="valid"); returns (dx, dkernel, dbias)."""
    # dout is spread back through the mirrored kernel: offset (i, j) uses kernel[kh-1-i, kw-1-j]
    # (dkernel and dbias do not depend on the kernel, so they stay right)
    return _mistake_conv2d_backward(dout, x, np.asarray(kernel)[::-1, ::-1], stride, padding)


@mistake("conv.conv2d_backward", same_signature=False,
         looks_like="weight gradients averaged over the batch instead of summed",
         why="dout is already the gradient of the batch-averaged loss (the 1/N is in it), so each weight "
             "collects the sum of its contributions from every image; dividing by N again makes "
             "dkernel and dbias N times too small")
def conv2d_backward_batch_averaged(dout, x, kernel, bias, stride=1, padding="valid"):
    """Arguments: (dout, x, kernel, bias, stride=1, padding="valid"); returns (dx, dkernel, dbias)."""
    dx, dkernel, dbias = _mistake_conv2d_backward(dout, x, kernel, stride, padding)
    n = np.shape(x)[0]
    return dx, dkernel / n, dbias / n


@mistake("conv.conv2d_forward", looks_like="images reshaped to channels-first, x.reshape(N, C, H, W), instead of transposed",
         why="reshape keeps the order of the numbers in memory, so it mixes rows, columns and channels; "
             "Keras images are already channels-last, (N, H, W, C), as the kernel's C_in axis expects, "
             "and moving an axis takes np.transpose or np.moveaxis")
def conv2d_forward_channels_first_by_reshape(x, kernel, bias, stride=1, padding="valid"):
    x, kernel, bias = np.asarray(x), np.asarray(kernel), np.asarray(bias)
    # channels-first by reshape (wrong), then back to channels-last by moving the axis
    xc = np.moveaxis(x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2]), 1, -1)
    pads = _mistake_conv_pads(xc.shape, kernel.shape, stride, padding)
    return _mistake_conv2d(xc, kernel, bias, stride, pads), (x, kernel, bias)


@mistake("conv.maxpool2d_forward", looks_like="pooling windows that slide one pixel at a time",
         why="MaxPooling2D's stride defaults to the pool size (stride=None), so 2x2 windows do not overlap "
             "and halve the height and width")
def maxpool2d_forward_stride_one(x, pool_size=2, stride=None, padding="valid"):
    s = 1 if stride is None else stride  # the default stride taken as 1 (should be pool_size)
    return _mistake_maxpool2d(x, pool_size, s, padding, fill=-np.inf), np.asarray(x)


@mistake("conv.maxpool2d_forward", looks_like='"same" pooling that pads with zeros',
         why="padding for max pooling must never win a window, so TensorFlow pads with -inf; "
             "a zero pad replaces negative border maxima with 0")
def maxpool2d_forward_same_zero_pad(x, pool_size=2, stride=None, padding="valid"):
    s = pool_size if stride is None else stride
    return _mistake_maxpool2d(x, pool_size, s, padding, fill=0.0), np.asarray(x)  # zeros (should be -inf)


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient copied to every tied maximum",
         why="only one input produced each window's output, so its gradient goes to one place; "
             "TensorFlow picks the first maximum in row-major order (a mask x == max marks all ties)")
def maxpool2d_backward_every_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    xp, spots, crop = _mistake_pool_windows(dout, x, pool_size, stride, padding)
    windows = np.stack([xp[:, r, c, :] for r, c in spots])
    # every offset equal to its window's maximum gets the gradient, so tied maxima all do
    routed = [np.where(w == windows.max(axis=0), dout, 0.0) for w in windows]
    return _mistake_pool_scatter(xp, spots, crop, routed)


@mistake("conv.maxpool2d_backward", same_signature=False,
         looks_like="a pooling gradient sent to the last of the tied maxima",
         why="TensorFlow gives a window's gradient to its first maximum in row-major order "
             "(a strict > while scanning keeps the first; >= keeps the last)")
def maxpool2d_backward_last_tied_maximum(dout, x, pool_size=2, stride=None, padding="valid"):
    """Arguments: (dout, x, pool_size=2, stride=None, padding="valid"); returns dx."""
    xp, spots, crop = _mistake_pool_windows(dout, x, pool_size, stride, padding)
    windows = np.stack([xp[:, r, c, :] for r, c in spots])
    last = len(spots) - 1 - np.argmax(windows[::-1], axis=0)  # the last maximum (should be the first)
    return _mistake_pool_scatter(xp, spots, crop, [np.where(last == k, dout, 0.0) for k in range(len(spots))])


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
    a = _mistake_cnn_features(x, ((k1, b1), (k2, b2)))
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
    a = _mistake_cnn_features(x, ((k1, b1), (k2, b2)))
    a = a.reshape(a.shape[0], -1)
    a = np.maximum(a @ w3 + b3, 0.0)
    return a @ w4 + b4
