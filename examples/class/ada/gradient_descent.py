"""Ada's optimisers: loops and explicit copies, Keras's arrangement of Adam."""
import math

import numpy as np


def gradient_descent(grad_fn, w0, lr, n_steps):
    w = np.array(w0, copy=True)
    path = np.empty((n_steps + 1,) + w.shape, dtype=w.dtype)
    path[0] = w
    for k in range(1, n_steps + 1):
        w = w - lr * grad_fn(w)
        path[k] = w
    return w, path


def sgd_step(params, grads, lr):
    new = {}
    for key in params:
        new[key] = params[key] - lr * grads[key]
    return new


def momentum_step(params, grads, velocity, lr=0.01, momentum=0.9):
    if velocity is None:
        velocity = {key: np.zeros_like(value) for key, value in params.items()}
    new_params, new_velocity = {}, {}
    for key in params:
        new_velocity[key] = momentum * velocity[key] - lr * grads[key]
        new_params[key] = params[key] + new_velocity[key]
    return new_params, new_velocity


def adam_step(params, grads, state, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if state is None:
        step = 0
        m_old = {key: np.zeros_like(value) for key, value in params.items()}
        v_old = {key: np.zeros_like(value) for key, value in params.items()}
    else:
        step, m_old, v_old = state
    step += 1
    # Keras folds both bias corrections into the step size
    alpha = lr * math.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
    new_params, m_new, v_new = {}, {}, {}
    for key in params:
        m_new[key] = m_old[key] + (grads[key] - m_old[key]) * (1 - beta_1)
        v_new[key] = v_old[key] + (grads[key] ** 2 - v_old[key]) * (1 - beta_2)
        new_params[key] = params[key] - alpha * m_new[key] / (np.sqrt(v_new[key]) + epsilon)
    return new_params, (step, m_new, v_new)


def minibatches(X, y, batch_size, rng):
    # another correct shuffle: sort random keys
    order = np.argsort(rng.random(len(X)), kind="stable")
    out = []
    start = 0
    while start < len(order):
        picked = order[start:start + batch_size]
        out.append((np.asarray(X)[picked], np.asarray(y)[picked]))
        start += batch_size
    return out


def _sigmoid(z):
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out


def train_logistic_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X)
    y = np.asarray(y, dtype=X.dtype)
    n, d = X.shape
    w = np.zeros(d, dtype=X.dtype)
    b = X.dtype.type(0.0)
    losses = []
    for _ in range(epochs):
        p = _sigmoid(X @ w + b)
        q = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) / n)
        w = w - lr * (X.T @ (p - y)) / n
        b = b - lr * np.sum(p - y) / n
    return w, b, np.array(losses, dtype=X.dtype)
