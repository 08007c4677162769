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
# # Convolution and pooling: the layers of a CNN
#
# A dense layer joins every input to every neuron. For a picture that is wasteful: a small
# 32 x 32 colour image already has 32 * 32 * 3 = 3072 numbers, and a dense layer of 128
# neurons on it needs 3072 * 128 weights, none of which knows that neighbouring pixels belong
# together. A **convolutional neural network** (CNN) is built for visual data instead. It looks
# at the image through small windows, with the same few weights at every position, and it
# shrinks the picture step by step while keeping what matters.
#
# In this exercise you write the layers of the lecture's CNN in NumPy, forward and backward:
#
# | layer | what it does | you write |
# |---|---|---|
# | convolution (`Conv2D`) | slides filters over the image, one feature map per filter | `conv2d_output_size`, `conv2d_forward`, `conv2d_backward` |
# | ReLU | sets every negative value of a feature map to 0 | (you wrote `relu` already) |
# | max pooling (`MaxPooling2D`) | keeps the largest value of each small region | `maxpool2d_forward`, `maxpool2d_backward` |
# | flatten (`Flatten`) | lays the feature maps out in a single line | `flatten_forward`, `flatten_backward` |
# | dense (`Dense`) | every input to every neuron, then softmax for the classes | inside `cnn_forward` |
#
# and at the end `cnn_forward` runs the lecture's whole Keras model from its weights.
#
# ## Images as arrays
#
# The lecture's example input is an image of width 32, height 32 and depth 3: the depth is
# the colour, one 32 x 32 grid each for red, green and blue. In NumPy that image is an array of
# shape `(32, 32, 3)`: height, width, then the **channels**. A batch of $N$ images is
# `(N, 32, 32, 3)`. This order, `(N, H, W, C)` with the channels last, is what Keras uses by
# default, and every function here follows it.
#
# Layers inside the network make images too. After a convolution with 32 filters, each
# position holds 32 numbers, one per filter: the output is `(N, H_out, W_out, 32)`, an image
# with 32 channels. Each channel is a **feature map**.
#
# ## Rules for every function in this module
#
# - Batch first and channels last: images are `(N, H, W, C)`.
# - Weights are laid out as Keras stores them, so that `layer.get_weights()` drops straight
#   in: a convolution kernel is `(kh, kw, C_in, C_out)` and its bias `(C_out,)`.
# - Forward and backward come in pairs: `out, cache = thing_forward(...)` returns the output
#   and a **cache** of whatever the backward pass will need (what you put in it is up to you),
#   and `thing_backward(dout, cache)` receives `dout`, the gradient of the loss with respect
#   to `out`, and returns the gradients with respect to the inputs.
# - Never modify an argument in place, and keep the input's floating dtype (float32 in,
#   float32 out).
# - NumPy only. Loops are allowed: a correct loop is worth full marks. Looping over the output
#   positions only, and working on the whole batch and every channel at once, makes it fast.

# %%
import numpy as np


def _pair(value):
    """An int or a (rows, cols) pair as a pair of ints: 2 -> (2, 2), (1, 2) -> (1, 2).

    Given: `stride` and `pool_size` may be either, as in Keras.
    """
    if np.ndim(value) == 0:
        return int(value), int(value)
    rows, cols = value
    return int(rows), int(cols)


