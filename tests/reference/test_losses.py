"""reference.losses against live Keras (TensorFlow backend): values of `keras.losses.*` with
Keras's default reduction (the mean of the per-sample losses), and their gradients from
`tf.GradientTape` through the same expressions, clipping included. float64 cases are held to
1e-10 relative, float32 cases to 1e-5 (see `_keras.TOL`).
"""

from __future__ import annotations

import numpy as np
import pytest

from reference import losses as ref_loss
from tests.reference._keras import DTYPES, close, keras_grad, keras_value, require_keras

keras, tf = require_keras()

pytestmark = pytest.mark.keras


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


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
