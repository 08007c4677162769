"""Hidden grader for rnn.py: a SimpleRNN step, the layer over a sequence, and BPTT.

Inputs are drawn per learner from `rng`. Forward functions return `(output, cache)` where the
cache is the learner's own business, so only the output is compared (with the reference, and
with Keras's recorded SimpleRNN in graders/baselines/simple_rnn.npz), and backward tests hand
the learner's backward the cache the learner's forward returned. Every gradient has its own
test, compared first with a centred-difference gradient of L = sum(h_seq * dh_seq) (computed
here from the reference forward) and then with the reference's analytic gradient. Sequences are
7 steps long and start from a random h0, so a gradient not carried or not accumulated across
time steps, or an initial state ignored, fails. Each function also gets a float32 test with the
exact dtype required; every call must leave its inputs unchanged.

Hidden cases are small (N = 3, T = 7, D = 4, H = 5): a plain loop over samples and time steps
runs each call in milliseconds, far inside the per-call limit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graders.recurrent import bptt_tests, keras_forward_tests
from nnlab.baselines import load_baselines
from nnlab.grading import check_backward, check_forward
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import numerical_gradient, recorded_tolerance
from reference.mistakes import mistakes_for

N, T, D, H = 3, 7, 4, 5
GRADS = ("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")
STEP_GRADS = ("dx_t", "dh_prev", "dkernel", "drecurrent_kernel", "dbias")
# the forward argument each gradient belongs to, by position
WRT = {"dx": 0, "dh0": 1, "dx_t": 0, "dh_prev": 1, "dkernel": 2, "drecurrent_kernel": 3, "dbias": 4}
# centred differences of a float64 loss of size ~10 are good to ~1e-9; a wrong gradient is off by
# far more than this
NUMERIC = {"rtol": 1e-5, "atol": 1e-6}

BASELINES = {case.name: case for case in
             load_baselines(Path(__file__).parent / "baselines", ["simple_rnn"])["simple_rnn"]}


# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def layer(rng, n=N, t=T, d=D, h=H, dtype=np.float64):
    """(x, h0, kernel, recurrent_kernel, bias): weights scaled as Keras initialises them, so
    the states are neither saturated nor negligible, and a random, non-zero initial state."""
    x = rng.normal(size=(n, t, d))
    h0 = rng.uniform(-0.9, 0.9, size=(n, h))
    kernel = rng.normal(scale=1 / np.sqrt(d), size=(d, h))
    recurrent = rng.normal(scale=0.8 / np.sqrt(h), size=(h, h))
    bias = rng.normal(scale=0.3, size=h)
    return tuple(a.astype(dtype) for a in (x, h0, kernel, recurrent, bias))


def step(rng, dtype=np.float64):
    """(x_t, h_prev, kernel, recurrent_kernel, bias) of one step."""
    x, h0, kernel, recurrent, bias = layer(rng, t=1, dtype=dtype)
    return x[:, 0], h0, kernel, recurrent, bias


def recorded(name):
    """A recorded Keras case: (forward arguments, dh_seq, the case)."""
    case = BASELINES[name]
    args = tuple(case[k] for k in ("x", "h0", "kernel", "recurrent_kernel", "bias"))
    return args, case["dh_seq"], case


# ------------------------------------------------------------------------------------------
# Judging through nnlab.grading.calls
# ------------------------------------------------------------------------------------------


def unrolled(step_fn):
    """A sequence forward made of `step_fn` (a step returning (h, ...)): how a learner's
    rnn_forward behaves when it calls a wrong rnn_step_forward."""

    def forward(x, h0, kernel, recurrent_kernel, bias):
        h, states = np.asarray(h0), []
        for t in range(np.shape(x)[1]):
            h = step_fn(np.asarray(x)[:, t], h, kernel, recurrent_kernel, bias)[0]
            states.append(h)
        return np.stack(states, axis=1), None

    return forward


# a learner's rnn_forward built on a catalogued wrong step is named by that step's mistake
UNROLLED_STEP_MISTAKES = [(m, unrolled(m.fn)) for m in mistakes_for("rnn.rnn_step_forward")
                          if m.same_signature]


def step_forward(learner, ref, args, **how):
    """Judge rnn_step_forward's h; `how` passes `expected`, tolerances, `exact_dtype`."""
    check_forward(learner.rnn.rnn_step_forward, ref.rnn.rnn_step_forward, *args,
                  output_names=("h",), **how)


def sequence_forward(learner, ref, args, **how):
    """Judge rnn_forward's h_seq, naming catalogued layer mistakes and wrong steps unrolled."""
    check_forward(learner.rnn.rnn_forward, ref.rnn.rnn_forward, *args, output_names=("h_seq",),
                  variants=UNROLLED_STEP_MISTAKES, **how)


