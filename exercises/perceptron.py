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
# # The perceptron: one neuron
#
# Every network in this course is built from one small part, the **neuron**. It takes a vector
# of inputs $x = (x_1, \dots, x_m)$, multiplies each input by a weight, adds the products and a
# bias, and passes that number through an activation function $g$:
#
# $$\hat{y} = g\Bigl(w_0 + \sum_{j=1}^{m} x_j w_j\Bigr) = g(w_0 + x^T W).$$
#
# The lecture calls the bias $w_0$; in code it is `b`. You can read the bias as one more weight
# whose input is always 1: it moves the point where $g$ switches on to the left or to the right.
#
# Without $g$ this is logistic regression's $Z = w_0 + w_1 x_1 + \dots + w_n x_n$; with $g$ the
# sigmoid it *is* logistic regression. With $g$ the **binary step** (0 below zero, 1 from zero up)
# it is Rosenblatt's **perceptron**, the first learning machine, and that is what you train at
# the end of this exercise.
#
# ## Conventions
#
# - A single sample is a vector `x` of shape `(D,)`; a batch is a matrix `(N, D)` with one sample
#   per row. The weights are `(D,)` for one neuron, or `(D, K)` for `K` neurons that read the same
#   inputs (one column per neuron, as in a Keras `Dense` layer).
# - Functions never modify their arguments and return new arrays; float32 in, float32 out.

# %%
import numpy as np

# %% [markdown]
# ## The weighted sum
#
# In matrix form the whole sum is one product: for one sample `x @ w + b` is a number; for a
# batch `X (N, D)` the product `X @ w` computes every row's sum at once, giving `(N,)`. With
# several neurons, `w (D, K)` and `b (K,)`, the lecture's multi-output perceptron
#
# $$z_i = w_{0,i} + \sum_{j=1}^{m} x_j w_{j,i}$$
#
# is again the same line of code, and the result has one column per neuron. NumPy's `@` and
# broadcasting (the bias `(K,)` is added to every row) do the bookkeeping.
#
# **The lecture's example.** With $w_0 = 1$ and $W = (5, -3)$ the neuron computes
# $g(1 + 5 x_1 - 3 x_2)$: everything inside $g$ is a straight line in the plane of the inputs.
# For the input $x = (-3, 2)$:
#
# $$z = 1 + 5 \cdot (-3) + (-3) \cdot 2 = 1 - 15 - 6 = -20,$$
#
# and a sigmoid neuron outputs $g(-20) = 1 / (1 + e^{20}) \approx 2.06 \times 10^{-9}$: this
# input lies far on the "0" side of the line.

# %%
def weighted_sum(x, w, b):
    """The neuron's pre-activation z = x @ w + b.

    Args:
        x: inputs, `(N, D)` for a batch or `(D,)` for a single sample.
        w: weights, `(D,)` for one neuron or `(D, K)` for K neurons side by side.
        b: bias, a number for one neuron or `(K,)` for K neurons.

    Returns:
        z: `(N,)` or `(N, K)` for a batch; a number (0-d) or `(K,)` for a single sample. The
        dtype is the inputs' floating dtype.

    Hint: one matrix product and one addition.
    """
    # YOUR CODE HERE
    raise NotImplementedError('weighted_sum is not implemented yet.')


# %% [markdown]
# ## A neuron
#
# A neuron is the weighted sum followed by its activation. Here the activation is passed in as
# a function, so the same code gives a linear neuron (`lambda z: z`), a tanh neuron (`np.tanh`)
# or a sigmoid neuron (your `sigmoid` from the activations notebook).

# %%
def neuron(x, w, b, activation):
    """A neuron's output, activation(x @ w + b).

    Args:
        x: `(N, D)` or `(D,)` inputs; w: `(D,)` or `(D, K)` weights; b: a number or `(K,)`,
            exactly as for `weighted_sum`.
        activation: a function applied elementwise to the weighted sum, e.g. `np.tanh`.

    Returns:
        the activation of the weighted sum, with the weighted sum's shape.

    Hint: reuse `weighted_sum`.
    """
    # YOUR CODE HERE
    raise NotImplementedError('neuron is not implemented yet.')


# %% [markdown]
# ## The perceptron's prediction
#
# Rosenblatt's perceptron uses the **binary step** of the lecture's activation table:
#
# $$\text{step}(z) = \begin{cases} 0 & z < 0 \\ 1 & z \ge 0 \end{cases}$$
#
# Mind the boundary: a sample exactly on the line $z = 0$ is predicted **1**. The predictions
# are class labels, so return integers (for example `.astype(np.int64)` of a boolean array), not
# floats and not probabilities.

# %%
def perceptron_predict(x, w, b):
    """The perceptron's class predictions: 1 where x @ w + b >= 0, else 0.

    Args:
        x: `(N, D)` or `(D,)` inputs; w: `(D,)` or `(D, K)`; b: a number or `(K,)`.

    Returns:
        integer array of the weighted sum's shape, values in {0, 1}.

    Hint: compare the weighted sum with 0 (with >=), then convert the booleans to integers.
    """
    # YOUR CODE HERE
    raise NotImplementedError('perceptron_predict is not implemented yet.')


