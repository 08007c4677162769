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
# # XOR: the problem one neuron cannot solve
#
# XOR ("exclusive or") is 1 when exactly one of its two inputs is 1:
#
# | $x_1$ | $x_2$ | $x_1$ XOR $x_2$ |
# |---|---|---|
# | 0 | 0 | 0 |
# | 0 | 1 | 1 |
# | 1 | 0 | 1 |
# | 1 | 1 | 0 |
#
# AND and OR can each be computed by one neuron, because one straight line separates their 1s
# from their 0s. XOR's 1s sit on one diagonal of the square and its 0s on the other, and no
# single line separates them (the perceptron notebook showed Rosenblatt's rule failing on it in
# every epoch). Two lines do: one hidden neuron can learn "at least one input is on" (OR), another
# "not both are on" (NAND), and an output neuron that fires when both hidden neurons fire
# computes XOR.
#
# In this exercise you build the lecture's **2-2-1 network** (two inputs, a hidden layer of two
# sigmoid neurons, one sigmoid output neuron), write its backward pass with the chain rule, and
# train it by gradient descent until it has learnt XOR.
#
# The truth table is given below as arrays, in the order 00, 01, 10, 11: `XOR_X (4, 2)` holds
# the inputs and `XOR_Y (4, 1)` the targets (one column, because the network has one output).

# %%
import numpy as np

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])

# %% [markdown]
# ## Initial weights
#
# If every weight started equal, the two hidden neurons would compute the same thing, receive
# the same gradient, and stay twins forever: the network would have one hidden neuron in
# effect. Random starting weights break that symmetry. Keras's `Dense` layers start from
# **Glorot uniform** weights: uniform on $[-L, L]$ with $L = \sqrt{6 / (\text{fan\_in} +
# \text{fan\_out})}$, where fan_in and fan_out count the layer's inputs and outputs; biases start
# at 0. Draw `W1` first and then `W2`, both from the `rng` you are given
# (`rng.uniform(-L, L, size=shape)`).
#
# The parameters live in a dict, `{"W1" (2, H), "b1" (H,), "W2" (H, 1), "b2" (1,)}`, with
# Keras's layout: a layer computes `inputs @ W + b`.

# %%
def init_xor_mlp(rng, hidden=2):
    """Glorot-uniform initial weights and zero biases for the 2-hidden-1 XOR network.

    Args:
        rng: a np.random.Generator, the only source of randomness.
        hidden: H, the number of hidden neurons.

    Returns:
        {"W1": (2, H), "b1": (H,), "W2": (H, 1), "b2": (1,)}, float64.

    Hint: L = np.sqrt(6 / (fan_in + fan_out)) for each layer; W1 is drawn before W2.
    """
    ### BEGIN SOLUTION
    limit_1 = np.sqrt(6.0 / (2 + hidden))
    W1 = rng.uniform(-limit_1, limit_1, size=(2, hidden))
    limit_2 = np.sqrt(6.0 / (hidden + 1))
    W2 = rng.uniform(-limit_2, limit_2, size=(hidden, 1))
    return {"W1": W1, "b1": np.zeros(hidden), "W2": W2, "b2": np.zeros(1)}
    ### END SOLUTION


# %% [markdown]
# ## The forward pass
#
# Feed the inputs through the layers:
#
# $$h = \sigma(X W_1 + b_1) \quad (N, H), \qquad \hat{y} = \sigma(h W_2 + b_2) \quad (N, 1),$$
#
# with $\sigma(z) = 1 / (1 + e^{-z})$ the sigmoid. Both layers squash with the sigmoid, so every
# output lies strictly between 0 and 1. Write a small `sigmoid` helper first (this module stands
# alone); the one from the activations notebook is perfect.

