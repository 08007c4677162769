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

import copy
from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure, check_call
from nnlab.grading.compare import Tolerance, describe_call, diagnose, mismatch, tolerance_for

N, T, D, H = 3, 7, 4, 5
GRADS = ["dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias"]
STEP_GRADS = ["dx_t", "dh_prev", "dc_prev", "dkernel", "drecurrent_kernel", "dbias"]
# the forward argument each gradient belongs to, by position
WRT = {"dx": 0, "dh0": 1, "dc0": 2, "dx_t": 0, "dh_prev": 1, "dc_prev": 2, "dkernel": 3,
       "drecurrent_kernel": 4, "dbias": 5}
# centred differences of a float64 loss of size ~10 are good to ~1e-9; a wrong gradient is off by
# far more than this
NUMERIC = Tolerance(rtol=1e-5, atol=1e-6)

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


def recorded_tolerance(case):
    """The looser of the recording's tolerance and the course's for that dtype."""
    rtol, atol = case.tolerance
    course = tolerance_for(np.zeros(1, dtype=case.dtype))
    return Tolerance(rtol=max(rtol, course.rtol), atol=max(atol, course.atol))


# ------------------------------------------------------------------------------------------
# Comparing one item of a returned tuple, naming catalogued mistakes
# ------------------------------------------------------------------------------------------


def same_signature(target):
    from reference.mistakes import mistakes_for

    return [m for m in mistakes_for(target) if m.same_signature]


def of_forward(target):
    """Backward entries written as functions of (upstream, *forward arguments)."""
    from reference.mistakes import mistakes_for

    return [m for m in mistakes_for(target) if not m.same_signature]


def compare_item(actual, expected, *, call, name, index, candidates=(), tol=None, exact_dtype=False,
                 note=""):
    """Fail unless `actual` (item `index` of what `call` returned, called `name`) matches.

    `candidates` are (Mistake, thunk) pairs whose thunk returns the whole wrong tuple.
    """
    tol = tol or tolerance_for(expected)
    why = mismatch(actual, expected, tol=tol, exact_dtype=exact_dtype)
    if why is None:
        return
    message = f"{call} returned {name} (item {index} of the tuple) that {why}."
    items = [(m, (lambda thunk=thunk: thunk()[index])) for m, thunk in candidates]
    diagnosis = diagnose(actual, expected, items, tol)
    if diagnosis:
        message += f"\n  Diagnosis: {diagnosis}."
    if note:
        message += f"\n  {note}"
    raise GradingFailure(message)


def returned_tuple(value, call, names):
    """The learner's return value, checked to be a tuple of len(names) items."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        shown = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list)) \
            else ("None: did you forget to `return`?" if value is None else type(value).__name__)
        raise GradingFailure(f"{call} should return a tuple ({', '.join(names)}), got {shown}.")
    return value


def check_unchanged(result, call, allowed=()):
    mutated = [m for m in result.mutated if m not in allowed]
    if mutated:
        raise GradingFailure(
            f"{call} modified its argument{'s' if len(mutated) > 1 else ''} {', '.join(mutated)} "
            f"in place; curriculum functions must leave their inputs unchanged and return new arrays.")


def run_forward(learner_fn, ref_fn, args, names, *, candidates=(), tol=None, exact_dtype=False,
                expected=None):
    """Call a learner forward function and compare every output but the cache.

    `names` names the returned items, the cache last. Returns the learner's whole value (its
    cache can go to the learner's backward).
    """
    call = describe_call(learner_fn.qualname, ref_fn, args, {})
    if expected is None:
        expected = ref_fn(*copy.deepcopy(args))
    result = learner_fn.call(*args)
    value = returned_tuple(result.value, call, names)
    for k, name in enumerate(names[:-1]):
        compare_item(value[k], expected[k], call=call, name=name, index=k, candidates=candidates,
                     tol=tol, exact_dtype=exact_dtype)
    check_unchanged(result, call)
    return value


def forward_note(learner_fn, ref_fn, args, value, n_outputs):
    """A hint for a backward test: the learner's forward outputs were wrong too."""
    expected = ref_fn(*copy.deepcopy(args))
    if any(mismatch(value[k], expected[k]) for k in range(n_outputs)):
        return (f"Note: your {learner_fn.name} is wrong on this case too, and its cache is what "
                f"your backward pass worked from; fix {learner_fn.name} first.")
    return ""


