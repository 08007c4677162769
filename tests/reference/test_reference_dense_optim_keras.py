"""The reference's dense layers, MLP backprop, optimizers and initialisers against live Keras.

Forward: `dense_forward` equals `keras.layers.Dense` holding the same weights. Backward:
`dense_backward` and `mlp_backward` equal `tf.GradientTape` gradients of the same Keras
computation, and pass a centred-difference check. Optimizers: `adam_step` and `momentum_step`
reproduce `keras.optimizers.Adam` and `SGD(momentum=...)` over 20 steps. Initialisers:
`init_mlp` draws from the distributions of Keras's `HeNormal` and `GlorotUniform`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.keras

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from reference import backprop as bp  # noqa: E402
from reference import gradient_descent as gd  # noqa: E402

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
# Forward
# ------------------------------------------------------------------------------------------


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
# Backward
# ------------------------------------------------------------------------------------------


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
# Optimizers
# ------------------------------------------------------------------------------------------


def f32(value):
    """`value` rounded to float32.

    Keras 3 leaks float32 into float64 optimizers: the learning rate lives in a float32
    variable, and `ops.cast(0.9, "float64")` (how Adam casts beta_1 and beta_2 for the bias
    correction, and SGD its momentum) makes a float32 constant first, giving 0.8999999762.
    Exact float64 parity therefore needs hyper-parameters that float32 represents exactly;
    the reference itself uses every hyper-parameter as given, in the parameters' dtype."""
    return float(np.float32(value))


def run_keras_optimizer(optimizer, params, grad_sequence, dtype="float64"):
    keys = list(params)
    variables = [keras.Variable(params[k].astype(dtype), dtype=dtype) for k in keys]
    for grads in grad_sequence:
        optimizer.apply_gradients(
            [(tf.constant(grads[k].astype(dtype)), v) for k, v in zip(keys, variables)])
    return {k: np.asarray(v.numpy()) for k, v in zip(keys, variables)}


def optimizer_problem(seed, dtype="float64"):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=3), "W2": rng.normal(size=(3,))}
    grad_sequence = [
        {k: rng.normal(scale=rng.choice([1e-3, 1.0, 30.0]), size=v.shape)
         for k, v in params.items()}
        for _ in range(20)
    ]
    cast = lambda d: {k: v.astype(dtype) for k, v in d.items()}  # noqa: E731
    return cast(params), [cast(g) for g in grad_sequence]


@pytest.mark.parametrize("kwargs", [
    {"lr": f32(0.001), "beta_1": f32(0.9), "beta_2": f32(0.999)},
    {"lr": f32(0.05), "beta_1": f32(0.8), "beta_2": f32(0.99), "epsilon": 1e-4},
], ids=["defaults", "custom"])
def test_adam_step_matches_keras_adam(kwargs):
    params, grad_sequence = optimizer_problem(6)
    keras_kwargs = {{"lr": "learning_rate"}.get(k, k): v for k, v in kwargs.items()}
    expected = run_keras_optimizer(keras.optimizers.Adam(**keras_kwargs), params, grad_sequence)
    state, mine = None, params
    for grads in grad_sequence:
        mine, state = gd.adam_step(mine, grads, state, **kwargs)
    assert state["t"] == 20
    for key in params:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-12, atol=1e-13)


def test_adam_step_defaults_match_keras_defaults():
    """With literally the default arguments the only differences are Keras's float32 leaks."""
    params, grad_sequence = optimizer_problem(10)
    expected = run_keras_optimizer(keras.optimizers.Adam(), params, grad_sequence)
    state, mine = None, params
    for grads in grad_sequence:
        mine, state = gd.adam_step(mine, grads, state)
    for key in params:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-5, atol=1e-7)


def test_adam_step_float32_matches_keras_adam():
    params, grad_sequence = optimizer_problem(7, dtype="float32")
    expected = run_keras_optimizer(keras.optimizers.Adam(learning_rate=0.01), params,
                                   grad_sequence, dtype="float32")
    state, mine = None, params
    for grads in grad_sequence:
        mine, state = gd.adam_step(mine, grads, state, lr=0.01)
    for key in params:
        assert mine[key].dtype == np.float32
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lr, momentum",
                         [(f32(0.01), f32(0.9)), (f32(0.1), 0.5), (f32(0.003), 0.0)])
def test_momentum_step_matches_keras_sgd(lr, momentum):
    params, grad_sequence = optimizer_problem(8)
    expected = run_keras_optimizer(keras.optimizers.SGD(learning_rate=lr, momentum=momentum),
                                   params, grad_sequence)
    velocity, mine = None, params
    for grads in grad_sequence:
        mine, velocity = gd.momentum_step(mine, grads, velocity, lr=lr, momentum=momentum)
    for key in params:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-12, atol=1e-13)


def test_sgd_step_matches_keras_plain_sgd():
    params, grad_sequence = optimizer_problem(9)
    expected = run_keras_optimizer(keras.optimizers.SGD(learning_rate=f32(0.02)),
                                   params, grad_sequence)
    mine = params
    for grads in grad_sequence:
        mine = gd.sgd_step(mine, grads, f32(0.02))
    for key in params:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------------------------------
# Initialisers
# ------------------------------------------------------------------------------------------


def summary(w):
    w = np.asarray(w, dtype=np.float64).ravel()
    return w.mean(), w.var(), np.abs(w).max(), np.quantile(w, [0.05, 0.25, 0.5, 0.75, 0.95])


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
