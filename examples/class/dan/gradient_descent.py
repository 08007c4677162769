"""Dan's optimisers: typical first attempts, each one a catalogued misconception."""
import numpy as np


def gradient_descent(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(n_steps):
        w = w + lr * grad_fn(w)                      # climbs instead of descending
        path.append(w)
    return w, np.array(path)


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def momentum_step(params, grads, velocity, lr=0.01, momentum=0.9):
    velocity = velocity or {}
    new_p, new_v = {}, {}
    for k in params:
        v = velocity.get(k, np.zeros_like(params[k]))
        new_p[k] = params[k] + v                     # steps with the old velocity
        new_v[k] = momentum * v - lr * grads[k]
    return new_p, new_v


def adam_step(params, grads, state, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if state is None:
        state = {"m": {}, "v": {}}
    new_p, m_all, v_all = {}, {}, {}
    for k in params:
        m = beta_1 * state["m"].get(k, 0.0) + (1 - beta_1) * grads[k]
        v = beta_2 * state["v"].get(k, 0.0) + (1 - beta_2) * grads[k] ** 2
        new_p[k] = params[k] - lr * m / (np.sqrt(v) + epsilon)   # no bias correction
        m_all[k], v_all[k] = m, v
    return new_p, {"m": m_all, "v": v_all}


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    n_full = len(X) // batch_size                    # the short last batch is lost
    return [(X[order[i * batch_size:(i + 1) * batch_size]], y[order[i * batch_size:(i + 1) * batch_size]])
            for i in range(n_full)]


def train_logistic_regression(X, y, lr=0.1, epochs=1000):
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
        w = w - lr * X.T @ (p - y)                   # summed, not averaged
        b = b - lr * np.sum(p - y)
    return w, b, np.array(losses)
