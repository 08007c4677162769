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
# # Activations: the non-linearity in every neuron
#
# A neuron computes a weighted sum of its inputs plus a bias, $z = w^T x + b$, and then passes
# $z$ through an **activation function** $g$: its output is $\hat{y} = g(z)$. This exercise is
# about $g$. You will write the eight activations of the lecture's table, plus softmax (which
# has a slide of its own), and the derivatives that backpropagation needs, all in NumPy.
#
# **Why not just leave $g$ out?** Because a stack of linear layers is still linear. If one
# layer computes $W_1 x + b_1$ and the next $W_2(W_1 x + b_1) + b_2$, the two together are one
# layer with weights $W_2 W_1$ and bias $W_2 b_1 + b_2$. However many layers you add, a network
# without non-linearities can only draw straight decision boundaries (a line, a plane). The
# activation function is what lets a network bend its boundaries and approximate complicated
# functions.
#
# ## Rules for every function in this module
#
# - Each function works **elementwise** on an array of any shape (a single number, a vector,
#   a batch `(N, D)`, an image batch...) and returns a **new** array of the same shape. Never
#   change the input in place: `x[x < 0] = 0` would overwrite the caller's data.
# - The output keeps the input's **floating dtype**: float32 in, float32 out. NumPy helps
#   here: a Python number such as `0.01` or `1` combined with a float32 array stays float32.
#   But `np.where(x > 0, 1.0, 0.0)` has only Python numbers in its branches and comes out as
#   float64; cast it with `.astype(x.dtype)`.
# - A derivative `f_grad(x)` takes the **pre-activation** $x$ (the same $x$ you would give
#   `f`), not the output $f(x)$. Backpropagation multiplies it by the upstream gradient.
# - Some functions must be **numerically stable**: correct, and silent (no overflow
#   warnings), for inputs as large as $|x| = 1000$. `np.exp(1000)` is `inf` in float64
#   (the largest float64 is about $e^{709}$) and `inf` quickly becomes `nan`.

# %%
import numpy as np

# %% [markdown]
# ## Linear
#
# $f(x) = x$, range $(-\infty, \infty)$, derivative $f'(x) = 1$.
#
# The identity. It is what a regression network uses on its output layer, and what you get
# when you "forget" the activation.

# %%
def linear(x):
    """The identity activation, f(x) = x.

    Args:
        x: ndarray of any shape, float32 or float64 (or a Python number).

    Returns:
        ndarray, same shape and dtype as `x`: a new array equal to `x`.

    Hint: `np.array(x)` makes a copy; returning `x` itself would hand the caller their own
    array back.
    """
    ### BEGIN SOLUTION
    return np.array(x)
    ### END SOLUTION


# %% [markdown]
# ## Binary step
#
# $f(x) = 1$ if $x \ge 0$ and $0$ if $x < 0$. Range $\{0, 1\}$. This is the perceptron's
# activation: the neuron either fires or it does not. Note $f(0) = 1$.
#
# Its derivative is $0$ everywhere except at $x = 0$, where the step jumps and the derivative
# is undefined. We return $0$ there too. A derivative that is zero everywhere is exactly why
# the step cannot be trained by gradient descent: no gradient ever reaches the weights.

