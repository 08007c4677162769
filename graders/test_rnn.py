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

import copy
from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure
from nnlab.grading.compare import Tolerance, describe_call, diagnose, mismatch, tolerance_for

N, T, D, H = 3, 7, 4, 5
GRADS = ["dx", "dh0", "dkernel", "drecurrent_kernel", "dbias"]
STEP_GRADS = ["dx_t", "dh_prev", "dkernel", "drecurrent_kernel", "dbias"]
# the forward argument each gradient belongs to, by position
WRT = {"dx": 0, "dh0": 1, "dx_t": 0, "dh_prev": 1, "dkernel": 2, "drecurrent_kernel": 3, "dbias": 4}
# centred differences of a float64 loss of size ~10 are good to ~1e-9; a wrong gradient is off by
# far more than this
NUMERIC = Tolerance(rtol=1e-5, atol=1e-6)

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


def forward_candidates(args):
    """Catalogued rnn_forward mistakes, and rnn_step_forward mistakes unrolled over time."""
    out = [(m, (lambda m=m: m.fn(*copy.deepcopy(args)))) for m in same_signature("rnn.rnn_forward")]
    out += [(m, (lambda m=m: unrolled(m.fn)(*copy.deepcopy(args))))
            for m in same_signature("rnn.rnn_step_forward")]
    return out


# ------------------------------------------------------------------------------------------
# rnn_step_forward
# ------------------------------------------------------------------------------------------

STEP_OUT = ["h", "cache"]


def step_candidates(args):
    return [(m, (lambda m=m: m.fn(*copy.deepcopy(args)))) for m in same_signature("rnn.rnn_step_forward")]


@pytest.mark.points(2)
def test_step_forward_random(learner, ref, rng):
    """rnn.rnn_step_forward: a random batch against the reference"""
    args = step(rng)
    run_forward(learner.rnn.rnn_step_forward, ref.rnn.rnn_step_forward, args, STEP_OUT,
                candidates=step_candidates(args))


@pytest.mark.points(1)
def test_step_forward_keras(learner, ref):
    """rnn.rnn_step_forward: Keras's SimpleRNN, recorded (one step from a given state)"""
    (x, h0, kernel, recurrent, bias), _, case = recorded("f64_one_step")
    args = (x[:, 0], h0, kernel, recurrent, bias)
    run_forward(learner.rnn.rnn_step_forward, ref.rnn.rnn_step_forward, args, STEP_OUT,
                candidates=step_candidates(args), tol=recorded_tolerance(case),
                expected=(case["h_seq"][:, 0], None))


@pytest.mark.points(1)
def test_step_forward_float32(learner, ref, rng):
    """rnn.rnn_step_forward: float32 stays float32"""
    args = step(rng, np.float32)
    run_forward(learner.rnn.rnn_step_forward, ref.rnn.rnn_step_forward, args, STEP_OUT,
                candidates=step_candidates(args), exact_dtype=True)


# ------------------------------------------------------------------------------------------
# rnn_step_backward
# ------------------------------------------------------------------------------------------


def step_backward(learner, ref, args, dh, *, tol=None, exact_dtype=False, expected=None,
                  only=None, numeric=True):
    """The learner's step forward, then its step backward on that cache; compare gradients."""
    forward = learner.rnn.rnn_step_forward
    value = returned_tuple(forward(*args), describe_call(forward.qualname, ref.rnn.rnn_step_forward,
                                                         args, {}), STEP_OUT)
    result = learner.rnn.rnn_step_backward.call(dh, value[1])
    call = f"rnn.rnn_step_backward(dh: {dh.dtype} {dh.shape}, cache from your rnn_step_forward)"
    grads = returned_tuple(result.value, call, STEP_GRADS)
    if expected is None:
        _, ref_cache = ref.rnn.rnn_step_forward(*copy.deepcopy(args))
        expected = ref.rnn.rnn_step_backward(dh.copy(), ref_cache)
    note = forward_note(forward, ref.rnn.rnn_step_forward, args, value, 1)
    candidates = [(m, (lambda m=m: m.fn(dh.copy(), *copy.deepcopy(args)))) for m in of_forward("rnn.rnn_step_backward")]
    for k, name in enumerate(STEP_GRADS):
        if only is not None and name != only:
            continue
        if numeric:
            def loss(*a):
                return float(np.sum(ref.rnn.rnn_step_forward(*a)[0] * dh))

            approx = centred_difference(loss, args, WRT[name])
            compare_item(grads[k], approx, call=call, name=name, index=k, candidates=candidates,
                         tol=NUMERIC, note=note or f"(Compared with a centred-difference gradient of "
                                                   f"L = sum(h * dh).)")
        compare_item(grads[k], expected[k], call=call, name=name, index=k, candidates=candidates,
                     tol=tol, exact_dtype=exact_dtype, note=note)
    check_unchanged(result, call, allowed=("cache",))


@pytest.mark.points(1)
@pytest.mark.parametrize("grad", STEP_GRADS)
def test_step_backward_numeric(learner, ref, rng, grad):
    """rnn.rnn_step_backward: {grad}, checked numerically"""
    args = step(rng)
    dh = rng.normal(size=(N, H))
    step_backward(learner, ref, args, dh, only=grad)


@pytest.mark.points(1)
def test_step_backward_keras(learner, ref):
    """rnn.rnn_step_backward: Keras's recorded gradients of one step"""
    (x, h0, kernel, recurrent, bias), dh_seq, case = recorded("f64_one_step")
    args = (x[:, 0], h0, kernel, recurrent, bias)
    expected = (case["dx"][:, 0], case["dh0"], case["dkernel"], case["drecurrent_kernel"], case["dbias"])
    step_backward(learner, ref, args, dh_seq[:, 0], tol=recorded_tolerance(case), expected=expected,
                  numeric=False)


