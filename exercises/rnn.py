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
# # Recurrent networks: memory through a loop
#
# The networks so far look at one input at a time and forget it as soon as they have answered.
# Many inputs are **sequences**, though: the words of a sentence, a stock price day after day,
# the samples of a sound. What comes next depends on what came before, so the network needs to
# keep something from the earlier elements. A **recurrent neural network (RNN)** does this with
# a loop in its architecture: what the layer computed at the previous step is fed back in at
# the next one, so information can persist from step to step.
#
# ## The recurrent unit and its hidden state
#
# The building block is the **recurrent unit**. Besides the current input $x_t$ it receives its
# own previous output, the **hidden state** $h_{t-1}$, and it produces a new hidden state:
#
# $$h_t = \tanh\bigl(x_t W_x + h_{t-1} W_h + b\bigr)$$
#
# The hidden state is the unit's memory: a vector of $H$ numbers in $(-1, 1)$ that summarises
# what the layer has seen so far. The same weights are used at every step, whatever the
# sequence's length. In Keras's names (what `SimpleRNN.get_weights()` returns, in this order):
#
# | symbol | Keras name | shape |
# |---|---|---|
# | $W_x$ | `kernel` | `(D, H)`: input features to hidden units |
# | $W_h$ | `recurrent_kernel` | `(H, H)`: previous hidden state to hidden units |
# | $b$ | `bias` | `(H,)` |
#
# The lecture's model is `SimpleRNN(50, input_shape=(None, 1))` followed by
# `Dense(1, activation='sigmoid')`: 50 hidden units, sequences of any length with one feature
# per step ($D = 1$, $H = 50$), and a sigmoid neuron that reads the last hidden state to answer
# a yes/no question about the whole sequence.
#
# ## Processing a sequence: unrolling
#
# An RNN reads a sequence one element at a time, updating its hidden state at each step. Drawn
# with the loop written out, one copy of the unit per time step, it becomes an ordinary
# feed-forward network that happens to share its weights between layers. This picture is the
# **unrolled** (or unfolded) network:
#
# ```
#          x_1           x_2           x_3                   x_T
#           |             |             |                     |
# h_0 --> [unit] -h_1-> [unit] -h_2-> [unit] -h_3-> ... --> [unit] --> h_T
#           |             |             |                     |
#          h_1           h_2           h_3                   h_T
# ```
#
# Each arrow between two copies carries the hidden state forward; each copy also hands its
# $h_t$ out as an output. The first unit needs a "previous" state too: the **initial state**
# $h_0$. Keras starts from zeros unless you pass `initial_state`; here `h0` is always an
# argument.
#
# ## Shapes in this module
#
# - A batch of sequences is `(N, T, D)`: $N$ sequences, $T$ time steps, $D$ features per step.
#   Step $t$ of every sequence is `x[:, t, :]`, shape `(N, D)`.
# - Hidden states are `(N, H)`; all of them over the sequence are `h_seq`, `(N, T, H)`, as
#   Keras returns with `return_sequences=True`.
# - Keep the inputs' floating dtype (float32 in, float32 out) and never modify an argument.

# %%
import numpy as np

# %% [markdown]
# ## One step forward
#
# One step is one matrix product for the input, one for the previous state, the bias, and a
# tanh. With a batch, $x_t$ is `(N, D)` and $h_{t-1}$ is `(N, H)`, so `x_t @ kernel` and
# `h_prev @ recurrent_kernel` are both `(N, H)` and the bias broadcasts over the rows.
#
# Backpropagation will need some of this step's values later. As in the backprop assignment,
# the forward function returns them in a **cache** next to its output; what you put in it is
# up to you, as long as your backward function understands it.

