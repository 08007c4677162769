"""Reference: the single neuron (lecture 000, "Perceptron: the singular neuron").

The lecture writes a neuron as y_hat = g(w0 + X^T W); here the bias w0 is `b` and the weighted
sum of a batch is `x @ w + b`. The binary step is 1 where its input is >= 0 and 0 elsewhere,
as in the lecture's activation table.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from reference._numerics import as_float, float_dtype

__all__ = [
    "weighted_sum", "neuron", "perceptron_predict", "perceptron_train",
    "AND_GATE", "OR_GATE", "NAND_GATE",
]


def weighted_sum(x, w, b):
    """The pre-activation z = x @ w + b.

    Args:
        x: inputs, `(N, D)` for a batch or `(D,)` for one sample.
        w: weights, `(D,)` for one neuron or `(D, K)` for K neurons side by side.
        b: bias, a scalar (one neuron) or `(K,)`.

    Returns:
        z: `(N,)`, `(N, K)`, `()` or `(K,)` following NumPy's matmul rules; floating, in the
        promoted dtype of the inputs (integers become float64, float32 stays float32).
    """
    dtype = float_dtype(x, w, b)
    return as_float(x, dtype) @ as_float(w, dtype) + as_float(b, dtype)


def neuron(x, w, b, activation: Callable):
    """A neuron: `activation(weighted_sum(x, w, b))`.

    Args:
        x: `(N, D)` or `(D,)`; w: `(D,)` or `(D, K)`; b: scalar or `(K,)`, as `weighted_sum`.
        activation: a callable applied elementwise to the weighted sum (for example a sigmoid).

    Returns:
        whatever `activation` returns on the weighted sum (normally its shape).
    """
    return activation(weighted_sum(x, w, b))


def perceptron_predict(x, w, b):
    """Rosenblatt's perceptron output: the binary step of the weighted sum.

    Args:
        x: `(N, D)` or `(D,)`; w: `(D,)` or `(D, K)`; b: scalar or `(K,)`.

    Returns:
        an integer (int64) array of the weighted sum's shape, 1 where `x @ w + b >= 0`, else 0.
    """
    return (weighted_sum(x, w, b) >= 0).astype(np.int64)


def perceptron_train(X, y, lr=0.1, epochs=100):
    """Rosenblatt's learning rule from zero weights.

    For each epoch, visit the samples in the given order; for sample i predict
    p = step(X[i] @ w + b), then update w += lr * (y[i] - p) * X[i] and b += lr * (y[i] - p).
    A sample counts as misclassified when p != y[i] at the moment it is visited (before its own
    update). Training stops after the first epoch with no misclassified sample (that epoch is
    included), or after `epochs` epochs.

    Args:
        X: `(N, D)` inputs.
        y: `(N,)` targets in {0, 1}.
        lr: learning rate (positive scalar).
        epochs: the most passes over the data.

    Returns:
        w: `(D,)` weights, in X's floating dtype (float64 for integer inputs).
        b: the bias, a NumPy scalar of the same dtype.
        errors: `(E,)` int64 array, E <= epochs; errors[e] counts the misclassified samples of
            epoch e.
    """
    X = as_float(X)
    dtype = X.dtype
    targets = np.asarray(y).reshape(-1)
    lr = dtype.type(lr)
    w = np.zeros(X.shape[1], dtype=dtype)
    b = dtype.type(0)
    errors = []
    for _ in range(int(epochs)):
        wrong = 0
        # The rule is sequential by nature: each update changes the next sample's prediction.
        for xi, yi in zip(X, targets):
            predicted = 1 if xi @ w + b >= 0 else 0
            delta = int(yi) - predicted
            if delta != 0:
                wrong += 1
                w = w + lr * delta * xi
                b = dtype.type(b + lr * delta)
        errors.append(wrong)
        if wrong == 0:
            break
    return w, b, np.asarray(errors, dtype=np.int64)


# Weights and biases that make `perceptron_predict` reproduce each gate on {0, 1}^2: a line
# that cuts off the corner(s) where the gate is 1, with a margin of 0.5 on every input.
AND_GATE = (np.array([1.0, 1.0]), -1.5)
OR_GATE = (np.array([1.0, 1.0]), -0.5)
NAND_GATE = (np.array([-1.0, -1.0]), 1.5)