# %%
def binary_step(x):
    """The binary step: 1 where x >= 0, 0 where x < 0 (so binary_step(0) is 1).

    Args:
        x: ndarray of any shape, float32 or float64.

    Returns:
        ndarray, same shape and dtype as `x`, holding 0.0 and 1.0.

    Hint: a comparison such as `x >= 0` gives a boolean array; `.astype(x.dtype)` turns
    True/False into 1.0/0.0 of the right dtype.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return (x >= 0).astype(x.dtype)
    ### END SOLUTION


# %% [markdown]
# ## Sigmoid
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}$$
#
# Range $(0, 1)$, so the output can be read as a probability; logistic regression is one
# neuron with a sigmoid. Its derivative has a famously convenient form:
#
# $$\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)$$
#
# **Stability.** For $x = -1000$, `np.exp(-x)` is `np.exp(1000)`, which overflows to `inf`
# with a warning. The answer $1/(1 + \infty) = 0$ happens to be right, but the overflow
# warning is a sign of trouble, and the same pattern produces `nan` elsewhere. The fix is to
# never feed `exp` a positive number. With $e = e^{-|x|}$ (always between 0 and 1):
#
# - for $x \ge 0$: $\sigma(x) = \dfrac{1}{1 + e}$,
# - for $x < 0$: multiply the top and bottom of $\frac{1}{1 + e^{-x}}$ by $e^{x}$ to get
#   $\sigma(x) = \dfrac{e^{x}}{e^{x} + 1} = \dfrac{e}{1 + e}$.
#
# `np.where(condition, a, b)` picks from `a` where the condition holds and from `b`
# elsewhere. It computes both `a` and `b` everywhere, which is fine here because neither can
# overflow.
#
# **A sanity check from the lecture.** Its perceptron example ends with $g(-20)$, which it
# gives as about $2.06 \times 10^{-9}$. Once your function is written, `sigmoid(np.array(-20.0))`
# should give about `2.0611536e-09`, and `sigmoid(np.array(20.0))` one minus that amount.

# %%
def sigmoid(x):
    """The logistic sigmoid 1 / (1 + exp(-x)), numerically stable for any |x|.

    Args:
        x: ndarray of any shape, float32 or float64.

    Returns:
        ndarray, same shape and dtype as `x`, values in [0, 1] (exactly 0 or 1 only where the
        true value rounds to it).

    Hint: find one exponential that is safe for every x (its exponent is never positive),
    and use the two forms above, each where the sign of x makes it the right one.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    # exp(-|x|) is at most 1, so it cannot overflow whatever x is.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


# %% [markdown]
# ## Hyperbolic tangent
#
# $$\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}$$
#
# Range $(-1, 1)$. It is a rescaled sigmoid ($\tanh(x) = 2\sigma(2x) - 1$) centred on zero,
# which is one reason it is often preferred to the sigmoid in hidden layers. Derivative:
#
# $$\tanh'(x) = 1 - \tanh^2(x)$$
#
# Do not code the formula with exponentials: it overflows for large $|x|$. `np.tanh` is
# already stable.

# %%
def tanh(x):
    """The hyperbolic tangent.

    Args:
        x: ndarray of any shape, float32 or float64.

    Returns:
        ndarray, same shape and dtype as `x`, values in [-1, 1].

    Hint: NumPy has it, and its version is stable for large |x|.
    """
    ### BEGIN SOLUTION
    return np.tanh(x)
    ### END SOLUTION


# %% [markdown]
# ## ReLU, the rectified linear unit
#
# $f(x) = \max(x, 0)$: zero for $x < 0$, the identity for $x \ge 0$. Range $[0, \infty)$.
# Derivative $0$ for $x < 0$ and $1$ for $x > 0$; at $x = 0$ there is a corner and the
# derivative is undefined. Like TensorFlow, we use $0$ at the corner.
#
# ReLU is cheap (no exponential) and does not saturate for positive inputs, which is why it is
# the default hidden activation today. Its weakness: a neuron whose pre-activation is negative
# for every training example gets zero gradient and stops learning (it "dies"), which happens
# more easily with a too-large learning rate.

