"""reference.activations and reference.losses agree with live Keras (TensorFlow backend).

Values come from `keras.activations.*` and `keras.losses.*`; derivatives from `tf.GradientTape`
through the same Keras functions, so the reference's gradients are checked against autodiff of
exactly the expressions Keras evaluates (clipping included). Tensors are built in the input's
dtype, so float64 cases run in float64 inside TensorFlow and are held to 1e-10 relative; float32
cases to 1e-5.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

pytestmark = pytest.mark.keras

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from reference import activations as ref_act  # noqa: E402
from reference import losses as ref_loss  # noqa: E402

if keras.backend.backend() != "tensorflow":  # pragma: no cover - depends on KERAS_BACKEND
    pytest.skip("these checks differentiate with tf.GradientTape", allow_module_level=True)

DTYPES = [np.float64, np.float32]
# float64: 1e-10 relative, with an absolute floor far below anything a learner could see; it
# covers values that are 0 in one implementation and a denormal in the other, and TensorFlow's
# sigmoid and tanh gradients y * (1 - y) and 1 - y**2, which lose relative accuracy where y
# rounds to nearly 1 (float32's floor of 1e-6 is the same effect at float32's precision).
TOL = {np.float64: dict(rtol=1e-10, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}
SHAPES = [(7,), (4, 5), (2, 3, 4)]


def close(actual, expected, dtype):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), **TOL[dtype])


def tensor(a, dtype):
    return tf.constant(np.asarray(a, dtype=dtype))


def keras_value(fn, *arrays, dtype):
    return fn(*[tensor(a, dtype) for a in arrays]).numpy()


def keras_grad(fn, *arrays, wrt=-1, dtype):
    """d sum(fn(*arrays)) / d arrays[wrt]: elementwise f'(x) for an activation, the gradient of
    a scalar loss w.r.t. its prediction for a loss."""
    tensors = [tensor(a, dtype) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors[wrt])
        out = fn(*tensors)
    return tape.gradient(out, tensors[wrt]).numpy()


def random_inputs(rng, dtype):
    return [rng.normal(scale=3.0, size=shape).astype(dtype) for shape in SHAPES]


def large_inputs(dtype):
    """|x| up to 1e3, the kink, and values around it."""
    x = np.concatenate([np.linspace(-1000.0, 1000.0, 41),
                        [-50.0, -30.0, -1e-3, 1e-3, 0.5, 30.0, 50.0]])
    return x.astype(dtype).reshape(4, 12)


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


# ------------------------------------------------------------------------------------------
# Activations
# ------------------------------------------------------------------------------------------

# name -> (Keras function of a tensor, reference keyword arguments). Each entry is checked for
# its value and, through the tape, for its derivative `<name>_grad`.
LEAKY_F32 = float(np.float32(0.01))  # see test_leaky_relu_slope_is_float32_in_keras
ACTIVATIONS = {
    "linear": (keras.activations.linear, {}),
    "sigmoid": (keras.activations.sigmoid, {}),
    "tanh": (keras.activations.tanh, {}),
    "relu": (keras.activations.relu, {}),
    "softplus": (keras.activations.softplus, {}),
    "leaky_relu": (lambda t: keras.activations.leaky_relu(t, negative_slope=0.01), {"alpha": 0.01}),
    "leaky_relu[0.2]": (lambda t: keras.activations.leaky_relu(t, negative_slope=0.2),
                        {"alpha": 0.2}),
    "elu": (keras.activations.elu, {}),
    "elu[0.5]": (lambda t: keras.activations.elu(t, alpha=0.5), {"alpha": 0.5}),
}


def _ref(name):
    base = name.split("[")[0]
    return getattr(ref_act, base), getattr(ref_act, base + "_grad")


def _kwargs_for(name, kwargs, dtype):
    # TensorFlow's leaky_relu holds its slope as a float32 attribute even for float64 tensors,
    # so in float64 the reference is compared with that float32-rounded slope.
    if name.startswith("leaky_relu") and dtype == np.float64:
        return {"alpha": float(np.float32(kwargs["alpha"]))}
    return kwargs


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_values(name, dtype, rng):
    keras_fn, kwargs = ACTIVATIONS[name]
    fn, _ = _ref(name)
    kwargs = _kwargs_for(name, kwargs, dtype)
    for x in random_inputs(rng, dtype) + [large_inputs(dtype)]:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            ours = fn(x, **kwargs)
        assert ours.dtype == dtype and ours.shape == x.shape
        close(ours, keras_value(keras_fn, x, dtype=dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivatives(name, dtype, rng):
    keras_fn, kwargs = ACTIVATIONS[name]
    _, grad = _ref(name)
    kwargs = _kwargs_for(name, kwargs, dtype)
    inputs = random_inputs(rng, dtype) + [large_inputs(dtype)]
    if name == "elu[0.5]":
        # At x == 0 TensorFlow's ELU with alpha != 1 takes the left-hand value alpha; the
        # contract takes the right-hand value 1 (checked in test_derivatives_at_the_kink).
        inputs = [x[x != 0] for x in inputs]
    for x in inputs:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            ours = grad(x, **kwargs)
        assert ours.dtype == dtype and ours.shape == x.shape
        close(ours, keras_grad(keras_fn, x, dtype=dtype), dtype)


def test_leaky_relu_slope_is_float32_in_keras():
    """Why float64 leaky ReLU is compared with a float32-rounded slope."""
    x = tf.constant(np.array([-1000.0]))
    assert keras.activations.leaky_relu(x, negative_slope=0.01).numpy()[0] == -1000.0 * LEAKY_F32


def test_lecture_slope_differs_from_keras_layer_default():
    """The lecture's leaky slope is 0.01; Keras's LeakyReLU layer defaults to 0.3."""
    layer = keras.layers.LeakyReLU()
    x = np.array([[-2.0, 3.0]], dtype=np.float32)
    assert np.allclose(layer(x).numpy(), ref_act.leaky_relu(x, alpha=0.3))
    assert not np.allclose(layer(x).numpy(), ref_act.leaky_relu(x))


def test_derivatives_at_the_kink():
    """x == 0: relu' 0, leaky' alpha, ELU' 1 for alpha == 1 as TensorFlow; binary step' 0."""
    x = np.zeros(3)
    for keras_fn, grad, kwargs in [
        (keras.activations.relu, ref_act.relu_grad, {}),
        (lambda t: keras.activations.leaky_relu(t, negative_slope=0.25), ref_act.leaky_relu_grad,
         {"alpha": 0.25}),
        (keras.activations.elu, ref_act.elu_grad, {}),
    ]:
        close(grad(x, **kwargs), keras_grad(keras_fn, x, dtype=np.float64), np.float64)
    assert np.array_equal(ref_act.elu_grad(x, alpha=0.5), np.ones(3))  # right-hand value
    assert np.array_equal(ref_act.binary_step_grad(x), np.zeros(3))


@pytest.mark.skip(reason="Keras has no binary step activation; tested against its definition "
                         "(1 for x >= 0) in test_binary_step_definition")
def test_binary_step_against_keras():
    pass


def test_binary_step_definition():
    x = np.array([-1e3, -1.0, -1e-300, 0.0, 1e-300, 2.0, 1e3])
    assert np.array_equal(ref_act.binary_step(x), np.heaviside(x, 1.0))
    assert ref_act.binary_step(x.astype(np.float32)).dtype == np.float32
    assert np.array_equal(ref_act.binary_step_grad(x), np.zeros_like(x))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax(axis, dtype, rng):
    for x in [rng.normal(scale=3.0, size=(4, 5, 3)).astype(dtype),
              rng.uniform(-1000.0, 1000.0, size=(3, 6, 2)).astype(dtype)]:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            ours = ref_act.softmax(x, axis=axis)
        assert ours.dtype == dtype
        expected = keras_value(lambda t: keras.activations.softmax(t, axis=axis), x, dtype=dtype)
        close(ours, expected, dtype)
    close(ref_act.softmax(np.array([1.0, 2.0, 3.0])),
          keras_value(keras.activations.softmax, [1.0, 2.0, 3.0], dtype=np.float64), np.float64)


# ------------------------------------------------------------------------------------------
# Losses
# ------------------------------------------------------------------------------------------


def one_hot(rng, n, k, dtype):
    return np.eye(k, dtype=dtype)[rng.integers(0, k, size=n)]


def probabilities(rng, n, k, dtype):
    z = rng.normal(scale=2.0, size=(n, k))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(dtype)


def mean_of(keras_fn, **kwargs):
    """A Keras loss function followed by Keras's default reduction, the mean of the per-sample
    losses ("sum_over_batch_size"), in the input's dtype."""
    return lambda y, p: tf.reduce_mean(keras_fn(y, p, **kwargs))


