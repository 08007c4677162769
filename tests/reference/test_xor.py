"""reference.xor: the truth table, training from a seeded initialisation, and one training
step against a numerical gradient of its loss."""

from __future__ import annotations

import math

import numpy as np

from reference import backprop as bp
from reference import xor


def logistic(z):
    return 1 / (1 + np.exp(-z))


def test_xor_truth_table_and_init():
    assert np.array_equal(xor.XOR_X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert np.array_equal(xor.XOR_Y, [[0], [1], [1], [0]])
    p = xor.init_xor_mlp(np.random.default_rng(0), hidden=3)
    assert {k: v.shape for k, v in p.items()} == {"W1": (2, 3), "b1": (3,), "W2": (3, 1),
                                                  "b2": (1,)}


def test_xor_trains_to_the_truth_table_from_a_seeded_init():
    params = xor.init_xor_mlp(np.random.default_rng(0))
    start = {k: v.copy() for k, v in params.items()}
    trained, losses = xor.train_xor(params, xor.XOR_X, xor.XOR_Y)
    assert losses.shape == (5000,) and losses[-1] < 0.01 < losses[0]
    assert np.array_equal(xor.xor_predict(xor.XOR_X, trained), xor.XOR_Y)
    assert xor.xor_predict(xor.XOR_X, trained).dtype.kind == "i"
    assert all(np.array_equal(params[k], start[k]) for k in params)


def test_xor_train_step_loss_is_half_sse_before_the_step():
    params = xor.init_xor_mlp(np.random.default_rng(5))
    y_hat = xor.xor_forward(xor.XOR_X, params)
    new, loss = xor.xor_train_step(params, xor.XOR_X, xor.XOR_Y, 1.0)
    assert math.isclose(loss, 0.5 * np.sum((xor.XOR_Y - y_hat) ** 2) / 4)
    # The step agrees with a numerical gradient of the same loss.
    def loss_of(w2):
        h = logistic(xor.XOR_X @ params["W1"] + params["b1"])
        return 0.5 * np.sum((xor.XOR_Y - logistic(h @ w2 + params["b2"])) ** 2) / 4
    np.testing.assert_allclose(params["W2"] - new["W2"],
                               bp.numerical_gradient(loss_of, params["W2"]), rtol=1e-6)