# %%
def relu(x):
    """The rectified linear unit max(x, 0).

    Args:
        x: ndarray of any shape, float32 or float64.

    Returns:
        ndarray, same shape and dtype as `x`, values >= 0.

    Hint: `np.maximum` compares elementwise (unlike `np.max`, which reduces).
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION


# %% [markdown]
# ## Leaky ReLU
#
# $$f(x) = \begin{cases} \alpha x & x < 0 \\ x & x \ge 0 \end{cases}$$
#
# A small slope $\alpha$ on the negative side keeps some gradient flowing, one answer to dying
# ReLUs. The lecture uses $\alpha = 0.01$, and so does this course: `alpha=0.01` is the default
# argument. **Careful if you compare with Keras:** the lecture's code writes
# `LeakyReLU(alpha=0.01)`, the Keras 2 spelling; Keras 3 renamed the argument, so write
# `keras.layers.LeakyReLU(negative_slope=0.01)` there. Its default is `negative_slope=0.3` (and
# the function `keras.activations.leaky_relu` defaults to 0.2), so always pass the slope.
#
# Range $(-\infty, \infty)$ (the slide's table says $(-1, 1)$, but $\alpha x$ is unbounded below).
# Derivative $\alpha$ for $x < 0$ and $1$ for $x > 0$. At the corner $x = 0$ the lecture's table
# writes $1$, but the derivative is undefined there and libraries pick a side: TensorFlow, and
# this course, use **$\alpha$ at $x = 0$**.

# %%
def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x where x >= 0, alpha * x where x < 0.

    Args:
        x: ndarray of any shape, float32 or float64.
        alpha: float, the slope for negative inputs (the lecture's 0.01 by default; note that
            Keras's LeakyReLU layer defaults to 0.3).

    Returns:
        ndarray, same shape and dtype as `x`.

    Hint: `np.where` chooses elementwise between two arrays: which condition separates the
    two pieces of the formula? (A Python float times a float32 array stays float32.)
    """
    ### BEGIN SOLUTION
    return np.where(x >= 0, x, alpha * x)
    ### END SOLUTION


# %% [markdown]
# ## ELU, the exponential linear unit
#
# $$f(x) = \begin{cases} \alpha (e^{x} - 1) & x \le 0 \\ x & x > 0 \end{cases}$$
#
# For very negative $x$ it levels off at $-\alpha$ instead of going to $-\infty$, so its range
# is $(-\alpha, \infty)$. (The slide's table gives $[0, \infty)$, which is ReLU's range: ELU's
# negative side is what sets it apart, and with $\alpha = 1$, $f(-2) \approx -0.86$.) The negative side is smooth, and with $\alpha = 1$ the two pieces meet
# with the same slope 1 at zero. Derivative:
#
# $$f'(x) = \begin{cases} \alpha e^{x} & x < 0 \\ 1 & x > 0 \end{cases}$$
#
# At $x = 0$ we use the right-hand value $1$ (the lecture gives $1$ there when $\alpha = 1$,
# where both sides agree; for other $\alpha$ the course still uses the right-hand side).
#
# **A trap with `np.where`.** `np.where(x > 0, x, alpha * (np.exp(x) - 1))` computes
# `np.exp(x)` for *every* element, including $x = 1000$, where it overflows and warns even
# though that value is thrown away. Feed `exp` only $\min(x, 0)$: on the negative side nothing
# changes, and on the positive side the discarded branch stays finite. (`np.expm1(x)` computes
# $e^x - 1$ more accurately than `np.exp(x) - 1` for tiny $x$; either is accurate enough here.)

