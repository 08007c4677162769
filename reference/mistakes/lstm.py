"""Catalogued mistakes of lstm.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import (_mistake_lstm_cell, _mistake_lstm_layer, _mistake_lstm_step_back,
                                        _mistake_lstm_tape, _mistake_recurrent_weight_grads)
from reference.mistakes.registry import mistake


# Entries for lstm.py. Backward entries (same_signature=False) take the upstream gradient(s)
# followed by the forward function's arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel,
# bias) for a sequence.


@mistake("lstm.lstm_gates", looks_like="gates split in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_gates_ifog_order(z):
    z = np.asarray(z)
    i, f, o, g = np.split(z, 4, axis=-1)
    return 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), np.tanh(g), 1 / (1 + np.exp(-o))


@mistake("lstm.lstm_gates", looks_like="every gate squashed by the sigmoid",
         why="the candidate (third block) uses tanh, so the values written to the cell lie in (-1, 1)")
def lstm_gates_all_sigmoid(z):
    s = 1 / (1 + np.exp(-np.asarray(z)))
    i, f, g, o = np.split(s, 4, axis=-1)
    return i, f, g, o


@mistake("lstm.lstm_cell_state", looks_like="the forget and input gates swapped",
         why="the forget gate scales the old cell state and the input gate scales the new candidate: "
             "c = f * c_prev + i * g")
def lstm_cell_state_gates_swapped(f, i, g, c_prev):
    return np.asarray(i) * np.asarray(c_prev) + np.asarray(f) * np.asarray(g)


@mistake("lstm.lstm_hidden_state", looks_like="h = o * c without the tanh",
         why="the cell state is squashed before the output gate reads it: h = o * tanh(c)")
def lstm_hidden_state_no_tanh(o, c):
    return np.asarray(o) * np.asarray(c)


@mistake("lstm.lstm_step_forward", looks_like="a step with the gates in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_step_forward_ifog_order(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    zi, zf, zo, zg = np.split(z, 4, axis=-1)
    i, f, o, g = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), 1 / (1 + np.exp(-zo)), np.tanh(zg)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x_t, h_prev, c_prev)


@mistake("lstm.lstm_forward", looks_like="a layer with the gates in CS231n's i, f, o, g order",
         why="Keras stores the gate blocks as [i | f | c | o]: the third block is the tanh candidate "
             "and the fourth is the output gate")
def lstm_forward_ifog_order(x, h0, c0, kernel, recurrent_kernel, bias):
    def step(z, h, c):
        zi, zf, zo, zg = np.split(z, 4, axis=-1)  # CS231n's order (Keras's is i, f, c, o)
        c = 1 / (1 + np.exp(-zf)) * c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)
        return 1 / (1 + np.exp(-zo)) * np.tanh(c), c

    return _mistake_lstm_layer(x, h0, c0, kernel, recurrent_kernel, bias, step)


@mistake("lstm.lstm_forward", looks_like="a layer whose hidden state is o * c without the tanh",
         why="the cell state is squashed before the output gate reads it: h = o * tanh(c)")
def lstm_forward_h_without_tanh(x, h0, c0, kernel, recurrent_kernel, bias):
    def step(z, h, c):
        zi, zf, zg, zo = np.split(z, 4, axis=-1)
        c = 1 / (1 + np.exp(-zf)) * c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)
        return 1 / (1 + np.exp(-zo)) * c, c  # o * c (should be o * tanh(c))

    return _mistake_lstm_layer(x, h0, c0, kernel, recurrent_kernel, bias, step)


@mistake("lstm.lstm_backward", same_signature=False,
         looks_like="weight gradients assigned (=) at each time step instead of accumulated (+=)",
         why="the same kernel, recurrent kernel and bias are used at every step, so their gradients are "
             "the sum of the contributions of all steps")
def lstm_backward_assign_not_accumulate(dh_seq, x, h0, c0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs, cs, steps = _mistake_lstm_tape(x, h0, c0, kernel, recurrent_kernel, bias)
    dzs, dh_next, dc_next = [None] * x.shape[1], np.zeros(hs[0].shape), np.zeros(cs[0].shape)
    for t in reversed(range(x.shape[1])):
        dzs[t], dh_next, dc_next = _mistake_lstm_step_back(dh_seq[:, t] + dh_next, dc_next, cs[t], cs[t + 1],
                                                           steps[t], recurrent_kernel)
    dx, _, _, _ = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    # the weight gradients assigned (=) at every step, so only the last one handled (t = 0) is left
    dkernel, drec, dbias = x[:, 0].T @ dzs[0], hs[0].T @ dzs[0], dzs[0].sum(axis=0)
    return dx, dh_next, dc_next, dkernel, drec, dbias


@mistake("lstm.lstm_backward", same_signature=False,
         looks_like="backpropagation that drops the gradient along the cell state",
         why="c_t feeds c_{t+1} directly (through the forget gate), so the gradient of c_t also "
             "receives dc_{t+1} * f_{t+1}; this path is what lets LSTMs remember long sequences")
def lstm_backward_no_cell_path(dh_seq, x, h0, c0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs, cs, steps = _mistake_lstm_tape(x, h0, c0, kernel, recurrent_kernel, bias)
    dzs, dh_next, dc_next = [None] * x.shape[1], np.zeros(hs[0].shape), np.zeros(cs[0].shape)
    for t in reversed(range(x.shape[1])):
        # c_t is given nothing from c_{t+1} (should be dc_next)
        dzs[t], dh_next, dc_next = _mistake_lstm_step_back(dh_seq[:, t] + dh_next, 0.0, cs[t], cs[t + 1],
                                                           steps[t], recurrent_kernel)
    dx, dkernel, drec, dbias = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    return dx, dh_next, dc_next, dkernel, drec, dbias


@mistake("lstm.lstm_cell_state", looks_like="c = c_prev + i * g, with the forget gate ignored",
         why="the forget gate decides how much of the old cell state to keep: c = f * c_prev + i * g; "
             "without it the cell can never forget")
def lstm_cell_state_forget_ignored(f, i, g, c_prev):
    return np.asarray(c_prev) + np.asarray(i) * np.asarray(g)


@mistake("lstm.lstm_step_forward", looks_like="a step whose hidden state is o * c without the tanh",
         why="the cell state is squashed before the output gate reads it: h = o * tanh(c)")
def lstm_step_forward_h_without_tanh(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    zi, zf, zg, zo = np.split(z, 4, axis=-1)
    i, f, g, o = 1 / (1 + np.exp(-zi)), 1 / (1 + np.exp(-zf)), np.tanh(zg), 1 / (1 + np.exp(-zo))
    c = f * c_prev + i * g
    return o * c, c, (x_t, h_prev, c_prev)


@mistake("lstm.lstm_step_forward", looks_like="a step with the forget gate ignored (c = c_prev + i * g)",
         why="the forget gate scales the old cell state: c = f * c_prev + i * g")
def lstm_step_forward_forget_ignored(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    zi, zf, zg, zo = np.split(z, 4, axis=-1)
    i, g, o = 1 / (1 + np.exp(-zi)), np.tanh(zg), 1 / (1 + np.exp(-zo))
    c = c_prev + i * g
    return o * np.tanh(c), c, (x_t, h_prev, c_prev)


@mistake("lstm.lstm_forward", looks_like="a layer with the forget gate ignored (c = c_prev + i * g)",
         why="the forget gate scales the old cell state at every step: c = f * c_prev + i * g")
def lstm_forward_forget_ignored(x, h0, c0, kernel, recurrent_kernel, bias):
    def step(z, h, c):
        zi, zf, zg, zo = np.split(z, 4, axis=-1)
        c = c + 1 / (1 + np.exp(-zi)) * np.tanh(zg)  # no forget gate (should be f * c + i * g)
        return 1 / (1 + np.exp(-zo)) * np.tanh(c), c

    return _mistake_lstm_layer(x, h0, c0, kernel, recurrent_kernel, bias, step)


@mistake("lstm.lstm_forward", looks_like="a layer that ignores the initial states and starts from zeros",
         why="the first step's previous states are h0 and c0, the initial states you are given "
             "(Keras's initial_state=[h0, c0]); zeros are only the default when none are passed")
def lstm_forward_initial_state_ignored(x, h0, c0, kernel, recurrent_kernel, bias):
    # the layer starts from zeros whatever h0 and c0 are (None means zeros)
    h_seq, h, c, _ = _mistake_lstm_layer(x, None, None, kernel, recurrent_kernel, bias, _mistake_lstm_cell)
    return h_seq, h, c, (np.asarray(x), h0, c0)


@mistake("lstm.lstm_backward", same_signature=False,
         looks_like="backpropagation truncated to one step along the hidden state",
         why="h_t also feeds step t + 1, so the dh given to step t is dh_seq[:, t] plus the dh_prev that "
             "step t + 1 sent back (dh_next)")
def lstm_backward_no_hidden_path(dh_seq, x, h0, c0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, c0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dc0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs, cs, steps = _mistake_lstm_tape(x, h0, c0, kernel, recurrent_kernel, bias)
    dzs, dh_next, dc_next = [None] * x.shape[1], np.zeros(hs[0].shape), np.zeros(cs[0].shape)
    for t in reversed(range(x.shape[1])):
        # h_t is given only dh_seq[:, t], nothing from step t + 1 (should add dh_next)
        dzs[t], dh_next, dc_next = _mistake_lstm_step_back(dh_seq[:, t], dc_next, cs[t], cs[t + 1],
                                                           steps[t], recurrent_kernel)
    dx, dkernel, drec, dbias = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    return dx, dh_next, dc_next, dkernel, drec, dbias
