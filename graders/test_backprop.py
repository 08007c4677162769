"""Hidden grader for backprop.py: forward/backward pairs, a whole MLP, initialisation, and the
numerical gradient that checks them.

Inputs are drawn per learner from `rng`. How the learner's code is driven:

- Forward/backward pairs: the learner's forward is called, its output (not its cache, which is
  the learner's business) is compared with the reference, and the cache it returned is handed
  back to the learner's backward. Each gradient (dx, dW, db; every dW_i and db_i of an MLP) is
  its own test, so one wrong formula costs only its own points. Besides the reference, every
  backward pass is checked against centred differences of the learner's *own* forward.
- `init_mlp(layer_sizes, rng)`: the grader passes `np.random.default_rng(seed)` (seed drawn
  from the learner's hidden seed), which crosses into the worker by its state. The weights are judged by their
  statistics (a He initialiser from a plain normal and Keras's truncated normal both pass), never
  by equality with the reference's draws.
- `numerical_gradient(f, x)`: `f` must run inside the sandbox, so the graders pass NumPy's own
  module-level functions by name (np.var, np.std, np.prod, np.sum, np.max), whose gradients are
  known in closed form: for np.var centred differences are exact for any eps (it is quadratic)
  while one-sided ones are off by eps * (1 - 1/n) / n.
"""

from __future__ import annotations

import copy
import weakref
from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import (
    GradingFailure, check_backward, check_call, check_forward, expect_close,
)
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import recorded_tolerance
from nnlab.grading.compare import describe_value
from nnlab.sandbox.protocol import FunctionRef
from nnlab.grading.calls import whole_output_candidates
from reference.mistakes import mistakes_for

ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]
OUTPUTS = ["linear", "sigmoid", "softmax"]

# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def shape_of(a) -> str:
    return describe_value(a)


def candidates(target, compute):
    """(mistake, thunk) for every catalogued mistake of `target`; `compute(m)` is its value."""
    return [(m, (lambda m=m: compute(m))) for m in mistakes_for(target)]


def unchanged(result, what):
    if result.mutated:
        raise GradingFailure(
            f"{what} modified {', '.join(result.mutated)} in place; curriculum functions must "
            f"leave their inputs unchanged and return new arrays.")


def pair(value, what, n=2, names="(out, cache)"):
    if not (isinstance(value, (tuple, list)) and len(value) == n):
        raise GradingFailure(f"{what} should return {names}, got {describe_value(value)}.")
    return value


def learner_forward(fn, ref_fn, *args, exact_dtype=False, no_warnings=False, backward=""):
    """Call a learner forward, compare its output with the reference's, return (out, cache).

    `backward` names the backward pass a test is about to judge on this cache: a wrong forward
    output then says that the backward could not be judged, and why."""
    what = f"{fn.qualname}({', '.join(shape_of(a) for a in args)})"
    result = fn.call(*args)
    out, cache = pair(result.value, what)
    expected = ref_fn(*copy.deepcopy(args))[0]
    note = (f"{backward} is judged on the cache of your {fn.name}, whose output is already wrong "
            f"on this call (see {fn.name}'s own tests): fix {fn.name} first.") if backward else ""
    expect_close(out, expected, what=f"out, from {what},", exact_dtype=exact_dtype,
                 comparator=fn.comparator, note=note)
    unchanged(result, what)
    if no_warnings and result.warnings:
        raise GradingFailure(f"{what} returned the right values but NumPy warned: "
                             f"{result.warnings[0]}. It must be stable for large inputs.")
    return out, cache


def centred(f, a, eps):
    """Centred differences of the scalar f() with respect to every entry of `a` (f reads a)."""
    grad = np.zeros_like(a, dtype=np.float64)
    flat, gflat = a.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + eps
        up = f()
        flat[k] = keep - eps
        down = f()
        flat[k] = keep
        gflat[k] = (up - down) / (2 * eps)
    return grad


def forward_is_right(out, expected, what):
    """A numerical gradient of a wrong forward checks nothing (a forward and backward that both
    return zeros agree): the backward's numerical test needs the forward right on its call."""
    try:
        expect_close(out, expected, what=what, rtol=1e-6, atol=1e-9)
    except GradingFailure as failure:
        raise GradingFailure(f"{failure}\n  Your forward pass is wrong on this call, so a "
                             f"numerical gradient of it checks nothing: fix the forward first.") \
            from None


