"""Catalogued mistakes of xor.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import _mistake_xor_pass, _mistake_xor_update
from reference.mistakes.registry import mistake


@mistake("xor.xor_forward", looks_like="a network with a linear output",
         why="the XOR network squashes its output with a sigmoid too, so y_hat lies in (0, 1)")
def xor_forward_linear_output(X, params):
    h = 1 / (1 + np.exp(-(np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"])))
    return h @ params["W2"] + params["b2"]


@mistake("xor.xor_train_step", looks_like="a step on mse instead of half_sse",
         why="this exercise minimises J = 1/2 (y - y_hat)^2 averaged over the batch, whose "
             "gradient is -(y - y_hat) / N; mse has no 1/2 and doubles both loss and step")
def xor_train_step_mse(params, X, Y, lr):
    X, Y, h, y_hat = _mistake_xor_pass(params, X, Y)
    n = X.shape[0]
    loss = float(np.mean((Y - y_hat) ** 2))
    d2 = -2 * (Y - y_hat) / n * y_hat * (1 - y_hat)
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return _mistake_xor_update(params, X, h, d1, d2, lr), loss


@mistake("xor.xor_train_step", looks_like="backprop without the output sigmoid's derivative",
         why="the output error delta = -(y - y_hat) / N must be multiplied by the sigmoid's "
             "derivative y_hat (1 - y_hat) before it reaches W2 and the hidden layer")
def xor_train_step_no_output_derivative(params, X, Y, lr):
    X, Y, h, y_hat = _mistake_xor_pass(params, X, Y)
    n = X.shape[0]
    loss = float(0.5 * np.sum((Y - y_hat) ** 2) / n)
    d2 = -(Y - y_hat) / n
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return _mistake_xor_update(params, X, h, d1, d2, lr), loss


@mistake("xor.xor_train_step", looks_like="backprop through the already-updated W2",
         why="all gradients are computed from the same forward pass before any weight moves; "
             "the hidden layer's error uses the old W2")
def xor_train_step_uses_updated_W2(params, X, Y, lr):
    X, Y, h, y_hat = _mistake_xor_pass(params, X, Y)
    n = X.shape[0]
    loss = float(0.5 * np.sum((Y - y_hat) ** 2) / n)
    d2 = -(Y - y_hat) / n * y_hat * (1 - y_hat)
    W2 = params["W2"] - lr * h.T @ d2
    d1 = (d2 @ W2.T) * h * (1 - h)  # the updated W2 (should be params["W2"])
    return _mistake_xor_update(params, X, h, d1, d2, lr), loss


@mistake("xor.xor_predict", looks_like="thresholding the sigmoid output at 0",
         why="the output is a sigmoid in (0, 1), always above 0; the class is 1 where "
             "y_hat >= 0.5")
def xor_predict_threshold_zero(X, params):
    h = 1 / (1 + np.exp(-(np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"])))
    y_hat = 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
    return (y_hat >= 0).astype(np.int64)


@mistake("xor.xor_train_step", looks_like="backprop without the hidden sigmoid's derivative",
         why="the error reaching a hidden neuron, delta2 @ W2.T, must be multiplied by that "
             "neuron's own sigmoid derivative h (1 - h) before it gives dW1 and db1")
def xor_train_step_no_hidden_derivative(params, X, Y, lr):
    X, Y, h, y_hat = _mistake_xor_pass(params, X, Y)
    n = X.shape[0]
    loss = float(0.5 * np.sum((Y - y_hat) ** 2) / n)
    d2 = -(Y - y_hat) / n * y_hat * (1 - y_hat)
    d1 = d2 @ params["W2"].T
    return _mistake_xor_update(params, X, h, d1, d2, lr), loss


@mistake("xor.xor_train_step", looks_like="a step on the summed, not averaged, loss",
         why="J averages the half squared error over the N samples, so its gradient carries a "
             "1/N: delta = -(y - y_hat) / N, and the loss is divided by N too")
def xor_train_step_summed(params, X, Y, lr):
    X, Y, h, y_hat = _mistake_xor_pass(params, X, Y)
    loss = float(0.5 * np.sum((Y - y_hat) ** 2))
    d2 = -(Y - y_hat) * y_hat * (1 - y_hat)
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return _mistake_xor_update(params, X, h, d1, d2, lr), loss


@mistake("xor.xor_forward", looks_like="a network without the hidden sigmoid",
         why="the hidden layer squashes its weighted sums too, h = sigmoid(X @ W1 + b1); without "
             "it the two layers collapse into one linear map and XOR is out of reach")
def xor_forward_linear_hidden(X, params):
    h = np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"]
    return 1 / (1 + np.exp(-(h @ params["W2"] + params["b2"])))
