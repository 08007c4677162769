"""reference.conv against live Keras/TensorFlow: forward values, GradientTape gradients,
centred-difference gradients, TensorFlow's tie-breaking in max pooling, and the lecture's CNN.
Convolution tests run on both im2col layouts of `reference/_conv_kernels.py` (the
`im2col_layout` fixture)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import _conv_kernels, conv
from tests.reference._keras import require_keras
from tests.support import numeric_grad

keras, tf = require_keras()

pytestmark = pytest.mark.keras


TOL = {"float64": 1e-10, "float32": 1e-5}


def _seeded(case) -> np.random.Generator:
    # a seed from the case's text: stable across runs, unlike the salted str hash
    return np.random.default_rng(list(repr(case).encode()))


def _max_err(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def _assert_close(actual, expected, tol, what=""):
    err = _max_err(actual, expected)
    scale = max(1.0, float(np.max(np.abs(expected)))) if np.size(expected) else 1.0
    assert err <= tol * scale, f"{what}: max abs error {err:.3g} > {tol:g} (scale {scale:.3g})"


def _conv_layer(kernel, bias, stride, padding, dtype):
    kh, kw, cin, cout = kernel.shape
    layer = keras.layers.Conv2D(cout, (kh, kw), strides=stride, padding=padding, dtype=dtype)
    layer.build((None, None, None, cin))
    layer.set_weights([kernel.astype(dtype), bias.astype(dtype)])
    return layer


# (H, W, C_in, C_out, kernel, stride, padding): odd/even, square/non-square, strides 1, 2, (1, 2)
CONV_CASES = [
    (8, 8, 3, 4, 3, 1, "valid"),
    (8, 8, 3, 4, 3, 1, "same"),
    (7, 7, 1, 2, 3, 1, "same"),
    (8, 8, 2, 3, 3, 2, "same"),      # even input, stride 2: the extra pad pixel goes bottom/right
    (7, 9, 2, 3, 3, 2, "same"),
    (9, 6, 3, 5, (2, 3), (1, 2), "same"),
    (9, 6, 3, 5, (2, 3), (1, 2), "valid"),
    (10, 11, 4, 2, 4, 3, "same"),    # even kernel
    (10, 11, 4, 2, 4, 3, "valid"),   # leftover rows/cols that no window uses
    (6, 7, 5, 1, (3, 2), 2, "valid"),
    (5, 5, 2, 6, 5, 1, "valid"),     # kernel as big as the input
    (6, 5, 3, 3, 1, 1, "same"),      # 1x1 kernel
    (12, 10, 8, 16, 3, (2, 1), "same"),
    (4, 9, 2, 2, (1, 4), (3, 2), "same"),
]


@pytest.fixture(params=["channels-first", "channels-last"])
def im2col_layout(request, monkeypatch):
    """Run a test with every convolution built one way: the reference picks by channel count."""
    monkeypatch.setattr(_conv_kernels, "CHANNELS_LAST_MIN", 10**9 if request.param == "channels-first" else 1)
    return request.param


def _conv_case(case, dtype="float64", n=2):
    h, w, cin, cout, k, s, p = case
    kh, kw = (k, k) if isinstance(k, int) else k
    rng = _seeded(case)
    x = rng.normal(size=(n, h, w, cin)).astype(dtype)
    kernel = rng.normal(scale=0.5, size=(kh, kw, cin, cout)).astype(dtype)
    bias = rng.normal(size=cout).astype(dtype)
    return x, kernel, bias, s, p


def _case_id(case) -> str:
    return "-".join(str(v).replace(" ", "") for v in case)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_output_size_matches_keras(padding):
    for size in range(1, 14):
        for k in range(1, 6):
            for s in range(1, 5):
                if padding == "valid" and k > size:
                    continue
                layer = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding)
                expected = layer.compute_output_shape((None, size, 1, 1))[1]
                assert conv.conv2d_output_size(size, k, s, padding) == expected, (size, k, s)


def test_conv2d_output_size_rejects_a_window_larger_than_the_input():
    with pytest.raises(ValueError):  # Keras: "output size would be zero or negative"
        keras.layers.Conv2D(1, (5, 1)).compute_output_shape((None, 3, 1, 1))
    with pytest.raises(ValueError):
        conv.conv2d_output_size(3, 5, 1, "valid")
    assert conv.conv2d_output_size(3, 5, 1, "same") == 3


def test_same_padding_puts_the_extra_pixel_bottom_right():
    # an impulse at the top-left corner, even input, stride 2: with the extra pixel at the
    # bottom/right the first window starts at row/col 0 and sees the impulse at its offset (0, 0)
    x = np.zeros((1, 4, 4, 1))
    x[0, 0, 0, 0] = 1.0
    kernel = np.arange(1.0, 10.0).reshape(3, 3, 1, 1)
    out, _ = conv.conv2d_forward(x, kernel, np.zeros(1), 2, "same")
    assert out.shape == (1, 2, 2, 1)
    assert out[0, 0, 0, 0] == kernel[0, 0, 0, 0]  # a pad on top/left would give kernel[1, 1]


@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_conv2d_forward_and_backward_match_keras_float64(case, im2col_layout):
    x, kernel, bias, stride, padding = _conv_case(case)
    layer = _conv_layer(kernel, bias, stride, padding, "float64")
    xt = tf.constant(x)
    rng = _seeded(("dout", case))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        dout = rng.normal(size=tuple(y.shape))
        loss = tf.reduce_sum(y * dout)
    dx_t, dk_t, db_t = tape.gradient(loss, [xt, *layer.trainable_weights])

    out, cache = conv.conv2d_forward(x, kernel, bias, stride, padding)
    assert out.dtype == np.float64
    _assert_close(out, y.numpy(), TOL["float64"], "forward")
    dx, dk, db = conv.conv2d_backward(dout, cache)
    assert dx.shape == x.shape and dk.shape == kernel.shape and db.shape == bias.shape
    _assert_close(dx, dx_t.numpy(), TOL["float64"], "dx")
    _assert_close(dk, dk_t.numpy(), TOL["float64"], "dkernel")
    _assert_close(db, db_t.numpy(), TOL["float64"], "dbias")


@pytest.mark.parametrize("case", CONV_CASES[::3], ids=_case_id)
def test_conv2d_float32_matches_keras_and_stays_float32(case, im2col_layout):
    x, kernel, bias, stride, padding = _conv_case(case, "float32")
    layer = _conv_layer(kernel, bias, stride, padding, "float32")
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        dout = _seeded(("dout32", case)).normal(size=tuple(y.shape)).astype(np.float32)
        loss = tf.reduce_sum(y * dout)
    dx_t, dk_t, db_t = tape.gradient(loss, [xt, *layer.trainable_weights])
    out, cache = conv.conv2d_forward(x, kernel, bias, stride, padding)
    grads = conv.conv2d_backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    _assert_close(out, y.numpy(), TOL["float32"], "forward")
    for g, g_t, name in zip(grads, (dx_t, dk_t, db_t), ("dx", "dkernel", "dbias")):
        _assert_close(g, g_t.numpy(), TOL["float32"] * 10, name)


@pytest.mark.parametrize("case", [
    (5, 6, 2, 3, 3, 1, "valid"),
    (6, 5, 2, 2, (3, 2), 2, "same"),
    (5, 7, 1, 2, 2, (1, 2), "same"),
], ids=_case_id)
def test_conv2d_backward_numerical(case, im2col_layout):
    x, kernel, bias, stride, padding = _conv_case(case, n=2)
    out, cache = conv.conv2d_forward(x, kernel, bias, stride, padding)
    dout = _seeded(("num", case)).normal(size=out.shape)
    dx, dk, db = conv.conv2d_backward(dout, cache)

    def loss():
        return float(np.sum(conv.conv2d_forward(x, kernel, bias, stride, padding)[0] * dout))

    for analytic, arr in ((dx, x), (dk, kernel), (db, bias)):
        numeric = numeric_grad(loss, arr)
        _assert_close(analytic, numeric, 1e-7)


def test_conv2d_is_pure():
    x, kernel, bias, stride, padding = _conv_case(CONV_CASES[3])
    copies = [a.copy() for a in (x, kernel, bias)]
    out, cache = conv.conv2d_forward(x, kernel, bias, stride, padding)
    dout = np.ones_like(out)
    conv.conv2d_backward(dout, cache)
    for a, b in zip((x, kernel, bias), copies):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dout, 1.0)


def test_conv2d_large_batch_uses_blocks_consistently(im2col_layout):
    # enough rows to span several im2col blocks, including the per-image row split
    rng = np.random.default_rng(7)
    for shape, k in (((9, 40, 40, 8), (3, 3, 8, 5)), ((1, 300, 300, 3), (3, 3, 3, 4)),
                     ((1, 120, 90, 16), (3, 2, 16, 3))):
        x, kernel, bias = rng.normal(size=shape), rng.normal(size=k), rng.normal(size=k[-1])
        layer = _conv_layer(kernel, bias, 1, "same", "float64")
        out, cache = conv.conv2d_forward(x, kernel, bias, 1, "same")
        _assert_close(out, layer(x).numpy(), TOL["float64"], "blocked forward")
        dx, dk, db = conv.conv2d_backward(np.ones_like(out), cache)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = tf.reduce_sum(layer(xt))
        dx_t, dk_t, db_t = tape.gradient(loss, [xt, *layer.trainable_weights])
        _assert_close(dx, dx_t.numpy(), TOL["float64"], "dx")
        _assert_close(dk, dk_t.numpy(), TOL["float64"], "dkernel")


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_layouts_agree_on_non_finite_kernels(stride, monkeypatch):
    """inf in the kernel: the stride-1 channels-last backward must not turn its zero padding
    columns into nan (0 * inf), so both layouts give the same infs and nans."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 7, 6, 16))
    kernel = rng.normal(size=(3, 3, 16, 4))
    kernel[1, 2, 5, 0] = np.inf
    bias = rng.normal(size=4)
    results = {}
    for layout, threshold in (("first", 10**9), ("last", 1)):
        monkeypatch.setattr(_conv_kernels, "CHANNELS_LAST_MIN", threshold)
        with np.errstate(invalid="ignore"):  # inf * 0 in the products, as intended
            out, cache = conv.conv2d_forward(x, kernel, bias, stride, "same")
            dout = np.ones_like(out)
            dout[0, 0, 0, 0] = 0.0  # an output with zero gradient next to an inf weight
            results[layout] = (out, *conv.conv2d_backward(dout, cache))
    for a, b in zip(results["first"], results["last"]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)
    assert np.isnan(results["last"][1]).any() or np.isinf(results["last"][1]).any()
    assert np.isfinite(results["last"][1]).any()  # pixels no inf weight reaches stay finite


