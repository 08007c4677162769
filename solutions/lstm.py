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
# # LSTM: gates and a cell state
#
# A SimpleRNN keeps all its memory in one hidden state, and rewrites all of it at every step:
# $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$. Whatever it saw 30 steps ago survives only if 30
# such rewrites happen to preserve it, and during training the gradient that could teach it to
# do so shrinks at every step on its way back (the vanishing gradient of the previous module).
# So SimpleRNNs suit **short-term dependencies**. Language, speech or a long time series need
# more: the subject at the start of a sentence decides the verb many words later.
#
# **Long Short-Term Memory (LSTM)** networks are recurrent networks built for these
# **long-term dependencies**. Two ideas make the difference:
#
# - a **cell state** $c_t$ that runs through the whole sequence beside the hidden state, and
#   is changed only by elementwise scaling and adding, never squashed through a weight matrix,
#   so information (and gradient) can travel along it over long distances;
# - **gates** that control the flow of information into, out of and within the cell. A gate is
#   a vector of sigmoids, numbers between 0 ("let nothing through") and 1 ("let everything
#   through"), multiplied elementwise with what it guards.
#
# The lecture swaps `SimpleRNN(50)` for `LSTM(50)` in the same model (input
# `(None, 1)`, then `Dense(1, activation='sigmoid')`); the layer's interface is the same, only
# what happens inside one step changes. This module writes that step and the layer.
#
# ## One LSTM step
#
# From the input $x_t$ and the previous states $h_{t-1}$, $c_{t-1}$:
#
# 1. **pre-activations** of all four gate blocks at once, $z = x_t W_x + h_{t-1} W_h + b$,
#    of width $4H$;
# 2. the **input gate** $i = \sigma(z_i)$: which new information to add to the cell;
#    the **forget gate** $f = \sigma(z_f)$: what to discard from the cell (0 means "forget
#    completely", 1 "keep completely"); the **candidate** $g = \tanh(z_c)$: the new values
#    that could be written, in $(-1, 1)$; the **output gate** $o = \sigma(z_o)$: which parts of
#    the cell to show as output;
# 3. the **cell state update**, keep part of the old memory and add part of the new:
#    $c_t = f \odot c_{t-1} + i \odot g$;
# 4. the **hidden state**, the cell squashed by tanh and filtered by the output gate:
#    $h_t = o \odot \tanh(c_t)$.
#
# ## Keras's weight layout: [i | f | c | o]
#
# `LSTM(H).get_weights()` returns `kernel (D, 4H)`, `recurrent_kernel (H, 4H)` and
# `bias (4H,)`. Their columns hold the four gates side by side, in the order **input, forget,
# candidate (Keras calls it c), output**: columns `0:H` are $i$, `H:2H` are $f$, `2H:3H` are the
# candidate $g$, `3H:4H` are $o$. Other texts use other orders (CS231n's is i, f, o, g); with
# Keras's weights only Keras's order gives Keras's numbers.
#
# Shapes are as in the rnn module: sequences `(N, T, D)`, states `(N, H)`, outputs
# `h_seq (N, T, H)`. Keep the inputs' floating dtype and never modify an argument.

# %%
import numpy as np


# %% [markdown]
# A stable sigmoid, given (you wrote it in the activations assignment): `np.exp` only ever sees
# $-|z|$, so it cannot overflow.

# %%
def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), stable for any |z|; keeps z's dtype."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# %% [markdown]
# ## The gates
#
# `lstm_gates` takes the pre-activations `z`, shape `(N, 4H)`, cuts them into the four blocks
# of Keras's order and applies each block's activation: sigmoid, sigmoid, tanh, sigmoid. Note
# that it returns them as `(i, f, g, o)`: the candidate is third, as in the weights.