# %% [markdown]
# ## Filters and feature maps
#
# A **filter** (or kernel) is a small grid of weights, for example 3 x 3. Picture a small
# window that slides over the image. At each position, every filter weight is multiplied by
# the pixel under it, and the products are added up, plus a bias: one number, which is large
# where the pixels under the window look like the filter. Doing that at every position gives a
# new picture, the **feature map**, which lights up wherever the filter found its pattern:
# an edge, a corner, a texture.
#
# On a colour image a window covers all three channels, so a 3 x 3 filter holds
# 3 * 3 * 3 = 27 weights and one bias, and its feature map has a single channel. A layer with
# 32 filters produces 32 feature maps. With the window at output position $(i, j)$, filter $f$
# computes
#
# $$\text{out}[n, i, j, f] = b_f + \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} \sum_{c=0}^{C_{in}-1}
#   x[n,\; i s_h + u,\; j s_w + v,\; c] \cdot K[u, v, c, f]$$
#
# where $s_h, s_w$ is the stride (next section). Two things to note:
#
# - **The kernel is not flipped.** Mathematicians call this sum a *cross-correlation*; a
#   *convolution* in the textbook sense would turn the kernel around first. Deep-learning
#   libraries, Keras included, use the sum above and call it convolution: `K[0, 0]` always
#   multiplies the top-left pixel of the window.
# - **Every filter at once.** For one window, `x[n, rows, cols, :]` is `(kh, kw, C_in)` and the
#   kernel is `(kh, kw, C_in, C_out)`: contracting the three shared axes gives all `C_out`
#   filter responses in one product, `np.tensordot(window, kernel, axes=3)`, and it works for
#   the whole batch at once when the window keeps its batch axis, `(N, kh, kw, C_in)`.
#
# ## Stride and padding
#
# The **stride** is how far the window moves at each step: stride 1 visits every position,
# stride 2 every other one, which halves the size of the feature map. Keras accepts one number
# for both directions or a pair `(rows, cols)`.
#
# **Padding** decides what happens at the border. A 3 x 3 window cannot be centred on a
# corner pixel without hanging over the edge.
#
# - `"valid"` (Keras's default): only windows that fit entirely inside the image. Along an
#   axis of $n$ pixels, a window of $k$ at stride $s$ fits at positions $0, s, 2s, \dots$ as
#   long as it ends inside, so there are
#   $$n_{out} = \left\lfloor \frac{n - k}{s} \right\rfloor + 1$$
#   positions (do not forget the $+1$: the window at position 0 counts). The lecture's
#   32 x 32 image and a 3 x 3 filter give a 30 x 30 feature map.
# - `"same"`: add a border of zeros so that the output has $\lceil n / s \rceil$ positions:
#   the input's own size at stride 1 (a 32 x 32 image gives a 32 x 32 map), half of it at
#   stride 2 (16 x 16). The zeros needed in all, along one axis, are
#   $$p = \max\bigl((n_{out} - 1)\, s + k - n,\; 0\bigr),$$
#   of which $\lfloor p/2 \rfloor$ go before (top or left) and the rest after (bottom or
#   right). When $p$ is odd the **extra pixel goes at the bottom/right**. That happens with an
#   even kernel at stride 1, and also with an odd kernel on an even image at stride 2: 8 pixels,
#   k = 3, s = 2 give $n_{out} = 4$ and $p = 3 \cdot 2 + 3 - 8 = 1$, a single zero column on
#   the right and none on the left. Padding $(k-1)/2$ on every side, as one might guess, is
#   right only at stride 1 with an odd kernel.
#
# In Python, $\lceil n / s \rceil$ for positive integers is `-(-n // s)`, with no floats
# involved.

# %%
def conv2d_output_size(size, kernel, stride, padding):
    """Output length along one spatial axis of a convolution or pooling, Keras's rule.

    Args:
        size: int, the input's length along this axis (its height or width).
        kernel: int, the window's length along this axis.
        stride: int, how far the window moves per step along this axis.
        padding: "valid" (only whole windows: floor((size - kernel) / stride) + 1) or
            "same" (ceil(size / stride)).

    Returns:
        int, the number of window positions along this axis.

    Hint: integer division `//` floors; `-(-size // stride)` is the ceiling.
    """
    # YOUR CODE HERE
    raise NotImplementedError('conv2d_output_size is not implemented yet.')