# (H, W, pool_size, stride, padding)
POOL_CASES = [
    (8, 8, 2, None, "valid"),
    (9, 7, 2, None, "valid"),
    (9, 7, 2, None, "same"),
    (9, 9, 3, None, "valid"),
    (10, 8, 3, None, "same"),
    (8, 8, 3, 2, "valid"),       # overlapping windows
    (8, 9, 3, 2, "same"),
    (7, 7, 2, 1, "valid"),
    (7, 8, 2, 1, "same"),
    (9, 10, (2, 3), (1, 2), "same"),
    (10, 10, 2, 3, "same"),      # stride larger than the window
    (6, 11, (3, 2), (3, 1), "valid"),
]


def _pool_layer(pool, stride, padding, dtype):
    return keras.layers.MaxPooling2D(pool_size=pool, strides=stride, padding=padding, dtype=dtype)


def _distinct_input(shape, seed):
    """Values spaced 0.01 apart in random order: no ties, and eps-perturbations keep the argmax."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))) * 0.01 - 3.0).reshape(shape)


@pytest.mark.parametrize("case", POOL_CASES, ids=_case_id)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_maxpool2d_matches_keras(case, dtype):
    h, w, pool, stride, padding = case
    x = _distinct_input((2, h, w, 3), 11).astype(dtype)
    layer = _pool_layer(pool, stride, padding, dtype)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        dout = _seeded(("pool", case)).normal(size=tuple(y.shape)).astype(dtype)
        loss = tf.reduce_sum(y * dout)
    dx_t = tape.gradient(loss, xt)
    out, cache = conv.maxpool2d_forward(x, pool, stride, padding)
    dx = conv.maxpool2d_backward(dout, cache)
    assert out.dtype == np.dtype(dtype) and dx.dtype == np.dtype(dtype)
    _assert_close(out, y.numpy(), TOL[dtype], "forward")
    _assert_close(dx, dx_t.numpy(), TOL[dtype], "dx")


@pytest.mark.parametrize("case", POOL_CASES, ids=_case_id)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_maxpool2d_ties_go_to_the_first_maximum_as_tensorflow(case, dtype):
    h, w, pool, stride, padding = case
    rng = _seeded(("ties", case))
    x = rng.integers(0, 3, size=(2, h, w, 2)).astype(dtype)  # many tied maxima
    layer = _pool_layer(pool, stride, padding, dtype)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        dout = rng.normal(size=tuple(y.shape)).astype(dtype)
        loss = tf.reduce_sum(y * dout)
    dx_t = tape.gradient(loss, xt).numpy()
    out, cache = conv.maxpool2d_forward(x, pool, stride, padding)
    dx = conv.maxpool2d_backward(dout, cache)
    _assert_close(dx, dx_t, TOL[dtype], "dx with ties")


def test_maxpool2d_first_maximum_in_row_major_order():
    x = np.array([[1.0, 5.0], [5.0, 5.0]]).reshape(1, 2, 2, 1)
    out, cache = conv.maxpool2d_forward(x, 2)
    dx = conv.maxpool2d_backward(np.full((1, 1, 1, 1), 3.0), cache)
    np.testing.assert_array_equal(dx.reshape(2, 2), [[0.0, 3.0], [0.0, 0.0]])


@pytest.mark.parametrize("case", [POOL_CASES[i] for i in (1, 4, 5, 9, 10)], ids=_case_id)
def test_maxpool2d_backward_numerical(case):
    h, w, pool, stride, padding = case
    x = _distinct_input((1, h, w, 2), 5)
    out, cache = conv.maxpool2d_forward(x, pool, stride, padding)
    dout = _seeded(("pooln", case)).normal(size=out.shape)
    dx = conv.maxpool2d_backward(dout, cache)
    numeric = numeric_grad(lambda: float(np.sum(conv.maxpool2d_forward(x, pool, stride, padding)[0] * dout)), x)
    _assert_close(dx, numeric, 1e-7)


def test_maxpool2d_default_stride_is_pool_size_and_is_pure():
    x = _distinct_input((2, 6, 6, 3), 3)
    keep = x.copy()
    out, cache = conv.maxpool2d_forward(x, 3)
    assert out.shape == (2, 2, 2, 3)
    out[...] = 0.0  # the caller owns the output; the cache must not share it
    conv.maxpool2d_backward(np.ones((2, 2, 2, 3)), cache)
    np.testing.assert_array_equal(x, keep)
    expected, _ = conv.maxpool2d_forward(x, 3, 3)
    _, cache2 = conv.maxpool2d_forward(x, 3)
    np.testing.assert_array_equal(cache2[1], expected)


def test_conv_kernels_leave_numpys_ufunc_buffer_as_they_found_it():
    """The kernels shorten NumPy's ufunc buffer for speed; callers must never see the change."""
    before = np.getbufsize()
    try:
        np.setbufsize(16384)
        x = _distinct_input((2, 6, 6, 3), 5)
        out, cache = conv.maxpool2d_forward(x, 2)
        conv.maxpool2d_backward(np.ones_like(out), cache)
        y, ccache = conv.conv2d_forward(x, np.ones((3, 3, 3, 2)), np.zeros(2))
        conv.conv2d_backward(np.ones_like(y), ccache)
        assert np.getbufsize() == 16384
        with pytest.raises(ValueError):
            conv.conv2d_forward(x, np.ones((3, 3, 4, 2)), np.zeros(2))  # wrong channel count
        with pytest.raises(ValueError):
            conv.maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)  # wrong dout shape
        assert np.getbufsize() == 16384
    finally:
        np.setbufsize(before)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 7), (1, 2, 2, 1)])
