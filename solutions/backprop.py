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
# # Backpropagation: the chain rule, layer by layer
#
# Gradient descent updates every weight with $w' = w - \eta \frac{\partial \text{loss}}{\partial w}$.
# A network has thousands of weights, and **backpropagation** is the fast way to get all of
# their derivatives at once: one pass forward to compute the prediction, one pass backward
# that applies the chain rule layer by layer, reusing what the layer above already computed.
#
# Three words from the lecture:
#
# - **Forward pass**: a batch of inputs goes through the network, layer after layer, to give
#   a prediction $\hat{y}$ (and a loss).
# - **Backward pass**: starting from the error at the output, the chain rule runs backwards
#   through the layers and gives the derivative of the loss with respect to every weight.
# - **Epoch**: one cycle of training over all the training data (every sample has been
#   through a forward and a backward pass once).
#
# ## The chain rule as the lecture writes it
#
# Take one neuron with inputs $x_1, x_2$. It forms $e = w_{(x1)1} x_1 + w_{(x2)1} x_2$ and
# outputs $f_1(e)$. How does the loss change when we nudge $w_{(x1)1}$? The nudge changes $e$,
# which changes $f_1$, which changes the loss, so the three rates multiply:
#
# $$\frac{\partial \text{loss}}{\partial w_{(x1)1}} =
#   \frac{\partial \text{loss}}{\partial f_1} \, \frac{\partial f_1(e)}{\partial e} \,
#   \frac{\partial e}{\partial w_{(x1)1}} = \delta_1 \, f_1'(e) \, x_1 .$$
#
# The lecture calls $\delta = \frac{\partial \text{loss}}{\partial f}$, the derivative of the
# loss with respect to a unit's **output**, that unit's *local error*.
#
# - At the **output** with the loss $\frac{1}{2}(y - \hat{y})^2$ it is
#   $\delta = \frac{\partial \text{loss}}{\partial \hat{y}} = -(y - \hat{y})$.
# - For a **hidden** unit it is collected from the units it feeds: each of them passes back
#   its own $\delta$, times its activation's derivative, times the weight of the connection.
#   For unit 1 feeding units 4 and 5:
#   $\delta_1 = \delta_4 f_4'(e) \, w_{14} + \delta_5 f_5'(e) \, w_{15}$.
# - Every weight's derivative is then "$\delta$ of the unit it enters, times that unit's
#   $f'(e)$, times the input it carries": $\frac{\partial \text{loss}}{\partial w_{14}} =
#   \delta_4 f_4'(e) f_1$.
#
# ## The same thing with matrices, one small step at a time
#
# A layer of a network does two things, and we write each as its own pair of functions (the
# way CS231n's layer files do):
#
# | step | forward | backward: local derivative times upstream gradient |
# |---|---|---|
# | Dense | $z = x W + b$ | $dx = dz\, W^T$, $dW = x^T dz$, $db = \sum_{\text{batch}} dz$ |
# | activation | $a = f(z)$ | $dz = da \odot f'(z)$ |
#
# A `*_forward` function returns its output **and a cache**: whatever its backward pass will
# need (its inputs, usually). A `*_backward` function takes `dout`, the gradient of the loss
# with respect to its output (the *upstream gradient*), and the cache, and returns the
# gradients with respect to its inputs. What goes in the cache is up to you.
#
# In the lecture's words: `da` is $\delta$, `da * f'(z)` is $\delta f'(e)$, `x.T @ dz` puts
# "times the input" in for every weight and every sample at once, and `dz @ W.T` is the sum
# over the units above that gives the $\delta$ of the layer below.
#
# **Shapes check everything.** A gradient always has the shape of the thing it is the
# gradient of: `dW` has `W`'s shape `(D_in, D_out)`, `db` has `b`'s shape `(D_out,)`, `dx`
# has `x`'s shape `(N, D_in)`. If your product has the wrong shape, you have a transpose in
# the wrong place.
#
# **Where the 1/N goes.** The loss is averaged over the batch, so its gradient `dout` already
# carries the $\frac{1}{N}$. The layers therefore **sum** over the batch (`x.T @ dz` sums over
# the samples; so does `dz.sum(axis=0)`), and never divide by N again.
#
# Rules for the module: batch first (`x` is `(N, D)`), Keras's weight layout (`W` is
# `(D_in, D_out)`), float32 stays float32, and never modify an argument in place.

# %%
import numpy as np