# %%
def elu(x, alpha=1.0):
    """The exponential linear unit: x where x > 0, alpha * (exp(x) - 1) where x <= 0.

    Args:
        x: ndarray of any shape, float32 or float64.
        alpha: float, the level -alpha that the negative side approaches (default 1.0, as Keras).

    Returns:
        ndarray, same shape and dtype as `x`, values >= -alpha.

    Hint: `np.where` evaluates both branches everywhere; compute the exponential of
    `np.minimum(x, 0)` so that large positive x cannot overflow.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    # np.where evaluates both branches: cap the exponent at 0 so exp(1000) is never computed.
    negative_part = alpha * (np.exp(np.minimum(x, 0)) - 1)
    return np.where(x > 0, x, negative_part)
    ### END SOLUTION


# %% [markdown]
# ## Softplus
#
# $$f(x) = \ln(1 + e^{x})$$
#
# A smooth version of ReLU: close to $0$ for very negative $x$ and close to $x$ for very
# positive $x$. Range $(0, \infty)$ (the slide's table says $(0, 1)$; that is the range of its
# derivative). The derivative is the sigmoid:
#
# $$f'(x) = \frac{e^{x}}{1 + e^{x}} = \frac{1}{1 + e^{-x}} = \sigma(x)$$
#
# **Stability.** `np.log(1 + np.exp(x))` overflows for $x = 1000$. Pull the large part out
# of the logarithm. For $x > 0$, $\ln(1 + e^{x}) = \ln\bigl(e^{x}(e^{-x} + 1)\bigr) = x + \ln(1 + e^{-x})$;
# for $x \le 0$ the original form is already safe. Both cases in one line:
#
# $$\ln(1 + e^{x}) = \max(x, 0) + \ln\bigl(1 + e^{-|x|}\bigr)$$
#
# and `np.log1p(t)` computes $\ln(1 + t)$ accurately even when $t$ is tiny.

# %%
def softplus(x):
    """Softplus log(1 + exp(x)), numerically stable for any |x|.

    Args:
        x: ndarray of any shape, float32 or float64.

    Returns:
        ndarray, same shape and dtype as `x`, values >= 0.

    Hint: use log(1 + e^x) = max(x, 0) + log1p(exp(-|x|)); the exponent is never positive.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    ### END SOLUTION


# %% [markdown]
# ## Softmax
#
# Softmax turns a vector of $K$ scores $z$ (the *logits*) into $K$ probabilities that sum to 1:
#
# $$\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}$$
#
# It is the output activation for classification into more than two classes: cat, dog or bird.
# Unlike the others it is **not elementwise**: every output depends on the whole vector. For
# a batch `(N, K)` the vectors are the rows, so the sum runs along the last axis; the `axis`
# argument lets the caller choose another axis, as `keras.activations.softmax` does.
#
# **Stability.** Subtracting the same number $m$ from every $z_j$ does not change the result
# (the factor $e^{-m}$ cancels between top and bottom). Choose $m = \max_j z_j$: then every
# exponent is $\le 0$, nothing overflows, and the largest term is exactly $e^0 = 1$, so the
# sum is at least 1 and the division is safe.
#
# Use `keepdims=True` in `np.max` and `np.sum` so that the reduced axis stays (with length 1)
# and the result broadcasts back against `z`.