def test_flatten_matches_keras(shape):
    x = np.random.default_rng(1).normal(size=shape)
    xt = tf.constant(x)
    layer = keras.layers.Flatten(dtype="float64")
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        dout = np.random.default_rng(2).normal(size=tuple(y.shape))
        loss = tf.reduce_sum(y * dout)
    out, cache = conv.flatten_forward(x)
    np.testing.assert_array_equal(out, y.numpy())
    dx = conv.flatten_backward(dout, cache)
    np.testing.assert_array_equal(dx, tape.gradient(loss, xt).numpy())
    out[...] = 0.0
    assert np.any(x != 0.0)  # the output is a new array


def _lecture_cnn(input_shape, dtype):
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=input_shape, dtype=dtype),
        layers.Conv2D(32, (3, 3), activation="relu", dtype=dtype),
        layers.MaxPooling2D(pool_size=(2, 2), dtype=dtype),
        layers.Conv2D(64, (3, 3), activation="relu", dtype=dtype),
        layers.MaxPooling2D(pool_size=(2, 2), dtype=dtype),
        layers.Flatten(dtype=dtype),
        layers.Dense(128, activation="relu", dtype=dtype),
        layers.Dense(10, activation="softmax", dtype=dtype),
    ])
    rng = np.random.default_rng(list(repr((input_shape, dtype)).encode()))
    # random biases too, so a bias mix-up cannot hide behind Keras's zero initialisation
    model.set_weights([w if w.ndim > 1 else rng.normal(scale=0.1, size=w.shape).astype(dtype)
                       for w in model.get_weights()])
    return model


@pytest.mark.parametrize("input_shape,n,dtype", [
    ((64, 64, 3), 2, "float64"),   # the lecture's input
    ((16, 18, 3), 5, "float64"),
    ((64, 64, 3), 2, "float32"),
])
def test_cnn_forward_matches_the_keras_model(input_shape, n, dtype):
    model = _lecture_cnn(input_shape, dtype)
    x = np.random.default_rng(3).uniform(size=(n, *input_shape)).astype(dtype)
    expected = model(x).numpy()
    probs = conv.cnn_forward(x, model.get_weights())
    assert probs.shape == (n, 10) and probs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=TOL[dtype])
    _assert_close(probs, expected, TOL[dtype], "probabilities")