# %% [markdown]
# ## The activations (given)
#
# You wrote these in `activations.py`; here is a compact copy so that this module stands on its
# own. Each entry maps a name to a pair: the function $f(z)$ and its derivative $f'(z)$,
# both taking the **pre-activation** $z$. At the kink $z = 0$ the derivative is 0 for ReLU,
# the leaky slope 0.01 for leaky ReLU and 1 for ELU (the course's rule).

# %%
def _sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _like(z, values):
    """`values` in z's floating dtype (np.where with Python numbers gives float64)."""
    return np.asarray(values).astype(z.dtype, copy=False)


ACTIVATIONS = {
    "linear": (lambda z: z.copy(), lambda z: np.ones_like(z)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: _like(z, z > 0)),
    "leaky_relu": (lambda z: np.where(z >= 0, z, 0.01 * z),
                   lambda z: _like(z, np.where(z > 0, 1.0, 0.01))),
    "elu": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
            lambda z: _like(z, np.where(z >= 0, 1.0, np.exp(np.minimum(z, 0))))),
    "softplus": (lambda z: np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))), _sigmoid),
}


# %% [markdown]
# ## A dense layer
#
# Forward: $z = x W + b$, with `x (N, D_in)`, `W (D_in, D_out)`, `b (D_out,)`; NumPy broadcasts
# the bias over the batch.
#
# Backward, given `dout` $= \frac{\partial L}{\partial z}$ of shape `(N, D_out)`:
#
# - $dx = dout\,W^T$: each input feeds every unit of the layer, so its gradient adds up the
#   units' gradients weighted by the connections, the lecture's sum over the units above;
# - $dW = x^T dout$: entry $(i, j)$ is $\sum_n x_{ni}\, dout_{nj}$, "input times $\delta$",
#   summed over the batch;
# - $db = \sum_n dout_{n}$: the same bias is added to every sample, so the sample gradients add.

# %%
def dense_forward(x, W, b):
    """A fully connected layer without activation (Keras's Dense): out = x @ W + b.

    Args:
        x: ndarray (N, D_in), the inputs, one sample per row.
        W: ndarray (D_in, D_out), the kernel.
        b: ndarray (D_out,), the bias.

    Returns:
        out: ndarray (N, D_out), the pre-activations z.
        cache: whatever dense_backward needs (your choice; x and W will do).

    Hint: one matrix product and one addition.
    """
    ### BEGIN SOLUTION
    out = x @ W + b
    cache = (x, W)
    return out, cache
    ### END SOLUTION


# %%
def dense_backward(dout, cache):
    """The backward pass of dense_forward.

    Args:
        dout: ndarray (N, D_out), dLoss/dout, the upstream gradient.
        cache: what dense_forward returned.

    Returns:
        dx: ndarray (N, D_in) = dout @ W.T
        dW: ndarray (D_in, D_out) = x.T @ dout (summed over the batch, not averaged)
        db: ndarray (D_out,) = dout summed over the batch axis

    Hint: write each gradient's shape next to it, then find the product that makes that shape.
    """
    ### BEGIN SOLUTION
    # HINT: dW must have W's shape (D_in, D_out): which of x and dout is transposed?
    x, W = cache
    dx = dout @ W.T           # back to the layer's input: a sum over the units it feeds
    dW = x.T @ dout           # input times upstream gradient, summed over the batch
    db = dout.sum(axis=0)     # local derivative 1, summed over the batch
    return dx, dW, db
    ### END SOLUTION


# %% [markdown]
# ## An activation layer
#
# Forward: $a = f(z)$ elementwise. Backward: the local derivative is $f'(z)$, so
# $dz = da \odot f'(z)$. Two classic slips: forgetting to multiply by `da` (the chain rule
# *multiplies* by the upstream gradient), and evaluating the derivative at the output $a$
# instead of at $z$: `ACTIVATIONS[name][1]` wants the pre-activation, so keep `z` in the cache.

# %%
def activation_forward(z, name):
    """Apply the activation called `name` elementwise.

    Args:
        z: ndarray of any shape (usually (N, D)), the pre-activations.
        name: one of "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus".

    Returns:
        a: ndarray, the shape and dtype of `z`.
        cache: whatever activation_backward needs.

    Hint: look the pair up in ACTIVATIONS; cache what the derivative needs.
    """
    ### BEGIN SOLUTION
    f, _ = ACTIVATIONS[name]
    a = f(z)
    cache = (z, name)
    return a, cache
    ### END SOLUTION