# %%
def lstm_gates(z):
    """Split LSTM pre-activations into Keras's [i | f | c | o] blocks and activate them.

    Args:
        z: ndarray (N, 4H), x_t @ kernel + h_prev @ recurrent_kernel + bias.

    Returns:
        (i, f, g, o), each ndarray (N, H) in z's dtype: the input gate sigmoid(z[:, 0:H]), the
        forget gate sigmoid(z[:, H:2H]), the candidate tanh(z[:, 2H:3H]) and the output gate
        sigmoid(z[:, 3H:4H]).

    Hint: H = z.shape[-1] // 4; slice the last axis with z[..., k * H:(k + 1) * H].
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    hidden = z.shape[-1] // 4
    i = sigmoid(z[..., 0:hidden])
    f = sigmoid(z[..., hidden:2 * hidden])
    g = np.tanh(z[..., 2 * hidden:3 * hidden])
    o = sigmoid(z[..., 3 * hidden:4 * hidden])
    return i, f, g, o
    ### END SOLUTION


# %% [markdown]
# ## The cell state and the hidden state
#
# Two one-liners, but they are the heart of the LSTM. The forget gate scales the **old** cell
# state and the input gate scales the **new** candidate. If $f = 1$ and $i = 0$ the cell keeps
# its value exactly, step after step: that is how an LSTM holds on to something for a long
# time. The hidden state is **not** the cell itself: it is $o \odot \tanh(c)$, so it stays in
# $(-1, 1)$ even when the cell grows large.

# %%
def lstm_cell_state(f, i, g, c_prev):
    """The new cell state f * c_prev + i * g.

    Args:
        f, i, g: ndarrays (N, H), the forget gate, the input gate and the candidate.
        c_prev: ndarray (N, H), the previous cell state.

    Returns:
        ndarray (N, H), the new cell state c, in the inputs' dtype.
    """
    ### BEGIN SOLUTION
    return f * c_prev + i * g
    ### END SOLUTION


# %%
def lstm_hidden_state(o, c):
    """The new hidden state o * tanh(c).

    Args:
        o: ndarray (N, H), the output gate.
        c: ndarray (N, H), the new cell state.

    Returns:
        ndarray (N, H), the new hidden state h, in the inputs' dtype.
    """
    ### BEGIN SOLUTION
    return o * np.tanh(c)
    ### END SOLUTION


# %% [markdown]
# ## One step forward
#
# Put the pieces together. The cache keeps what the backward pass will need: the inputs, the
# four activated gates and the new cell state.

# %%
def lstm_step_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step, as Keras computes it.

    Args:
        x_t: ndarray (N, D), the inputs of this time step.
        h_prev: ndarray (N, H), the previous hidden state.
        c_prev: ndarray (N, H), the previous cell state.
        kernel: ndarray (D, 4H), recurrent_kernel: ndarray (H, 4H), bias: ndarray (4H,), the
            gate blocks in the order [i | f | c | o].

    Returns:
        (h, c, cache): the new hidden state h (N, H) and cell state c (N, H), in the inputs'
        floating dtype; cache holds whatever lstm_step_backward needs.

    Hint: z = x_t @ kernel + h_prev @ recurrent_kernel + bias, then your lstm_gates,
    lstm_cell_state and lstm_hidden_state.
    """
    ### BEGIN SOLUTION
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i, f, g, o = lstm_gates(z)
    c = lstm_cell_state(f, i, g, c_prev)
    h = lstm_hidden_state(o, c)
    cache = (x_t, h_prev, c_prev, kernel, recurrent_kernel, i, f, g, o, c)
    return h, c, cache
    ### END SOLUTION


