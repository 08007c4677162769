"""Hidden grader for lstm.py: the gates, the cell and hidden states, a step, the layer, and BPTT.

Inputs are drawn per learner from `rng`. `lstm_gates`, `lstm_cell_state` and
`lstm_hidden_state` return plain values and are compared whole; `lstm_gates` also on
pre-activations whose four blocks are far apart, so that any order other than Keras's
[i | f | c | o] shows. Forward functions return their outputs and a cache that is the
learner's own business: the outputs are compared (with the reference, and with Keras's recorded
`LSTM(H, return_sequences=True, return_state=True)` in graders/baselines/lstm.npz), and
backward tests hand the learner's backward the cache the learner's forward returned. Every
gradient has its own test, compared first with a centred-difference gradient (of
L = sum(h * dh) + sum(c * dc) for a step, L = sum(h_seq * dh_seq) for a sequence; computed here
from the reference forward) and then with the reference's analytic gradient. Step tests give a
non-zero dc, and one gives dc alone, so the cell-state gradient carried from step to step is
checked; sequences are 7 steps long from random initial states. Each function also gets a
float32 test with the exact dtype required; every call must leave its inputs unchanged.

Hidden cases are small (N = 3, T = 7, D = 4, H = 5): a plain loop over samples and time steps
runs each call in milliseconds, far inside the per-call limit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graders.recurrent import bptt_tests, keras_forward_tests
from nnlab.baselines import load_baselines
from nnlab.grading import check_backward, check_call, check_forward
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import numerical_gradient, recorded_tolerance
from reference import lstm as reference_lstm
from reference.mistakes import mistakes_for

N, T, D, H = 3, 7, 4, 5
GRADS = ("dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias")
STEP_GRADS = ("dx_t", "dh_prev", "dc_prev", "dkernel", "drecurrent_kernel", "dbias")
# the forward argument each gradient belongs to, by position
WRT = {"dx": 0, "dh0": 1, "dc0": 2, "dx_t": 0, "dh_prev": 1, "dc_prev": 2, "dkernel": 3,
       "drecurrent_kernel": 4, "dbias": 5}
# centred differences of a float64 loss of size ~10 are good to ~1e-9; a wrong gradient is off by
# far more than this
NUMERIC = {"rtol": 1e-5, "atol": 1e-6}

BASELINES = {case.name: case for case in
             load_baselines(Path(__file__).parent / "baselines", ["lstm"])["lstm"]}


# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def layer(rng, n=N, t=T, d=D, h=H, dtype=np.float64):
    """(x, h0, c0, kernel, recurrent_kernel, bias): weights scaled so that the gates are
    neither saturated nor all alike, and random, non-zero initial states."""
    x = rng.normal(size=(n, t, d))
    h0 = rng.uniform(-0.9, 0.9, size=(n, h))
    c0 = rng.normal(scale=1.0, size=(n, h))
    kernel = rng.normal(scale=1 / np.sqrt(d), size=(d, 4 * h))
    recurrent = rng.normal(scale=0.8 / np.sqrt(h), size=(h, 4 * h))
    bias = rng.normal(scale=0.5, size=4 * h)
    return tuple(a.astype(dtype) for a in (x, h0, c0, kernel, recurrent, bias))


def step(rng, dtype=np.float64):
    """(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) of one step."""
    x, *rest = layer(rng, t=1, dtype=dtype)
    return (x[:, 0], *rest)


def recorded(name):
    """A recorded Keras case: (forward arguments, dh_seq, the case)."""
    case = BASELINES[name]
    args = tuple(case[k] for k in ("x", "h0", "c0", "kernel", "recurrent_kernel", "bias"))
    return args, case["dh_seq"], case


# ------------------------------------------------------------------------------------------
# Judging through nnlab.grading.calls
# ------------------------------------------------------------------------------------------


def same_signature(target):
    return [m for m in mistakes_for(target) if m.same_signature]


def composed_step(gates=None, cell=None, hidden=None):
    """A step built from the three small functions, any of them possibly a wrong variant: how a
    learner's lstm_step_forward behaves when it calls a wrong lstm_gates (or cell, hidden)."""
    gates = gates or reference_lstm.lstm_gates
    cell = cell or reference_lstm.lstm_cell_state
    hidden = hidden or reference_lstm.lstm_hidden_state

    def step_fn(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = np.asarray(x_t) @ kernel + np.asarray(h_prev) @ recurrent_kernel + bias
        i, f, g, o = gates(z)
        c = cell(f, i, g, c_prev)
        return hidden(o, c), c, None

    return step_fn


def unrolled(step_fn):
    """A sequence forward made of `step_fn`: how a learner's lstm_forward behaves when it calls a
    wrong step."""

    def forward(x, h0, c0, kernel, recurrent_kernel, bias):
        h, c, states = np.asarray(h0), np.asarray(c0), []
        for t in range(np.shape(x)[1]):
            h, c = step_fn(np.asarray(x)[:, t], h, c, kernel, recurrent_kernel, bias)[:2]
            states.append(h)
        return np.stack(states, axis=1), h, c, None

    return forward


# (Mistake, wrong step): steps built on a wrong lstm_gates, lstm_cell_state or lstm_hidden_state
COMPOSED_STEP_MISTAKES = (
    [(m, composed_step(gates=m.fn)) for m in same_signature("lstm.lstm_gates")]
    + [(m, composed_step(cell=m.fn)) for m in same_signature("lstm.lstm_cell_state")]
    + [(m, composed_step(hidden=m.fn)) for m in same_signature("lstm.lstm_hidden_state")])
# ... and every wrong step (catalogued or composed) unrolled over time
UNROLLED_STEP_MISTAKES = [(m, unrolled(fn)) for m, fn in
                          [(m, m.fn) for m in same_signature("lstm.lstm_step_forward")]
                          + COMPOSED_STEP_MISTAKES]


def step_forward(learner, ref, args, **how):
    """Judge lstm_step_forward's h and c; `how` passes `expected`, tolerances, `exact_dtype`."""
    check_forward(learner.lstm.lstm_step_forward, ref.lstm.lstm_step_forward, *args,
                  output_names=("h", "c"), variants=COMPOSED_STEP_MISTAKES, **how)


def sequence_forward(learner, ref, args, **how):
    """Judge lstm_forward's h_seq, h_T and c_T, naming layer mistakes and wrong steps unrolled."""
    check_forward(learner.lstm.lstm_forward, ref.lstm.lstm_forward, *args,
                  output_names=("h_seq", "h_T", "c_T"), variants=UNROLLED_STEP_MISTAKES, **how)


def step_gradient(learner, ref, args, dh, dc, grad=None, **how):
    """Judge lstm_step_backward's gradient `grad` (a name of STEP_GRADS; each in turn when None)
    on the learner's own lstm_step_forward cache."""
    check_backward(learner.lstm.lstm_step_forward, learner.lstm.lstm_step_backward,
                   ref.lstm.lstm_step_forward, ref.lstm.lstm_step_backward, (dh, dc), *args,
                   grad=None if grad is None else STEP_GRADS.index(grad), grad_names=STEP_GRADS,
                   **how)


def sequence_gradient(learner, ref, args, dh_seq, grad=None, **how):
    """Judge lstm_backward's gradient `grad` (a name of GRADS; each in turn when None) on the
    learner's own lstm_forward cache."""
    check_backward(learner.lstm.lstm_forward, learner.lstm.lstm_backward, ref.lstm.lstm_forward,
                   ref.lstm.lstm_backward, (dh_seq,), *args,
                   grad=None if grad is None else GRADS.index(grad), grad_names=GRADS, **how)


# ------------------------------------------------------------------------------------------
# lstm_gates, lstm_cell_state, lstm_hidden_state
# ------------------------------------------------------------------------------------------


def pre_activations(rng, dtype=np.float64):
    return rng.normal(scale=2.0, size=(N, 4 * H)).astype(dtype)


def separated_blocks(rng):
    """Pre-activations whose four blocks lie in different ranges (i around -3, f around -1,
    c around +1, o around +3), so every other split or order of the blocks gives other values."""
    centres = np.repeat([-3.0, -1.0, 1.0, 3.0], H)
    return centres + rng.uniform(-0.5, 0.5, size=(N, 4 * H))


@pytest.mark.points(2)
def test_gates_random(learner, ref, rng):
    """lstm.lstm_gates: random pre-activations"""
    check_call(learner.lstm.lstm_gates, ref.lstm.lstm_gates, pre_activations(rng))


@pytest.mark.points(2)
def test_gates_keras_order(learner, ref, rng):
    """lstm.lstm_gates: the blocks in Keras's [i | f | c | o] order"""
    check_call(learner.lstm.lstm_gates, ref.lstm.lstm_gates, separated_blocks(rng))


@pytest.mark.points(1)
def test_gates_float32(learner, ref, rng):
    """lstm.lstm_gates: float32 stays float32"""
    check_call(learner.lstm.lstm_gates, ref.lstm.lstm_gates, pre_activations(rng, np.float32),
               exact_dtype=True)


def gate_values(rng, dtype=np.float64):
    """(f, i, g, c_prev): gates in (0, 1), a candidate in (-1, 1), a cell state of either sign."""
    f, i = rng.uniform(0.05, 0.95, size=(2, N, H))
    g = rng.uniform(-0.95, 0.95, size=(N, H))
    c_prev = rng.normal(scale=1.5, size=(N, H))
    return tuple(a.astype(dtype) for a in (f, i, g, c_prev))


@pytest.mark.points(2)
def test_cell_state_random(learner, ref, rng):
    """lstm.lstm_cell_state: random gates and previous cell state"""
    check_call(learner.lstm.lstm_cell_state, ref.lstm.lstm_cell_state, *gate_values(rng))


@pytest.mark.points(1)
def test_cell_state_float32(learner, ref, rng):
    """lstm.lstm_cell_state: float32 stays float32"""
    check_call(learner.lstm.lstm_cell_state, ref.lstm.lstm_cell_state, *gate_values(rng, np.float32),
               exact_dtype=True)


@pytest.mark.points(2)
def test_hidden_state_random(learner, ref, rng):
    """lstm.lstm_hidden_state: random output gate and cell state (|c| beyond 1 included)"""
    o = rng.uniform(0.05, 0.95, size=(N, H))
    c = rng.normal(scale=2.0, size=(N, H))
    check_call(learner.lstm.lstm_hidden_state, ref.lstm.lstm_hidden_state, o, c)


@pytest.mark.points(1)
def test_hidden_state_float32(learner, ref, rng):
    """lstm.lstm_hidden_state: float32 stays float32"""
    o = rng.uniform(0.05, 0.95, size=(N, H)).astype(np.float32)
    c = rng.normal(scale=2.0, size=(N, H)).astype(np.float32)
    check_call(learner.lstm.lstm_hidden_state, ref.lstm.lstm_hidden_state, o, c, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# lstm_step_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_step_forward_random(learner, ref, rng):
    """lstm.lstm_step_forward: a random batch against the reference"""
    step_forward(learner, ref, step(rng))


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_step_forward_keras(learner, ref):
    """lstm.lstm_step_forward: Keras's LSTM, recorded (one step from given states)"""
    (x, *rest), _, case = recorded("f64_one_step")
    step_forward(learner, ref, (x[:, 0], *rest), expected=(case["h_T"], case["c_T"]),
                 note=keras_note(case, "out"), **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_step_forward_float32(learner, ref, rng):
    """lstm.lstm_step_forward: float32 stays float32"""
    step_forward(learner, ref, step(rng, np.float32), exact_dtype=True)


# ------------------------------------------------------------------------------------------
# lstm_step_backward
# ------------------------------------------------------------------------------------------


@pytest.mark.oracle("numerical")
@pytest.mark.points(1)
@pytest.mark.parametrize("grad", STEP_GRADS)
def test_step_backward_numeric(learner, ref, rng, grad):
    """lstm.lstm_step_backward: {grad} with upstream dh and dc, checked numerically"""
    args = step(rng)
    dh, dc = rng.normal(size=(2, N, H))

    def loss(*a):
        h, c, _ = ref.lstm.lstm_step_forward(*a)
        return float(np.sum(h * dh) + np.sum(c * dc))

    step_gradient(learner, ref, args, dh, dc, grad,
                  expected=numerical_gradient(loss, args, WRT[grad]),
                  note="compared with a centred-difference gradient of "
                       "L = sum(h * dh) + sum(c * dc).",
                  **NUMERIC)
    step_gradient(learner, ref, args, dh, dc, grad)


@pytest.mark.points(2)
def test_step_backward_cell_gradient_alone(learner, ref, rng):
    """lstm.lstm_step_backward: a gradient arriving along the cell state only (dh = 0)"""
    args = step(rng)
    dc = rng.normal(size=(N, H))  # what the next step sends back through c_prev
    step_gradient(learner, ref, args, np.zeros((N, H)), dc)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_step_backward_keras(learner, ref):
    """lstm.lstm_step_backward: Keras's recorded gradients of one step"""
    (x, *rest), dh_seq, case = recorded("f64_one_step")
    expected = (case["dx"][:, 0], case["dh0"], case["dc0"], case["dkernel"],
                case["drecurrent_kernel"], case["dbias"])
    step_gradient(learner, ref, (x[:, 0], *rest), dh_seq[:, 0], np.zeros_like(dh_seq[:, 0]),
                  expected=expected, note=keras_note(case, "gradients"),
                  **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_step_backward_float32(learner, ref, rng):
    """lstm.lstm_step_backward: float32 stays float32"""
    args = step(rng, np.float32)
    dh, dc = rng.normal(size=(2, N, H)).astype(np.float32)
    step_gradient(learner, ref, args, dh, dc, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# lstm_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_forward_one_step(learner, ref, rng):
    """lstm.lstm_forward: T = 1"""
    sequence_forward(learner, ref, layer(rng, t=1))


@pytest.mark.points(2)
def test_forward_sequence(learner, ref, rng):
    """lstm.lstm_forward: 7 steps from given initial states"""
    sequence_forward(learner, ref, layer(rng))


# The recorded Keras forward tests rnn and lstm share (graders/recurrent.py), bound here.
test_forward_keras, test_forward_float32 = keras_forward_tests(
    "lstm", recorded=recorded, sequence_forward=sequence_forward, outputs=("h_seq", "h_T", "c_T"),
    keras="LSTM(return_sequences=True, return_state=True)", layer="LSTM")


# ------------------------------------------------------------------------------------------
# lstm_backward (BPTT)
# ------------------------------------------------------------------------------------------


# The five BPTT tests rnn and lstm share (graders/recurrent.py), bound here so their node ids are this file's.
(test_backward_numeric, test_backward_last_step_only, test_backward_one_step, test_backward_keras,
 test_backward_float32) = bptt_tests("lstm", layer=layer, recorded=recorded,
                                     sequence_gradient=sequence_gradient, grads=GRADS, wrt=WRT,
                                     numeric=NUMERIC, n=N, t=T, h=H)