def step_gradient(learner, ref, args, dh, grad=None, **how):
    """Judge rnn_step_backward's gradient `grad` (a name of STEP_GRADS; each in turn when None)
    on the learner's own rnn_step_forward cache."""
    check_backward(learner.rnn.rnn_step_forward, learner.rnn.rnn_step_backward,
                   ref.rnn.rnn_step_forward, ref.rnn.rnn_step_backward, (dh,), *args,
                   grad=None if grad is None else STEP_GRADS.index(grad), grad_names=STEP_GRADS,
                   **how)


def sequence_gradient(learner, ref, args, dh_seq, grad=None, **how):
    """Judge rnn_backward's gradient `grad` (a name of GRADS; each in turn when None) on the
    learner's own rnn_forward cache."""
    check_backward(learner.rnn.rnn_forward, learner.rnn.rnn_backward, ref.rnn.rnn_forward,
                   ref.rnn.rnn_backward, (dh_seq,), *args,
                   grad=None if grad is None else GRADS.index(grad), grad_names=GRADS, **how)


# ------------------------------------------------------------------------------------------
# rnn_step_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_step_forward_random(learner, ref, rng):
    """rnn.rnn_step_forward: a random batch against the reference"""
    step_forward(learner, ref, step(rng))


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_step_forward_keras(learner, ref):
    """rnn.rnn_step_forward: Keras's SimpleRNN, recorded (one step from a given state)"""
    (x, h0, kernel, recurrent, bias), _, case = recorded("f64_one_step")
    step_forward(learner, ref, (x[:, 0], h0, kernel, recurrent, bias), expected=case["h_seq"][:, 0],
                 note=keras_note(case, "out"), **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_step_forward_float32(learner, ref, rng):
    """rnn.rnn_step_forward: float32 stays float32"""
    step_forward(learner, ref, step(rng, np.float32), exact_dtype=True)


# ------------------------------------------------------------------------------------------
# rnn_step_backward
# ------------------------------------------------------------------------------------------


@pytest.mark.oracle("numerical")
@pytest.mark.points(1)
@pytest.mark.parametrize("grad", STEP_GRADS)
def test_step_backward_numeric(learner, ref, rng, grad):
    """rnn.rnn_step_backward: {grad}, checked numerically"""
    args = step(rng)
    dh = rng.normal(size=(N, H))

    def loss(*a):
        return float(np.sum(ref.rnn.rnn_step_forward(*a)[0] * dh))

    step_gradient(learner, ref, args, dh, grad, expected=numerical_gradient(loss, args, WRT[grad]),
                  note="compared with a centred-difference gradient of L = sum(h * dh).",
                  **NUMERIC)
    step_gradient(learner, ref, args, dh, grad)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_step_backward_keras(learner, ref):
    """rnn.rnn_step_backward: Keras's recorded gradients of one step"""
    (x, h0, kernel, recurrent, bias), dh_seq, case = recorded("f64_one_step")
    expected = (case["dx"][:, 0], case["dh0"], case["dkernel"], case["drecurrent_kernel"],
                case["dbias"])
    step_gradient(learner, ref, (x[:, 0], h0, kernel, recurrent, bias), dh_seq[:, 0],
                  expected=expected, note=keras_note(case, "gradients"),
                  **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_step_backward_float32(learner, ref, rng):
    """rnn.rnn_step_backward: float32 stays float32"""
    args = step(rng, np.float32)
    dh = rng.normal(size=(N, H)).astype(np.float32)
    step_gradient(learner, ref, args, dh, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# rnn_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_forward_one_step(learner, ref, rng):
    """rnn.rnn_forward: T = 1"""
    sequence_forward(learner, ref, layer(rng, t=1))


@pytest.mark.points(2)
def test_forward_sequence(learner, ref, rng):
    """rnn.rnn_forward: 7 steps from a given initial state"""
    sequence_forward(learner, ref, layer(rng))


# The recorded Keras forward tests rnn and lstm share (graders/recurrent.py), bound here.
test_forward_keras, test_forward_float32 = keras_forward_tests(
    "rnn", recorded=recorded, sequence_forward=sequence_forward, outputs=("h_seq",),
    keras="SimpleRNN(return_sequences=True)", layer="SimpleRNN")


# ------------------------------------------------------------------------------------------
# rnn_backward (BPTT)
# ------------------------------------------------------------------------------------------


# The five BPTT tests rnn and lstm share (graders/recurrent.py), bound here so their node ids are this file's.
(test_backward_numeric, test_backward_last_step_only, test_backward_one_step, test_backward_keras,
 test_backward_float32) = bptt_tests("rnn", layer=layer, recorded=recorded,
                                     sequence_gradient=sequence_gradient, grads=GRADS, wrt=WRT,
                                     numeric=NUMERIC, n=N, t=T, h=H)