# %% [markdown]
# ## One step backward
#
# A step now receives **two** upstream gradients: `dh` for its hidden state and `dc` for its
# cell state (the cell state goes on to the next step, so the next step's backward pass sends
# a gradient for it). Work back through the step one local derivative at a time:
#
# - $c_t$ reaches the loss along two paths, directly (to the next step) and through
#   $h_t = o \odot \tanh(c_t)$, so its total gradient is
#   $dc_{\text{total}} = dc + dh \odot o \odot (1 - \tanh^2 c_t)$;
# - $h_t = o \odot \tanh(c_t)$ gives $do = dh \odot \tanh(c_t)$;
# - $c_t = f \odot c_{t-1} + i \odot g$ gives $df = dc_{\text{total}} \odot c_{t-1}$,
#   $di = dc_{\text{total}} \odot g$, $dg = dc_{\text{total}} \odot i$, and
#   $dc_{t-1} = dc_{\text{total}} \odot f$;
# - through the activations: $\sigma' = \sigma(1 - \sigma)$ and $\tanh' = 1 - \tanh^2$, so
#   $dz_i = di \odot i(1 - i)$, $dz_f = df \odot f(1 - f)$, $dz_c = dg \odot (1 - g^2)$,
#   $dz_o = do \odot o(1 - o)$;
# - put the four blocks side by side in Keras's order, `dz = [dz_i | dz_f | dz_c | dz_o]`
#   of shape `(N, 4H)`, and go through $z = x_t W_x + h_{t-1} W_h + b$ as in the rnn module.
#
# Look at $dc_{t-1} = dc_{\text{total}} \odot f$: the gradient along the cell state is only
# multiplied by the forget gate, with no weight matrix and no squashing derivative. When
# $f \approx 1$ it passes back almost unchanged, over many steps. That is the LSTM's answer to
# the vanishing gradient.