# %%
def rnn_step_forward(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step of a SimpleRNN: h = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias).

    Args:
        x_t: ndarray (N, D), the inputs of this time step.
        h_prev: ndarray (N, H), the previous hidden state.
        kernel: ndarray (D, H), input weights.
        recurrent_kernel: ndarray (H, H), hidden-to-hidden weights.
        bias: ndarray (H,).

    Returns:
        (h, cache): h is ndarray (N, H), the new hidden state, in the inputs' floating dtype;
        cache holds whatever rnn_step_backward needs.

    Hint: keep the inputs and the output h in the cache: tanh's derivative can be written with
    h alone.
    """
    # YOUR CODE HERE
    raise NotImplementedError('rnn_step_forward is not implemented yet.')


# %% [markdown]
# ## One step backward
#
# Given $\partial L / \partial h$ (called `dh`, shape `(N, H)`), the step's backward pass is
# the chain rule through two operations, one line each:
#
# 1. through the tanh: with $h = \tanh(z)$, $\tanh'(z) = 1 - \tanh^2(z) = 1 - h^2$, so
#    $dz = dh \odot (1 - h^2)$ (elementwise);
# 2. through $z = x_t W_x + h_{t-1} W_h + b$, exactly as through a dense layer, twice:
#    `dx_t = dz @ kernel.T`, `dkernel = x_t.T @ dz`, `dh_prev = dz @ recurrent_kernel.T`,
#    `drecurrent_kernel = h_prev.T @ dz`, and `dbias = dz.sum(axis=0)` (the bias was added to
#    every row of the batch, so its gradient sums the rows).
#
# A check on the shapes catches most slips: every gradient has the shape of the thing it is
# the gradient of.

# %%
def rnn_step_backward(dh, cache):
    """Backward pass of one SimpleRNN step.

    Args:
        dh: ndarray (N, H), dLoss/dh for this step's output h.
        cache: what rnn_step_forward returned next to h.

    Returns:
        (dx_t (N, D), dh_prev (N, H), dkernel (D, H), drecurrent_kernel (H, H), dbias (H,)),
        in the inputs' floating dtype.

    Hint: first dz = dh * (1 - h**2), then five matrix products or sums, one per gradient.
    """
    # YOUR CODE HERE
    raise NotImplementedError('rnn_step_backward is not implemented yet.')


# %% [markdown]
# ## The whole sequence forward
#
# Unrolling in code is a loop over time: start from `h = h0`, and for $t = 0, \dots, T-1$
# compute the new `h` from `x[:, t, :]` and the previous `h`, store it in `h_seq[:, t, :]`,
# and keep each step's cache. The one thing that makes this a *recurrent* network is that each
# step starts from the state the previous step produced, and the first from `h0`.
#
# This is `keras.layers.SimpleRNN(H, return_sequences=True)` called with
# `initial_state=[h0]`, with your three weight arrays in place of Keras's.

# %%
def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    """Run a SimpleRNN over a batch of sequences.

    Args:
        x: ndarray (N, T, D), the input sequences.
        h0: ndarray (N, H), the initial hidden state.
        kernel: ndarray (D, H).
        recurrent_kernel: ndarray (H, H).
        bias: ndarray (H,).

    Returns:
        (h_seq, cache): h_seq is ndarray (N, T, H), the hidden state after every step
        (h_seq[:, -1] is the last one), in the inputs' floating dtype; cache holds whatever
        rnn_backward needs.

    Hint: a Python loop over t calling rnn_step_forward; collect the caches in a list.
    """
    # YOUR CODE HERE
    raise NotImplementedError('rnn_forward is not implemented yet.')


# %% [markdown]
# ## Backpropagation through time
#
# Training an RNN uses **backpropagation through time (BPTT)**: ordinary backpropagation on
# the unrolled network. Keras does it for you when you call `fit`; here you write it, because
# two things about it are easy to get wrong and worth seeing once.
#
# **The gradient reaching a hidden state has two sources.** $h_t$ is an output (the loss may
# read it directly: `dh_seq[:, t]`), and it is also the input of step $t+1$. So the gradient
# that flows into step $t$'s backward pass is
#
# $$\frac{\partial L}{\partial h_t} = \texttt{dh\_seq[:, t]} + \underbrace{\frac{\partial L}{\partial h_t}\Big|_{\text{through step } t+1}}_{\texttt{dh\_prev of step } t+1}.$$
#
# That is why the loop runs **backwards**, from $t = T-1$ to $0$: step $t+1$'s `dh_prev`
# must be known before step $t$ runs. (At $t = T-1$ nothing comes from the future: start from
# zeros.) What the loop has left after step 0 is `dh0`, the gradient of the initial state.
#
# **The weights' gradients add up over time.** The same `kernel`, `recurrent_kernel` and
# `bias` are used by every step, so each of their gradients is the *sum* of what every step
# contributes: accumulate with `+=`, never overwrite with `=`.
#
# The same sums show why plain RNNs forget: the gradient that reaches an early step has been
# multiplied by `recurrent_kernel.T` and by $1 - h^2 \le 1$ once per step in between. Over many
# steps that product usually shrinks towards zero (the **vanishing gradient**), so the early
# inputs barely influence learning. The LSTM of the next module is the remedy.

# %%
def rnn_backward(dh_seq, cache):
    """Backpropagation through time for rnn_forward.

    Args:
        dh_seq: ndarray (N, T, H), dLoss/dh_t for every step's output (zeros where the loss does
            not read a step, e.g. everything but the last step for a many-to-one model).
        cache: what rnn_forward returned next to h_seq.

    Returns:
        (dx (N, T, D), dh0 (N, H), dkernel (D, H), drecurrent_kernel (H, H), dbias (H,)), in the
        inputs' floating dtype.

    Hint: loop t from T - 1 down to 0; the dh given to step t is dh_seq[:, t] plus the dh_prev
    that step t + 1 returned; add the weight gradients of every step.
    """
    # YOUR CODE HERE
    # HINT: for t in reversed(range(T)): step t gets dh_seq[:, t] + dh_next; weights use +=.
    raise NotImplementedError('rnn_backward is not implemented yet. Hint: for t in reversed(range(T)): step t gets dh_seq[:, t] + dh_next; weights use +=.')


# %% [markdown]
# ## Watch a hidden state evolve
#
# The picture below runs a `SimpleRNN(50)`, the lecture's size, over one sequence with one
# feature per step: a slow sine wave with a single spike at step 20. The weights are random
# (drawn the way Keras initialises them), so the layer has learned nothing; still, you can see
# each of the 50 units respond to the input and to each other, and the spike's trace fade over
# the next ten or so steps, until the state follows the sine wave again as if the spike had
# never happened: that fading is the short memory of a plain RNN.
#
# The cell runs only in the notebook (not when your file is imported for grading), once
# `rnn_forward` works.

# %%
if __name__ == "__main__":
    import matplotlib.pyplot as plt

    demo_rng = np.random.default_rng(0)
    steps, units = 60, 50
    signal = np.sin(np.linspace(0, 4 * np.pi, steps))
    signal[20] += 3.0  # one spike, to see how long the layer remembers it
    x_demo = signal.reshape(1, steps, 1)
    limit = np.sqrt(6 / (1 + units))  # Glorot uniform, Keras's default for the kernel
    kernel_demo = demo_rng.uniform(-limit, limit, size=(1, units))
    # an orthogonal recurrent kernel, Keras's default for recurrent_kernel
    recurrent_demo, _ = np.linalg.qr(demo_rng.normal(size=(units, units)))
    h_demo, _ = rnn_forward(x_demo, np.zeros((1, units)), kernel_demo, recurrent_demo,
                            np.zeros(units))

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [1, 2.5]})
    top.plot(signal, color="black")
    top.set_ylabel("input $x_t$")
    top.set_title("SimpleRNN(50) with random weights: the hidden state over one sequence")
    image = bottom.imshow(h_demo[0].T, aspect="auto", cmap="coolwarm", vmin=-1, vmax=1,
                          interpolation="nearest")
    bottom.set_xlabel("time step $t$")
    bottom.set_ylabel("hidden unit")
    fig.colorbar(image, ax=[top, bottom], label="$h_t$ (between -1 and 1)")
    plt.show()

# %% [markdown]
# ## Check your gradients numerically
#
# A gradient can be checked without knowing the right formula: nudge one input entry by a
# tiny $\varepsilon$ up and down, run the forward pass twice, and the change in the loss
# divided by $2\varepsilon$ approximates the derivative (a **centred difference**). The cell
# below does this for the loss $L = \sum_{n,t,j} h\_seq_{ntj} \cdot dh\_seq_{ntj}$, whose
# gradient with respect to `h_seq` is exactly `dh_seq`, and compares every gradient that
# `rnn_backward` returns. Relative errors around $10^{-8}$ or smaller mean your backward pass
# is right; $10^{-2}$ or larger means it is not. The sequence has 6 steps, so a backward pass
# that forgets `dh_next` or overwrites instead of adding will show up.

# %%
if __name__ == "__main__":
    def centred_difference(loss, array, eps=1e-6):
        """dloss/darray by centred differences; `loss()` must read `array`."""
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            keep = array[index]
            array[index] = keep + eps
            up = loss()
            array[index] = keep - eps
            down = loss()
            array[index] = keep
            grad[index] = (up - down) / (2 * eps)
        return grad

    check_rng = np.random.default_rng(1)
    n, t_len, d, hidden = 2, 6, 3, 4
    arrays = {"x": check_rng.normal(size=(n, t_len, d)),
              "h0": check_rng.normal(size=(n, hidden)),
              "kernel": check_rng.normal(size=(d, hidden)),
              "recurrent_kernel": check_rng.normal(scale=0.5, size=(hidden, hidden)),
              "bias": check_rng.normal(size=hidden)}
    upstream = check_rng.normal(size=(n, t_len, hidden))

    def loss():
        h_seq, _ = rnn_forward(*arrays.values())
        return np.sum(h_seq * upstream)

    _, check_cache = rnn_forward(*arrays.values())
    analytic = rnn_backward(upstream, check_cache)
    for name, value in zip(["dx", "dh0", "dkernel", "drecurrent_kernel", "dbias"], analytic):
        numeric = centred_difference(loss, arrays[name[1:]])
        # the backprop lesson's relative_error: entry by entry, then the worst
        error = np.max(np.abs(value - numeric) / np.maximum(1e-8, np.abs(value) + np.abs(numeric)))
        print(f"{name:18s} relative error {error:.1e}")