def as_number(value, what):
    try:
        return float(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise GradingFailure(f"{what} should be an array, got {describe_value(value)}.") from None


def random_params(rng, sizes, dtype=np.float64):
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(scale=1 / np.sqrt(fan_in), size=(fan_in, fan_out)).astype(dtype)
        params[f"b{i}"] = rng.normal(scale=0.3, size=fan_out).astype(dtype)
    return params


# ------------------------------------------------------------------------------------------
# Dense layer
# ------------------------------------------------------------------------------------------


def dense_case(rng, dtype=np.float64, small=False):
    n, d_in, d_out = (3, 3, 2) if small else (int(rng.integers(3, 7)), int(rng.integers(3, 7)),
                                              int(rng.integers(2, 6)))
    if d_in == d_out:
        d_in += 1  # a transposed dW must show as a wrong shape
    x = rng.normal(size=(n, d_in)).astype(dtype)
    W = rng.normal(scale=0.5, size=(d_in, d_out)).astype(dtype)
    b = rng.normal(size=d_out).astype(dtype)
    dout = rng.normal(size=(n, d_out)).astype(dtype)
    return x, W, b, dout


def check_dense_backward(learner, ref, x, W, b, dout, names, exact_dtype=False):
    _, cache = learner_forward(learner.backprop.dense_forward, ref.backprop.dense_forward,
                               x, W, b, exact_dtype=exact_dtype, backward="dense_backward")
    what = (f"backprop.dense_backward(dout: {shape_of(dout)}, the cache of your "
            f"dense_forward(x: {shape_of(x)}, W: {shape_of(W)}, b: {shape_of(b)}))")
    result = learner.backprop.dense_backward.call(dout, cache)
    value = pair(result.value, what, 3, "(dx, dW, db)")
    expected = ref.backprop.dense_backward(dout, ref.backprop.dense_forward(x, W, b)[1])
    for name in names:
        i = ("dx", "dW", "db").index(name)
        # a mistake is named only when it reproduces all of (dx, dW, db), not this one alone
        mistakes = whole_output_candidates(
            candidates("backprop.dense_backward", lambda m: m.fn(dout, x, W, b)), value,
            lambda whole, i=i: whole[i], learner.comparator.tolerance_for(expected[i]))
        expect_close(value[i], expected[i], what=f"{name}, from {what},", exact_dtype=exact_dtype,
                     mistakes=mistakes, comparator=learner.comparator,
                     inputs={"dout": dout, "x": x, "W": W, "b": b})
    unchanged(result, what)


@pytest.mark.points(2)
def test_dense_forward_random(learner, ref, rng):
    """backprop.dense_forward: random batches"""
    for _ in range(2):
        x, W, b, _ = dense_case(rng)
        learner_forward(learner.backprop.dense_forward, ref.backprop.dense_forward, x, W, b)


@pytest.mark.points(1)
def test_dense_forward_float32(learner, ref, rng):
    """backprop.dense_forward: float32 stays float32"""
    x, W, b, _ = dense_case(rng, np.float32)
    learner_forward(learner.backprop.dense_forward, ref.backprop.dense_forward, x, W, b,
                    exact_dtype=True)


@pytest.mark.points(2)
@pytest.mark.parametrize("grad", ["dx", "dW", "db"])
def test_dense_backward(learner, ref, rng, grad):
    """backprop.dense_backward: {grad} on a random batch"""
    check_dense_backward(learner, ref, *dense_case(rng), names=[grad])


@pytest.mark.points(1)
def test_dense_backward_float32(learner, ref, rng):
    """backprop.dense_backward: float32 stays float32"""
    check_dense_backward(learner, ref, *dense_case(rng, np.float32), names=["dx", "dW", "db"],
                         exact_dtype=True)


@pytest.mark.oracle("numerical")
@pytest.mark.points(2)
def test_dense_backward_numerical(learner, rng):
    """backprop.dense_backward: agrees with a numerical gradient of your dense_forward"""
    x, W, b, dout = dense_case(rng, small=True)
    fwd = learner.backprop.dense_forward
    out, cache = pair(fwd(x, W, b), "backprop.dense_forward(x, W, b)")
    from reference.backprop import dense_forward
    forward_is_right(out, dense_forward(x, W, b)[0], "backprop.dense_forward(x, W, b)'s out")
    dx, dW, db = pair(learner.backprop.dense_backward(dout, cache),
                      "backprop.dense_backward(dout, cache)", 3, "(dx, dW, db)")

    def loss():
        return as_number(np.sum(np.asarray(fwd(x, W, b)[0]) * dout), "dense_forward's out")

    # the layer is linear in each argument: centred differences are exact up to rounding
    for name, value, arg in (("dx", dx, x), ("dW", dW, W), ("db", db, b)):
        expect_close(value, centred(loss, arg, 1e-3), rtol=1e-6, atol=1e-8,
                     what=f"{name}, from your dense_backward, against centred differences of "
                          f"sum(dense_forward(x, W, b)[0] * dout),")


# ------------------------------------------------------------------------------------------
# Activation layer
# ------------------------------------------------------------------------------------------


def check_activation_backward(learner, ref, z, name, da, exact_dtype=False):
    _, cache = learner_forward(learner.backprop.activation_forward,
                               ref.backprop.activation_forward, z, name, exact_dtype=exact_dtype,
                               backward="activation_backward")
    what = (f"backprop.activation_backward(da: {shape_of(da)}, the cache of your "
            f"activation_forward(z: {shape_of(z)}, {name!r}))")
    result = learner.backprop.activation_backward.call(da, cache)
    expected = ref.backprop.activation_backward(da, ref.backprop.activation_forward(z, name)[1])
    expect_close(result.value, expected, what=what, exact_dtype=exact_dtype,
                 mistakes=candidates("backprop.activation_backward",
                                     lambda m: m.fn(da, z, name)))
    unchanged(result, what)


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward(learner, ref, rng, name):
    """backprop.activation_forward: random pre-activations"""
    z = rng.normal(scale=2.0, size=(5, 4))
    learner_forward(learner.backprop.activation_forward, ref.backprop.activation_forward, z, name)


@pytest.mark.points(1)
def test_activation_forward_float32(learner, ref, rng):
    """backprop.activation_forward: float32 stays float32"""
    z = rng.normal(scale=2.0, size=(3, 4)).astype(np.float32)
    for name in ACTIVATIONS:
        learner_forward(learner.backprop.activation_forward, ref.backprop.activation_forward,
                        z, name, exact_dtype=True)


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward(learner, ref, rng, name):
    """backprop.activation_backward: random pre-activations and upstream gradients"""
    z = rng.normal(scale=2.0, size=(5, 4))
    check_activation_backward(learner, ref, z, name, rng.normal(size=z.shape))


@pytest.mark.points(1)
def test_activation_backward_kinks(learner, ref, rng):
    """backprop.activation_backward: z == 0 (relu 0, leaky_relu 0.01, elu 1)"""
    z = rng.normal(scale=2.0, size=(4, 5))
    z[1, :] = 0.0
    z[:, 3] = 0.0
    for name in ("relu", "leaky_relu", "elu"):
        check_activation_backward(learner, ref, z, name, rng.normal(size=z.shape))


@pytest.mark.points(1)
def test_activation_backward_float32(learner, ref, rng):
    """backprop.activation_backward: float32 stays float32"""
    z = rng.normal(scale=2.0, size=(3, 4)).astype(np.float32)
    da = rng.normal(size=z.shape).astype(np.float32)
    for name in ACTIVATIONS:
        check_activation_backward(learner, ref, z, name, da, exact_dtype=True)


@pytest.mark.oracle("numerical")
@pytest.mark.points(2)
def test_activation_backward_numerical(learner, rng):
    """backprop.activation_backward: agrees with a numerical gradient of your activation_forward"""
    z = rng.uniform(0.2, 2.0, size=(2, 2)) * rng.choice([-1.0, 1.0], size=(2, 2))  # off the kink
    da = rng.normal(size=z.shape)
    fwd = learner.backprop.activation_forward
    from reference.backprop import activation_forward
    for name in ACTIVATIONS:
        a, cache = pair(fwd(z, name), f"backprop.activation_forward(z, {name!r})")
        forward_is_right(a, activation_forward(z, name)[0],
                         f"backprop.activation_forward(z, {name!r})'s a")
        dz = learner.backprop.activation_backward(da, cache)

        def loss():
            return as_number(np.sum(np.asarray(fwd(z, name)[0]) * da), "activation_forward's a")

        expect_close(dz, centred(loss, z, 1e-5), rtol=1e-5, atol=1e-7,
                     what=f"backprop.activation_backward for {name!r}, against centred "
                          f"differences of sum(activation_forward(z, {name!r})[0] * da),")


# ------------------------------------------------------------------------------------------
# A whole MLP
# ------------------------------------------------------------------------------------------


def mlp_case(rng, depth, dtype=np.float64, sizes=None):
    """X, params and dout for a network with `depth` hidden layers (or the given sizes)."""
    n = int(rng.integers(4, 8))
    if sizes is None:
        sizes = [int(rng.integers(3, 6))] + [int(rng.integers(3, 7)) for _ in range(depth)]
        sizes.append(int(rng.integers(2, 5)))
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    return X, random_params(rng, sizes, dtype), rng.normal(size=(n, sizes[-1])).astype(dtype)


def composed_grads(ref, dout, X, params, hidden, output, dense_bw=None, act_bw=None):
    """The reference's MLP gradients with one layer function replaced by a catalogued mistake
    (called with the forward inputs, as same_signature=False entries are)."""
    bp = ref.backprop
    n_layers = len(params) // 2
    a, layers = X, []
    for i in range(1, n_layers + 1):
        z = a @ params[f"W{i}"] + params[f"b{i}"]
        name = hidden if i < n_layers else output
        layers.append((a, params[f"W{i}"], params[f"b{i}"], z, name))
        if name == "softmax":
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
        else:
            a = bp.activation_forward(z, name)[0]
    grads, upstream = {}, dout
    for i in range(n_layers, 0, -1):
        a_in, W, b, z, name = layers[i - 1]
        if name == "softmax":
            dz = upstream
        elif act_bw is not None:
            dz = act_bw(upstream, z, name)
        else:
            dz = bp.activation_backward(upstream, bp.activation_forward(z, name)[1])
        if dense_bw is not None:
            upstream, grads[f"W{i}"], grads[f"b{i}"] = dense_bw(dz, a_in, W, b)
        else:
            upstream, grads[f"W{i}"], grads[f"b{i}"] = bp.dense_backward(dz, bp.dense_forward(a_in, W, b)[1])
    return grads


def mlp_candidates(ref, key, dout, X, params, hidden, output):
    found = candidates("backprop.mlp_backward",
                       lambda m: m.fn(dout, X, params, hidden, output)[key])
    for target, slot in (("backprop.dense_backward", "dense_bw"),
                         ("backprop.activation_backward", "act_bw")):
        found += candidates(target, lambda m, slot=slot: composed_grads(
            ref, dout, X, params, hidden, output, **{slot: m.fn})[key])
    return found


@pytest.mark.points(1)
@pytest.mark.parametrize("output", OUTPUTS)
def test_mlp_forward(learner, ref, rng, output):
    """backprop.mlp_forward: output {output}, every hidden activation, 1 to 3 hidden layers"""
    for k, hidden in enumerate(ACTIVATIONS):
        X, params, _ = mlp_case(rng, 1 + k % 3)
        learner_forward(learner.backprop.mlp_forward, ref.backprop.mlp_forward,
                        X, params, hidden, output)


@pytest.mark.points(1)
def test_mlp_forward_large_logits(learner, ref, rng):
    """backprop.mlp_forward: a softmax output stays finite and silent for logits near 1e3"""
    X, params, _ = mlp_case(rng, 1)
    # scaled so that the largest logit is 1000, beyond exp's overflow at about 709: an unstable
    # softmax overflows on every draw, not only on some
    logits = ref.backprop.mlp_forward(X, params, "relu", "linear")[0] - params["b2"]
    params["W2"] = params["W2"] * (1000.0 / logits.flat[np.argmax(np.abs(logits))])
    params["b2"] = np.zeros_like(params["b2"])
    learner_forward(learner.backprop.mlp_forward, ref.backprop.mlp_forward, X, params, "relu",
                    "softmax", no_warnings=True)


@pytest.mark.points(1)
def test_mlp_forward_float32(learner, ref, rng):
    """backprop.mlp_forward: float32 stays float32"""
    for output in OUTPUTS:
        X, params, _ = mlp_case(rng, 2, np.float32)
        learner_forward(learner.backprop.mlp_forward, ref.backprop.mlp_forward, X, params,
                        "tanh", output, exact_dtype=True)


MLP_GRADS = [(depth, f"{p}{i}") for depth in (1, 2, 3) for i in range(1, depth + 2) for p in "Wb"]

# The learner's forward and backward run once per network and grading run; each gradient's own
# test then only compares. Keyed by the learner proxy, so no result outlives its submission.
_MLP_RUNS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def mlp_runs(learner, ref, rng, depth):
    """For every hidden activation, a network with `depth` hidden layers (the outputs taking
    turns), the learner's gradients on it, and the reference's."""
    runs = _MLP_RUNS.setdefault(learner, {})
    if depth not in runs:
        found = []
        for k, hidden in enumerate(ACTIVATIONS):
            X, params, dout = mlp_case(rng, depth)
            output = OUTPUTS[(k + depth) % 3]
            try:
                outcome = learner_mlp_backward(learner, ref, X, params, dout, hidden, output)
            except GradingFailure as failure:
                outcome = failure
            found.append(((X, params, dout, hidden, output), outcome))
        runs[depth] = found
    return runs[depth]


def learner_mlp_backward(learner, ref, X, params, dout, hidden, output, exact_dtype=False):
    """(the learner's grads dict, a description of the call) after their mlp_forward."""
    what_forward = f"mlp_forward(X: {shape_of(X)}, params, hidden={hidden!r}, output={output!r})"
    _, caches = learner_forward(learner.backprop.mlp_forward, ref.backprop.mlp_forward,
                                X, params, hidden, output, exact_dtype=exact_dtype,
                                backward="mlp_backward")
    what = f"backprop.mlp_backward(dout: {shape_of(dout)}, the caches of your {what_forward})"
    result = learner.backprop.mlp_backward.call(dout, caches)
    grads = result.value
    if not isinstance(grads, dict):
        raise GradingFailure(f"{what} should return a dict of gradients keyed like params, got "
                             f"{describe_value(grads)}.")
    unchanged(result, what)
    return grads, what


def compare_mlp_grads(ref, grads, what, X, params, dout, hidden, output, keys, exact_dtype=False):
    expected = ref.backprop.mlp_backward(dout, ref.backprop.mlp_forward(X, params, hidden, output)[1])
    for key in keys:
        if key not in grads:
            raise GradingFailure(f"{what} returned no {key!r} (keys: {sorted(map(str, grads))}); "
                                 f"the gradients have the same keys as params.")
        expect_close(grads[key], expected[key], what=f"grads[{key!r}], from {what},",
                     exact_dtype=exact_dtype,
                     mistakes=mlp_candidates(ref, key, dout, X, params, hidden, output))


@pytest.mark.points(1)
@pytest.mark.parametrize("depth,key", MLP_GRADS)
def test_mlp_backward(learner, ref, rng, depth, key):
    """backprop.mlp_backward: {key} with {depth} hidden layer(s), every activation and output"""
    for (X, params, dout, hidden, output), outcome in mlp_runs(learner, ref, rng, depth):
        if isinstance(outcome, GradingFailure):
            raise outcome
        grads, what = outcome
        compare_mlp_grads(ref, grads, what, X, params, dout, hidden, output, [key])


@pytest.mark.points(1)
def test_mlp_backward_float32(learner, ref, rng):
    """backprop.mlp_backward: float32 stays float32"""
    X, params, dout = mlp_case(rng, 2, np.float32)
    grads, what = learner_mlp_backward(learner, ref, X, params, dout, "sigmoid", "softmax",
                                       exact_dtype=True)
    compare_mlp_grads(ref, grads, what, X, params, dout, "sigmoid", "softmax", sorted(params),
                      exact_dtype=True)


@pytest.mark.oracle("numerical")
@pytest.mark.points(2)
def test_mlp_backward_numerical(learner, rng):
    """backprop.mlp_backward: agrees with a numerical gradient of your mlp_forward"""
    X, params, dout = mlp_case(rng, 1, sizes=[3, 3, 2])
    fwd = learner.backprop.mlp_forward
    out, caches = pair(fwd(X, params, "tanh", "sigmoid"), "backprop.mlp_forward(...)")
    from reference.backprop import mlp_forward
    forward_is_right(out, mlp_forward(X, params, "tanh", "sigmoid")[0],
                     "backprop.mlp_forward(X, params, 'tanh', 'sigmoid')'s out")
    grads = learner.backprop.mlp_backward(dout, caches)
    if not isinstance(grads, dict):
        raise GradingFailure(f"backprop.mlp_backward should return a dict, got {describe_value(grads)}.")
    for key in sorted(params):
        def loss():
            return as_number(np.sum(np.asarray(fwd(X, params, "tanh", "sigmoid")[0]) * dout),
                             "mlp_forward's out")

        expect_close(grads.get(key), centred(loss, params[key], 1e-5), rtol=1e-5, atol=1e-7,
                     what=f"grads[{key!r}] from your mlp_backward (tanh hidden layer, sigmoid "
                          f"output), against centred differences of sum(mlp_forward(...)[0] * dout),")


# ------------------------------------------------------------------------------------------
# init_mlp
# ------------------------------------------------------------------------------------------


def learner_init(learner, sizes, seed, init):
    rng = np.random.default_rng(int(seed))  # crosses into the worker by its state
    what = f"backprop.init_mlp({tuple(sizes)}, rng, init={init!r})"
    params = learner.backprop.init_mlp(list(sizes), rng, init=init)
    if not isinstance(params, dict):
        raise GradingFailure(f"{what} should return a dict, got {describe_value(params)}.")
    want = {f"{p}{i}" for i in range(1, len(sizes)) for p in "Wb"}
    if set(params) != want:
        raise GradingFailure(f"{what} returned the keys {sorted(map(str, params))}, expected "
                             f"{sorted(want)}.")
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        for key, shape in ((f"W{i}", (fan_in, fan_out)), (f"b{i}", (fan_out,))):
            value = params[key]
            if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                raise GradingFailure(f"{what}[{key!r}] should be a float array, got "
                                     f"{describe_value(value)}.")
            if value.shape != shape:
                raise GradingFailure(f"{what}[{key!r}] has shape {value.shape}, expected {shape} "
                                     f"(Keras's layout: kernel (fan_in, fan_out), bias (fan_out,)).")
    return params, what


def std_mistakes(sizes, key, init):
    return candidates("backprop.init_mlp", lambda m: float(np.std(
        m.fn(list(sizes), np.random.default_rng(0), init=init)[key])))


@pytest.mark.points(1)
@pytest.mark.parametrize("init", ["he", "xavier"])
def test_init_mlp_shapes(learner, rng, init):
    """backprop.init_mlp: keys, shapes and zero biases ({init})"""
    sizes = [int(rng.integers(2, 9)) for _ in range(4)]
    params, what = learner_init(learner, sizes, rng.integers(2**31), init)
    for i in range(1, len(sizes)):
        if np.any(params[f"b{i}"] != 0):
            raise GradingFailure(f"{what}['b{i}'] is not all zeros: biases start at zero.")
        if np.all(params[f"W{i}"] == 0) or np.unique(params[f"W{i}"]).size < params[f"W{i}"].size:
            raise GradingFailure(f"{what}['W{i}'] has repeated values: weights are random draws.")


@pytest.mark.points(2)
def test_init_mlp_he_statistics(learner, rng):
    """backprop.init_mlp: He normal has mean 0 and standard deviation sqrt(2 / fan_in)"""
    sizes = [int(rng.integers(300, 500)), int(rng.integers(200, 300)), int(rng.integers(100, 150))]
    params, what = learner_init(learner, sizes, rng.integers(2**31), "he")
    for key, fan_in in (("W1", sizes[0]), ("W2", sizes[1])):
        w = params[key].astype(np.float64)
        target = np.sqrt(2.0 / fan_in)
        expect_close(float(np.std(w)), target, rtol=0.03, atol=0.0,
                     what=f"the standard deviation of {what}[{key!r}] (fan_in {fan_in})",
                     mistakes=std_mistakes(sizes, key, "he"))
        if abs(float(np.mean(w))) > 5 * target / np.sqrt(w.size):
            raise GradingFailure(f"{what}[{key!r}] has mean {np.mean(w):.3g}, too far from 0 for "
                                 f"{w.size} draws of a zero-mean normal.")
        if float(np.max(np.abs(w))) > 6 * target:
            raise GradingFailure(f"{what}[{key!r}] has a weight of {np.max(np.abs(w)):.3g}, over "
                                 f"6 standard deviations: not a normal with std {target:.3g}.")


@pytest.mark.points(2)
def test_init_mlp_xavier_statistics(learner, rng):
    """backprop.init_mlp: xavier is Glorot uniform on [-L, L], L = sqrt(6 / (fan_in + fan_out))"""
    sizes = [int(rng.integers(300, 500)), int(rng.integers(200, 300)), int(rng.integers(100, 150))]
    params, what = learner_init(learner, sizes, rng.integers(2**31), "xavier")
    for key, fan_in, fan_out in (("W1", sizes[0], sizes[1]), ("W2", sizes[1], sizes[2])):
        w = params[key].astype(np.float64)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        expect_close(float(np.std(w)), limit / np.sqrt(3.0), rtol=0.05, atol=0.0,
                     what=f"the standard deviation of {what}[{key!r}] (fan_in {fan_in}, "
                          f"fan_out {fan_out})",
                     mistakes=std_mistakes(sizes, key, "xavier"))
        top = float(np.max(np.abs(w)))
        if top > limit * (1 + 1e-9) or top < 0.9 * limit:
            raise GradingFailure(f"{what}[{key!r}] reaches |w| = {top:.4g}; a uniform draw on "
                                 f"[-L, L] with L = {limit:.4g} stays inside and comes close to L.")


@pytest.mark.points(1)
def test_init_mlp_uses_rng(learner, rng):
    """backprop.init_mlp: draws from rng only (same seed, same weights; new seed, new weights)"""
    sizes = [5, 4, 3]
    seed = int(rng.integers(2**31))
    first, what = learner_init(learner, sizes, seed, "he")
    again, _ = learner_init(learner, sizes, seed, "he")
    other, _ = learner_init(learner, sizes, seed + 1, "he")
    if any(not np.array_equal(first[k], again[k]) for k in first):
        raise GradingFailure(f"{what} gave different weights for two Generators with the same "
                             f"seed: draw every random number from rng (rng.normal, rng.uniform), "
                             f"never from np.random's global functions.")
    if all(np.array_equal(first[k], other[k]) for k in first if k.startswith("W")):
        raise GradingFailure(f"{what} gave the same weights for Generators with different seeds: "
                             f"draw the weights from rng.")


# ------------------------------------------------------------------------------------------
# numerical_gradient
# ------------------------------------------------------------------------------------------

# NumPy functions of known gradient, passed to the learner by name (they run in the sandbox)
KNOWN = {
    "var": lambda x: 2 * (x - x.mean()) / x.size,
    "std": lambda x: (x - x.mean()) / (x.size * x.std()),
    "prod": lambda x: np.prod(x) / x,
    "sum": lambda x: np.ones_like(x),
    "max": lambda x: (x == x.max()).astype(np.float64),
}


def check_numerical_gradient(learner, name, x, eps=None, rtol=1e-6, atol=1e-9, exact_dtype=False):
    kwargs = {} if eps is None else {"eps": eps}
    what = (f"backprop.numerical_gradient(f=np.{name}, x: {shape_of(x)}"
            + (f", eps={eps:g})" if eps is not None else ")"))
    result = learner.backprop.numerical_gradient.call(FunctionRef(f"numpy.{name}"), x, **kwargs)
    expected = KNOWN[name](x.astype(np.float64)).astype(x.dtype)
    f = getattr(np, name)
    expect_close(result.value, expected, what=what, rtol=rtol, atol=atol, exact_dtype=exact_dtype,
                 mistakes=candidates("backprop.numerical_gradient",
                                     lambda m: m.fn(f, x.copy(), **kwargs)))
    unchanged(result, what)


@pytest.mark.points(2)
def test_numerical_gradient_quadratic(learner, rng):
    """backprop.numerical_gradient: np.var with eps=1e-3 (centred differences are exact here)"""
    check_numerical_gradient(learner, "var", rng.normal(size=(3, 4)), eps=1e-3)


@pytest.mark.points(2)
def test_numerical_gradient_default_eps(learner, rng):
    """backprop.numerical_gradient: np.std with the default eps"""
    check_numerical_gradient(learner, "std", rng.normal(size=(4, 5)), rtol=1e-5, atol=1e-8)


@pytest.mark.points(1)
def test_numerical_gradient_product(learner, rng):
    """backprop.numerical_gradient: np.prod of positive entries"""
    check_numerical_gradient(learner, "prod", rng.uniform(0.5, 1.5, size=(2, 3)), eps=1e-4,
                             rtol=1e-6, atol=1e-9)


@pytest.mark.points(1)
def test_numerical_gradient_any_shape(learner, rng):
    """backprop.numerical_gradient: a 3-d x (np.sum) and a 1-d x (np.max)"""
    check_numerical_gradient(learner, "sum", rng.normal(size=(2, 3, 2)))
    x = rng.permutation(np.arange(7.0)) * 0.5  # a unique maximum, entries 0.5 apart
    check_numerical_gradient(learner, "max", x)


@pytest.mark.points(1)
def test_numerical_gradient_leaves_x(learner, rng):
    """backprop.numerical_gradient: leaves x unchanged"""
    x = rng.normal(size=(3, 3))
    what = "backprop.numerical_gradient(f=np.var, x: float64 (3, 3), eps=0.01)"
    result = learner.backprop.numerical_gradient.call(FunctionRef("numpy.var"), x, eps=1e-2)
    unchanged(result, what)
    # the gradient is judged too: a function that returns anything and leaves x alone earns
    # nothing here
    expect_close(result.value, KNOWN["var"](x), what=what, rtol=1e-6, atol=1e-9)


@pytest.mark.points(1)
def test_numerical_gradient_float32(learner, rng):
    """backprop.numerical_gradient: float32 x gives a float32 gradient"""
    check_numerical_gradient(learner, "var", rng.normal(size=(3, 4)).astype(np.float32), eps=1e-2,
                             rtol=1e-4, atol=1e-6, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# relative_error
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_relative_error_random(learner, ref, rng):
    """backprop.relative_error: two nearby random arrays"""
    a = rng.normal(size=(4, 5))
    check_call(learner.backprop.relative_error, ref.backprop.relative_error,
               a, a + rng.normal(scale=1e-4, size=a.shape))


@pytest.mark.points(1)
def test_relative_error_small_entry(learner, ref, rng):
    """backprop.relative_error: a wrong small entry beside large right ones"""
    a = rng.uniform(500, 1000, size=6) * rng.choice([-1, 1], size=6)
    b = a.copy()
    a[2], b[2] = 1e-3, 2e-3
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, a, b)


@pytest.mark.points(1)
def test_relative_error_zeros(learner, ref, rng):
    """backprop.relative_error: both zero gives 0, silently"""
    z = np.zeros((3, 2))
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, z, z.copy(),
               no_warnings=True)
    a = rng.normal(size=(3, 2))
    b = a + rng.normal(scale=1e-3, size=a.shape)
    a[0, 0] = b[0, 0] = 0.0  # one entry zero in both, among nonzero ones
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, a, b,
               no_warnings=True)