# %%
def _pad_amounts(size, kernel, stride, padding):
    """How many padding pixels go before and after one spatial axis, as TensorFlow pads.

    Args:
        size, kernel, stride: ints along this axis, as in `conv2d_output_size`.
        padding: "valid" (no padding) or "same".

    Returns:
        (before, after): ints. For "same", `before + after = max((out - 1) * stride + kernel -
        size, 0)` with `out = conv2d_output_size(size, kernel, stride, "same")`, and `after`
        takes the extra pixel when the total is odd.

    Not graded on its own, but `conv2d_forward` and `maxpool2d_forward` need it.
    """
    # YOUR CODE HERE
    raise NotImplementedError('_pad_amounts is not implemented yet.')


# %% [markdown]
# ## The forward pass of a convolution
#
# Write `conv2d_forward(x, kernel, bias, stride=1, padding="valid")`: pad the images with
# zeros (`np.pad` with a `(before, after)` pair per axis; the batch and channel axes get
# `(0, 0)`), then slide the window. The clearest version loops over the output positions
# $(i, j)$: the window of output row $i$ starts at padded row $i \cdot s_h$ and has $k_h$ rows.
# For each position, one `np.tensordot` gives all filters for all images.
#
# No activation here: Keras's `Conv2D(..., activation="relu")` is a convolution followed by a
# ReLU, and `cnn_forward` applies the ReLU separately.
#
# Keep in the cache what the backward pass needs: the padded input, the kernel, the stride,
# the padding offsets and the input's shape.

# %%
def conv2d_forward(x, kernel, bias, stride=1, padding="valid"):
    """2-D convolution (cross-correlation, as Keras's Conv2D) of a batch of images.

    Args:
        x: (N, H, W, C_in) images, channels last.
        kernel: (kh, kw, C_in, C_out) filters, Keras's layout.
        bias: (C_out,), one per filter.
        stride: int or (sh, sw), how far the window moves along rows and columns.
        padding: "valid" or "same" (zeros, the extra pixel at the bottom/right).

    Returns:
        out: (N, H_out, W_out, C_out) feature maps, no activation applied;
            H_out = conv2d_output_size(H, kh, sh, padding), W_out likewise.
        cache: whatever conv2d_backward needs.
    """
    # YOUR CODE HERE
    # HINT: pad with _pad_amounts, then loop over the output positions (i, j).
    raise NotImplementedError('conv2d_forward is not implemented yet. Hint: pad with _pad_amounts, then loop over the output positions (i, j).')


# %% [markdown]
# ## The backward pass of a convolution
#
# Each output value is a sum of products `window pixel * kernel weight` plus the bias, so the
# local derivatives are simple, and the chain rule multiplies them by the upstream gradient
# `g = dout[:, i, j, :]`, shape `(N, C_out)`, of that position:
#
# - **dbias**: every output position of filter $f$ added $b_f$ once, so
#   $\partial L / \partial b_f$ is the sum of `dout[..., f]` over the batch and all positions.
# - **dkernel**: weight `K[u, v, c, f]` multiplied the pixel under it, so it collects
#   `pixel * g[:, f]` from every window, **summed over the batch too**. The loss is already
#   averaged over the batch by the loss function (its gradient has the $1/N$), so dividing by
#   $N$ again here would make the step $N$ times too small.
# - **dx**: a pixel under the window received `K[u, v, c, f]` per filter, so it collects
#   `K[u, v, c, f] * g[:, f]` summed over the filters, from **every** window it appeared in
#   (windows overlap when the stride is smaller than the kernel). Accumulate into the gradient
#   of the *padded* input with `+=`, then cut the padding off: a padding pixel is not an input.
#
# In the same loop over positions as the forward pass:
# `dxp[:, window] += np.tensordot(g, kernel, axes=([1], [3]))` and
# `dkernel += np.tensordot(window, g, axes=([0], [0]))`.