# %%
def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Args:
        dh: ndarray (N, H), dLoss/dh for this step's hidden state.
        dc: ndarray (N, H), dLoss/dc for this step's cell state from where it goes next (the
            next step), not counting the path through h.
        cache: what lstm_step_forward returned next to h and c.

    Returns:
        (dx_t (N, D), dh_prev (N, H), dc_prev (N, H), dkernel (D, 4H),
        drecurrent_kernel (H, 4H), dbias (4H,)), in the inputs' floating dtype.

    Hint: np.concatenate([dz_i, dz_f, dz_c, dz_o], axis=-1) builds dz in Keras's order.
    """
    ### BEGIN SOLUTION
    # HINT: start with dc_total = dc + dh * o * (1 - tanh(c)**2): c reaches the loss two ways.
    x_t, h_prev, c_prev, kernel, recurrent_kernel, i, f, g, o, c = cache
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1 - tanh_c**2)  # c reaches the loss directly and through h
    do = dh * tanh_c
    di = dc_total * g
    df = dc_total * c_prev
    dg = dc_total * i
    dc_prev = dc_total * f
    # each block: upstream gradient times the derivative of its activation
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)],
                        axis=-1)
    dx_t = dz @ kernel.T
    dh_prev = dz @ recurrent_kernel.T
    dkernel = x_t.T @ dz
    drecurrent_kernel = h_prev.T @ dz
    dbias = dz.sum(axis=0)
    return dx_t, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% [markdown]
# ## The whole sequence forward
#
# As with the SimpleRNN, a loop over time; now two states travel from step to step, `h` and
# `c`, starting from the initial states `h0` and `c0`. The function returns what
# `keras.layers.LSTM(H, return_sequences=True, return_state=True)` returns when called with
# `initial_state=[h0, c0]`: every hidden state, then the last hidden state and the last cell
# state.

# %%
def lstm_forward(x, h0, c0, kernel, recurrent_kernel, bias):
    """Run an LSTM over a batch of sequences.

    Args:
        x: ndarray (N, T, D), the input sequences.
        h0, c0: ndarrays (N, H), the initial hidden and cell states.
        kernel: ndarray (D, 4H), recurrent_kernel: ndarray (H, 4H), bias: ndarray (4H,), in
            Keras's [i | f | c | o] layout.

    Returns:
        (h_seq, h_T, c_T, cache): h_seq (N, T, H), the hidden state after every step; h_T and
        c_T (N, H), the last hidden and cell states; all in the inputs' floating dtype. cache
        holds whatever lstm_backward needs.

    Hint: a loop over t calling lstm_step_forward, carrying both h and c.
    """
    ### BEGIN SOLUTION
    t_len = x.shape[1]
    h, c = h0, c0
    states, caches = [], []
    for t in range(t_len):
        h, c, step_cache = lstm_step_forward(x[:, t, :], h, c, kernel, recurrent_kernel, bias)
        states.append(h)
        caches.append(step_cache)
    return np.stack(states, axis=1), h, c, caches
    ### END SOLUTION


# %% [markdown]
# ## Backpropagation through time
#
# The loop of the rnn module with one more travelling gradient. Going backwards from
# $t = T-1$, step $t$ receives
#
# - `dh = dh_seq[:, t] + dh_next`: what the loss says about $h_t$ directly, plus what step
#   $t+1$ sent back through its `h_prev`;
# - `dc = dc_next`: what step $t+1$ sent back through its `c_prev` (at the last step, zeros:
#   here the loss reads the hidden states only, not the final cell state).
#
# After step 0, `dh_next` and `dc_next` are the gradients of the initial states. The weight
# gradients add up over the steps, as before.

# %%
def lstm_backward(dh_seq, cache):
    """Backpropagation through time for lstm_forward.

    Args:
        dh_seq: ndarray (N, T, H), dLoss/dh_t for every step's hidden state (the final cell
            state gets no upstream gradient).
        cache: what lstm_forward returned.

    Returns:
        (dx (N, T, D), dh0 (N, H), dc0 (N, H), dkernel (D, 4H), drecurrent_kernel (H, 4H),
        dbias (4H,)), in the inputs' floating dtype.

    Hint: carry dh_next and dc_next backwards from zeros; add the weight gradients of every step.
    """
    ### BEGIN SOLUTION
    n, t_len, _ = dh_seq.shape
    kernel, recurrent_kernel = cache[0][3], cache[0][4]
    dx = np.zeros((n, t_len, kernel.shape[0]), dtype=dh_seq.dtype)
    dkernel = np.zeros_like(kernel)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=dh_seq.dtype)
    dh_next = np.zeros_like(dh_seq[:, 0, :])
    dc_next = np.zeros_like(dh_seq[:, 0, :])
    for t in reversed(range(t_len)):
        # h_t feeds the loss and step t + 1; c_t feeds step t + 1 (and h_t, inside the step)
        dx_t, dh_next, dc_next, dk, drk, db = lstm_step_backward(
            dh_seq[:, t, :] + dh_next, dc_next, cache[t])
        dx[:, t, :] = dx_t
        dkernel += dk  # shared weights: every step's contribution adds up
        drecurrent_kernel += drk
        dbias += db
    return dx, dh_next, dc_next, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% [markdown]
# ## Why the LSTM remembers where the SimpleRNN forgets
#
# Backpropagation through time tells us how much each input of a sequence can still change the
# end of it. Give the last hidden state $h_T$ a gradient (and every other step none), run the
# backward pass, and look at `dx[:, t]`: how strongly the input at step $t$ influences $h_T$.
# If that gradient is tiny for early steps, the layer cannot learn anything that depends on
# them: it has forgotten them.
#
# The experiment below does this for 32 random sequences of 100 steps, with 50 units per
# layer (the lecture's `SimpleRNN(50)` and `LSTM(50)`), both freshly initialised as Keras does
# (Glorot-uniform kernels, orthogonal recurrent kernels, zero biases except the LSTM's forget
# gate bias of 1, `unit_forget_bias=True`). Nothing is trained. The SimpleRNN's gradient
# shrinks by orders of magnitude on its way back, because every step multiplies it by the
# recurrent kernel and by $\tanh' \le 1$. The LSTM's also shrinks, but far more slowly: along
# the cell state it is multiplied only by the forget gate, here about $\sigma(1) \approx 0.73$
# and pushed towards 1 by training wherever a long memory pays off.
#
# The SimpleRNN's backward pass is written out in a few lines (only `dx` is needed);
# the LSTM's is yours. Like the picture in the rnn module, the cell runs only in the notebook,
# once `lstm_forward` and `lstm_backward` work.

# %%
if __name__ == "__main__":
    import matplotlib.pyplot as plt

    demo_rng = np.random.default_rng(0)
    n, steps, units = 32, 100, 50
    x_demo = demo_rng.normal(size=(n, steps, 1))
    start = np.zeros((n, units))
    upstream = np.zeros((n, steps, units))
    upstream[:, -1] = demo_rng.normal(size=(n, units))  # only h_T reaches the loss

    # SimpleRNN(50), Keras's initialisers, forward and backward in a few lines
    limit = np.sqrt(6 / (1 + units))
    rnn_kernel = demo_rng.uniform(-limit, limit, size=(1, units))
    rnn_recurrent, _ = np.linalg.qr(demo_rng.normal(size=(units, units)))
    h, rnn_states = start, []
    for t in range(steps):
        h = np.tanh(x_demo[:, t] @ rnn_kernel + h @ rnn_recurrent)
        rnn_states.append(h)
    rnn_dx, dh = np.zeros((n, steps)), np.zeros((n, units))
    for t in reversed(range(steps)):
        dz = (upstream[:, t] + dh) * (1 - rnn_states[t] ** 2)
        rnn_dx[:, t] = (dz @ rnn_kernel.T)[:, 0]
        dh = dz @ rnn_recurrent.T

    # LSTM(50), Keras's initialisers: blocks [i | f | c | o], forget bias 1
    limit4 = np.sqrt(6 / (1 + 4 * units))
    lstm_kernel = demo_rng.uniform(-limit4, limit4, size=(1, 4 * units))
    lstm_recurrent = np.concatenate(
        [np.linalg.qr(demo_rng.normal(size=(units, units)))[0] for _ in range(4)], axis=1)
    lstm_bias = np.zeros(4 * units)
    lstm_bias[units:2 * units] = 1.0
    _, _, _, demo_cache = lstm_forward(x_demo, start, start, lstm_kernel, lstm_recurrent, lstm_bias)
    lstm_dx = lstm_backward(upstream, demo_cache)[0][:, :, 0]

    fig, ax = plt.subplots(figsize=(9, 4))
    for dx_demo, label in ((rnn_dx, "SimpleRNN(50)"), (lstm_dx, "LSTM(50)")):
        influence = np.mean(np.abs(dx_demo), axis=0)
        ax.semilogy(influence / influence[-1], label=label)
    ax.set_xlabel("time step $t$ of the input")
    ax.set_ylabel("|dh_T / dx_t|, relative to the last step")
    ax.set_title("How much can the input at step t still change the last hidden state?")
    ax.legend()
    plt.show()

# %% [markdown]
# ## Check your gradients numerically
#
# As in the rnn module: centred differences of $L = \sum h\_seq \odot dh\_seq$ against every
# gradient that `lstm_backward` returns. Relative errors around $10^{-8}$ or below mean your
# backward pass is right. The 6-step sequence exercises both travelling gradients, `dh_next`
# and `dc_next`.

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
              "c0": check_rng.normal(size=(n, hidden)),
              "kernel": check_rng.normal(scale=0.5, size=(d, 4 * hidden)),
              "recurrent_kernel": check_rng.normal(scale=0.5, size=(hidden, 4 * hidden)),
              "bias": check_rng.normal(size=4 * hidden)}
    upstream = check_rng.normal(size=(n, t_len, hidden))

    def loss():
        h_seq, _, _, _ = lstm_forward(*arrays.values())
        return np.sum(h_seq * upstream)

    _, _, _, check_cache = lstm_forward(*arrays.values())
    analytic = lstm_backward(upstream, check_cache)
    names = ["dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias"]
    for name, value in zip(names, analytic):
        numeric = centred_difference(loss, arrays[name[1:]])
        # the backprop lesson's relative_error: entry by entry, then the worst
        error = np.max(np.abs(value - numeric) / np.maximum(1e-8, np.abs(value) + np.abs(numeric)))
        print(f"{name:18s} relative error {error:.1e}")
