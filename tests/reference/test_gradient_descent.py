"""reference.gradient_descent: small exact checks (a quadratic's closed form, steps by hand,
minibatches), the optimizers against live Keras, and logistic regression against
scikit-learn.

Optimizers: `adam_step`, `momentum_step` and `sgd_step` reproduce `keras.optimizers.Adam` and
`SGD(momentum=...)` over 20 steps. Logistic regression: scikit-learn's unpenalised model predicts
the same classes (its defaults that differ from the curriculum's are discussed in
test_mlp.py).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from reference import gradient_descent as gd
from reference.gradient_descent import train_logistic_regression
from tests.reference._keras import keras, keras_test, tf
from tests.reference._sklearn import (LogisticRegression, make_blobs, make_classification,
                                      sklearn_test)


# ------------------------------------------------------------------------------------------
# small exact checks
# ------------------------------------------------------------------------------------------


def test_gradient_descent_on_a_quadratic_matches_the_closed_form():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([1.0, -2.0])
    w0 = np.array([4.0, 5.0])
    w, path = gd.gradient_descent(lambda v: A @ (v - c), w0, 0.1, 200)
    assert path.shape == (201, 2)
    assert np.array_equal(path[0], w0) and np.array_equal(path[-1], w)
    step = np.eye(2) - 0.1 * A
    for k in (1, 7, 50):
        np.testing.assert_allclose(path[k], c + np.linalg.matrix_power(step, k) @ (w0 - c),
                                   rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w, c, atol=1e-8)
    assert np.array_equal(w0, [4.0, 5.0])


def test_gradient_descent_scalar_and_float32():
    w, path = gd.gradient_descent(lambda v: 2 * v, np.float32(1.0), 0.25, 3)
    assert path.shape == (4,) and path.dtype == np.float32
    np.testing.assert_array_equal(path, [1.0, 0.5, 0.25, 0.125])


def test_sgd_and_momentum_steps_by_hand():
    params = {"w": np.array([1.0, 2.0]), "b": np.array(0.5)}
    grads = {"w": np.array([0.5, -1.0]), "b": np.array(2.0)}
    new = gd.sgd_step(params, grads, 0.1)
    np.testing.assert_allclose(new["w"], [0.95, 2.1])
    p1, v1 = gd.momentum_step(params, grads, None, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v1["w"], [-0.05, 0.1])
    np.testing.assert_allclose(p1["w"], [0.95, 2.1])
    p2, v2 = gd.momentum_step(p1, grads, v1, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v2["w"], [-0.095, 0.19])
    np.testing.assert_allclose(p2["w"], [0.855, 2.29])
    assert np.array_equal(params["w"], [1.0, 2.0])


def test_adam_first_step_moves_about_lr_against_the_gradient_sign():
    params = {"w": np.array([1.0, -1.0, 0.0])}
    grads = {"w": np.array([3.0, -0.2, 1e-3])}
    new, state = gd.adam_step(params, grads, None, lr=0.01)
    assert state["t"] == 1
    np.testing.assert_allclose(new["w"] - params["w"], -0.01 * np.sign(grads["w"]), rtol=5e-3)
    # Exactly, with Keras's epsilon outside the bias-corrected sqrt: on step 1,
    # alpha * m = lr sqrt(1 - beta_2) g and sqrt(v) = sqrt(1 - beta_2) |g|.
    r = math.sqrt(1 - 0.999)
    np.testing.assert_allclose(new["w"] - params["w"],
                               -0.01 * r * grads["w"] / (r * np.abs(grads["w"]) + 1e-7),
                               rtol=1e-12)
    f32 = {"w": params["w"].astype(np.float32)}
    new32, _ = gd.adam_step(f32, {"w": grads["w"].astype(np.float32)}, None)
    assert new32["w"].dtype == np.float32


def test_minibatches_cover_a_permutation():
    X = np.arange(23 * 2).reshape(23, 2)
    y = np.arange(23) * 10
    batches = gd.minibatches(X, y, 5, np.random.default_rng(3))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    order = np.concatenate([yb for _, yb in batches]) // 10
    assert sorted(order) == list(range(23)) and list(order) != list(range(23))
    assert np.array_equal(order, np.random.default_rng(3).permutation(23))
    for xb, yb in batches:
        assert np.array_equal(xb[:, 0] // 2 * 10, yb)  # rows stay with their targets


def test_train_logistic_regression_dtype_and_loss_at_zero():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    w, b, losses = gd.train_logistic_regression(X, y, epochs=5)
    assert w.dtype == np.float32 and losses.shape == (5,)
    assert math.isclose(losses[0], math.log(2), rel_tol=1e-6)


# ------------------------------------------------------------------------------------------
# optimizers against Keras
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


@keras_test
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


@keras_test
def test_adam_step_defaults_match_keras_defaults():
    """With literally the default arguments the only differences are Keras's float32 leaks."""
    params, grad_sequence = optimizer_problem(10)
    expected = run_keras_optimizer(keras.optimizers.Adam(), params, grad_sequence)
    state, mine = None, params
    for grads in grad_sequence:
        mine, state = gd.adam_step(mine, grads, state)
    for key in params:
        np.testing.assert_allclose(mine[key], expected[key], rtol=1e-5, atol=1e-7)


@keras_test
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


@keras_test
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


@keras_test
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
# logistic regression against scikit-learn
# ------------------------------------------------------------------------------------------


def unpenalised_logistic_regression(X, y):
    # `penalty=None` is deprecated from scikit-learn 1.8 on; C=inf is the same model.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = LogisticRegression(C=np.inf, max_iter=5000)
            return model.fit(X, y)
        except (ValueError, TypeError):  # older releases reject C=inf
            return LogisticRegression(penalty=None, max_iter=5000).fit(X, y)


@sklearn_test
def test_logistic_regression_separable_data_agrees_with_sklearn():
    X, y = make_blobs(n_samples=200, centers=[[-2, -2], [2, 2]], cluster_std=0.8,
                      random_state=0)
    w, b, losses = train_logistic_regression(X, y)
    assert w.shape == (2,) and np.ndim(b) == 0 and losses.shape == (1000,)
    assert np.isclose(losses[0], np.log(2))  # zero weights predict 1/2 everywhere
    assert np.all(np.diff(losses) <= 1e-12)  # full-batch descent with a small step: monotone
    mine = (X @ w + b >= 0).astype(int)
    theirs = unpenalised_logistic_regression(X, y).predict(X)
    assert np.array_equal(mine, theirs)
    assert np.array_equal(mine, y)


@sklearn_test
def test_logistic_regression_noisy_data_agrees_with_sklearn():
    X, y = make_classification(n_samples=500, n_features=5, n_informative=3, n_redundant=0,
                               flip_y=0.1, class_sep=0.8, random_state=1)
    w, b, _ = train_logistic_regression(X, y)
    sk = unpenalised_logistic_regression(X, y)
    agreement = np.mean((X @ w + b >= 0).astype(int) == sk.predict(X))
    assert agreement >= 0.98
    # Noisy data have a finite optimum, which 1000 steps of lr 0.1 nearly reach.
    np.testing.assert_allclose(w, sk.coef_[0], atol=0.02)
    np.testing.assert_allclose(b, sk.intercept_[0], atol=0.02)