# %%
def activation_backward(da, cache):
    """The backward pass of activation_forward: dz = da * f'(z).

    Args:
        da: ndarray, dLoss/da, the shape of the activation's output.
        cache: what activation_forward returned.

    Returns:
        dz: ndarray, the shape of `z`.

    Hint: local derivative times upstream gradient, in one line.
    """
    ### BEGIN SOLUTION
    # HINT: the derivative takes the pre-activation z, so activation_forward must cache z.
    z, name = cache
    _, f_prime = ACTIVATIONS[name]
    dz = f_prime(z) * da  # local derivative times upstream gradient
    return dz
    ### END SOLUTION


# %% [markdown]
# ## Initial weights
#
# Weights start random (all-equal weights would make every unit of a layer learn the same
# thing), and their scale matters: too large and the activations explode layer after layer,
# too small and they die out. Keras's two usual choices scale by the layer's *fan*:
#
# - **He normal** (for ReLU-like units): $W \sim \mathcal{N}(0, \sigma^2)$ with
#   $\sigma = \sqrt{2 / \text{fan\_in}}$. (Keras truncates the normal at two standard
#   deviations and rescales it; a plain normal with the same $\sigma$ is just as good.)
# - **Glorot (Xavier) uniform** (Keras's default for Dense): $W \sim U(-L, L)$ with
#   $L = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}$.
#
# Biases start at zero. All randomness comes from the `rng` you are given
# (`rng.normal(...)`, `rng.uniform(...)`), never from `np.random.seed`.

# %%
def init_mlp(layer_sizes, rng, init="he"):
    """Initial parameters of a fully connected network.

    Args:
        layer_sizes: sequence (D_0, D_1, ..., D_L): the input size, then each layer's size.
        rng: np.random.Generator, the only source of randomness.
        init: "he" (He normal, std sqrt(2 / fan_in)) or "xavier" (Glorot uniform,
            limit sqrt(6 / (fan_in + fan_out))).

    Returns:
        dict {"W1": (D_0, D_1), "b1": (D_1,), ..., "WL": (D_{L-1}, D_L), "bL": (D_L,)},
        float64, biases zero.

    Hint: loop over zip(layer_sizes[:-1], layer_sizes[1:]); keys are f"W{i}" and f"b{i}".
    """
    ### BEGIN SOLUTION
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        if init == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        elif init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        else:
            raise ValueError(f"unknown init {init!r}")
        params[f"W{i}"] = W
        params[f"b{i}"] = np.zeros(fan_out)
    return params
    ### END SOLUTION


# %% [markdown]
# ## A whole network
#
# Forward: Dense, then the hidden activation, for every layer but the last; Dense, then the
# output activation, for the last. Keep each layer's two caches.
#
# The output activation may be `"softmax"` (for classification), which is not in the table:
# compute it stably (subtract each row's maximum before `np.exp`). Its backward pass is
# special: the network is trained on softmax cross-entropy, whose gradient with respect to the
# **logits** is the neat $(\text{softmax}(z) - y)/N$, so for a softmax output `mlp_backward`
# receives that gradient and passes it straight to the last Dense layer.
#
# Backward: walk the layers from the last to the first; in each, the activation's backward,
# then the Dense backward, whose `dx` is the upstream gradient of the layer below.

# %%
def mlp_forward(X, params, hidden="relu", output="linear"):
    """Forward pass of an MLP: (Dense + hidden activation) for each hidden layer, then
    Dense + output activation.

    Args:
        X: ndarray (N, D_0), the inputs.
        params: dict {"W1": (D_0, D_1), "b1": (D_1,), ..., "WL", "bL"} as init_mlp makes.
        hidden: the hidden layers' activation name (see ACTIVATIONS).
        output: "linear", "sigmoid" or "softmax" (over the last axis).

    Returns:
        out: ndarray (N, D_L), the network's output.
        caches: list of L entries, one per layer, each whatever mlp_backward needs.

    Hint: count the layers with len(params) // 2; remember each layer's caches in a list.
    """
    ### BEGIN SOLUTION
    n_layers = len(params) // 2
    a = X
    caches = []
    for i in range(1, n_layers + 1):
        z, dense_cache = dense_forward(a, params[f"W{i}"], params[f"b{i}"])
        name = hidden if i < n_layers else output
        if name == "softmax":
            e = np.exp(z - np.max(z, axis=-1, keepdims=True))
            a, act_cache = e / np.sum(e, axis=-1, keepdims=True), None
        else:
            a, act_cache = activation_forward(z, name)
        caches.append((dense_cache, act_cache))
    return a, caches
    ### END SOLUTION


