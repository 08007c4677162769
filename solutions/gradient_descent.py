# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gradient descent: following the slope
#
# Training chooses the weights $W$ that make the loss $J(W)$ small. We cannot try every $W$,
# but we can ask, at the weights we have, which way is downhill. The **gradient**
# $\frac{\partial J}{\partial W}$ points in the direction in which $J$ grows fastest, so a small
# step against it lowers $J$. The lectures' algorithm:
#
# 1. initialise the weights (randomly, or at zero);
# 2. loop until convergence:
#     1. compute the gradient $\frac{\partial J(W)}{\partial W}$ at the current weights;
#     2. update the weights, $W \leftarrow W - \eta \frac{\partial J(W)}{\partial W}$;
# 3. return the weights.
#
# The **learning rate** $\eta$ (`lr`) sets the step's length. Too small, and each step barely
# moves: training crawls, and it may settle in the first shallow dip it meets. Too large, and
# each step jumps over the valley's floor to the other side, higher than it started: the
# iterates bounce further and further out and the loss blows up (it diverges).
#
# On the bowl $J(w) = \frac{c}{2} w^2$ (gradient $c\,w$) you can see both at once: one step
# gives $w \leftarrow w - \eta c w = (1 - \eta c)\,w$. For $0 < \eta c < 1$ the iterates shrink
# steadily, slowly when $\eta c$ is tiny; for $1 < \eta c < 2$ they flip sign every step but
# still shrink; for $\eta c > 2$ they grow without bound. A bowl that is steep in one direction
# and shallow in another (**ill-conditioned**) is hard: the steep direction caps $\eta$, and then
# the shallow direction crawls.
#
# In this exercise you write plain gradient descent, the update steps that Keras's optimizers
# take (SGD, momentum and Adam), mini-batches, and logistic regression trained by gradient
# descent.
#
# ## Conventions
#
# - Optimiser steps take the network's parameters as a dict of named arrays,
#   `{"W1": ..., "b1": ...}`, with the gradients in a dict with the same keys, and return **new**
#   dicts: never modify the dicts or the arrays you are given.
# - float32 parameters stay float32 (a Python float such as `lr` does not change that).
# - Randomness comes only from the `rng` argument (a `np.random.Generator`), never from
#   `np.random.seed` or the global `np.random` functions.

# %%
import numpy as np

# %% [markdown]
# ## Plain gradient descent
#
# `grad_fn` is a function: give it the current `w` and it returns the gradient at `w`, an array
# of `w`'s shape. Run `n_steps` updates from `w0` and return the last `w` together with the
# whole **path**: `path[0]` is `w0` itself and `path[k]` the weights after `k` steps, so the path
# has `n_steps + 1` entries. Stacking a list of arrays with `np.array(list_of_arrays)` gives the
# shape `(n_steps + 1, *w0.shape)`.

# %%
def gradient_descent(grad_fn, w0, lr, n_steps):
    """Run n_steps of w <- w - lr * grad_fn(w), starting at w0.

    Args:
        grad_fn: a function mapping an array of w0's shape to the gradient there (same shape).
        w0: the starting weights, an array of any shape S.
        lr: the learning rate (a number).
        n_steps: the number of updates (0 or more).

    Returns:
        w: the weights after n_steps updates, shape S.
        path: `(n_steps + 1, *S)`, path[0] = w0 and path[k] the weights after k updates.

    Hint: keep a list of the iterates, starting with w0; append after each update.
    """
    ### BEGIN SOLUTION
    w = np.array(w0)  # a copy: the caller's w0 must stay as it was
    path = [w]
    for _ in range(n_steps):
        w = w - lr * grad_fn(w)
        path.append(w)
    return w, np.array(path)
    ### END SOLUTION


# %% [markdown]
# ## One SGD step on a dict of parameters
#
# In a network every parameter array takes the same step, $p \leftarrow p - \eta\,g_p$. Build a
# new dict: a dict comprehension over `params.items()` reads well.

# %%
def sgd_step(params, grads, lr):
    """One plain gradient-descent step on every parameter.

    Args:
        params: dict name -> parameter array (any shapes).
        grads: dict name -> gradient array, the same keys and shapes as params.
        lr: the learning rate.

    Returns:
        a new dict with the same keys, params[k] - lr * grads[k].

    Hint: `{name: ... for name, p in params.items()}`; do not assign into `params`.
    """
    ### BEGIN SOLUTION
    return {name: p - lr * grads[name] for name, p in params.items()}
    ### END SOLUTION