MSE = mean_of(keras.losses.mean_squared_error)
BCE = mean_of(keras.losses.binary_crossentropy)
CCE = mean_of(keras.losses.categorical_crossentropy)
SOFTMAX_CE = mean_of(keras.losses.categorical_crossentropy, from_logits=True)


def check_loss(loss, grad, keras_loss, y, p, dtype, **kwargs):
    y, p = np.asarray(y, dtype=dtype), np.asarray(p, dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value, g = loss(y, p, **kwargs), grad(y, p, **kwargs)
    assert np.ndim(value) == 0 and value.dtype == dtype
    assert g.shape == p.shape and g.dtype == dtype
    close(value, keras_value(keras_loss, y, p, dtype=dtype), dtype)
    close(g, keras_grad(keras_loss, y, p, dtype=dtype), dtype)


def test_keras_epsilon_is_the_contracts():
    assert keras.backend.epsilon() == 1e-7


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", [(8,), (6, 3), (4, 3, 5)], ids=["1-d", "2-d", "3-d"])
def test_mse(shape, dtype, rng):
    y, p = rng.normal(size=shape), rng.normal(size=shape)
    check_loss(ref_loss.mse, ref_loss.mse_grad, MSE, y, p, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_half_sse_is_half_keras_mse_on_single_outputs(dtype, rng):
    """No Keras loss is 1/2 sum / N in general, but for one output per sample (the XOR network's
    (N, 1)) it is half of Keras's MSE."""
    y, p = rng.normal(size=(9, 1)), rng.normal(size=(9, 1))
    half_mse = lambda a, b: 0.5 * MSE(a, b)  # noqa: E731
    check_loss(ref_loss.half_sse, ref_loss.half_sse_grad, half_mse, y, p, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", [(8,), (6, 3), (4, 3, 5)], ids=["1-d", "2-d", "3-d"])
def test_binary_cross_entropy(shape, dtype, rng):
    y = rng.integers(0, 2, size=shape)
    p = rng.uniform(0.01, 0.99, size=shape)
    check_loss(ref_loss.binary_cross_entropy, ref_loss.binary_cross_entropy_grad, BCE, y, p, dtype)
    soft = rng.uniform(size=shape)  # targets need not be hard labels
    check_loss(ref_loss.binary_cross_entropy, ref_loss.binary_cross_entropy_grad, BCE, soft, p,
               dtype)


def test_binary_cross_entropy_saturated():
    """p at 0, 1 and 1e-12: the loss is finite and the clipped entries get zero gradient."""
    y = np.array([[1, 0, 1, 0, 1, 0], [0, 1, 1, 0, 0, 1]], dtype=np.float64)
    p = np.array([[0.0, 1.0, 1e-12, 1 - 1e-12, 1.0, 0.0], [0.0, 1.0, 0.3, 0.7, 1e-12, 0.5]])
    check_loss(ref_loss.binary_cross_entropy, ref_loss.binary_cross_entropy_grad, BCE, y, p,
               np.float64)
    check_loss(ref_loss.binary_cross_entropy, ref_loss.binary_cross_entropy_grad, BCE, y, p,
               np.float32)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_categorical_cross_entropy(dtype, rng):
    y = one_hot(rng, 7, 4, dtype)
    check_loss(ref_loss.categorical_cross_entropy, ref_loss.categorical_cross_entropy_grad, CCE,
               y, probabilities(rng, 7, 4, dtype), dtype)
    # rows that do not sum to 1: Keras 3 rescales them first
    check_loss(ref_loss.categorical_cross_entropy, ref_loss.categorical_cross_entropy_grad, CCE,
               y, rng.uniform(0.1, 2.0, size=(7, 4)), dtype)


def test_categorical_cross_entropy_saturated():
    y = np.eye(3)[[0, 1, 2, 0]]
    p = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1e-12, 0.5, 0.5 - 1e-12], [0.2, 0.3, 0.5]])
    for dtype in DTYPES:
        check_loss(ref_loss.categorical_cross_entropy, ref_loss.categorical_cross_entropy_grad,
                   CCE, y, p, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("scale", [3.0, 1000.0], ids=["moderate", "large"])
def test_softmax_cross_entropy(scale, dtype, rng):
    y = one_hot(rng, 6, 5, dtype)
    logits = rng.uniform(-scale, scale, size=(6, 5))
    check_loss(ref_loss.softmax_cross_entropy, ref_loss.softmax_cross_entropy_grad, SOFTMAX_CE,
               y, logits, dtype)


def test_reductions_match_keras_loss_classes(rng):
    """The functional forms above with a mean are what Keras's Loss objects compute (float32,
    their default dtype), so the reductions are Keras's own."""
    f32 = np.float32
    y, p = rng.normal(size=(5, 3, 2)).astype(f32), rng.normal(size=(5, 3, 2)).astype(f32)
    close(ref_loss.mse(y, p), keras.losses.MeanSquaredError()(y, p).numpy(), f32)
    yb, pb = rng.integers(0, 2, size=(5, 4)).astype(f32), rng.uniform(size=(5, 4)).astype(f32)
    close(ref_loss.binary_cross_entropy(yb, pb),
          keras.losses.BinaryCrossentropy()(yb, pb).numpy(), f32)
    yc, pc = one_hot(rng, 5, 4, f32), probabilities(rng, 5, 4, f32)
    close(ref_loss.categorical_cross_entropy(yc, pc),
          keras.losses.CategoricalCrossentropy()(yc, pc).numpy(), f32)
    logits = rng.normal(scale=4.0, size=(5, 4)).astype(f32)
    close(ref_loss.softmax_cross_entropy(yc, logits),
          keras.losses.CategoricalCrossentropy(from_logits=True)(yc, logits).numpy(), f32)