@pytest.mark.points(1)
def test_relative_error_extremes(learner, ref, rng):
    """backprop.relative_error: opposite signs or one zero give 1; scalars work"""
    a = rng.uniform(0.5, 2.0, size=4)
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, a, -a)
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, a, np.zeros(4))
    check_call(learner.backprop.relative_error, ref.backprop.relative_error, 3.0, 1.0)


# ------------------------------------------------------------------------------------------
# Keras: the recorded Dense layers and MLPs of graders/baselines/dense.npz
# ------------------------------------------------------------------------------------------

# Each "dense" case is one keras.layers.Dense(activation=...) with set weights, its output and
# GradientTape's gradients of sum(out * dout); each "mlp" case a stack of them. A linear Dense
# layer is dense_forward/dense_backward alone; with an activation, the activation's pair is
# judged through the layer: its dz pushed through the reference's dense_backward gives Keras's
# dx, dkernel and dbias exactly when dz is right.
KERAS = load_baselines(Path(__file__).resolve().parent / "baselines", ["dense"])["dense"]
KERAS_LINEAR = [c for c in KERAS if c.kind == "dense" and c.settings["activation"] == "linear"]
KERAS_ACTIVATED = [c for c in KERAS if c.kind == "dense" and c.settings["activation"] != "linear"]
KERAS_MLPS = [c for c in KERAS if c.kind == "mlp"]
KERAS_GRADS = {"dx": "dx", "dW": "dkernel", "db": "dbias"}