# %%
def conv2d_backward(dout, cache):
    """Gradients of conv2d_forward.

    Args:
        dout: (N, H_out, W_out, C_out), the gradient of the loss with respect to `out`.
        cache: what conv2d_forward returned with `out`.

    Returns:
        dx: (N, H, W, C_in), the gradient with respect to `x`;
        dkernel: (kh, kw, C_in, C_out), summed over the batch;
        dbias: (C_out,).
    """
    # YOUR CODE HERE
    raise NotImplementedError('conv2d_backward is not implemented yet.')


# %% [markdown]
# ## ReLU after the convolution
#
# Keras's `Conv2D(32, (3, 3), activation="relu")` passes each feature map through ReLU:
# after the window has slid over the image, every negative value becomes zero. What is left
# are the places where the filter's pattern is present; "the opposite of the pattern" is
# thrown away. ReLU is `np.maximum(z, 0)`, with the gradient `dz = da * (z > 0)` (you wrote
# both in the activations assignment).
#
# ## Max pooling
#
# A **max pooling** layer makes a feature map smaller while keeping its important parts, like
# zooming out of a picture. It slides a window over each channel separately (no weights, no
# mixing of channels) and keeps only the **largest** value of each window. The lecture's
# `MaxPooling2D(pool_size=(2, 2))` takes 2 x 2 windows; its stride defaults to the pool size,
# so the windows do not overlap and the height and width are halved: a 62 x 62 x 32 feature
# map becomes 31 x 31 x 32, four times fewer numbers, which lowers the computation and helps
# against overfitting. The output size follows the same rule as the convolution (a 29 x 29
# map pools to 14 x 14 with `"valid"`: the last row and column are dropped). With `"same"` the
# padding is `-inf` instead of zeros, so a padding pixel never wins a window.
#
# **Backward.** Only one input of each window made it into the output, so only that input
# gets the window's gradient; the others get zero (their small changes do not change the
# maximum). When a window holds the same maximum twice, send the gradient to the **first**
# of them in row-major order (top row first, left to right), as TensorFlow does. Copying it to
# every tied maximum would count it twice. `np.argmax` returns the first maximum, so flatten
# each window's `ph * pw` pixels into one axis and take `argmax` over that axis. Windows that
# overlap (stride smaller than the pool) add up their gradients, so use `+=`.

# %%
def maxpool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    """Max pooling of a batch of images, as Keras's MaxPooling2D, each channel on its own.

    Args:
        x: (N, H, W, C) images or feature maps.
        pool_size: int or (ph, pw), the window.
        stride: int, (sh, sw), or None, which means `pool_size` (non-overlapping windows).
        padding: "valid" or "same" (pads with -inf, the extra pixel at the bottom/right).

    Returns:
        out: (N, H_out, W_out, C), each window's maximum.
        cache: whatever maxpool2d_backward needs.
    """
    # YOUR CODE HERE
    # HINT: stride=None means the pool size, as in Keras.
    raise NotImplementedError('maxpool2d_forward is not implemented yet. Hint: stride=None means the pool size, as in Keras.')


# %%
def maxpool2d_backward(dout, cache):
    """Gradient of maxpool2d_forward with respect to its input.

    Args:
        dout: (N, H_out, W_out, C), the gradient of the loss with respect to `out`.
        cache: what maxpool2d_forward returned with `out`.

    Returns:
        dx: (N, H, W, C). Each window's gradient goes to the first maximum of that window in
        row-major order (as TensorFlow); overlapping windows add up.
    """
    # YOUR CODE HERE
    # HINT: np.argmax over a flattened window gives its first maximum.
    raise NotImplementedError('maxpool2d_backward is not implemented yet. Hint: np.argmax over a flattened window gives its first maximum.')


# %% [markdown]
# ## Flatten, then dense layers
#
# The convolution and pooling layers find features; dense layers decide. A dense layer wants
# each sample as one vector, so **flattening** lays all the numbers of an `(H, W, C)` stack of
# feature maps out in a single line of `H * W * C` values. The order matters, because the
# dense layer's kernel rows follow it: Keras's `Flatten` reads the array in NumPy's row-major
# order over `(H, W, C)`, which is just `x.reshape(N, -1)`. (Moving the channels first, as a
# channels-first library would, gives the same numbers in another order, and Keras's weights
# would then multiply the wrong values.)
#
# Flatten has no weights and moves numbers without changing them, so its backward pass only
# puts the gradient back into the input's shape.

