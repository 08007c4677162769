"""reference.backprop: small exact checks, then the dense layers, MLP backprop and
initialisers against live Keras.

Forward: `dense_forward` equals `keras.layers.Dense` holding the same weights. Backward:
`dense_backward` and `mlp_backward` equal `tf.GradientTape` gradients of the same Keras
computation, and pass a centred-difference check. Initialisers: `init_mlp` draws from the
distributions of Keras's `HeNormal` and `GlorotUniform`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference import backprop as bp
from tests.reference._keras import keras, keras_test, tf


# ------------------------------------------------------------------------------------------
# small exact checks
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, slope_at_zero", [
    ("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0), ("linear", 1.0), ("sigmoid", 0.25),
    ("tanh", 1.0), ("softplus", 0.5),
])
def test_activation_backward_at_the_kink(name, slope_at_zero):
    a, cache = bp.activation_forward(np.zeros(3), name)
    assert np.allclose(bp.activation_backward(np.ones(3), cache), slope_at_zero)


def test_activation_forward_is_stable_and_keeps_float32():
    z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        for name in ["sigmoid", "softplus", "elu", "tanh"]:
            a, cache = bp.activation_forward(z, name)
            assert np.all(np.isfinite(a)) and np.all(np.isfinite(bp.activation_backward(z, cache)))
        out, _ = bp.mlp_forward(np.array([[1.0]]), {"W1": np.array([[1000.0, -1000.0]]),
                                                    "b1": np.zeros(2)}, output="softmax")
    np.testing.assert_allclose(out, [[1.0, 0.0]])
    a32, _ = bp.activation_forward(z.astype(np.float32), "sigmoid")
    assert a32.dtype == np.float32


def test_init_mlp_shapes_seeded_and_zero_biases():
    p = bp.init_mlp([4, 8, 3], np.random.default_rng(0))
    assert list(p) == ["W1", "b1", "W2", "b2"]
    assert p["W1"].shape == (4, 8) and p["b2"].shape == (3,) and not p["b1"].any()
    q = bp.init_mlp([4, 8, 3], np.random.default_rng(0))
    assert all(np.array_equal(p[k], q[k]) for k in p)
    x = bp.init_mlp([4, 8, 3], np.random.default_rng(0), init="xavier")
    assert np.abs(x["W1"]).max() <= math.sqrt(6 / 12)


def test_numerical_gradient_is_centred_and_leaves_x_unchanged():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    before = x.copy()
    g = bp.numerical_gradient(lambda v: np.sum(v**3), x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)


def test_relative_error_formula():
    assert math.isclose(bp.relative_error(np.array([1.0, 0.0]), np.array([1.1, 0.0])), 0.1 / 2.1)
    assert math.isclose(bp.relative_error(np.array([0.0]), np.array([1e-9])), 0.1)
    assert bp.relative_error(np.ones(3), np.ones(3)) == 0.0


def test_mlp_backward_returns_params_keys_in_order():
    rng = np.random.default_rng(2)
    params = bp.init_mlp([3, 5, 4, 2], rng)
    out, caches = bp.mlp_forward(rng.normal(size=(6, 3)), params)
    grads = bp.mlp_backward(np.ones_like(out), caches)
    assert list(grads) == list(params)
    assert all(grads[k].shape == params[k].shape for k in params)


# ------------------------------------------------------------------------------------------
# against Keras: helpers
# ------------------------------------------------------------------------------------------


HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]


OUTPUTS = ["linear", "sigmoid", "softmax"]


def keras_activation(name):
    """The Keras activation that the curriculum's name means (leaky slope 0.01, the lecture's)."""
    if name == "leaky_relu":
        return lambda z: keras.activations.leaky_relu(z, negative_slope=0.01)
    return keras.activations.get(name)


def dense_layer(W, b, activation=None, dtype="float64"):
    layer = keras.layers.Dense(W.shape[1], activation=activation, dtype=dtype)
    layer.build((None, W.shape[0]))
    layer.set_weights([W.astype(dtype), b.astype(dtype)])
    return layer


def assert_close_to_keras(mine, theirs, hidden, err_msg=""):
    """Agreement to 1e-10 of the array's scale; 1e-7 with leaky ReLU, because TensorFlow keeps
    leaky_relu's slope as a float32 attribute (0.01 becomes 0.0099999998), so in float64 Keras
    itself is off the exact slope in the 9th digit."""
    theirs = np.asarray(theirs)
    tol = 1e-7 if hidden == "leaky_relu" else 1e-10
    scale = max(1.0, float(np.max(np.abs(theirs))))
    np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol * scale, err_msg=err_msg)


def random_params(rng, sizes):
    """Weights with non-zero biases, so that a bias bug cannot hide."""
    params = {}
    for i, (a, c) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(scale=1 / math.sqrt(a), size=(a, c))
        params[f"b{i}"] = rng.normal(scale=0.3, size=c)
    return params


# ------------------------------------------------------------------------------------------
# against Keras: forward
# ------------------------------------------------------------------------------------------


@keras_test
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float32", 1e-5)])
def test_dense_forward_matches_keras_dense(dtype, tol):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 9)).astype(dtype)
    W = rng.normal(size=(9, 5)).astype(dtype)
    b = rng.normal(size=5).astype(dtype)
    out, _ = bp.dense_forward(x, W, b)
    expected = np.asarray(dense_layer(W, b, dtype=dtype)(x))
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


@keras_test
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", OUTPUTS)
def test_mlp_forward_matches_keras_sequential(hidden, output):
    rng = np.random.default_rng(1)
    sizes = [6, 8, 7, 4]
    params = random_params(rng, sizes)
    X = rng.normal(size=(10, 6))
    out, _ = bp.mlp_forward(X, params, hidden=hidden, output=output)
    acts = [keras_activation(hidden)] * 2 + [keras_activation(output)]
    h = X
    for i, act in enumerate(acts, start=1):
        h = dense_layer(params[f"W{i}"], params[f"b{i}"], activation=act)(h)
    assert_close_to_keras(out, h, hidden)


# ------------------------------------------------------------------------------------------
# against Keras: backward
# ------------------------------------------------------------------------------------------


@keras_test
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float32", 1e-5)])
def test_dense_backward_matches_gradient_tape(dtype, tol):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 7)).astype(dtype)
    W = rng.normal(size=(7, 4)).astype(dtype)
    b = rng.normal(size=4).astype(dtype)
    dout = rng.normal(size=(12, 4)).astype(dtype)
    out, cache = bp.dense_forward(x, W, b)
    dx, dW, db = bp.dense_backward(dout, cache)

    layer = dense_layer(W, b, dtype=dtype)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.constant(dout) * layer(xt))
    gx, gW, gb = tape.gradient(loss, [xt, layer.kernel.value, layer.bias.value])
    for mine, theirs in [(dx, gx), (dW, gW), (db, gb)]:
        assert mine.dtype == np.dtype(dtype)
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=tol, atol=tol)


@keras_test
def test_dense_backward_passes_numerical_check():
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    _, cache = bp.dense_forward(x, W, b)
    dx, dW, db = bp.dense_backward(dout, cache)
    checks = [
        (dx, lambda v: np.sum(dout * bp.dense_forward(v, W, b)[0]), x),
        (dW, lambda v: np.sum(dout * bp.dense_forward(x, v, b)[0]), W),
        (db, lambda v: np.sum(dout * bp.dense_forward(x, W, v)[0]), b),
    ]
    for analytic, f, at in checks:
        assert bp.relative_error(analytic, bp.numerical_gradient(f, at)) < 1e-7


def keras_mlp_grads(X, params, hidden, output, dout, y_onehot):
    """GradientTape gradients of the Keras version of the network.

    Linear and sigmoid outputs: the loss sum(dout * out), whose gradient w.r.t. out is dout.
    Softmax output: Keras's mean categorical cross-entropy, whose gradient w.r.t. the logits is
    (softmax - y) / N, which is the `dout` handed to `mlp_backward`.
    """
    n_layers = len(params) // 2
    layers = [
        dense_layer(params[f"W{i}"], params[f"b{i}"],
                    activation=keras_activation(hidden if i < n_layers else output))
        for i in range(1, n_layers + 1)
    ]
    with tf.GradientTape() as tape:
        h = tf.constant(X)
        for layer in layers:
            h = layer(h)
        if output == "softmax":
            loss = keras.losses.CategoricalCrossentropy(dtype="float64")(tf.constant(y_onehot), h)
        else:
            loss = tf.reduce_sum(tf.constant(dout) * h)
    variables = [v.value for layer in layers for v in (layer.kernel, layer.bias)]
    grads = tape.gradient(loss, variables)
    return {f"{kind}{i}": np.asarray(grads[2 * (i - 1) + j])
            for i in range(1, n_layers + 1) for j, kind in enumerate("Wb")}


@keras_test
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", OUTPUTS)
def test_mlp_backward_matches_gradient_tape(hidden, output):
    rng = np.random.default_rng(4)
    sizes = [5, 7, 6, 3]
    params = random_params(rng, sizes)
    X = rng.normal(size=(9, 5))
    y = np.eye(3)[rng.integers(0, 3, size=9)]
    out, caches = bp.mlp_forward(X, params, hidden=hidden, output=output)
    dout = (out - y) / len(X) if output == "softmax" else rng.normal(size=out.shape)
    grads = bp.mlp_backward(dout, caches)
    expected = keras_mlp_grads(X, params, hidden, output, dout, y)
    assert list(grads) == list(params)
    for key in params:
        assert_close_to_keras(grads[key], expected[key], hidden, err_msg=key)


@keras_test
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output", OUTPUTS)
def test_mlp_backward_passes_numerical_check(hidden, output):
    rng = np.random.default_rng(5)
    params = random_params(rng, [4, 5, 3])
    X = rng.normal(size=(6, 4))
    y = np.eye(3)[rng.integers(0, 3, size=6)]
    weights = rng.normal(size=(6, 3))

    def loss_of(p):
        out, _ = bp.mlp_forward(X, p, hidden=hidden, output=output)
        if output == "softmax":
            return -np.mean(np.sum(y * np.log(out), axis=1))
        return np.sum(weights * out)

    out, caches = bp.mlp_forward(X, params, hidden=hidden, output=output)
    dout = (out - y) / len(X) if output == "softmax" else weights
    grads = bp.mlp_backward(dout, caches)
    for key, value in params.items():
        numeric = bp.numerical_gradient(lambda v: loss_of({**params, key: v}), value)
        assert bp.relative_error(grads[key], numeric) < 1e-6, key


# ------------------------------------------------------------------------------------------
# against Keras: initialisers
# ------------------------------------------------------------------------------------------


def summary(w):
    w = np.asarray(w, dtype=np.float64).ravel()
    return w.mean(), w.var(), np.abs(w).max(), np.quantile(w, [0.05, 0.25, 0.5, 0.75, 0.95])


@keras_test
@pytest.mark.parametrize("init, keras_init", [
    ("he", lambda: keras.initializers.HeNormal(seed=11)),
    ("xavier", lambda: keras.initializers.GlorotUniform(seed=11)),
])
def test_init_mlp_matches_keras_initializer_distribution(init, keras_init):
    fan_in, fan_out = 1000, 800
    params = bp.init_mlp([fan_in, fan_out, 10], np.random.default_rng(12), init=init)
    assert set(params) == {"W1", "b1", "W2", "b2"}
    assert params["W1"].shape == (fan_in, fan_out) and params["W2"].shape == (fan_out, 10)
    assert params["W1"].dtype == np.float64
    assert not params["b1"].any() and not params["b2"].any()

    theirs = np.asarray(keras_init()(shape=(fan_in, fan_out), dtype="float64"))
    m_mean, m_var, m_max, m_q = summary(params["W1"])
    k_mean, k_var, k_max, k_q = summary(theirs)
    if init == "he":
        target_var = 2 / fan_in
        bound = 2 * math.sqrt(target_var) / 0.87962566103423978
    else:
        bound = math.sqrt(6 / (fan_in + fan_out))
        target_var = bound**2 / 3
    n = params["W1"].size
    sd = math.sqrt(target_var)
    for mean, var, biggest in [(m_mean, m_var, m_max), (k_mean, k_var, k_max)]:
        assert abs(mean) < 5 * sd / math.sqrt(n)
        # The sampling sd of a variance estimate is below sqrt(2 / n) * var for these
        # light-tailed distributions; allow five of them.
        assert abs(var / target_var - 1) < 5 * math.sqrt(2 / n)
        assert biggest <= bound * (1 + 1e-12)
        assert biggest > 0.99 * bound  # the whole range is used: truncated, not narrowed
    np.testing.assert_allclose(m_q, k_q, atol=0.01 * sd * 3)
