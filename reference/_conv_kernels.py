"""The fast kernels behind `reference/conv.py`: im2col products, col2im scatters, max pooling.

`conv.py` holds the contract (argument checks, padding rules, caches); these functions do the
arithmetic on arguments it has already checked and padded. They exist only for speed: a plain
loop over windows gives the same numbers, far too slowly to grade a class. What each choice
gains, and the alternatives measured and dropped, are in `benchmarks/README.md`.

Convolution: a matrix product of the im2col matrix (every receptive field as a row, copied from a
sliding_window_view) with the kernel reshaped to `(kh*kw*C_in, C_out)`.
- The copies that build im2col run along the longest contiguous runs the input offers. With few
  channels (an RGB image) that is an image row, so the matrix is built transposed from a
  channels-first copy of the input. With `CHANNELS_LAST_MIN` channels or more it is the
  `kw*C_in` values of a receptive field's row, read straight from the NHWC input, which also
  saves the transposition and lets the product run in its faster orientation.
- The product is taken over blocks of about `BLOCK_BYTES` of im2col, built and consumed while
  still in cache (the Python loop is over image blocks, a few dozen iterations).
- Bias additions and sums run over whole output rows, never over the short channel axis alone.
The backward pass is two matrix products and a col2im scatter: one strided add per kernel offset
(kh*kw Python iterations, never one per pixel or channel). With stride 1 and channels last, the
gradient is taken over whole padded rows (the extra output columns get a zero gradient), so
each kernel offset's share is a single contiguous run per image.

Max pooling whose windows tile the input (stride == pool_size, the usual 2x2 case) views the
input as `(N, H/ph, ph, W/pw, pw, C)` and reads each pixel once; its backward compares the input
with the repeated window maxima and multiplies the gradient by that mask, with ties resolved to
the first maximum. Other strides (overlapping or gapped windows) take one strided pass per window
offset.

The four entry points (`conv2d_product`, `conv2d_gradients`, `maxpool2d`, `maxpool2d_gradient`)
run with NumPy's ufunc buffer shortened (`short_ufunc_buffers`): their operands already have long
contiguous runs, and NumPy's default buffering would copy them first.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Bytes of im2col (or of a pooling intermediate) per block: blocks small enough to stay in cache
# beat one monolithic matrix.
BLOCK_BYTES = 1 << 20

# Inputs with at least this many channels build im2col from NHWC rather than channels first:
# below it the channels-first copy's longer runs win, above it the NHWC read and the faster
# product orientation do (the measurements behind 16 are in benchmarks/README.md).
CHANNELS_LAST_MIN = 16

# Elements in NumPy's ufunc buffers while these kernels run (NumPy's default is 8192).
UFUNC_BUFFER = 2048


@contextmanager
def short_ufunc_buffers():
    """Run the body with NumPy's ufunc buffer set to `UFUNC_BUFFER` elements, then restore it.

    When an operand's outer axes cannot be merged (the row pairs of a pooling window, a block of
    the output), NumPy copies it through buffers of `np.getbufsize()` elements to hand its loops
    longer runs. The operands here already have contiguous inner runs of hundreds to thousands of
    values, so that copy only costs: with a buffer shorter than a run NumPy skips it. The setting
    is NumPy's own and local to the calling thread (a context variable in NumPy 2).
    """
    previous = np.setbufsize(UFUNC_BUFFER)
    try:
        yield
    finally:
        np.setbufsize(previous)


def pad_nhwc(x: np.ndarray, top: int, bottom: int, left: int, right: int, value) -> np.ndarray:
    """x (N, H, W, C) padded with `value`: the array itself, not a copy, when nothing is padded."""
    if top == bottom == left == right == 0:
        return x
    n, h, w, c = x.shape
    xp = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    xp[:, top:top + h, left:left + w, :] = x
    return xp


# ------------------------------------------------------------------------------------------
# convolution
# ------------------------------------------------------------------------------------------


@short_ufunc_buffers()
def conv2d_product(x, kernel, bias, stride, pads, ho, wo):
    """The convolution's output and the padded input its im2col is built from.

    x: (N, H, W, C_in), kernel: (kh, kw, C_in, C_out), bias: (C_out,), all of one floating dtype
    and checked by the caller. stride: (sh, sw); pads: (top, bottom, left, right); ho, wo: the
    output size. Returns (out (N, ho, wo, C_out), xs, channels_last): `xs` is `(C_in, N, Hp, Wp)`
    (a copy) when channels_last is False, else `(N, Hp, Wp, C_in)` (x itself when nothing is
    padded), as conv.py's cache contract describes.
    """
    n, h, w, cin = x.shape
    kh, kw, _, cout = kernel.shape
    sh, sw = stride
    top, bottom, left, right = pads
    kmat = kernel.reshape(kh * kw * cin, cout)
    bias_row = _bias_rows(bias, wo)
    out = np.empty((n, ho, wo, cout), dtype=x.dtype)
    channels_last = cin >= CHANNELS_LAST_MIN
    if channels_last:
        xs = pad_nhwc(x, top, bottom, left, right, 0)  # (N, Hp, Wp, C)
    else:
        xs = np.zeros((cin, n, h + top + bottom, w + left + right), dtype=x.dtype)  # (C, N, Hp, Wp)
        xs[:, :, top:top + h, left:left + w] = x.transpose(3, 0, 1, 2)
    for n0, n1, h0, h1, cols in _im2col(xs, channels_last, kh, kw, sh, sw, ho, wo):
        block = out[n0:n1, h0:h1]
        np.matmul(cols, kmat, out=block.reshape(-1, cout))
        block.reshape(-1, wo * cout)[...] += bias_row
    return out, xs, channels_last


@short_ufunc_buffers()
def conv2d_gradients(dout, xs, kernel, stride, pads, x_shape, channels_last):
    """(dx, dkernel, dbias) of a convolution, from dout (N, ho, wo, C_out) and what
    `conv2d_product` returned (xs, channels_last) beside its other arguments."""
    sh, sw = stride
    top, bottom, left, right = pads
    dtype = xs.dtype
    kh, kw, cin, cout = kernel.shape
    n, h, w, _ = x_shape
    dout = np.ascontiguousarray(dout, dtype=dtype)
    _, ho, wo, _ = dout.shape
    kmat = kernel.reshape(kh * kw * cin, cout)

    dbias = _sum_rows(dout)
    dkmat = np.zeros((kh * kw * cin, cout), dtype=dtype)
    if channels_last:
        dxp = _col2im_rows(dout, xs, kernel, (sh, sw), dkmat)
        if top or bottom or left or right or dxp.shape[1] != h:
            dxp = dxp[:, top:top + h, left:left + w].copy()
        return dxp, dkmat.reshape(kh, kw, cin, cout), dbias

    dxpt = np.zeros(xs.shape, dtype=dtype)  # channels first, like the cache
    for n0, n1, h0, h1, cols in _im2col(xs, False, kh, kw, sh, sw, ho, wo):
        dblock = dout[n0:n1, h0:h1].reshape(-1, cout)
        dkmat += cols.T @ dblock                   # dkernel = im2col^T @ dout
        dcols_t = (kmat @ dblock.T).reshape(kh, kw, cin, n1 - n0, h1 - h0, wo)  # d im2col, transposed
        target = dxpt[:, n0:n1, h0 * sh:]
        # col2im: each kernel offset adds its slice of the column gradient to the pixels it read
        for i in range(kh):
            for j in range(kw):
                target[:, :, i:i + sh * (h1 - h0 - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += dcols_t[i, j]
    dx = np.empty(x_shape, dtype=dtype)
    dx.transpose(3, 0, 1, 2)[...] = dxpt[:, :, top:top + h, left:left + w]
    return dx, dkmat.reshape(kh, kw, cin, cout), dbias


def _col2im_rows(dout: np.ndarray, xp: np.ndarray, kernel: np.ndarray, stride: tuple[int, int],
                 dkmat: np.ndarray) -> np.ndarray:
    """Backward of a channels-last convolution: returns d(xp), adds dLoss/dkernel into `dkmat`.

    dout: (N, ho, wo, C_out), C-contiguous. xp: the padded input (N, Hp, Wp, C_in). dkmat:
    (kh*kw*C_in, C_out). The result has xp's shape, except that stride 1 gives one spare row at
    the bottom (Hp + 1 rows), which the caller crops away with the padding.

    Stride 1: the input gradient is computed for whole padded rows, `Wp` output columns instead
    of `wo`, the `Wp - wo` extra columns taking a zero gradient. Then the pixels that kernel
    offset (i, j) reads for consecutive outputs are consecutive in the flat image, so its share
    of dx is one contiguous run per image, added in a single call (the spare row takes what the
    extra columns of the last row spill, which is zero). The products per offset are one batched
    matmul, `(kh*kw, rows, C_in)`. Other strides, and kernels holding inf or nan, add each
    offset's share through a strided view.
    """
    kh, kw, cin, cout = kernel.shape
    n, hp, wp, _ = xp.shape
    _, ho, wo, _ = dout.shape
    sh, sw = stride
    dtype = xp.dtype
    # the zero gradient of the extra columns stays zero only if the kernel is finite (0 * inf)
    if (sh, sw) == (1, 1) and np.isfinite(kernel).all():
        per_offset = np.ascontiguousarray(kernel.reshape(kh * kw, cin, cout).transpose(0, 2, 1))
        dxp = np.zeros((n, hp + 1, wp, cin), dtype=dtype)
        flat = dxp.reshape(n, -1)
        wide = None  # dout of a block over whole padded rows; its extra columns stay zero
        for n0, n1, h0, h1, cols in _im2col(xp, True, kh, kw, sh, sw, ho, wo):
            dblock = dout[n0:n1, h0:h1]
            dkmat += cols.T @ dblock.reshape(-1, cout)         # dkernel = im2col^T @ dout
            k, rows = n1 - n0, h1 - h0
            if wide is None:
                wide = np.zeros((k, rows, wp, cout), dtype=dtype)
            d = wide[:k, :rows]
            d[:, :, :wo] = dblock
            shares = np.matmul(d.reshape(1, -1, cout), per_offset)  # (kh*kw, k*rows*wp, C_in)
            run = rows * wp * cin
            for q in range(kh * kw):
                i, j = divmod(q, kw)
                start = ((h0 + i) * wp + j) * cin
                flat[n0:n1, start:start + run] += shares[q].reshape(k, run)
        return dxp
    kmat = kernel.reshape(kh * kw * cin, cout)
    dxp = np.zeros(xp.shape, dtype=dtype)
    for n0, n1, h0, h1, cols in _im2col(xp, True, kh, kw, sh, sw, ho, wo):
        dblock = dout[n0:n1, h0:h1].reshape(-1, cout)
        dkmat += cols.T @ dblock
        dcols = (dblock @ kmat.T).reshape(n1 - n0, h1 - h0, wo, kh, kw, cin)
        target = dxp[n0:n1, h0 * sh:]
        for i in range(kh):
            for j in range(kw):
                target[:, i:i + sh * (h1 - h0 - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += dcols[:, :, :, i, j]
    return dxp


def _spans(n: int, ho: int, row_bytes: int) -> list[tuple[int, int, int, int]]:
    """Blocks `(n0, n1, h0, h1)` of images and output rows, each about `BLOCK_BYTES` of im2col.

    Whole images are grouped while they fit; an image too big for one block is split by rows.
    """
    rows = max(1, BLOCK_BYTES // row_bytes)
    if rows >= ho:
        images = rows // ho
        return [(n0, min(n, n0 + images), 0, ho) for n0 in range(0, n, images)]
    return [(i, i + 1, h0, min(ho, h0 + rows)) for i in range(n) for h0 in range(0, ho, rows)]


def _im2col(xs: np.ndarray, channels_last: bool, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int):
    """Yield `(n0, n1, h0, h1, cols)` over the blocks of `_spans`: each block's im2col matrix.

    `cols` is `(rows, kh*kw*C)`, rows ordered (image, out row, out col) and columns (i, j, c)
    like `kernel.reshape(kh*kw*C, C_out)`; its buffer is reused from block to block.
    - channels_last: `xs` is the padded input `(N, Hp, Wp, C)` and `cols` is C-contiguous; each
      copy's inner loop runs along the `kw*C` contiguous values of a receptive field's row.
    - channels first: `xs` is `(C, N, Hp, Wp)` and `cols` is the transpose of a C-contiguous
      `(kh*kw*C, rows)` matrix, so `cols.T` is contiguous; each copy's inner loop runs along an
      image row (length wo) rather than along the few channels of an RGB image.
    """
    if channels_last:
        n, c = xs.shape[0], xs.shape[3]
        # (N, ho, wo, C, kh, kw) -> (N, ho, wo, kh, kw, C): a strided view of every receptive field
        fields = sliding_window_view(xs, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :ho, :wo]
        fields = fields.transpose(0, 1, 2, 4, 5, 3)
        lead = ()
    else:
        c, n = xs.shape[:2]
        # (C, N, ho, wo, kh, kw) -> (kh, kw, C, N, ho, wo)
        fields = sliding_window_view(xs, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :ho, :wo]
        fields = fields.transpose(4, 5, 0, 1, 2, 3)
        lead = (slice(None),) * 3
    k = kh * kw * c
    spans = _spans(n, ho, wo * k * xs.itemsize)
    buffer = np.empty(max((n1 - n0) * (h1 - h0) for n0, n1, h0, h1 in spans) * wo * k, dtype=xs.dtype)
    for n0, n1, h0, h1 in spans:
        part = fields[(*lead, slice(n0, n1), slice(h0, h1))]
        block = buffer[:part.size].reshape(part.shape)
        np.copyto(block, part)
        yield n0, n1, h0, h1, (block.reshape(-1, k) if channels_last else block.reshape(k, -1).T)


def _bias_rows(bias: np.ndarray, wo: int) -> np.ndarray:
    """The bias repeated along one output row, so adding it runs over long contiguous rows."""
    return np.tile(bias, wo)


def _sum_rows(a: np.ndarray) -> np.ndarray:
    """Sum of an (N, ho, wo, C) array over all but the channel axis, along long contiguous rows."""
    n, ho, wo, c = a.shape
    return a.reshape(n * ho, wo * c).sum(axis=0).reshape(wo, c).sum(axis=0)



# ------------------------------------------------------------------------------------------
# pooling
# ------------------------------------------------------------------------------------------


@short_ufunc_buffers()
def maxpool2d(x, pool, stride, pads, ho, wo):
    """Max pooling of x (N, H, W, C), already checked and floating: returns (out (N, ho, wo, C),
    xp), `xp` the -inf padded input (x itself when nothing is padded). pool: (ph, pw); stride:
    (sh, sw); pads: (top, bottom, left, right)."""
    ph, pw = pool
    sh, sw = stride
    xp = pad_nhwc(x, *pads, -np.inf)
    if (ph, pw) == (sh, sw):  # windows tile the (padded) input: the fast path
        return _maxpool_tiled(xp, ph, pw, ho, wo), xp

    # general path (overlapping or gapped windows), separable: the maximum over each window's
    # rows first, along whole image rows, then over its columns; a few images at a time, so the
    # row maxima are still in cache when read again
    dtype = x.dtype
    n, c = x.shape[0], x.shape[3]
    wp = xp.shape[2]
    out = np.empty((n, ho, wo, c), dtype=dtype)
    per = max(1, BLOCK_BYTES // (ho * wp * c * xp.itemsize))
    rows = np.empty((min(n, per), ho, wp, c), dtype=dtype)
    for n0 in range(0, n, per):
        n1 = min(n, n0 + per)
        band, block = rows[:n1 - n0], out[n0:n1]
        np.copyto(band, xp[n0:n1, 0:sh * (ho - 1) + 1:sh])
        for i in range(1, ph):
            np.maximum(band, xp[n0:n1, i:i + sh * (ho - 1) + 1:sh], out=band)
        np.copyto(block, band[:, :, 0:sw * (wo - 1) + 1:sw])
        for j in range(1, pw):
            np.maximum(block, band[:, :, j:j + sw * (wo - 1) + 1:sw], out=block)
    return out, xp


@short_ufunc_buffers()
def maxpool2d_gradient(dout, xp, out, pool, stride, pads, x_shape):
    """dx (N, H, W, C) of a max pooling: each window's gradient to its first maximum in
    row-major order. dout has out's shape and xp's dtype (checked by the caller)."""
    ph, pw = pool
    sh, sw = stride
    top, bottom, left, right = pads
    if (ph, pw) == (sh, sw):
        dxp = _maxpool_tiled_backward(dout, xp, out, ph, pw)
    else:
        dxp = _maxpool_general_backward(dout, xp, out, ph, pw, sh, sw)
    if top or bottom or left or right:
        _, h, w, _ = x_shape
        dxp = dxp[:, top:top + h, left:left + w, :].copy()
    return dxp


def _pool_slice(i: int, j: int, sh: int, sw: int, ho: int, wo: int):
    """Index of the pixels at offset (i, j) of every pooling window."""
    return (slice(None), slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw), slice(None))


def _tiles(xp: np.ndarray, ph: int, pw: int, ho: int, wo: int) -> np.ndarray:
    """The windows of a tiling pooling (stride == pool_size) as a view `(N, ho, ph, wo, pw, C)`.

    Pixels past the last whole window ("valid" with sizes that do not divide) are left out.
    """
    n, c = xp.shape[0], xp.shape[3]
    return xp[:, :ho * ph, :wo * pw].reshape(n, ho, ph, wo, pw, c)


def _images_per_block(n: int, band_bytes: int) -> int:
    """Images per block, so that a block's intermediate of `band_bytes` per image stays in cache."""
    return min(n, max(1, BLOCK_BYTES // max(band_bytes, 1)))


def _maxpool_tiled(xp: np.ndarray, ph: int, pw: int, ho: int, wo: int) -> np.ndarray:
    """Forward of a tiling pooling: each input pixel is read once, from a reshaped view.

    Per block of a few images, the maximum over each window's rows is taken first, along whole
    runs of `wo*pw*C` contiguous values (the window's columns and channels travel together),
    then over the `pw` columns of that smaller band while it is still in cache. A single
    `.max(axis=(2, 4))` or `np.maximum.reduce` over the tiles gives the same values but is a
    reduction over short inner axes, which NumPy runs slowly (benchmarks/README.md).
    """
    x6 = _tiles(xp, ph, pw, ho, wo)
    n, c = xp.shape[0], xp.shape[3]
    out = np.empty((n, ho, wo, c), dtype=xp.dtype)
    per = _images_per_block(n, ho * wo * pw * c * xp.itemsize)
    band = np.empty((per, ho, wo, pw, c), dtype=xp.dtype) if ph > 1 else None
    for n0 in range(0, n, per):
        n1 = min(n, n0 + per)
        rows, block = x6[n0:n1], out[n0:n1]
        if ph == 1:
            b = rows[:, :, 0]  # nothing to reduce over rows: read the input directly
        else:
            b = band[:n1 - n0]
            np.maximum(rows[:, :, 0], rows[:, :, 1], out=b)
            for i in range(2, ph):
                np.maximum(b, rows[:, :, i], out=b)
        if pw == 1:
            np.copyto(block, b[:, :, :, 0])
        else:
            np.maximum(b[:, :, :, 0], b[:, :, :, 1], out=block)
            for j in range(2, pw):
                np.maximum(block, b[:, :, :, j], out=block)
    return out


def _maxpool_tiled_backward(dout: np.ndarray, xp: np.ndarray, out: np.ndarray,
                            ph: int, pw: int) -> np.ndarray:
    """dx (padded shape) of a tiling pooling: each window's gradient to its first maximum.

    A few images at a time: the output and its gradient are repeated along the window's columns
    (`(N, ho, wo, pw, C)`), so that the comparison of the input with its window maximum and the
    product of the gradient with the resulting mask run along whole rows of `wo*pw*C` values.
    Before the product, windows with tied maxima keep only their first match in row-major
    order (TensorFlow's rule): see `_first_matches`. (The product with a boolean mask is much
    faster here than `np.copyto(..., where=mask)` or `np.where`: benchmarks/README.md.)
    """
    n, ho, wo, c = out.shape
    row = wo * pw * c
    x4 = _tiles(xp, ph, pw, ho, wo).reshape(n, ho, ph, row)
    covered = ho * ph == xp.shape[1] and wo * pw == xp.shape[2]
    # every pixel of a window is written below; only pixels of no window need zeros first
    dxp = np.empty(xp.shape, dtype=xp.dtype) if covered else np.zeros(xp.shape, dtype=xp.dtype)
    d4 = _tiles(dxp, ph, pw, ho, wo).reshape(n, ho, ph, row)
    per = _images_per_block(n, ho * row * xp.itemsize)
    out_w = np.empty((per, ho, wo, pw, c), dtype=xp.dtype)
    dout_w = np.empty_like(out_w)
    match = np.empty((per, ho, ph, row), dtype=bool)
    for n0 in range(0, n, per):
        n1 = min(n, n0 + per)
        k = n1 - n0
        ow, dw, m = out_w[:k], dout_w[:k], match[:k]
        np.copyto(ow, out[n0:n1, :, :, None, :])
        np.copyto(dw, dout[n0:n1, :, :, None, :])
        np.equal(x4[n0:n1], ow.reshape(k, ho, 1, row), out=m)
        # every window has at least one match unless its maximum is NaN (no match, no gradient)
        extra = np.count_nonzero(m) - k * ho * wo * c
        nan = np.isnan(out[n0:n1]).any()
        if extra or nan:
            _first_matches(m.reshape(k, ho, ph, wo, pw, c), few=not nan and extra * 64 <= k * ho * wo * c)
        np.multiply(dw.reshape(k, ho, 1, row), m, out=d4[n0:n1])
    return dxp


def _first_matches(m: np.ndarray, few: bool) -> None:
    """Keep, in place, only the first True of each window of a match mask `(k, ho, ph, wo, pw, C)`.

    Row-major order inside the window, as TensorFlow's MaxPoolGrad. With `few` ties, only the
    tied windows are gathered and a vectorised argmax over each flattened `ph*pw` window finds
    its first match. With many, as the all-zero windows of a ReLU
    output, one pass per window offset (`match and not seen before`) over all windows is cheaper.
    """
    k, ho, ph, wo, pw, c = m.shape
    if few:
        flags = m.view(np.uint8)
        counts = flags[:, :, 0].astype(np.uint8 if ph * pw < 256 else np.int64)  # per window column
        for i in range(1, ph):
            counts += flags[:, :, i]
        per_window = counts[:, :, :, 0].copy()  # (k, ho, wo, C)
        for j in range(1, pw):
            per_window += counts[:, :, :, j]
        tied = np.flatnonzero(per_window > 1)
        # flat indices into m of every tied window's pixels, row-major inside the window
        b_r, s_ch = np.divmod(tied, wo * c)
        s, ch = np.divmod(s_ch, c)
        wi, wj = np.divmod(np.arange(ph * pw), pw)
        idx = (b_r * (ph * wo * pw * c) + s * (pw * c) + ch)[:, None] + (wi * (wo * pw * c) + wj * c)
        flat = m.reshape(-1)
        first = idx[np.arange(tied.size), flat[idx].argmax(axis=1)]
        flat[idx] = False
        flat[first] = True
        return
    seen = m[:, :, 0, :, 0].copy()
    last = ph * pw - 1
    for q in range(1, last + 1):
        v = m[:, :, q // pw, :, q % pw]
        np.greater(v, seen, out=v)  # a match with no earlier match in its window
        if q < last:
            np.logical_or(seen, v, out=seen)


def _maxpool_general_backward(dout, xp, out, ph, pw, sh, sw):
    """dx (padded shape) for windows that overlap or leave gaps: one strided pass per offset."""
    _, ho, wo, _ = out.shape
    disjoint = sh >= ph and sw >= pw
    dxp = np.zeros(xp.shape, dtype=xp.dtype)
    n = out.shape[0]
    per = max(1, BLOCK_BYTES // xp[0].nbytes)  # a few images at a time, for the cache
    unclaimed = np.empty((min(n, per), *out.shape[1:]), dtype=bool)  # first maximum not found yet
    hit = np.empty_like(unclaimed)
    for n0 in range(0, n, per):
        n1 = min(n, n0 + per)
        xb, ob, db, dxb = xp[n0:n1], out[n0:n1], dout[n0:n1], dxp[n0:n1]
        todo, found = unclaimed[:n1 - n0], hit[:n1 - n0]
        last = ph * pw - 1
        for k in range(ph * pw):  # row-major order inside the window
            where = _pool_slice(k // pw, k % pw, sh, sw, ho, wo)
            np.equal(xb[where], ob, out=found)
            if k == 0:
                np.logical_not(found, out=todo)
            else:
                found &= todo
                if k < last:
                    todo ^= found
            if disjoint:  # each offset owns its pixels
                np.multiply(db, found, out=dxb[where])
            else:  # overlapping windows add up
                dxb[where] += db * found
    return dxp