def centred_difference(loss, args, position, eps=1e-6):
    """dloss/d args[position], by centred differences in float64."""
    args = [np.array(a, dtype=np.float64) for a in args]
    target = args[position]
    grad = np.zeros_like(target)
    for index in np.ndindex(target.shape):
        keep = target[index]
        target[index] = keep + eps
        up = loss(*args)
        target[index] = keep - eps
        down = loss(*args)
        target[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


def composed_step(gates=None, cell=None, hidden=None):
    """A step built from the three small functions, any of them possibly a wrong variant: how a
    learner's lstm_step_forward behaves when it calls a wrong lstm_gates (or cell, hidden)."""
    from reference import lstm as reference

    gates, cell, hidden = (gates or reference.lstm_gates, cell or reference.lstm_cell_state,
                           hidden or reference.lstm_hidden_state)

    def step_fn(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = np.asarray(x_t) @ kernel + np.asarray(h_prev) @ recurrent_kernel + bias
        i, f, g, o = gates(z)
        c = cell(f, i, g, c_prev)
        return hidden(o, c), c, None

    return step_fn


def step_variants():
    """(Mistake, wrong step function): catalogued step mistakes, and steps built on a wrong
    lstm_gates, lstm_cell_state or lstm_hidden_state."""
    out = [(m, m.fn) for m in same_signature("lstm.lstm_step_forward")]
    out += [(m, composed_step(gates=m.fn)) for m in same_signature("lstm.lstm_gates")]
    out += [(m, composed_step(cell=m.fn)) for m in same_signature("lstm.lstm_cell_state")]
    out += [(m, composed_step(hidden=m.fn)) for m in same_signature("lstm.lstm_hidden_state")]
    return out


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


def step_candidates(args):
    return [(m, (lambda fn=fn: fn(*copy.deepcopy(args)))) for m, fn in step_variants()]


def forward_candidates(args):
    """Catalogued lstm_forward mistakes, and every wrong step unrolled over time."""
    out = [(m, (lambda m=m: m.fn(*copy.deepcopy(args)))) for m in same_signature("lstm.lstm_forward")]
    out += [(m, (lambda fn=fn: unrolled(fn)(*copy.deepcopy(args)))) for m, fn in step_variants()]
    return out


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

STEP_OUT = ["h", "c", "cache"]


@pytest.mark.points(2)
def test_step_forward_random(learner, ref, rng):
    """lstm.lstm_step_forward: a random batch against the reference"""
    args = step(rng)
    run_forward(learner.lstm.lstm_step_forward, ref.lstm.lstm_step_forward, args, STEP_OUT,
                candidates=step_candidates(args))


@pytest.mark.points(1)
def test_step_forward_keras(learner, ref):
    """lstm.lstm_step_forward: Keras's LSTM, recorded (one step from given states)"""
    (x, *rest), _, case = recorded("f64_one_step")
    args = (x[:, 0], *rest)
    run_forward(learner.lstm.lstm_step_forward, ref.lstm.lstm_step_forward, args, STEP_OUT,
                candidates=step_candidates(args), tol=recorded_tolerance(case),
                expected=(case["h_T"], case["c_T"], None))


@pytest.mark.points(1)
def test_step_forward_float32(learner, ref, rng):
    """lstm.lstm_step_forward: float32 stays float32"""
    args = step(rng, np.float32)
    run_forward(learner.lstm.lstm_step_forward, ref.lstm.lstm_step_forward, args, STEP_OUT,
                candidates=step_candidates(args), exact_dtype=True)


# ------------------------------------------------------------------------------------------
# lstm_step_backward
# ------------------------------------------------------------------------------------------


def step_backward(learner, ref, args, dh, dc, *, tol=None, exact_dtype=False, expected=None,
                  only=None, numeric=True):
    """The learner's step forward, then its step backward on that cache; compare gradients."""
    forward = learner.lstm.lstm_step_forward
    value = returned_tuple(forward(*args), describe_call(forward.qualname, ref.lstm.lstm_step_forward,
                                                         args, {}), STEP_OUT)
    result = learner.lstm.lstm_step_backward.call(dh, dc, value[2])
    call = (f"lstm.lstm_step_backward(dh: {dh.dtype} {dh.shape}, dc: {dc.dtype} {dc.shape}, "
            f"cache from your lstm_step_forward)")
    grads = returned_tuple(result.value, call, STEP_GRADS)
    if expected is None:
        ref_cache = ref.lstm.lstm_step_forward(*copy.deepcopy(args))[2]
        expected = ref.lstm.lstm_step_backward(dh.copy(), dc.copy(), ref_cache)
    note = forward_note(forward, ref.lstm.lstm_step_forward, args, value, 2)
    for k, name in enumerate(STEP_GRADS):
        if only is not None and name != only:
            continue
        if numeric:
            def loss(*a):
                h, c, _ = ref.lstm.lstm_step_forward(*a)
                return float(np.sum(h * dh) + np.sum(c * dc))

            approx = centred_difference(loss, args, WRT[name])
            compare_item(grads[k], approx, call=call, name=name, index=k, tol=NUMERIC,
                         note=note or "(Compared with a centred-difference gradient of "
                                      "L = sum(h * dh) + sum(c * dc).)")
        compare_item(grads[k], expected[k], call=call, name=name, index=k, tol=tol,
                     exact_dtype=exact_dtype, note=note)
    check_unchanged(result, call, allowed=("cache",))


@pytest.mark.points(1)
@pytest.mark.parametrize("grad", STEP_GRADS)
def test_step_backward_numeric(learner, ref, rng, grad):
    """lstm.lstm_step_backward: {grad} with upstream dh and dc, checked numerically"""
    args = step(rng)
    dh, dc = rng.normal(size=(2, N, H))
    step_backward(learner, ref, args, dh, dc, only=grad)


@pytest.mark.points(2)
def test_step_backward_cell_gradient_alone(learner, ref, rng):
    """lstm.lstm_step_backward: a gradient arriving along the cell state only (dh = 0)"""
    args = step(rng)
    dc = rng.normal(size=(N, H))  # what the next step sends back through c_prev
    step_backward(learner, ref, args, np.zeros((N, H)), dc, numeric=False)


@pytest.mark.points(1)
def test_step_backward_keras(learner, ref):
    """lstm.lstm_step_backward: Keras's recorded gradients of one step"""
    (x, *rest), dh_seq, case = recorded("f64_one_step")
    args = (x[:, 0], *rest)
    expected = (case["dx"][:, 0], case["dh0"], case["dc0"], case["dkernel"], case["drecurrent_kernel"],
                case["dbias"])
    step_backward(learner, ref, args, dh_seq[:, 0], np.zeros_like(dh_seq[:, 0]),
                  tol=recorded_tolerance(case), expected=expected, numeric=False)


@pytest.mark.points(1)
def test_step_backward_float32(learner, ref, rng):
    """lstm.lstm_step_backward: float32 stays float32"""
    args = step(rng, np.float32)
    dh, dc = rng.normal(size=(2, N, H)).astype(np.float32)
    step_backward(learner, ref, args, dh, dc, exact_dtype=True, numeric=False)


# ------------------------------------------------------------------------------------------
# lstm_forward
# ------------------------------------------------------------------------------------------

SEQ_OUT = ["h_seq", "h_T", "c_T", "cache"]


@pytest.mark.points(1)
def test_forward_one_step(learner, ref, rng):
    """lstm.lstm_forward: T = 1"""
    args = layer(rng, t=1)
    run_forward(learner.lstm.lstm_forward, ref.lstm.lstm_forward, args, SEQ_OUT,
                candidates=forward_candidates(args))


@pytest.mark.points(2)
def test_forward_sequence(learner, ref, rng):
    """lstm.lstm_forward: 7 steps from given initial states"""
    args = layer(rng)
    run_forward(learner.lstm.lstm_forward, ref.lstm.lstm_forward, args, SEQ_OUT,
                candidates=forward_candidates(args))


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["f64", "f64_long"], ids=["5 steps", "12 steps"])
def test_forward_keras(learner, ref, name):
    """lstm.lstm_forward: Keras's LSTM(return_sequences=True, return_state=True), recorded"""
    args, _, case = recorded(name)
    run_forward(learner.lstm.lstm_forward, ref.lstm.lstm_forward, args, SEQ_OUT,
                candidates=forward_candidates(args), tol=recorded_tolerance(case),
                expected=(case["h_seq"], case["h_T"], case["c_T"], None))


@pytest.mark.points(1)
def test_forward_float32(learner, ref):
    """lstm.lstm_forward: float32 stays float32 (Keras's recorded float32 LSTM)"""
    args, _, case = recorded("f32")
    run_forward(learner.lstm.lstm_forward, ref.lstm.lstm_forward, args, SEQ_OUT,
                candidates=forward_candidates(args), tol=recorded_tolerance(case), exact_dtype=True,
                expected=(case["h_seq"], case["h_T"], case["c_T"], None))


# ------------------------------------------------------------------------------------------
# lstm_backward (BPTT)
# ------------------------------------------------------------------------------------------


def backward(learner, ref, args, dh_seq, *, tol=None, exact_dtype=False, expected=None, only=None,
             numeric=True):
    """The learner's lstm_forward, then its lstm_backward on that cache; compare gradients."""
    forward = learner.lstm.lstm_forward
    value = returned_tuple(forward(*args), describe_call(forward.qualname, ref.lstm.lstm_forward,
                                                         args, {}), SEQ_OUT)
    result = learner.lstm.lstm_backward.call(dh_seq, value[3])
    call = f"lstm.lstm_backward(dh_seq: {dh_seq.dtype} {dh_seq.shape}, cache from your lstm_forward)"
    grads = returned_tuple(result.value, call, GRADS)
    if expected is None:
        ref_cache = ref.lstm.lstm_forward(*copy.deepcopy(args))[3]
        expected = ref.lstm.lstm_backward(dh_seq.copy(), ref_cache)
    note = forward_note(forward, ref.lstm.lstm_forward, args, value, 3)
    candidates = [(m, (lambda m=m: m.fn(dh_seq.copy(), *copy.deepcopy(args))))
                  for m in of_forward("lstm.lstm_backward")]
    for k, name in enumerate(GRADS):
        if only is not None and name != only:
            continue
        if numeric:
            def loss(*a):
                return float(np.sum(ref.lstm.lstm_forward(*a)[0] * dh_seq))

            approx = centred_difference(loss, args, WRT[name])
            compare_item(grads[k], approx, call=call, name=name, index=k, candidates=candidates,
                         tol=NUMERIC, note=note or f"(Compared with a centred-difference gradient of "
                                                   f"L = sum(h_seq * dh_seq) over {dh_seq.shape[1]} steps.)")
        compare_item(grads[k], expected[k], call=call, name=name, index=k, candidates=candidates,
                     tol=tol, exact_dtype=exact_dtype, note=note)
    check_unchanged(result, call, allowed=("cache",))


@pytest.mark.points(2)
@pytest.mark.parametrize("grad", GRADS)
def test_backward_numeric(learner, ref, rng, grad):
    """lstm.lstm_backward: {grad} over 7 steps, checked numerically"""
    args = layer(rng)
    dh_seq = rng.normal(size=(N, T, H))
    backward(learner, ref, args, dh_seq, only=grad)


@pytest.mark.points(1)
def test_backward_last_step_only(learner, ref, rng):
    """lstm.lstm_backward: a loss on the last hidden state only (many-to-one)"""
    args = layer(rng)
    dh_seq = np.zeros((N, T, H))
    dh_seq[:, -1] = rng.normal(size=(N, H))  # everything earlier must come back through time
    backward(learner, ref, args, dh_seq, numeric=False)


@pytest.mark.points(1)
def test_backward_one_step(learner, ref, rng):
    """lstm.lstm_backward: T = 1"""
    args = layer(rng, t=1)
    backward(learner, ref, args, rng.normal(size=(N, 1, H)), numeric=False)


@pytest.mark.points(2)
def test_backward_keras(learner, ref):
    """lstm.lstm_backward: Keras's recorded gradients over 12 steps"""
    args, dh_seq, case = recorded("f64_long")
    expected = tuple(case[name] for name in GRADS)
    backward(learner, ref, args, dh_seq, tol=recorded_tolerance(case), expected=expected, numeric=False)


@pytest.mark.points(1)
def test_backward_float32(learner, ref):
    """lstm.lstm_backward: float32 stays float32 (Keras's recorded float32 gradients)"""
    args, dh_seq, case = recorded("f32")
    expected = tuple(case[name] for name in GRADS)
    backward(learner, ref, args, dh_seq, tol=recorded_tolerance(case), expected=expected,
             exact_dtype=True, numeric=False)