def keras_ids(cases):
    return [c.name for c in cases]


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", KERAS_LINEAR, ids=keras_ids(KERAS_LINEAR))
def test_dense_forward_keras(learner, ref, case):
    """backprop.dense_forward: a recorded Keras Dense layer without activation"""
    check_forward(learner.backprop.dense_forward, ref.backprop.dense_forward,
                  case["x"], case["kernel"], case["bias"], expected=case["out"],
                  exact_dtype=case.dtype == np.float32, note=keras_note(case, "out"),
                  **recorded_tolerance(learner.comparator, case))


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("grad", list(KERAS_GRADS))
def test_dense_backward_keras(learner, ref, grad):
    """backprop.dense_backward: {grad} of recorded Keras Dense layers (GradientTape), float64 and float32"""
    for case in KERAS_LINEAR:
        check_backward(learner.backprop.dense_forward, learner.backprop.dense_backward,
                       ref.backprop.dense_forward, ref.backprop.dense_backward, (case["dout"],),
                       case["x"], case["kernel"], case["bias"], grad=list(KERAS_GRADS).index(grad),
                       grad_names=tuple(KERAS_GRADS), expected=case[KERAS_GRADS[grad]],
                       note=keras_note(case, KERAS_GRADS[grad]),
                       **recorded_tolerance(learner.comparator, case))