# %%
def softmax(z, axis=-1):
    """Softmax along `axis`: exp(z) / sum(exp(z)), stable for any |z|.

    Args:
        z: ndarray of any shape, float32 or float64 (a batch of logits is (N, K)).
        axis: int, the axis that holds each probability vector (default the last).

    Returns:
        ndarray, same shape and dtype as `z`, values in [0, 1], summing to 1 along `axis`.

    Hint: each vector along `axis` needs its own maximum subtracted (not the whole array's),
    and `keepdims=True` lets the reduced values broadcast back against z.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)  # every exponent is now <= 0
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    ### END SOLUTION


# %% [markdown]
# # Derivatives
#
# Backpropagation (the next assignments) needs $f'(x)$ for each activation: the local
# derivative that multiplies the gradient flowing back from the layer above. Each function
# below takes the pre-activation $x$ and returns $f'(x)$ elementwise, with the same shape and
# dtype as $x$.
#
# | activation | $f'(x)$ | at $x = 0$ (this course) |
# |---|---|---|
# | linear | $1$ | $1$ |
# | binary step | $0$ | $0$ |
# | sigmoid | $\sigma(x)(1 - \sigma(x))$ | $0.25$ |
# | tanh | $1 - \tanh^2(x)$ | $1$ |
# | ReLU | $0$ for $x < 0$, $1$ for $x > 0$ | $0$ |
# | leaky ReLU | $\alpha$ for $x < 0$, $1$ for $x > 0$ | $\alpha$ |
# | ELU | $\alpha e^{x}$ for $x < 0$, $1$ for $x > 0$ | $1$ |
# | softplus | $\sigma(x)$ | $0.5$ |
#
# A common slip: the lecture writes $\sigma' = f(x)(1 - f(x))$ and $\tanh' = 1 - f(x)^2$ in
# terms of the *output* $f(x)$. Your functions receive $x$, so compute $f(x)$ first. Writing
# `x * (1 - x)` gives the derivative of a different function.
#
# Softmax's derivative is a matrix (each output depends on every input), so there is no
# `softmax_grad` here; in `losses` you will see that combined with cross-entropy it becomes
# very simple.

# %%
def linear_grad(x):
    """The derivative of the identity: 1 everywhere.

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.

    Returns:
        ndarray of ones, same shape and dtype as `x`.

    Hint: `np.ones_like` keeps both shape and dtype.
    """
    ### BEGIN SOLUTION
    return np.ones_like(x)
    ### END SOLUTION


# %%
def binary_step_grad(x):
    """The derivative of the binary step: 0 everywhere (0 also at x == 0 by convention).

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.

    Returns:
        ndarray of zeros, same shape and dtype as `x`.

    Hint: the step is flat on both sides of 0.
    """
    ### BEGIN SOLUTION
    return np.zeros_like(x)
    ### END SOLUTION


# %%
def sigmoid_grad(x):
    """The derivative of the sigmoid, sigma(x) * (1 - sigma(x)).

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation (not sigma(x)).

    Returns:
        ndarray, same shape and dtype as `x`, values in [0, 0.25].

    Hint: call your `sigmoid` first; the formula uses its output.
    """
    ### BEGIN SOLUTION
    # HINT: the lecture's formula is written in terms of the sigmoid's output, not of x.
    s = sigmoid(x)
    return s * (1 - s)
    ### END SOLUTION


# %%
def tanh_grad(x):
    """The derivative of tanh, 1 - tanh(x)**2.

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation (not tanh(x)).

    Returns:
        ndarray, same shape and dtype as `x`, values in [0, 1].

    Hint: compute t = tanh(x) first.
    """
    ### BEGIN SOLUTION
    t = np.tanh(x)
    return 1 - t**2
    ### END SOLUTION


# %%
def relu_grad(x):
    """The derivative of ReLU: 1 where x > 0, 0 where x <= 0 (0 at the corner x == 0).

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.

    Returns:
        ndarray, same shape and dtype as `x`, holding 0.0 and 1.0.

    Hint: decide which side of the corner x == 0 belongs to in this course, and remember that
    a boolean array needs casting to x's dtype.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)
    ### END SOLUTION


# %%
def leaky_relu_grad(x, alpha=0.01):
    """The derivative of leaky ReLU: 1 where x > 0, alpha where x <= 0 (alpha at x == 0).

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.
        alpha: float, the negative slope (default 0.01, the lecture's).

    Returns:
        ndarray, same shape and dtype as `x`, holding 1.0 and alpha.

    Hint: mind the value at the corner x == 0, and that `np.where` with only Python numbers in
    its branches comes out as float64.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)
    ### END SOLUTION


# %%
def elu_grad(x, alpha=1.0):
    """The derivative of ELU: 1 where x >= 0 (the right-hand value at 0), alpha * exp(x) where
    x < 0.

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.
        alpha: float, the ELU parameter (default 1.0).

    Returns:
        ndarray, same shape and dtype as `x`, values in [0, max(1, alpha)].

    Hint: as in `elu`, take the exponential of `np.minimum(x, 0)` so large x cannot overflow.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
    ### END SOLUTION


# %%
def softplus_grad(x):
    """The derivative of softplus, which is the sigmoid of x.

    Args:
        x: ndarray of any shape, float32 or float64, the pre-activation.

    Returns:
        ndarray, same shape and dtype as `x`, values in [0, 1].

    Hint: you have already written this function under another name.
    """
    ### BEGIN SOLUTION
    return sigmoid(x)
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run the public checks with `nnlab check activations`. A few things worth looking at:
# `softmax(np.array([1000.0, 1000.0]))` should be `[0.5, 0.5]` with no warning,
# `sigmoid(np.ones(3, dtype=np.float32)).dtype` should be `float32`, and
# `relu_grad(np.array([0.0]))` should be `[0.0]`.