# %% [markdown]
# ## Momentum
#
# Plain gradient descent forgets where it came from. **Momentum** keeps a velocity $v$ per
# parameter, a running sum of past steps that decays by the factor `momentum` each time. Along
# a steady slope the steps add up and speed up; across a narrow valley they point alternately
# one way and the other and cancel. Keras's `SGD(learning_rate=lr, momentum=momentum)` does
#
# $$v \leftarrow \text{momentum}\cdot v - \eta\,g, \qquad w \leftarrow w + v,$$
#
# with $v = 0$ before the first step. The velocity is updated first and the new one moves $w$.
# Return the new parameters and the new velocities (both dicts); the caller passes the
# velocities back in on the next step. `velocity` may be `None` on the first call, or lack a
# key: treat that as zeros.

# %%
def momentum_step(params, grads, velocity, lr=0.01, momentum=0.9):
    """One step of SGD with momentum, as Keras's SGD(learning_rate=lr, momentum=momentum).

    Args:
        params: dict name -> parameter array.
        grads: dict name -> gradient array, the same keys and shapes.
        velocity: dict name -> velocity array from the previous step, or None (zeros).
        lr: the learning rate; momentum: the decay of the velocity (0 gives plain SGD).

    Returns:
        (new_params, new_velocity): two new dicts with the keys of params.

    Hint: for each name, v = momentum * v_old - lr * g, then p + v.
    """
    ### BEGIN SOLUTION
    velocity = velocity or {}
    new_params, new_velocity = {}, {}
    for name, p in params.items():
        v_old = velocity.get(name)
        if v_old is None:
            v_old = np.zeros_like(p)
        v = momentum * v_old - lr * grads[name]
        new_velocity[name] = v
        new_params[name] = p + v
    return new_params, new_velocity
    ### END SOLUTION


# %% [markdown]
# ## Adam
#
# Adam (the optimiser the lectures' Keras models compile with) keeps two running averages per
# parameter: $m$ of the gradients (like momentum) and $v$ of the squared gradients (how large
# they usually are). Each parameter's step is $m / \sqrt{v}$, so every parameter moves by about
# `lr`, whatever the scale of its gradient. With $t$ counting the steps from 1:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1)\,g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\,g^2,$$
#
# $$\hat{m} = \frac{m}{1 - \beta_1^t}, \qquad \hat{v} = \frac{v}{1 - \beta_2^t}, \qquad
# w \leftarrow w - \eta\,\frac{\hat{m}}{\sqrt{\hat{v}} + \varepsilon}.$$
#
# **Bias correction.** $m$ and $v$ start at 0, so after one step $m = (1 - \beta_1) g$, only a
# tenth of the gradient: the averages are biased towards 0 until they have seen enough steps.
# Dividing by $1 - \beta^t$ undoes exactly that (at $t = 1$, $\hat{m} = g$ and $\hat{v} = g^2$),
# and the correction fades as $t$ grows.
#
# **Keras's arrangement.** Keras computes the same step as
# $w \leftarrow w - \alpha\,m / (\sqrt{v} + \varepsilon)$ with
# $\alpha = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)$: the two corrections folded into the step
# size, and $\varepsilon$ added to $\sqrt{v}$ instead of $\sqrt{\hat{v}}$. The two forms differ only
# in where the tiny $\varepsilon$ sits; the graders accept both.
#
# `state` is `None` on the first call. Return the new parameters and a new state holding
# whatever you need next time (the step count and the $m$ and $v$ dicts); the caller hands it
# back unchanged. Do not modify the state you are given: build a new one.