# %% [markdown]
# ## Learning: Rosenblatt's rule
#
# How do we find weights that classify a data set? Start from $w = 0$, $b = 0$ and visit the
# samples one at a time, **in the given order**. For sample $x_i$ with target $y_i \in \{0, 1\}$:
#
# 1. predict $\hat{y}_i = \text{step}(x_i \cdot w + b)$ with the current weights;
# 2. if the prediction is wrong, count one error and move the weights:
#
# $$w \leftarrow w + \eta\,(y_i - \hat{y}_i)\,x_i, \qquad b \leftarrow b + \eta\,(y_i - \hat{y}_i).$$
#
# The sign does the work. A sample that should be 1 but was predicted 0 has
# $y_i - \hat{y}_i = +1$: $w$ moves *towards* $x_i$, which raises $x_i \cdot w$ next time. A false
# 1 gives $-1$ and pushes $w$ away. A right prediction gives 0 and changes nothing.
#
# One pass over all the samples is an **epoch**. Record how many samples were wrong in each
# epoch (counted when each sample is visited, before its own update). When an epoch has no
# errors at all, nothing changed during it, and nothing will change in the next one either: stop
# there (keep that epoch's 0 as the last entry of `errors`). Otherwise stop after `epochs` passes.
#
# If the two classes can be separated by a straight line (a plane, in more dimensions), the
# perceptron convergence theorem says this loop reaches an error-free epoch after finitely many
# updates. If they cannot, it never does.
#
# The updates depend on each other (each one changes the next prediction), so a loop over the
# samples is the natural way to write this.

# %%
def perceptron_train(X, y, lr=0.1, epochs=100):
    """Train a perceptron with Rosenblatt's rule, from zero weights and a zero bias.

    Args:
        X: `(N, D)` inputs, visited in row order in every epoch.
        y: `(N,)` targets in {0, 1}.
        lr: the learning rate eta.
        epochs: the largest number of passes over the data.

    Returns:
        w: `(D,)` weights (X's floating dtype).
        b: the bias, a number.
        errors: `(E,)` integers, errors[e] = the number of misclassified samples in epoch e;
            E <= epochs, and training stops after the first epoch with no errors.

    Hint: two nested loops, epochs outside and samples inside; count the wrong predictions of
    the epoch and break out of the outer loop when the count is 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError('perceptron_train is not implemented yet.')


# %% [markdown]
# ## Logic gates with one neuron
#
# On the inputs $\{0, 1\}^2$ the gates AND, OR and NAND are linearly separable: one straight line
# puts the inputs where the gate is 1 on one side and the others on the other side. AND is 1 only
# at $(1, 1)$, so the line must cut that corner off: $x_1 + x_2 - 1.5 \ge 0$ does it, which is
# $w = (1, 1)$, $b = -1.5$. Choose `(w, b)` for each of the three gates, so that
# `perceptron_predict(X, *GATE)` reproduces its truth table on the four inputs below. Any weights
# that do it are right; a margin (no input exactly on the line) makes them robust.
#
# | $x_1$ | $x_2$ | AND | OR | NAND |
# |---|---|---|---|---|
# | 0 | 0 | 0 | 0 | 1 |
# | 0 | 1 | 0 | 1 | 1 |
# | 1 | 0 | 0 | 1 | 1 |
# | 1 | 1 | 1 | 1 | 0 |
#
# Write `logic_gates` to return the three `(w, b)` tuples, `w` an array of two weights and `b` a
# number; the module names them `AND_GATE`, `OR_GATE` and `NAND_GATE`. (Until you do, those names
# are `None` and the graders say the gates are not implemented yet.)

# %%
def logic_gates():
    """Weights and biases that make `perceptron_predict` compute three logic gates on {0, 1}^2.

    Returns:
        (and_gate, or_gate, nand_gate): three tuples (w, b), w of shape (2,) and b a number.

    Hint: cut off the corner (1, 1) for AND and the corner (0, 0) for OR; NAND is AND with
    every sign flipped.
    """
    # YOUR CODE HERE
    raise NotImplementedError('logic_gates is not implemented yet.')


try:
    AND_GATE, OR_GATE, NAND_GATE = logic_gates()
except NotImplementedError:  # logic_gates is not written yet
    AND_GATE = OR_GATE = NAND_GATE = None

# %% [markdown]
# ## Why XOR needs a hidden layer
#
# XOR is 1 when exactly one input is 1: at $(0, 1)$ and $(1, 0)$, but not at $(0, 0)$ or
# $(1, 1)$. No straight line has the first two points on one side and the last two on the other
# (each diagonal's two points must be split by the line, and the two diagonals cross). One
# neuron draws one line, so one neuron cannot compute XOR, and `perceptron_train` on XOR keeps
# making mistakes in every epoch until it runs out of epochs. A network with a **hidden layer**
# can: its hidden neurons draw two lines, and the output neuron combines them. You build that
# network in the XOR notebook.
#
# ## Try it
#
# Run `nnlab check perceptron`. Then train on the gates yourself:
#
# ```python
# X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
# w, b, errors = perceptron_train(X, np.array([0, 0, 0, 1]), lr=0.5)
# print(w, b, errors)        # stops early, the last entry of errors is 0
# w, b, errors = perceptron_train(X, np.array([0, 1, 1, 0]), lr=0.5, epochs=20)
# print(errors)              # XOR: never an epoch without a mistake
# ```
#
# and check the lecture's example: `weighted_sum(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0)`
# is `-20.0`, and `neuron(..., activation=lambda z: 1 / (1 + np.exp(-z)))` about `2.06e-09`.