def keras_pre_activation(ref, case):
    """z = x @ kernel + bias of a recorded Dense case, computed in the case's dtype."""
    return ref.backprop.dense_forward(case["x"], case["kernel"], case["bias"])[0]


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
def test_activation_forward_keras(learner, ref):
    """backprop.activation_forward: Keras's recorded Dense(activation=relu, sigmoid, tanh) outputs"""
    for case in KERAS_ACTIVATED:
        check_forward(learner.backprop.activation_forward, ref.backprop.activation_forward,
                      keras_pre_activation(ref, case), case.settings["activation"],
                      expected=case["out"], note=keras_note(case, "out"),
                      **recorded_tolerance(learner.comparator, case))


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
def test_activation_backward_keras(learner, ref):
    """backprop.activation_backward: through a Dense layer, Keras's recorded gradients (ReLU kinks included)"""
    for case in KERAS_ACTIVATED:
        name, dout = case.settings["activation"], case["dout"]
        z = keras_pre_activation(ref, case)
        _, cache = learner_forward(learner.backprop.activation_forward,
                                   ref.backprop.activation_forward, z, name,
                                   backward="activation_backward")
        what = (f"backprop.activation_backward(da: {shape_of(dout)}, the cache of your "
                f"activation_forward(z: {shape_of(z)}, {name!r})), its dz pushed through the "
                f"reference's dense_backward,")
        result = learner.backprop.activation_backward.call(dout, cache)
        unchanged(result, what)
        dense_cache = ref.backprop.dense_forward(case["x"], case["kernel"], case["bias"])[1]
        try:
            got = ref.backprop.dense_backward(np.asarray(result.value), dense_cache)
        except Exception:
            raise GradingFailure(f"{what} cannot go through dense_backward: it should be shaped "
                                 f"like z, {shape_of(z)}, got {describe_value(result.value)}.") from None
        tol = recorded_tolerance(learner.comparator, case)
        for i, keras_name in enumerate(("dx", "dkernel", "dbias")):
            expect_close(got[i], case[keras_name], what=what, label=keras_name,
                         comparator=learner.comparator, note=keras_note(case, keras_name),
                         mistakes=candidates("backprop.activation_backward",
                                             lambda m, i=i: ref.backprop.dense_backward(
                                                 m.fn(dout, z, name), dense_cache)[i]),
                         **tol)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", KERAS_MLPS, ids=keras_ids(KERAS_MLPS))