# %%
def adam_step(params, grads, state, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One Adam step with bias correction, as keras.optimizers.Adam.

    Args:
        params: dict name -> parameter array.
        grads: dict name -> gradient array, the same keys and shapes.
        state: None on the first call; afterwards the state this function returned last time.
        lr, beta_1, beta_2, epsilon: Adam's hyper-parameters (Keras's defaults).

    Returns:
        (new_params, new_state): a new params dict, and the state for the next call.

    Hint: keep {"t": ..., "m": {...}, "v": {...}} in the state; t starts at 1 on the first step.
    """
    ### BEGIN SOLUTION
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    t = state["t"] + 1
    new_params, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        m = state["m"].get(name, np.zeros_like(p))
        v = state["v"].get(name, np.zeros_like(p))
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** t)  # undo the pull towards the zero start
        v_hat = v / (1 - beta_2 ** t)
        new_params[name] = p - lr * m_hat / (np.sqrt(v_hat) + epsilon)
        new_m[name], new_v[name] = m, v
    return new_params, {"t": t, "m": new_m, "v": new_v}
    ### END SOLUTION


# %% [markdown]
# ## Mini-batches
#
# Computing the gradient on the whole data set for every step is slow on large data. Stochastic
# gradient descent estimates it on a **mini-batch**: shuffle the samples once per epoch, cut the
# shuffled order into consecutive batches of `batch_size`, and take one step per batch. Every
# sample is used exactly once per epoch; when `N` is not a multiple of `batch_size` the last
# batch is smaller (do not drop it).
#
# Shuffle an **order**, not the data: `order = rng.permutation(N)` gives the sample numbers in a
# random order, and `X[order[a:b]]`, `y[order[a:b]]` pick the same samples from both arrays, so
# every input stays with its own target. Use the `rng` you are given, so that the same generator
# state gives the same batches.

# %%
def minibatches(X, y, batch_size, rng):
    """Shuffle the samples with rng and cut them into batches.

    Args:
        X: `(N, ...)` inputs; y: `(N, ...)` targets (the same N).
        batch_size: the number of samples per batch (a positive int).
        rng: a np.random.Generator, the only source of randomness.

    Returns:
        a list of ceil(N / batch_size) tuples (X_batch, y_batch), each `(B, ...)`, together
        holding every sample exactly once; the last batch may be smaller.

    Hint: `order = rng.permutation(len(X))`, then slice `order` in steps of batch_size.
    """
    ### BEGIN SOLUTION
    X, y = np.asarray(X), np.asarray(y)
    order = rng.permutation(len(X))
    batches = []
    for start in range(0, len(X), batch_size):
        chosen = order[start:start + batch_size]
        batches.append((X[chosen], y[chosen]))
    return batches
    ### END SOLUTION


# %% [markdown]
# ## Logistic regression by gradient descent
#
# The lecture's logistic regression is a single sigmoid neuron, $p = \sigma(Xw + b)$, that
# predicts the probability of class 1. Train it by full-batch gradient descent on the binary
# cross-entropy
#
# $$J(w, b) = -\frac{1}{N} \sum_{i=1}^{N} \bigl(y_i \log p_i + (1 - y_i) \log(1 - p_i)\bigr).$$
#
# The sigmoid's derivative $p(1-p)$ cancels the cross-entropy's denominators, which leaves the
# cleanest gradient of the course: the prediction errors, weighted by the inputs,
#
# $$\frac{\partial J}{\partial w} = \frac{1}{N} X^T (p - y), \qquad
# \frac{\partial J}{\partial b} = \frac{1}{N} \sum_i (p_i - y_i).$$
#
# Start from $w = 0$, $b = 0$. In every epoch: compute $p$, record the loss $J$ at the current
# weights (clip $p$ to $[10^{-7}, 1 - 10^{-7}]$ inside the log, as Keras does, so it stays
# finite), then step both $w$ and $b$. So `losses[e]` is the loss *before* step `e`. A stable
# sigmoid matters here: as the weights grow, $|Xw + b|$ can get large. This module stands alone,
# so write the sigmoid here (the activations notebook shows how to keep it stable).

# %%
def train_logistic_regression(X, y, lr=0.1, epochs=1000):
    """Logistic regression trained by full-batch gradient descent on binary cross-entropy.

    Args:
        X: `(N, D)` inputs; y: `(N,)` targets in {0, 1}.
        lr: the learning rate; epochs: the number of full-batch steps.

    Returns:
        w: `(D,)` weights; b: the bias (a number); losses: `(epochs,)`, losses[e] the
        cross-entropy before step e. X's floating dtype throughout.

    Hint: the gradient with respect to w is X.T @ (p - y) / N.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X)
    y = np.asarray(y).reshape(-1).astype(X.dtype)
    n = X.shape[0]
    w = np.zeros(X.shape[1], dtype=X.dtype)
    b = X.dtype.type(0)
    losses = np.zeros(epochs, dtype=X.dtype)
    for epoch in range(epochs):
        z = X @ w + b
        # exp of -|z| never overflows; the two branches are the same sigmoid
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        clipped = np.clip(p, 1e-7, 1 - 1e-7)
        losses[epoch] = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
        error = p - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * np.mean(error)
    return w, b, losses
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run `nnlab check gradient_descent` (some functions take a function or a random generator, which
# a stored check cannot hold; try those here). On the bowl $J(w) = \frac{1}{2}\lVert w \rVert^2$,
# whose gradient is $w$ itself:
#
# ```python
# bowl = lambda w: w
# for lr in (0.1, 1.5, 2.5):
#     w, path = gradient_descent(bowl, np.array([1.0, -2.0]), lr, 10)
#     print(lr, path[:, 0].round(3))   # crawls, bounces but shrinks, blows up
# batches = minibatches(np.arange(10).reshape(5, 2), np.arange(5), 2, np.random.default_rng(0))
# print([len(xb) for xb, yb in batches])  # [2, 2, 1]
# ```
