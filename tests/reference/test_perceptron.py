"""reference.perceptron: the lecture's worked example, shapes and dtypes, the gates' truth
tables, and the perceptron learning rule traced by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference import perceptron as pc


GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def logistic(z):
    return 1 / (1 + np.exp(-z))


def test_lecture_worked_example():
    """w0 = 1, W = [5, -3], x = [-3, 2]: z = 1 - 15 - 6 = -20 and g(-20) = 2.06e-9."""
    z = pc.weighted_sum(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0)
    assert z == -20.0
    y_hat = pc.neuron(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0, logistic)
    assert math.isclose(y_hat, 2.0611536e-9, rel_tol=1e-7)
    assert pc.perceptron_predict(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0) == 0


def test_weighted_sum_shapes_and_dtypes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    w, W, B = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=4)
    assert pc.weighted_sum(x, w, 0.5).shape == (5,)
    np.testing.assert_allclose(pc.weighted_sum(x, W, B), x @ W + B, rtol=1e-15)
    x32 = x.astype(np.float32)
    assert pc.weighted_sum(x32, w.astype(np.float32), 0.5).dtype == np.float32
    assert pc.weighted_sum(GATE_X, np.array([1, 1]), 0).dtype == np.float64
    assert pc.perceptron_predict(x32, w.astype(np.float32), 0.5).dtype.kind == "i"


@pytest.mark.parametrize("gate, table", [
    ("AND_GATE", [0, 0, 0, 1]), ("OR_GATE", [0, 1, 1, 1]), ("NAND_GATE", [1, 1, 1, 0]),
])
def test_gates_reproduce_truth_tables(gate, table):
    w, b = getattr(pc, gate)
    assert np.array_equal(pc.perceptron_predict(GATE_X, w, b), table)


def test_perceptron_train_and_gate_follows_the_rule_and_stops_early():
    y = np.array([0, 0, 0, 1])
    X = GATE_X.copy()
    w, b, errors = pc.perceptron_train(X, y)
    # Hand trace of the first two epochs with lr 0.1 from zero weights (step(0) = 1):
    # epoch 1 misses 00 and 11, epoch 2 misses 00, 01 and 11.
    assert list(errors[:2]) == [2, 3]
    assert errors[-1] == 0 and np.all(errors[:-1] > 0)
    assert len(errors) < 100
    assert np.array_equal(pc.perceptron_predict(GATE_X, w, b), y)
    assert np.array_equal(X, GATE_X)  # inputs untouched
    assert errors.dtype.kind == "i" and w.shape == (2,) and np.ndim(b) == 0


def test_perceptron_train_cannot_learn_xor():
    w, b, errors = pc.perceptron_train(GATE_X, np.array([0, 1, 1, 0]), epochs=25)
    assert len(errors) == 25 and np.all(errors > 0)