# %%
def flatten_forward(x):
    """Flatten everything after the batch axis, in Keras's (H, W, C) row-major order.

    Args:
        x: (N, ...), for example (N, H, W, C) feature maps.

    Returns:
        out: (N, D) with D the product of the other axes, a new array;
        cache: whatever flatten_backward needs.
    """
    # YOUR CODE HERE
    raise NotImplementedError('flatten_forward is not implemented yet.')


# %%
def flatten_backward(dout, cache):
    """Gradient of flatten_forward.

    Args:
        dout: (N, D), the gradient with respect to the flattened output.
        cache: what flatten_forward returned with `out`.

    Returns:
        dx: the gradient in the input's shape, (N, ...).
    """
    # YOUR CODE HERE
    raise NotImplementedError('flatten_backward is not implemented yet.')


# %% [markdown]
# ## The lecture's CNN
#
# The lecture builds this model in Keras for 64 x 64 colour images and 10 classes:
#
# ```python
# model = Sequential()
# model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(64, 64, 3)))
# model.add(MaxPooling2D(pool_size=(2, 2)))
# model.add(Conv2D(64, (3, 3), activation="relu"))
# model.add(MaxPooling2D(pool_size=(2, 2)))
# model.add(Flatten())
# model.add(Dense(128, activation="relu"))
# model.add(Dense(10, activation="softmax"))
# ```
#
# and trains it with Adam on categorical cross-entropy. Every layer uses Keras's defaults:
# stride 1 and `"valid"` padding for the convolutions, stride = pool size for the pooling.
# Follow a 64 x 64 x 3 image through it:
#
# | layer | output shape | weights |
# |---|---|---|
# | Conv2D 32, 3x3, ReLU | (62, 62, 32) | 3 * 3 * 3 * 32 + 32 = 896 |
# | MaxPooling2D 2x2 | (31, 31, 32) | 0 |
# | Conv2D 64, 3x3, ReLU | (29, 29, 64) | 3 * 3 * 32 * 64 + 64 = 18,496 |
# | MaxPooling2D 2x2 | (14, 14, 64) | 0 |
# | Flatten | (12544,) | 0 |
# | Dense 128, ReLU | (128,) | 12544 * 128 + 128 = 1,605,760 |
# | Dense 10, softmax | (10,) | 128 * 10 + 10 = 1,290 |
#
# The 32 and 64 filters and the 3 x 3 kernels are the usual choices for a first CNN, and the
# 2 x 2 pooling halves the maps each time. The dense layer holds almost all the weights: the
# convolutions share their few weights across all positions.
#
# `model.get_weights()` returns the eight arrays in layer order: conv 1 kernel
# `(3, 3, 3, 32)` and bias `(32,)`, conv 2 kernel `(3, 3, 32, 64)` and bias `(64,)`, dense 1
# kernel `(12544, 128)` and bias `(128,)`, dense 2 kernel `(128, 10)` and bias `(10,)`. A
# dense layer computes `a @ W + b`. The last one's softmax turns the 10 scores of each image
# into probabilities that sum to 1; subtract each row's maximum before `np.exp`, as in the
# activations assignment.
#
# `cnn_forward` works for other image sizes too: only the first dense kernel's number of rows
# depends on it (a 16 x 16 image flattens to 2 * 2 * 64 = 256 values).