def test_mlp_forward_keras(learner, ref, case):
    """backprop.mlp_forward: a recorded Keras stack of Dense layers"""
    s = case.settings
    params = {key: case[key] for key in case.config["inputs"] if key[0] in "Wb"}
    check_forward(learner.backprop.mlp_forward, ref.backprop.mlp_forward, case["x"], params,
                  s["hidden"], s["output"], expected=case["out"], note=keras_note(case, "out"),
                  **recorded_tolerance(learner.comparator, case))


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", KERAS_MLPS, ids=keras_ids(KERAS_MLPS))
def test_mlp_backward_keras(learner, ref, case):
    """backprop.mlp_backward: every gradient of a recorded Keras stack of Dense layers (GradientTape)"""
    s = case.settings
    X, dout = case["x"], case["dout"]
    params = {key: case[key] for key in case.config["inputs"] if key[0] in "Wb"}
    grads, what = learner_mlp_backward(learner, ref, X, params, dout, s["hidden"], s["output"])
    for key in sorted(params):
        if key not in grads:
            raise GradingFailure(f"{what} returned no {key!r} (keys: {sorted(map(str, grads))}); "
                                 f"the gradients have the same keys as params.")
        expect_close(grads[key], case[f"d{key}"], what=f"grads[{key!r}], from {what},",
                     comparator=learner.comparator, note=keras_note(case, f"d{key}"),
                     mistakes=mlp_candidates(ref, key, dout, X, params, s["hidden"], s["output"]),
                     **recorded_tolerance(learner.comparator, case))
