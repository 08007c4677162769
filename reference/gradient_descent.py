"""Reference: following the slope (lectures 000, 001, 002).

Plain gradient descent w' = w - eta * dJ/dw, its stochastic and momentum variants, Adam as
Keras 3 computes it, mini-batches, and logistic regression trained by full-batch descent.

Optimizer steps take and return dicts of named arrays (`{"W1": ..., "b1": ...}`); they never
modify the dicts or arrays they are given. As in Keras, each hyper-parameter is cast to the
parameter's dtype before use, so float32 parameters stay float32.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from reference._numerics import EPSILON, as_float, sigmoid

__all__ = [
    "gradient_descent", "sgd_step", "momentum_step", "adam_step", "minibatches",
    "train_logistic_regression",
]


def gradient_descent(grad_fn: Callable, w0, lr, n_steps):
    """Run `n_steps` of w <- w - lr * grad_fn(w) from `w0`.

    Args:
        grad_fn: maps an array shaped like `w0` to the gradient of the same shape.
        w0: the starting point, any shape `S` (a scalar is shape `()`).
        lr: learning rate (scalar).
        n_steps: number of steps (int >= 0).

    Returns:
        w: the final iterate, shape `S`.
        path: `(n_steps + 1, *S)`, path[0] = w0 and path[k] the k-th iterate (path[-1] = w).
    """
    w = as_float(w0).copy()
    lr = w.dtype.type(lr)
    path = np.empty((int(n_steps) + 1,) + w.shape, dtype=w.dtype)
    path[0] = w
    for k in range(1, int(n_steps) + 1):
        w = w - lr * as_float(grad_fn(w.copy()), w.dtype)
        path[k] = w
    return w, path


def sgd_step(params: dict, grads: dict, lr):
    """One plain gradient step: `{k: params[k] - lr * grads[k]}`.

    Args:
        params: name -> parameter array (any shapes).
        grads: name -> gradient array, with the keys and shapes of `params`.
        lr: learning rate (scalar).

    Returns:
        a new dict with the same keys as `params`.
    """
    out = {}
    for key, p in params.items():
        p = as_float(p)
        out[key] = p - p.dtype.type(lr) * as_float(grads[key], p.dtype)
    return out


def momentum_step(params: dict, grads: dict, velocity, lr=0.01, momentum=0.9):
    """One step of Keras's SGD with (non-Nesterov) momentum.

    v <- momentum * v - lr * g;  w <- w + v   (Keras `SGD(learning_rate=lr, momentum=momentum)`).

    Args:
        params: name -> parameter array.
        grads: name -> gradient, same keys and shapes as `params`.
        velocity: name -> velocity array, same keys and shapes; `None` (or a missing key) means
            zeros, as Keras starts.
        lr, momentum: scalars.

    Returns:
        (params, velocity): two new dicts with the keys of `params`.
    """
    velocity = {} if velocity is None else velocity
    new_params, new_velocity = {}, {}
    for key, p in params.items():
        p = as_float(p)
        cast = p.dtype.type
        g = as_float(grads[key], p.dtype)
        v = velocity.get(key)
        v = np.zeros_like(p) if v is None else as_float(v, p.dtype)
        v = v * cast(momentum) - g * cast(lr)
        new_velocity[key] = v
        new_params[key] = p + v
    return new_params, new_velocity


def adam_step(params: dict, grads: dict, state, lr=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    """One step of Adam with the same numbers as `keras.optimizers.Adam` (Keras 3).

    With t the 1-based step count, Keras folds both bias corrections into the step size and adds
    epsilon to the uncorrected sqrt(v):

        m <- m + (g - m) * (1 - beta_1)            (= beta_1 m + (1 - beta_1) g)
        v <- v + (g**2 - v) * (1 - beta_2)
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w <- w - alpha * m / (sqrt(v) + epsilon)

    (This is the paper's "efficient" form; it differs from w - lr * m_hat / (sqrt(v_hat) + eps)
    only in where epsilon sits.)

    Args:
        params: name -> parameter array.
        grads: name -> gradient, same keys and shapes as `params`.
        state: `None` on the first call, afterwards the state this function returned:
            `{"t": int, "m": {name: array}, "v": {name: array}}` (t counts steps taken).
        lr, beta_1, beta_2, epsilon: scalars, Keras's defaults.

    Returns:
        (params, state): a new params dict and the new state; nothing given is modified.
    """
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    t = int(state["t"]) + 1
    constants = {}  # per dtype: (alpha, 1 - beta_1, 1 - beta_2, epsilon), cast as Keras casts
    new_params, new_m, new_v = {}, {}, {}
    for key, p in params.items():
        p = as_float(p)
        if p.dtype not in constants:
            cast = p.dtype.type
            alpha = cast(lr) * np.sqrt(1 - cast(beta_2) ** cast(t)) / (1 - cast(beta_1) ** cast(t))
            constants[p.dtype] = (alpha, 1 - cast(beta_1), 1 - cast(beta_2), cast(epsilon))
        alpha, one_minus_b1, one_minus_b2, eps = constants[p.dtype]
        g = as_float(grads[key], p.dtype)
        m = state["m"].get(key)
        v = state["v"].get(key)
        m = np.zeros_like(p) if m is None else as_float(m, p.dtype)
        v = np.zeros_like(p) if v is None else as_float(v, p.dtype)
        m = m + (g - m) * one_minus_b1
        v = v + (g * g - v) * one_minus_b2
        new_params[key] = p - (m * alpha) / (np.sqrt(v) + eps)
        new_m[key], new_v[key] = m, v
    return new_params, {"t": t, "m": new_m, "v": new_v}


def minibatches(X, y, batch_size, rng: np.random.Generator):
    """Shuffle once with `rng` and cut into consecutive batches.

    The order is `rng.permutation(N)`; batch k holds positions k*batch_size ... of that order,
    and the last batch holds what is left (it may be smaller).

    Args:
        X: `(N, ...)` inputs; y: `(N, ...)` targets (the first axes must agree).
        batch_size: positive int.
        rng: the only source of randomness.

    Returns:
        a list of ceil(N / batch_size) tuples `(X_batch (B, ...), y_batch (B, ...))`, new arrays.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}")
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError("batch_size must be a positive integer")
    order = rng.permutation(X.shape[0])
    return [(X[idx], y[idx]) for idx in
            (order[start:start + batch_size] for start in range(0, X.shape[0], batch_size))]


