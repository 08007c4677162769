"""Reference: the problem one neuron cannot solve (lecture 001, "XOR perceptron").

A 2-`hidden`-1 network with sigmoid hidden and output units, trained by full-batch gradient
descent on the lecture's loss J = 1/2 (y - y_hat)^2, averaged over the batch (`half_sse`).
"""

from __future__ import annotations

import math

import numpy as np

from reference._numerics import as_float, float_dtype, sigmoid

__all__ = ["XOR_X", "XOR_Y", "init_xor_mlp", "xor_forward", "xor_train_step", "train_xor",
           "xor_predict"]

# The truth table in the order 00, 01, 10, 11.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def init_xor_mlp(rng: np.random.Generator, hidden=2):
    """Initial XOR network weights, as a Keras `Dense` layer initialises by default.

    Kernels are Glorot uniform (uniform on [-L, L], L = sqrt(6 / (fan_in + fan_out))), drawn
    W1 then W2 from `rng`; biases are zero.

    Args:
        rng: the only source of randomness.
        hidden: number of hidden units H.

    Returns:
        `{"W1": (2, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}`, float64.
    """
    hidden = int(hidden)
    l1 = math.sqrt(6.0 / (2 + hidden))
    W1 = rng.uniform(-l1, l1, size=(2, hidden))
    l2 = math.sqrt(6.0 / (hidden + 1))
    W2 = rng.uniform(-l2, l2, size=(hidden, 1))
    return {"W1": W1, "b1": np.zeros(hidden), "W2": W2, "b2": np.zeros(1)}


def _forward(X, params):
    dtype = float_dtype(X, *params.values())
    X = as_float(X, dtype)
    W1, b1, W2, b2 = (as_float(params[k], dtype) for k in ("W1", "b1", "W2", "b2"))
    h = sigmoid(X @ W1 + b1)
    return X, h, sigmoid(h @ W2 + b2), (W1, b1, W2, b2)


def xor_forward(X, params):
    """y_hat = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2).

    Args:
        X: `(N, 2)` inputs; params: as `init_xor_mlp` returns.

    Returns:
        y_hat: `(N, 1)` in (0, 1).
    """
    return _forward(X, params)[2]


def xor_train_step(params, X, Y, lr):
    """One full-batch gradient-descent step on half_sse = 0.5 * sum((Y - Y_hat)**2) / N.

    Backward, with the lecture's local error terms:
        delta2 = -(Y - Y_hat) / N * Y_hat (1 - Y_hat)      (N, 1)
        delta1 = (delta2 @ W2^T) * h (1 - h)              (N, H)
        dW2 = h^T delta2, db2 = sum delta2, dW1 = X^T delta1, db1 = sum delta1
    and every parameter moves by -lr times its gradient (all computed before any update).

    Args:
        params: `{"W1": (2, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}`.
        X: `(N, 2)`; Y: `(N, 1)` targets; lr: learning rate.

    Returns:
        (new_params, loss): a new dict and the half_sse *before* the step (a float).
    """
    X, h, y_hat, (W1, b1, W2, b2) = _forward(X, params)
    Y = as_float(Y, y_hat.dtype).reshape(y_hat.shape)
    n = X.shape[0]
    residual = Y - y_hat
    loss = float(0.5 * np.sum(residual ** 2) / n)
    delta2 = -residual / y_hat.dtype.type(n) * y_hat * (1 - y_hat)
    delta1 = (delta2 @ W2.T) * h * (1 - h)
    lr = y_hat.dtype.type(lr)
    new = {
        "W1": W1 - lr * (X.T @ delta1),
        "b1": b1 - lr * delta1.sum(axis=0),
        "W2": W2 - lr * (h.T @ delta2),
        "b2": b2 - lr * delta2.sum(axis=0),
    }
    return new, loss


def train_xor(params, X, Y, lr=1.0, epochs=5000):
    """`epochs` calls of `xor_train_step` from `params`.

    Args:
        params: the starting weights (not modified); X: `(N, 2)`; Y: `(N, 1)`.
        lr: learning rate; epochs: number of full-batch steps.

    Returns:
        (params, losses): the trained weights and `(epochs,)` float64 losses, losses[e] the
        half_sse before step e.
    """
    params = {key: np.array(value, copy=True) for key, value in params.items()}
    losses = np.empty(int(epochs))
    for e in range(int(epochs)):
        params, losses[e] = xor_train_step(params, X, Y, lr)
    return params, losses


def xor_predict(X, params):
    """Class predictions of the XOR network: 1 where y_hat >= 0.5 (the binary step of the
    output's pre-activation), else 0.

    Args:
        X: `(N, 2)`; params: as `init_xor_mlp` returns.

    Returns:
        `(N, 1)` int64 in {0, 1}.
    """
    return (xor_forward(X, params) >= 0.5).astype(np.int64)
