"""Cleo's XOR network: per-layer helper functions and the chain rule written with the
sigmoid's derivative taken from the forward pass."""
import numpy as np

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, and it never overflows


def init_xor_mlp(rng, hidden=2):
    params = {}
    fan = [(2, hidden), (hidden, 1)]
    for i, (fan_in, fan_out) in enumerate(fan, start=1):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params[f"W{i}"] = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def _layers(X, params):
    hidden = _sigmoid(np.dot(X, params["W1"]) + params["b1"])
    out = _sigmoid(np.dot(hidden, params["W2"]) + params["b2"])
    return hidden, out


def xor_forward(X, params):
    return _layers(X, params)[1]


def xor_train_step(params, X, Y, lr):
    hidden, out = _layers(X, params)
    n = len(X)
    loss = np.sum(0.5 * (Y - out) ** 2) / n
    grad_out = (out - Y) / n
    delta_out = grad_out * out * (1.0 - out)
    delta_hidden = np.dot(delta_out, params["W2"].T) * hidden * (1.0 - hidden)
    grads = {
        "W2": np.dot(hidden.T, delta_out),
        "b2": np.sum(delta_out, axis=0),
        "W1": np.dot(X.T, delta_hidden),
        "b1": np.sum(delta_hidden, axis=0),
    }
    return {k: params[k] - lr * grads[k] for k in params}, loss


def train_xor(params, X, Y, lr=1.0, epochs=5000):
    history = []
    for _ in range(epochs):
        params, loss = xor_train_step(params, X, Y, lr)
        history.append(loss)
    return params, np.array(history)


def xor_predict(X, params):
    return np.where(xor_forward(X, params) >= 0.5, 1, 0)
