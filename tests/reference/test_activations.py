"""reference.activations against live Keras (TensorFlow backend), and its definitions where
Keras has none.

Values come from `keras.activations.*`; derivatives from `tf.GradientTape` through the same Keras
functions, so the reference's gradients are checked against autodiff of exactly the expressions
Keras evaluates. Tensors are built in the input's dtype, so float64 cases run in float64 inside
TensorFlow and are held to 1e-10 relative; float32 cases to 1e-5 (see `_keras.TOL`).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import activations as ref_act
from tests.reference._keras import DTYPES, close, keras_grad, keras_value, require_keras

keras, tf = require_keras()

pytestmark = pytest.mark.keras

SHAPES = [(7,), (4, 5), (2, 3, 4)]


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