# %%
def cnn_forward(x, weights):
    """Class probabilities of the lecture's CNN, from the weights of a Keras model.

    Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2)
    -> Flatten -> Dense(128, relu) -> Dense(10, softmax); stride 1 and "valid" padding for the
    convolutions, as Keras's defaults.

    Args:
        x: (N, H, W, 3) images (64 x 64 in the lecture).
        weights: the list `model.get_weights()` returns: [conv1 kernel (3, 3, 3, 32),
            conv1 bias (32,), conv2 kernel (3, 3, 32, 64), conv2 bias (64,), dense1 kernel
            (D, 128), dense1 bias (128,), dense2 kernel (128, 10), dense2 bias (10,)].

    Returns:
        (N, 10) class probabilities; each row sums to 1.
    """
    # YOUR CODE HERE
    # HINT: reuse your conv2d_forward, maxpool2d_forward and flatten_forward (ignore their caches).
    raise NotImplementedError('cnn_forward is not implemented yet. Hint: reuse your conv2d_forward, maxpool2d_forward and flatten_forward (ignore their caches).')


# %% [markdown]
# # Look at it
#
# The cells below run only in the notebook (`__name__ == "__main__"` there, not when the
# grader imports your file). They need your functions, so run them once those work.
#
# ## Feature maps of a few filters on a digit
#
# An 8 x 8 handwritten digit from scikit-learn's digits data set (a few are saved in
# `exercises/data/digits.npz`), enlarged 4 times to 32 x 32 and given one channel, goes through
# four hand-made 3 x 3 filters: one that responds to vertical edges, one to horizontal edges,
# one to a diagonal, and one that averages (a blur). Look at the sign: the vertical-edge filter
# computes "left column minus right column", so its map is negative (blue) where a stroke
# begins, ink appearing on the right, and positive (red) where the stroke ends. The second row
# shows the same maps after ReLU and 2 x 2 max pooling: half the size, negatives gone, the
# strokes still there.

# %%
def _load_digits():
    """The recorded digits (images (10, 8, 8) with values 0..16, labels (10,))."""
    from pathlib import Path

    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / "data" / "digits.npz", folder / "exercises" / "data" / "digits.npz"):
            if candidate.is_file():
                with np.load(candidate) as data:
                    return data["images"].astype(np.float64), data["labels"]
    from sklearn.datasets import load_digits  # the same images, if the recording is not at hand

    digits = load_digits()
    return digits.images[:10], digits.target[:10]