@pytest.mark.points(1)
def test_step_backward_float32(learner, ref, rng):
    """rnn.rnn_step_backward: float32 stays float32"""
    args = step(rng, np.float32)
    dh = rng.normal(size=(N, H)).astype(np.float32)
    step_backward(learner, ref, args, dh, exact_dtype=True, numeric=False)


# ------------------------------------------------------------------------------------------
# rnn_forward
# ------------------------------------------------------------------------------------------

SEQ_OUT = ["h_seq", "cache"]


@pytest.mark.points(1)
def test_forward_one_step(learner, ref, rng):
    """rnn.rnn_forward: T = 1"""
    args = layer(rng, t=1)
    run_forward(learner.rnn.rnn_forward, ref.rnn.rnn_forward, args, SEQ_OUT,
                candidates=forward_candidates(args))


@pytest.mark.points(2)
def test_forward_sequence(learner, ref, rng):
    """rnn.rnn_forward: 7 steps from a given initial state"""
    args = layer(rng)
    run_forward(learner.rnn.rnn_forward, ref.rnn.rnn_forward, args, SEQ_OUT,
                candidates=forward_candidates(args))


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["f64", "f64_long"], ids=["5 steps", "12 steps"])
def test_forward_keras(learner, ref, name):
    """rnn.rnn_forward: Keras's SimpleRNN(return_sequences=True), recorded"""
    args, _, case = recorded(name)
    run_forward(learner.rnn.rnn_forward, ref.rnn.rnn_forward, args, SEQ_OUT,
                candidates=forward_candidates(args), tol=recorded_tolerance(case),
                expected=(case["h_seq"], None))


@pytest.mark.points(1)
def test_forward_float32(learner, ref):
    """rnn.rnn_forward: float32 stays float32 (Keras's recorded float32 SimpleRNN)"""
    args, _, case = recorded("f32")
    run_forward(learner.rnn.rnn_forward, ref.rnn.rnn_forward, args, SEQ_OUT,
                candidates=forward_candidates(args), tol=recorded_tolerance(case),
                exact_dtype=True, expected=(case["h_seq"], None))


# ------------------------------------------------------------------------------------------
# rnn_backward (BPTT)
# ------------------------------------------------------------------------------------------


def backward(learner, ref, args, dh_seq, *, tol=None, exact_dtype=False, expected=None, only=None,
             numeric=True):
    """The learner's rnn_forward, then its rnn_backward on that cache; compare gradients."""
    forward = learner.rnn.rnn_forward
    value = returned_tuple(forward(*args), describe_call(forward.qualname, ref.rnn.rnn_forward, args, {}),
                           SEQ_OUT)
    result = learner.rnn.rnn_backward.call(dh_seq, value[1])
    call = f"rnn.rnn_backward(dh_seq: {dh_seq.dtype} {dh_seq.shape}, cache from your rnn_forward)"
    grads = returned_tuple(result.value, call, GRADS)
    if expected is None:
        _, ref_cache = ref.rnn.rnn_forward(*copy.deepcopy(args))
        expected = ref.rnn.rnn_backward(dh_seq.copy(), ref_cache)
    note = forward_note(forward, ref.rnn.rnn_forward, args, value, 1)
    candidates = [(m, (lambda m=m: m.fn(dh_seq.copy(), *copy.deepcopy(args)))) for m in of_forward("rnn.rnn_backward")]
    for k, name in enumerate(GRADS):
        if only is not None and name != only:
            continue
        if numeric:
            def loss(*a):
                return float(np.sum(ref.rnn.rnn_forward(*a)[0] * dh_seq))

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
    """rnn.rnn_backward: {grad} over 7 steps, checked numerically"""
    args = layer(rng)
    dh_seq = rng.normal(size=(N, T, H))
    backward(learner, ref, args, dh_seq, only=grad)


@pytest.mark.points(1)
def test_backward_last_step_only(learner, ref, rng):
    """rnn.rnn_backward: a loss on the last hidden state only (many-to-one)"""
    args = layer(rng)
    dh_seq = np.zeros((N, T, H))
    dh_seq[:, -1] = rng.normal(size=(N, H))  # everything earlier must come back through time
    backward(learner, ref, args, dh_seq, numeric=False)


@pytest.mark.points(1)
def test_backward_one_step(learner, ref, rng):
    """rnn.rnn_backward: T = 1"""
    args = layer(rng, t=1)
    backward(learner, ref, args, rng.normal(size=(N, 1, H)), numeric=False)


@pytest.mark.points(2)
def test_backward_keras(learner, ref):
    """rnn.rnn_backward: Keras's recorded gradients over 12 steps"""
    args, dh_seq, case = recorded("f64_long")
    expected = tuple(case[name] for name in GRADS)
    backward(learner, ref, args, dh_seq, tol=recorded_tolerance(case), expected=expected, numeric=False)


@pytest.mark.points(1)
def test_backward_float32(learner, ref):
    """rnn.rnn_backward: float32 stays float32 (Keras's recorded float32 gradients)"""
    args, dh_seq, case = recorded("f32")
    expected = tuple(case[name] for name in GRADS)
    backward(learner, ref, args, dh_seq, tol=recorded_tolerance(case), expected=expected,
             exact_dtype=True, numeric=False)