# %%
def mlp_backward(dout, caches):
    """Backward pass of mlp_forward.

    Args:
        dout: ndarray (N, D_L), dLoss/dout; for a softmax output, the gradient with respect to
            the logits (for mean cross-entropy, (softmax - y_onehot) / N).
        caches: what mlp_forward returned.

    Returns:
        dict of gradients with the same keys and shapes as params: {"W1": (D_0, D_1),
        "b1": (D_1,), ..., "WL", "bL"}.

    Hint: loop i from len(caches) down to 1; the dx of layer i is the upstream gradient of
    layer i - 1.
    """
    ### BEGIN SOLUTION
    # HINT: for a softmax output, skip the activation's backward: dout is already dLoss/dz.
    grads = {}
    upstream = dout
    for i in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[i - 1]
        # a softmax output's dout is already the gradient w.r.t. its logits
        dz = upstream if act_cache is None else activation_backward(upstream, act_cache)
        upstream, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dense_cache)
    return grads
    ### END SOLUTION


# %% [markdown]
# ## Checking gradients numerically
#
# How do you know your backward pass is right? Compare it with the definition of a
# derivative. For a scalar function $f$ and a small $\varepsilon$,
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2 \varepsilon},$$
#
# where $e_i$ nudges only entry $i$. This **centred** difference is accurate to
# $O(\varepsilon^2)$; the one-sided $\frac{f(x + \varepsilon e_i) - f(x)}{\varepsilon}$ only to
# $O(\varepsilon)$. It costs two evaluations of $f$ per entry, far too slow to train with but
# perfect for testing.
#
# Work on a float64 copy of $x$ (a float32 entry cannot even hold a nudge of $10^{-6}$), nudge
# one entry, evaluate, nudge it the other way, evaluate, put it back. The caller's `x` must be
# unchanged afterwards. `np.ndindex(x.shape)` walks every index of an array of any shape.
#
# To compare two gradients use the **relative error**
# $\max_i \frac{|a_i - b_i|}{\max(10^{-8}, |a_i| + |b_i|)}$: about $10^{-7}$ or less means
# they agree; $10^{-2}$ or more means a bug. Taking the ratio entry by entry matters: a wrong
# tiny entry must not hide behind a large correct one. The $10^{-8}$ keeps two zeros from
# dividing by zero.

# %%
def numerical_gradient(f, x, eps=1e-6):
    """Centred-difference gradient of the scalar function f at x.

    Args:
        f: a function taking an array shaped like x and returning a number.
        x: ndarray of any shape, the point.
        eps: float, the nudge.

    Returns:
        ndarray shaped like x, in x's floating dtype: entry i is
        (f(x + eps e_i) - f(x - eps e_i)) / (2 eps). x itself is left unchanged.

    Hint: nudge a float64 copy, point = np.array(x, dtype=np.float64), so the caller's x stays
    as it was and eps is not lost in float32 rounding; then hand the gradient back in x's own
    dtype, grad.astype(x.dtype) (float64 when x holds integers): float32 in, float32 out.
    """
    ### BEGIN SOLUTION
    # HINT: nudge one entry up, evaluate, nudge it down, evaluate, put it back; divide by 2 * eps.
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    point = np.array(x, dtype=np.float64)  # a copy: the caller's x is never touched
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        keep = point[i]
        point[i] = keep + eps
        f_plus = float(f(point))
        point[i] = keep - eps
        f_minus = float(f(point))
        point[i] = keep
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.astype(out_dtype)
    ### END SOLUTION


# %%
def relative_error(a, b):
    """The largest elementwise relative error, max |a - b| / max(1e-8, |a| + |b|).

    Args:
        a, b: ndarrays of the same shape (or numbers).

    Returns:
        float.

    Hint: np.maximum (elementwise) for the floor, then np.max of the ratios.
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run `nnlab check backprop`. Then check your backward pass the way the graders do: build a
# small network with `init_mlp((4, 5, 3), np.random.default_rng(0))`, run `mlp_forward` on a
# batch `X`, take the loss $\sum(\text{out} \odot G)$ for a fixed random `G` (its gradient with
# respect to `out` is exactly `G`), and compare `mlp_backward(G, caches)["W1"]` with
# `numerical_gradient` of that loss as a function of `W1`. Their `relative_error` should be
# below $10^{-6}$.
