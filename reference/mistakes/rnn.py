"""Catalogued mistakes of rnn.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import _mistake_recurrent_weight_grads, _mistake_rnn_dzs, _mistake_rnn_states
from reference.mistakes.registry import mistake


# Entries for rnn.py. Backward entries (same_signature=False) take the upstream gradient followed
# by the forward function's arguments: (dh, x_t, h_prev, kernel, recurrent_kernel, bias) for a
# step, (dh_seq, x, h0, kernel, recurrent_kernel, bias) for a sequence.


@mistake("rnn.rnn_step_forward", looks_like="a step squashed by the sigmoid instead of tanh",
         why="SimpleRNN's activation is tanh, so hidden states lie in (-1, 1), centred on 0")
def rnn_step_forward_sigmoid(x_t, h_prev, kernel, recurrent_kernel, bias):
    z = np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel) + bias
    h = 1.0 / (1.0 + np.exp(-z))
    return h, (x_t, h_prev, h)


@mistake("rnn.rnn_step_forward", looks_like="a step that adds the bias after the tanh",
         why="the bias is part of the pre-activation: h = tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)")
def rnn_step_forward_bias_outside_tanh(x_t, h_prev, kernel, recurrent_kernel, bias):
    h = np.tanh(np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel)) + bias
    return h, (x_t, h_prev, h)


@mistake("rnn.rnn_step_backward", same_signature=False,
         looks_like="a step gradient that applies tanh' to the output h instead of the pre-activation",
         why="with h = tanh(z), dh/dz = 1 - tanh(z)^2 = 1 - h^2; 1 - tanh(h)^2 takes tanh twice")
def rnn_step_backward_tanh_of_output(dh, x_t, h_prev, kernel, recurrent_kernel, bias):
    """Arguments: (dh, x_t, h_prev, kernel, recurrent_kernel, bias); returns
    (dx_t, dh_prev, dkernel, drecurrent_kernel, dbias)."""
    x_t, h_prev, kernel, recurrent_kernel = (np.asarray(a) for a in (x_t, h_prev, kernel, recurrent_kernel))
    h = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)
    dz = np.asarray(dh) * (1.0 - np.tanh(h) ** 2)
    return dz @ kernel.T, dz @ recurrent_kernel.T, x_t.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


@mistake("rnn.rnn_forward", looks_like="a loop that starts every step from h0",
         why="the hidden state is the network's memory: each step must use the previous step's h, "
             "not the initial state")
def rnn_forward_state_not_carried(x, h0, kernel, recurrent_kernel, bias):
    x, kernel, recurrent_kernel = np.asarray(x), np.asarray(kernel), np.asarray(recurrent_kernel)
    h0 = np.zeros((x.shape[0], recurrent_kernel.shape[0])) if h0 is None else np.asarray(h0)
    h_seq = np.tanh(x @ kernel + (h0 @ recurrent_kernel)[:, None, :] + bias)
    return h_seq, (x, h0)


@mistake("rnn.rnn_backward", same_signature=False,
         looks_like="backpropagation truncated to one step",
         why="h_t also feeds step t + 1, so the gradient reaching h_t is dh_seq[:, t] plus what flows "
             "back from step t + 1 through the recurrent kernel (dh_next)")
def rnn_backward_truncated(dh_seq, x, h0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs = _mistake_rnn_states(x, h0, kernel, recurrent_kernel, bias)
    # each step gets only its own dh_seq[:, t], nothing from step t + 1 (should add dh_next)
    dzs = [dh_seq[:, t] * (1.0 - hs[t + 1] ** 2) for t in range(x.shape[1])]
    dx, dkernel, drec, dbias = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    return dx, dzs[0] @ recurrent_kernel.T, dkernel, drec, dbias


@mistake("rnn.rnn_backward", same_signature=False,
         looks_like="weight gradients assigned (=) at each time step instead of accumulated (+=)",
         why="the same kernel, recurrent kernel and bias are used at every step, so their gradients are "
             "the sum of the contributions of all steps")
def rnn_backward_assign_not_accumulate(dh_seq, x, h0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs = _mistake_rnn_states(x, h0, kernel, recurrent_kernel, bias)
    dzs, dh0 = _mistake_rnn_dzs(dh_seq, hs, recurrent_kernel)
    dx, _, _, _ = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    # the weight gradients assigned (=) at every step, so only the last one handled (t = 0) is left
    return dx, dh0, x[:, 0].T @ dzs[0], hs[0].T @ dzs[0], dzs[0].sum(axis=0)


@mistake("rnn.rnn_step_forward", looks_like="a step that multiplies h_prev by the transposed recurrent kernel",
         why="Keras's recurrent_kernel is laid out (H_prev, H), like a dense kernel: "
             "h_prev @ recurrent_kernel, not h_prev @ recurrent_kernel.T")
def rnn_step_forward_recurrent_transposed(x_t, h_prev, kernel, recurrent_kernel, bias):
    h = np.tanh(np.asarray(x_t) @ np.asarray(kernel) + np.asarray(h_prev) @ np.asarray(recurrent_kernel).T + bias)
    return h, (x_t, h_prev, h)


@mistake("rnn.rnn_forward", looks_like="a layer that ignores the initial state h0 and starts from zeros",
         why="the first step's previous state is h0, the initial state you are given "
             "(Keras's initial_state); zeros are only Keras's default when none is passed")
def rnn_forward_h0_ignored(x, h0, kernel, recurrent_kernel, bias):
    x = np.asarray(x)
    hs = _mistake_rnn_states(x, np.zeros((x.shape[0], np.shape(recurrent_kernel)[0])), kernel, recurrent_kernel, bias)
    return np.stack(hs[1:], axis=1), (x, h0)  # started from zeros (should be h0)


@mistake("rnn.rnn_forward", looks_like="hidden states stacked time-major, (T, N, H)",
         why="sequences are batch first: h_seq[:, t] is step t of every sequence, shape (N, T, H) "
             "as Keras's return_sequences=True (np.stack(states, axis=1))")
def rnn_forward_time_major(x, h0, kernel, recurrent_kernel, bias):
    x = np.asarray(x)
    h_start = np.zeros((x.shape[0], np.shape(recurrent_kernel)[0])) if h0 is None else h0
    hs = _mistake_rnn_states(x, h_start, kernel, recurrent_kernel, bias)
    return np.stack(hs[1:], axis=0), (x, h0)  # time-major (should be axis=1)


@mistake("rnn.rnn_backward", same_signature=False,
         looks_like="the gradients of a sequence run from a zero initial state instead of h0",
         why="the first step's previous state is h0, so drecurrent_kernel gets h0.T @ dz at t = 0 and "
             "every later state depends on h0; check that rnn_forward (and what it caches) starts from h0")
def rnn_backward_h0_ignored(dh_seq, x, h0, kernel, recurrent_kernel, bias):
    """Arguments: (dh_seq, x, h0, kernel, recurrent_kernel, bias); returns
    (dx, dh0, dkernel, drecurrent_kernel, dbias)."""
    x, kernel, recurrent_kernel, dh_seq = (np.asarray(a) for a in (x, kernel, recurrent_kernel, dh_seq))
    hs = _mistake_rnn_states(x, np.zeros((x.shape[0], recurrent_kernel.shape[0])), kernel, recurrent_kernel, bias)
    dzs, dh0 = _mistake_rnn_dzs(dh_seq, hs, recurrent_kernel)  # through states that began at zeros, not h0
    dx, dkernel, drec, dbias = _mistake_recurrent_weight_grads(x, hs, dzs, kernel, recurrent_kernel)
    return dx, dh0, dkernel, drec, dbias