def train_logistic_regression(X, y, lr=0.1, epochs=1000):
    """Logistic regression by full-batch gradient descent on binary cross-entropy.

    From w = 0, b = 0, each epoch computes p = sigmoid(X @ w + b), records the loss
    -mean(y log p + (1 - y) log(1 - p)) (p clipped to [1e-7, 1 - 1e-7], as Keras), then steps
    w -= lr * X^T (p - y) / N and b -= lr * mean(p - y), the exact gradient of the unclipped
    loss.

    Args:
        X: `(N, D)` inputs; y: `(N,)` targets in {0, 1}.
        lr: learning rate; epochs: number of full-batch steps.

    Returns:
        w: `(D,)`; b: a scalar of the same dtype; losses: `(epochs,)`, losses[e] the loss at the
        parameters *before* step e (the forward pass that step used).
    """
    X = as_float(X)
    dtype = X.dtype
    y = as_float(y, dtype).reshape(-1)
    n = X.shape[0]
    lr = dtype.type(lr)
    w = np.zeros(X.shape[1], dtype=dtype)
    b = dtype.type(0)
    losses = np.empty(int(epochs), dtype=dtype)
    for e in range(int(epochs)):
        p = sigmoid(X @ w + b)
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        losses[e] = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
        err = p - y
        w = w - lr * (X.T @ err) / dtype.type(n)
        b = dtype.type(b - lr * np.mean(err))
    return w, b, losses