if __name__ == "__main__":
    import matplotlib.pyplot as plt

    images, labels = _load_digits()
    digit = np.kron(images[3] / 16.0, np.ones((4, 4)))  # 32 x 32, values in [0, 1]
    x_digit = digit[None, :, :, None]  # (N=1, 32, 32, C=1)
    filters = {
        "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
        "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
        "diagonal": np.array([[2, 1, 0], [1, 0, -1], [0, -1, -2]]),
        "blur": np.ones((3, 3)) / 9,
    }
    kernel = np.stack(list(filters.values()), axis=-1)[:, :, None, :].astype(np.float64)  # (3, 3, 1, 4)
    maps, _ = conv2d_forward(x_digit, kernel, np.zeros(4), padding="same")
    pooled, _ = maxpool2d_forward(np.maximum(maps, 0), 2)
    print("input", x_digit.shape, "-> feature maps", maps.shape, "-> ReLU + pooling", pooled.shape)

    fig, axes = plt.subplots(2, 5, figsize=(13, 5.5))
    axes[0, 0].imshow(digit, cmap="gray_r")
    axes[0, 0].set_title(f"digit {labels[3]}, 32 x 32")
    axes[1, 0].axis("off")
    for f, name in enumerate(filters):
        limit = np.abs(maps[0, :, :, f]).max()
        axes[0, f + 1].imshow(maps[0, :, :, f], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[0, f + 1].set_title(f"{name}\nfeature map 32 x 32")
        axes[1, f + 1].imshow(pooled[0, :, :, f], cmap="magma")
        axes[1, f + 1].set_title("ReLU, pool 2x2: 16 x 16")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## Stride and padding, counted
#
# The same 32 x 32 digit through one 3 x 3 filter with each setting. Compare the shapes with
# the formulas above: valid 30, same 32, and at stride 2 valid 15 and same 16.

# %%
if __name__ == "__main__":
    vertical = kernel[:, :, :, :1]
    settings = [(1, "valid"), (1, "same"), (2, "valid"), (2, "same")]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (s, pad) in zip(axes, settings):
        fmap, _ = conv2d_forward(x_digit, vertical, np.zeros(1), stride=s, padding=pad)
        ax.imshow(fmap[0, :, :, 0], cmap="RdBu_r")
        ax.set_title(f'stride {s}, "{pad}": {fmap.shape[1]} x {fmap.shape[2]}')
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## A gradient check
#
# Is `conv2d_backward` right? Compare it with centred differences: nudge one input by
# $\pm\varepsilon$, recompute the loss $L = \sum \text{out} \cdot \text{dout}$, and divide the
# change by $2\varepsilon$. The relative errors should be around $10^{-8}$ or smaller.

# %%
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 5, 3))
    k = rng.normal(size=(3, 2, 3, 4))
    b = rng.normal(size=4)
    out, cache = conv2d_forward(x, k, b, stride=2, padding="same")
    dout = rng.normal(size=out.shape)
    dx, dk, db = conv2d_backward(dout, cache)

    def numerical(array, eps=1e-6):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            keep = array[index]
            array[index] = keep + eps
            up = np.sum(conv2d_forward(x, k, b, stride=2, padding="same")[0] * dout)
            array[index] = keep - eps
            down = np.sum(conv2d_forward(x, k, b, stride=2, padding="same")[0] * dout)
            array[index] = keep
            grad[index] = (up - down) / (2 * eps)
        return grad

    for name, analytic, array in (("dx", dx, x), ("dkernel", dk, k), ("dbias", db, b)):
        numeric = numerical(array)
        # the backprop lesson's relative_error: entry by entry, then the worst
        error = np.max(np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric)))
        print(f"{name}: relative error {error:.1e}")

# %% [markdown]
# ## The lecture's network, shape by shape
#
# Random weights with the shapes `model.get_weights()` would have (He-style scaling, as a
# fresh Keras model would be roughly), one random 64 x 64 x 3 image, and the shape after each
# layer. The probabilities are meaningless before training, but they must sum to 1.

# %%
if __name__ == "__main__":
    rng = np.random.default_rng(1)
    shapes = [(3, 3, 3, 32), (32,), (3, 3, 32, 64), (64,), (12544, 128), (128,), (128, 10), (10,)]
    weights = [rng.normal(scale=np.sqrt(2 / np.prod(s[:-1])), size=s) if len(s) > 1 else np.zeros(s)
               for s in shapes]
    image = rng.uniform(size=(1, 64, 64, 3))
    a, _ = conv2d_forward(image, weights[0], weights[1])
    print("Conv2D 32     ", a.shape)
    a, _ = maxpool2d_forward(np.maximum(a, 0))
    print("MaxPooling2D  ", a.shape)
    a, _ = conv2d_forward(a, weights[2], weights[3])
    print("Conv2D 64     ", a.shape)
    a, _ = maxpool2d_forward(np.maximum(a, 0))
    print("MaxPooling2D  ", a.shape)
    a, _ = flatten_forward(a)
    print("Flatten       ", a.shape)
    print("weights in all:", sum(w.size for w in weights))
    probs = cnn_forward(image, weights)
    print("probabilities", np.round(probs, 3), "sum", probs.sum())

# %% [markdown]
# ## Try it
#
# Run the public checks with `nnlab check conv`. Worth trying yourself:
# `conv2d_output_size(8, 3, 2, "same")` is 4 and `conv2d_output_size(7, 3, 2, "valid")` is 3;
# a float32 image through `conv2d_forward` stays float32; and `maxpool2d_backward` on a window
# of four equal values puts the whole gradient on its top-left pixel.