# %%
def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), elementwise, without overflow warnings."""
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


# %%
def xor_forward(X, params):
    """The network's output, sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2).

    Args:
        X: `(N, 2)` inputs.
        params: {"W1" (2, H), "b1" (H,), "W2" (H, 1), "b2" (1,)}.

    Returns:
        y_hat: `(N, 1)`, values in (0, 1).

    Hint: two lines, one per layer.
    """
    ### BEGIN SOLUTION
    h = sigmoid(X @ params["W1"] + params["b1"])
    return sigmoid(h @ params["W2"] + params["b2"])
    ### END SOLUTION


# %% [markdown]
# ## The backward pass, with the lecture's chain rule
#
# The loss is the lecture's half squared error, averaged over the $N$ samples of the batch:
#
# $$J = \frac{1}{N} \sum_{i} \tfrac{1}{2}\bigl(y_i - \hat{y}_i\bigr)^2.$$
#
# Backpropagation starts at the output and walks back one layer at a time, each time
# multiplying by one more local derivative. Write $e$ for a neuron's weighted sum and $f(e)$ for
# its output; for the sigmoid, $f'(e) = f(e)\,(1 - f(e))$, which we already have from the
# forward pass.
#
# 1. **Output error.** $\delta = \frac{\partial J}{\partial \hat{y}} = -(y - \hat{y}) / N$,
#    shape `(N, 1)` (the lecture's $-(y - \hat{y})$, with the batch average's $1/N$).
# 2. **Into the output neuron's sum.** Multiply by the sigmoid's derivative:
#    $\delta_2 = \delta \cdot \hat{y}(1 - \hat{y})$.
# 3. **Output weights.** $\frac{\partial J}{\partial w} = \delta \cdot f'(e) \cdot \text{input}$:
#    the input of $W_2$ is $h$, so `dW2 = h.T @ delta2` `(H, 1)`, summing over the samples, and
#    `db2 = delta2.sum(axis=0)` (a bias's input is always 1).
# 4. **Hidden errors.** A hidden neuron's error is the sum of the errors above it, each weighted
#    by the connecting weight: `delta2 @ W2.T`, shape `(N, H)`. Multiply by its own sigmoid's
#    derivative, $\delta_1 = (\delta_2 W_2^T) \cdot h(1 - h)$.
# 5. **Hidden weights.** The same pattern: `dW1 = X.T @ delta1`, `db1 = delta1.sum(axis=0)`.
#
# Then every parameter takes one gradient-descent step, $p \leftarrow p - \eta\,\frac{\partial J}
# {\partial p}$. Compute **all** the gradients from the same forward pass before you move any
# weight: step 4 needs the $W_2$ that produced the output, not an updated one.
#
# `xor_train_step` returns the new parameters (a new dict; leave the one you were given alone)
# and the loss $J$ of the forward pass it used, the loss *before* the step.

# %%
def xor_train_step(params, X, Y, lr):
    """One full-batch gradient-descent step on the half squared error.

    Args:
        params: {"W1" (2, H), "b1" (H,), "W2" (H, 1), "b2" (1,)}.
        X: `(N, 2)` inputs; Y: `(N, 1)` targets; lr: the learning rate.

    Returns:
        (new_params, loss): a new dict with the same keys and shapes, and the loss
        0.5 * sum((Y - y_hat)**2) / N of the forward pass before the step (a number).

    Hint: forward (keep h and y_hat), the loss, delta2, the W2 and b2 gradients, delta1, the
    W1 and b1 gradients, and only then the updates.
    """
    ### BEGIN SOLUTION
    n = X.shape[0]
    h = sigmoid(X @ params["W1"] + params["b1"])
    y_hat = sigmoid(h @ params["W2"] + params["b2"])
    loss = 0.5 * np.sum((Y - y_hat) ** 2) / n

    delta = -(Y - y_hat) / n                   # dJ / dy_hat
    delta2 = delta * y_hat * (1 - y_hat)       # through the output sigmoid
    dW2 = h.T @ delta2
    db2 = delta2.sum(axis=0)
    delta1 = (delta2 @ params["W2"].T) * h * (1 - h)  # back through W2, then the hidden sigmoid
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0)

    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    new_params = {name: params[name] - lr * grads[name] for name in params}
    return new_params, float(loss)
    ### END SOLUTION


# %% [markdown]
# ## Training
#
# An epoch here is one full-batch step on all four rows of the truth table. Repeat it and keep
# every epoch's loss, so that you can plot the learning curve. With the default learning rate
# of 1.0 the loss of a lucky start falls from about 0.13 to nearly 0 within a few thousand
# epochs. An unlucky start can get stuck on a plateau (for example with both hidden neurons
# learning the same line); try another seed.

# %%
def train_xor(params, X, Y, lr=1.0, epochs=5000):
    """Train the XOR network with `epochs` calls of xor_train_step.

    Args:
        params: the starting weights (not modified); X: `(N, 2)`; Y: `(N, 1)`.
        lr: the learning rate; epochs: the number of full-batch steps.

    Returns:
        (params, losses): the trained weights and `(epochs,)` losses, losses[e] the loss
        before step e.

    Hint: a loop that calls xor_train_step and stores each loss in an array.
    """
    ### BEGIN SOLUTION
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        params, losses[epoch] = xor_train_step(params, X, Y, lr)
    return params, losses
    ### END SOLUTION


# %% [markdown]
# ## Predictions
#
# The network's output is a probability-like number in (0, 1). The predicted class is 1 where
# $\hat{y} \ge 0.5$ and 0 elsewhere, as integers.

# %%
def xor_predict(X, params):
    """Class predictions of the XOR network: 1 where the output is >= 0.5, else 0.

    Args:
        X: `(N, 2)` inputs; params: the network's weights.

    Returns:
        `(N, 1)` integers in {0, 1}.

    Hint: compare xor_forward's output with 0.5 and convert to integers.
    """
    ### BEGIN SOLUTION
    return (xor_forward(X, params) >= 0.5).astype(np.int64)
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run `nnlab check xor`, then train from a few seeds and look at what the hidden layer learnt:
#
# ```python
# params = init_xor_mlp(np.random.default_rng(1))
# trained, losses = train_xor(params, XOR_X, XOR_Y)
# print(losses[0], losses[-1])            # the loss falls
# print(xor_forward(XOR_X, trained).round(3).ravel())
# print(xor_predict(XOR_X, trained).ravel())  # [0 1 1 0] when training worked
# ```
#
# Plot `losses` against the epoch, and colour a grid of points in the square by the network's
# output: the boundary at 0.5 is not a straight line.
