"""Catalogued mistakes of gradient_descent.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import _mistake_adam_moments, _mistake_old_velocities
from reference.mistakes.registry import mistake


@mistake("gradient_descent.gradient_descent", looks_like="a path without the starting point",
         why="path[0] is w0 itself and path[k] the k-th iterate, so path has n_steps + 1 rows")
def gradient_descent_path_without_w0(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=np.float64)
    path = []
    for _ in range(int(n_steps)):
        w = w - lr * np.asarray(grad_fn(w.copy()), dtype=np.float64)
        path.append(w)
    return w, np.array(path).reshape((int(n_steps),) + w.shape)


@mistake("gradient_descent.gradient_descent", looks_like="gradient ascent",
         why="the gradient points uphill; descent steps against it, w <- w - lr * grad")
def gradient_descent_ascent(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=np.float64)
    path = [w]
    for _ in range(int(n_steps)):
        w = w + lr * np.asarray(grad_fn(w.copy()), dtype=np.float64)
        path.append(w)
    return w, np.array(path)


@mistake("gradient_descent.sgd_step", looks_like="a step that adds the gradient",
         why="a descent step subtracts lr times the gradient from each parameter")
def gradient_descent_sgd_step_adds(params, grads, lr):
    return {k: np.asarray(p) + lr * np.asarray(grads[k]) for k, p in params.items()}


@mistake("gradient_descent.momentum_step", looks_like="momentum with the velocity's sign flipped",
         why="Keras's velocity is v = momentum * v - lr * g and the step is w + v; adding "
             "+lr * g to the velocity walks uphill")
def gradient_descent_momentum_sign_flipped(params, grads, velocity, lr=0.01, momentum=0.9):
    old = _mistake_old_velocities(params, velocity)
    new_v = {k: momentum * v + lr * np.asarray(grads[k]) for k, v in old.items()}  # + lr * g (should be -)
    return {k: np.asarray(p) + new_v[k] for k, p in params.items()}, new_v


@mistake("gradient_descent.momentum_step", looks_like="momentum that steps with the old velocity",
         why="first update the velocity, v = momentum * v - lr * g, then step with the new "
             "one, w = w + v")
def gradient_descent_momentum_old_velocity(params, grads, velocity, lr=0.01, momentum=0.9):
    old = _mistake_old_velocities(params, velocity)
    new_p = {k: np.asarray(p) + old[k] for k, p in params.items()}  # the old velocity (should be the new)
    return new_p, {k: momentum * v - lr * np.asarray(grads[k]) for k, v in old.items()}


@mistake("gradient_descent.adam_step", looks_like="Adam without bias correction",
         why="m and v start at zero and are biased towards it early on; Keras scales the "
             "step by sqrt(1 - beta_2**t) / (1 - beta_1**t), with t counting steps from 1")
def gradient_descent_adam_without_bias_correction(params, grads, state, lr=0.001, beta_1=0.9,
                                                  beta_2=0.999, epsilon=1e-7):
    t, ps, ms, vs = _mistake_adam_moments(params, grads, state, beta_1, beta_2)
    # m and v used as they are (should be m / (1 - beta_1**t) and v / (1 - beta_2**t))
    new_p = {k: p - lr * ms[k] / (np.sqrt(vs[k]) + epsilon) for k, p in ps.items()}
    return new_p, {"t": t, "m": ms, "v": vs}


@mistake("gradient_descent.adam_step", looks_like="Adam that divides by v instead of sqrt(v)",
         why="Adam divides the first moment by the square root of the second, "
             "m_hat / (sqrt(v_hat) + epsilon), so that the step has the scale of lr")
def gradient_descent_adam_without_sqrt(params, grads, state, lr=0.001, beta_1=0.9,
                                       beta_2=0.999, epsilon=1e-7):
    t, ps, ms, vs = _mistake_adam_moments(params, grads, state, beta_1, beta_2)
    new_p = {}
    for k, p in ps.items():
        m_hat, v_hat = ms[k] / (1 - beta_1**t), vs[k] / (1 - beta_2**t)
        new_p[k] = p - lr * m_hat / (v_hat + epsilon)  # v_hat itself (should be np.sqrt(v_hat))
    return new_p, {"t": t, "m": ms, "v": vs}


@mistake("gradient_descent.minibatches", looks_like="batches in the original order",
         why="each epoch visits the samples in a random order, rng.permutation(N); without the "
             "shuffle every epoch sees the same batches")
def gradient_descent_minibatches_unshuffled(X, y, batch_size, rng):
    X, y = np.asarray(X), np.asarray(y)
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


@mistake("gradient_descent.minibatches", looks_like="batching that drops the last short batch",
         why="every sample is used once per epoch; when N is not a multiple of batch_size the "
             "last batch is smaller, not discarded")
def gradient_descent_minibatches_drop_last(X, y, batch_size, rng):
    X, y = np.asarray(X), np.asarray(y)
    order = rng.permutation(len(X))
    full = len(X) - len(X) % batch_size
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, full, batch_size)]


@mistake("gradient_descent.train_logistic_regression", looks_like="a summed, not averaged, gradient",
         why="the loss is the mean over the N samples, so its gradient is X^T (p - y) / N; "
             "without the 1/N the step grows with the data set")
def gradient_descent_logreg_sum_gradient(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(int(epochs)):
        z = X @ w + b
        p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                     np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
        w = w - lr * X.T @ (p - y)
        b = b - lr * np.sum(p - y)
    return w, np.float64(b), np.array(losses)


@mistake("gradient_descent.train_logistic_regression", looks_like="training without the bias",
         why="the bias has its own gradient, mean(p - y), and is updated with the weights")
def gradient_descent_logreg_fixed_bias(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.zeros(X.shape[1])
    losses = []
    for _ in range(int(epochs)):
        z = X @ w
        p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                     np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
        pc = np.clip(p, 1e-7, 1 - 1e-7)
        losses.append(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))
        w = w - lr * X.T @ (p - y) / len(y)
    return w, np.float64(0.0), np.array(losses)


@mistake("gradient_descent.gradient_descent", looks_like="a path whose rows are all the last w",
         why="`w -= lr * grad` changes the one array that every entry of the path refers to; "
             "write `w = w - lr * grad_fn(w)`, which makes a new array for each step")
def gradient_descent_path_aliases_one_array(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=np.float64)
    path = [w]
    for _ in range(int(n_steps)):
        w -= lr * np.asarray(grad_fn(w.copy()), dtype=np.float64)
        path.append(w)
    return w, np.array(path)

