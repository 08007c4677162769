"""The catalogue of known-wrong variants (reference/mistakes/): every entry is a usable diagnosis.

By curriculum module: the activations and losses entries, the dense-network modules'
(perceptron, gradient_descent, backprop, xor, mlp), and the conv, rnn and lstm entries, each
checked on cases made for its module. Then for the whole catalogue: every same-signature entry
written out by `Mistake.graft_source()` runs on its own, with only NumPy to import, and returns
what the entry returns; the shared helpers are correct and self-contained; and grafting refuses
what a learner's module could not hold.
"""

from __future__ import annotations

import builtins
import inspect
import math
import textwrap

import numpy as np
import pytest

from nnlab.grading.compare import mismatch
from reference import activations, conv, losses, lstm, mlp, rnn, xor
from reference import backprop as bp
from reference import gradient_descent as gd
from reference import perceptron as pc
from reference._numerics import sigmoid as reference_sigmoid
from reference._numerics import softmax as reference_softmax
from reference._numerics import softplus as reference_softplus
from reference.mistakes import MISTAKES, Mistake, helpers
from tests.support import ROOT


# ------------------------------------------------------------------------------------------
# activations and losses
# Each entry must (1) have exactly its target's signature (names, kinds, defaults), so the
# comparator can call it with the learner's arguments and `nnlab verify` can graft it onto a
# solution, (2) use only NumPy, math and the shared helpers, and (3) actually be wrong: differ
# from the reference on random inputs, or it could never name anything.
# ------------------------------------------------------------------------------------------


ELEMENTWISE_MODULES = {"activations": activations, "losses": losses}


ELEMENTWISE_ENTRIES = [m for m in MISTAKES if m.target.split(".")[0] in ELEMENTWISE_MODULES]


def _mixed(rng, shape):
    """Random values with exact zeros (the kinks) and |x| up to 1e3 (exp overflows past 709)."""
    x = rng.normal(scale=3.0, size=shape)
    flat = x.reshape(-1)
    picks = rng.permutation(flat.size)
    flat[picks[:3]] = 0.0
    flat[picks[3:5]] = rng.uniform(750.0, 1000.0, size=2) * np.array([1.0, -1.0])
    return x


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


def _activation_inputs(rng, name):
    x = _mixed(rng, (5, 6))
    if name == "softmax":
        # a middle axis of a 3-d array: neither the first nor the last, so a softmax pinned to
        # either shows
        return (_mixed(rng, (3, 4, 5)),), {"axis": 1}
    if name in ("elu", "elu_grad"):
        return (x,), {"alpha": 0.5}
    return (x,), {}


def _loss_inputs(rng, name):
    base = name.removesuffix("_grad")
    if base in ("mse", "half_sse"):
        return (rng.normal(size=(6, 3)), rng.normal(size=(6, 3))), {}
    if base == "binary_cross_entropy":
        p = rng.uniform(size=(6, 3))
        p[0, :] = [0.0, 1.0, 1e-12]  # saturated probabilities
        return (rng.integers(0, 2, size=(6, 3)).astype(float), p), {}
    if base == "categorical_cross_entropy":
        p = rng.uniform(0.05, 2.0, size=(6, 4))  # rows that do not sum to 1
        return (_one_hot(rng, 6, 4), p), {}
    logits = rng.normal(scale=3.0, size=(6, 4))
    logits[0] = [900.0, -900.0, 10.0, 0.0]  # large logits
    return (_one_hot(rng, 6, 4), logits), {}


def _reference(target):
    module, function = target.split(".")
    return getattr(ELEMENTWISE_MODULES[module], function)


def _ids(entries):
    return [f"{m.target}:{m.name}" for m in entries]


@pytest.mark.parametrize("module", list(ELEMENTWISE_MODULES))
def test_at_least_six_per_module(module):
    assert sum(m.target.startswith(module + ".") for m in ELEMENTWISE_ENTRIES) >= 6


@pytest.mark.parametrize("entry", ELEMENTWISE_ENTRIES, ids=_ids(ELEMENTWISE_ENTRIES))
def test_target_exists_and_signature_matches(entry):
    ref_fn = _reference(entry.target)
    ours = inspect.signature(entry.fn).parameters
    theirs = inspect.signature(ref_fn).parameters
    assert entry.same_signature
    assert [(p.name, p.kind, p.default) for p in ours.values()] == \
           [(p.name, p.kind, p.default) for p in theirs.values()]


@pytest.mark.parametrize("entry", ELEMENTWISE_ENTRIES, ids=_ids(ELEMENTWISE_ENTRIES))
def test_self_contained(entry):
    """Only NumPy, math and the shared helpers: no other global names (so a grafted copy runs
    in a learner module)."""
    allowed = {"np", "math"} | {h.__name__ for h in entry.helpers_used()}
    used = set(entry.fn.__code__.co_names) & set(entry.fn.__globals__)
    assert used <= allowed | set(dir(builtins)), used - allowed


@pytest.mark.parametrize("entry", ELEMENTWISE_ENTRIES, ids=_ids(ELEMENTWISE_ENTRIES))
def test_differs_from_reference_on_random_inputs(entry):
    rng = np.random.default_rng(7)
    module, function = entry.target.split(".")
    make = _activation_inputs if module == "activations" else _loss_inputs
    args, kwargs = make(rng, function)
    expected = _reference(entry.target)(*args, **kwargs)
    before = [np.copy(a) for a in args]
    with np.errstate(all="ignore"):
        wrong = entry.fn(*args, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(args, before)), "the entry modified its inputs"
    assert mismatch(wrong, expected) is not None, f"{entry.name} agrees with the reference"


@pytest.mark.parametrize("entry", ELEMENTWISE_ENTRIES, ids=_ids(ELEMENTWISE_ENTRIES))
def test_message_reads_as_a_sentence(entry):
    message = entry.message()
    assert message.startswith(f"your {entry.function} looks like ")
    assert entry.why and not entry.why.endswith(".")


# ------------------------------------------------------------------------------------------
# perceptron, gradient_descent, backprop, xor and mlp
# Every entry differs observably from the reference on a sample case, and where the bug cannot
# show (or is undone) it gives the reference's numbers.
# ------------------------------------------------------------------------------------------


GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


DENSE_MODULES = ("perceptron", "gradient_descent", "backprop", "xor", "mlp")


DENSE_ENTRIES = [m for m in MISTAKES if m.target.split(".")[0] in DENSE_MODULES]


def differs(a, b) -> bool:
    """True where a and b are observably different (structure, shape or value beyond the
    comparator's float64 tolerance, rtol 1e-7 and atol 1e-10)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return True
        return any(differs(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if type(a) is not type(b) or len(a) != len(b):
            return True
        return any(differs(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return True
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        return not np.allclose(a, b, rtol=1e-7, atol=1e-10, equal_nan=False)
    return not np.array_equal(a, b)


def _trained_xor():
    return xor.train_xor(xor.init_xor_mlp(np.random.default_rng(0)), xor.XOR_X, xor.XOR_Y)[0]


def _fitted(kind):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(60, 3))
    if kind == "classifier":
        y = np.array([3, 5, 7])[np.argmax(X, axis=1)]
        return X, y, mlp.MLPClassifier(hidden_layer_sizes=(10,), max_iter=30,
                                       random_state=0).fit(X, y)
    y = 50.0 + X @ np.array([1.0, -2.0, 0.5])
    return X, y, mlp.MLPRegressor(hidden_layer_sizes=(10,), max_iter=30,
                                  random_state=0).fit(X, y)


def _sample_case(target):
    """(args for the mistake, the reference's value on the same case) for each target."""
    rng = np.random.default_rng(7)
    if target == "perceptron.weighted_sum":
        args = (rng.normal(size=(4, 3)), rng.normal(size=3), 0.5)
        return args, pc.weighted_sum(*args)
    if target == "perceptron.perceptron_predict":
        args = (np.array([[0.0, 0.0], [1.0, 1.0], [-2.0, 1.0]]), np.array([1.0, 1.0]), 0.0)
        return args, pc.perceptron_predict(*args)
    if target == "perceptron.perceptron_train":
        args = (GATE_X, np.array([0, 0, 0, 1]))
        return args, pc.perceptron_train(*args)
    if target == "gradient_descent.gradient_descent":
        args = (lambda v: 2 * (v - 1), np.array([3.0, -2.0]), 0.1, 5)
        return args, gd.gradient_descent(*args)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    if target == "gradient_descent.sgd_step":
        return (params, grads, 0.1), gd.sgd_step(params, grads, 0.1)
    if target == "gradient_descent.momentum_step":
        return (params, grads, None), gd.momentum_step(params, grads, None)
    if target == "gradient_descent.adam_step":
        return (params, grads, None), gd.adam_step(params, grads, None)
    if target == "gradient_descent.minibatches":
        X, y = rng.normal(size=(10, 2)), np.arange(10)
        return ((X, y, 4, np.random.default_rng(1)),
                gd.minibatches(X, y, 4, np.random.default_rng(1)))
    if target == "gradient_descent.train_logistic_regression":
        X = rng.normal(size=(30, 2)) + 1.0
        y = (X[:, 0] + 0.5 * rng.normal(size=30) > 1).astype(int)
        return (X, y, 0.1, 50), gd.train_logistic_regression(X, y, 0.1, 50)
    if target == "backprop.dense_backward":
        x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
        dout = rng.normal(size=(5, 4))
        return (dout, x, W, b), bp.dense_backward(dout, bp.dense_forward(x, W, b)[1])
    if target == "backprop.activation_backward":
        z, da = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        _, cache = bp.activation_forward(z, "sigmoid")
        return (da, z, "sigmoid"), bp.activation_backward(da, cache)
    if target == "backprop.mlp_backward":
        X = rng.normal(size=(6, 3))
        p = bp.init_mlp([3, 5, 2], rng)
        p = {k: v + 0.1 for k, v in p.items()}
        out, caches = bp.mlp_forward(X, p, hidden="relu", output="sigmoid")
        dout = rng.normal(size=out.shape)
        return (dout, X, p, "relu", "sigmoid"), bp.mlp_backward(dout, caches)
    if target == "backprop.init_mlp":
        return (([30, 20, 2], np.random.default_rng(2)),
                bp.init_mlp([30, 20, 2], np.random.default_rng(2)))
    if target == "backprop.numerical_gradient":
        f = lambda v: float(np.sum(np.exp(3 * v)))  # noqa: E731
        x = np.array([1.0, 0.5, -0.25])
        return (f, x), bp.numerical_gradient(f, x)
    if target == "backprop.relative_error":
        a, b = np.array([1.0, 1000.0]), np.array([1.1, 1000.0])
        return (a, b), bp.relative_error(a, b)
    if target == "xor.xor_forward":
        p = xor.init_xor_mlp(np.random.default_rng(4))
        return (xor.XOR_X, p), xor.xor_forward(xor.XOR_X, p)
    if target == "xor.xor_train_step":
        p = xor.init_xor_mlp(np.random.default_rng(4))
        return (p, xor.XOR_X, xor.XOR_Y, 1.0), xor.xor_train_step(p, xor.XOR_X, xor.XOR_Y, 1.0)
    if target == "xor.xor_predict":
        p = _trained_xor()
        return (xor.XOR_X, p), xor.xor_predict(xor.XOR_X, p)
    if target == "mlp.MLPClassifier.predict":
        X, y, clf = _fitted("classifier")
        return (clf.predict_proba(X), clf.classes_), clf.predict(X)
    if target == "mlp.MLPClassifier.score":
        X, y, clf = _fitted("classifier")
        return (y, clf.predict(X)), clf.score(X, y)
    if target == "mlp.MLPRegressor.score":
        X, y, reg = _fitted("regressor")
        return (y, reg.predict(X)), reg.score(X, y)
    if target == "perceptron.neuron":
        args = (rng.normal(size=(4, 3)), rng.normal(size=3), 0.5, np.tanh)
        return args, pc.neuron(*args)
    if target in ("mlp.MLPClassifier.loss_curve_", "mlp.MLPRegressor.loss_curve_"):
        # (n_samples, batch_size, max_iter) of a fit: one loss per epoch
        return (100, 32, 7), 7
    if target == "mlp.MLPRegressor.predict":
        X, y, reg = _fitted("regressor")
        return (reg.predict(X),), reg.predict(X)
    raise KeyError(target)


REFERENCE_FUNCTIONS = {"perceptron": pc, "gradient_descent": gd, "backprop": bp, "xor": xor}


@pytest.mark.parametrize("module", DENSE_MODULES)
def test_at_least_three_mistakes_per_module(module):
    assert sum(m.target.split(".")[0] == module for m in DENSE_ENTRIES) >= 3


@pytest.mark.parametrize("entry", DENSE_ENTRIES, ids=[m.name for m in DENSE_ENTRIES])
def test_mistake_differs_from_reference(entry):
    args, expected = _sample_case(entry.target)
    if entry.same_signature:
        module, function = entry.target.split(".", 1)
        reference = getattr(REFERENCE_FUNCTIONS[module], function)
        def names_and_defaults(fn):
            return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
        assert names_and_defaults(entry.fn) == names_and_defaults(reference)
    with np.errstate(all="ignore"):
        wrong = entry.fn(*args)
    assert differs(wrong, expected), entry.name
    assert entry.message().startswith(f"your {entry.function} looks like ")


def _entry(name):
    return next(m.fn for m in DENSE_ENTRIES if m.name == name)


def test_mistakes_are_the_reference_with_only_the_named_bug():
    """Where the bug cannot show (or is undone), an entry gives the reference's numbers, so a
    learner who makes exactly that mistake is matched within the comparator's tolerance."""
    rng = np.random.default_rng(11)
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dout = rng.normal(size=(5, 4))
    dx, dW, db = bp.dense_backward(dout, bp.dense_forward(x, W, b)[1])
    mdx, mdW, mdb = _entry("backprop_dense_backward_averaged")(dout, x, W, b)
    np.testing.assert_allclose([*mdx.ravel(), *(5 * mdW).ravel(), *(5 * mdb)],
                               [*dx.ravel(), *dW.ravel(), *db], rtol=1e-12)

    p = xor.init_xor_mlp(np.random.default_rng(4))
    wrong, wrong_loss = _entry("xor_train_step_mse")(p, xor.XOR_X, xor.XOR_Y, 0.5)
    right, right_loss = xor.xor_train_step(p, xor.XOR_X, xor.XOR_Y, 1.0)
    assert not differs(wrong, right) and math.isclose(wrong_loss, 2 * right_loss)

    X = rng.normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    assert not differs(_entry("gradient_descent_logreg_sum_gradient")(X, y, 0.01, 30),
                       gd.train_logistic_regression(X, y, 0.2, 30))

    w, path = gd.gradient_descent(lambda v: v**2, np.array([1.0, 2.0]), 0.1, 4)
    mw, mpath = _entry("gradient_descent_path_without_w0")(lambda v: v**2, np.array([1.0, 2.0]),
                                                           0.1, 4)
    assert not differs((mw, mpath), (w, path[1:]))

    xor_data = (GATE_X, np.array([0, 1, 1, 0]), 0.1, 7)
    assert not differs(_entry("perceptron_train_no_early_stop")(*xor_data),
                       pc.perceptron_train(*xor_data))
    off_line = (rng.normal(size=(6, 2)), np.array([1.0, -1.0]), 0.3)
    assert not differs(_entry("perceptron_predict_strict_step")(*off_line),
                       pc.perceptron_predict(*off_line))

    Xb, yb = rng.normal(size=(12, 2)), np.arange(12)
    assert not differs(_entry("gradient_descent_minibatches_drop_last")(Xb, yb, 4,
                                                                       np.random.default_rng(0)),
                       gd.minibatches(Xb, yb, 4, np.random.default_rng(0)))

    params = bp.init_mlp([3, 4, 2], rng)
    params = {k: v + 0.1 for k, v in params.items()}
    out, caches = bp.mlp_forward(x, params, hidden="linear")
    d = rng.normal(size=out.shape)
    assert not differs(_entry("backprop_mlp_backward_no_hidden_derivative")(d, x, params, "linear"),
                       bp.mlp_backward(d, caches))

    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    v = np.array([0.3, -1.2])
    np.testing.assert_allclose(_entry("backprop_numerical_gradient_missing_two")(f, v),
                               2 * bp.numerical_gradient(f, v), rtol=1e-12)

    params1 = {"w": np.array([1.0, -2.0])}
    grads1 = {"w": np.array([0.3, 0.7])}
    new, _ = _entry("gradient_descent_adam_without_bias_correction")(params1, grads1, None)
    np.testing.assert_allclose(new["w"], params1["w"] - 0.001 * 0.1 * grads1["w"]
                               / (math.sqrt(0.001) * np.abs(grads1["w"]) + 1e-7), rtol=1e-12)


# ------------------------------------------------------------------------------------------
# conv, rnn and lstm
# Each entry differs from the reference on a sample case (as the comparator sees it), leaves its
# inputs alone, the catalogue names the misconceptions the course expects, same-signature
# entries keep the target's signature, and every entry still runs when its source and its
# helpers' alone are put into a namespace holding only np and math. Backward entries
# (same_signature=False) take the upstream gradient followed by the arguments of the forward
# function (BACKWARD below).
# ------------------------------------------------------------------------------------------


SEQ_CONV_MODULES = {"conv": conv, "rnn": rnn, "lstm": lstm}


SEQ_CONV_ENTRIES = [m for m in MISTAKES if m.target.split(".", 1)[0] in SEQ_CONV_MODULES]


# the misconceptions the course must be able to name
REQUIRED = {
    "conv2d_forward_flipped_kernel",
    "conv2d_forward_same_extra_pad_top_left",
    "conv2d_forward_same_pad_split_evenly",
    "maxpool2d_forward_stride_one",
    "maxpool2d_backward_every_tied_maximum",
    "lstm_gates_ifog_order",
    "lstm_forward_ifog_order",
    "lstm_hidden_state_no_tanh",
    "lstm_forward_h_without_tanh",
    "rnn_backward_assign_not_accumulate",
    "lstm_backward_assign_not_accumulate",
    "rnn_backward_truncated",
}


def _sample(target: str):
    """Arguments of one sample case for `target`, chosen so that every catalogued variant shows."""
    rng = np.random.default_rng(list(target.encode()))
    normal = rng.normal
    n, t, d, h = 3, 6, 4, 5
    if target == "conv.conv2d_output_size":
        return [(8, 3, 2, "same"), (7, 3, 1, "valid")]
    if target in ("conv.conv2d_forward", "conv.conv2d_backward"):
        # even input at stride 2 with "same": the one pad pixel goes bottom/right
        return [(normal(size=(2, 8, 8, 3)), normal(size=(3, 3, 3, 4)), normal(size=4), 2, "same"),
                (normal(size=(2, 7, 6, 2)), normal(size=(2, 3, 2, 3)), normal(size=3), 1, "valid")]
    if target == "conv.maxpool2d_forward":
        return [(-np.abs(normal(size=(2, 7, 7, 3))), 2, None, "same")]
    if target == "conv.maxpool2d_backward":
        ties = rng.integers(0, 3, size=(2, 6, 6, 2)).astype(float)
        return [(ties, 2, None, "valid"), (ties, 3, 2, "same")]
    if target == "conv.flatten_forward":
        return [(normal(size=(2, 3, 4, 5)),)]
    if target == "conv.cnn_forward":
        shapes = [(3, 3, 3, 32), (32,), (3, 3, 32, 64), (64,), (256, 128), (128,), (128, 10), (10,)]
        return [(rng.uniform(size=(2, 16, 16, 3)), [normal(scale=0.2, size=s) for s in shapes])]
    if target in ("rnn.rnn_step_forward", "rnn.rnn_step_backward"):
        return [(normal(size=(n, d)), normal(size=(n, h)), normal(size=(d, h)), normal(size=(h, h)), normal(size=h))]
    if target in ("rnn.rnn_forward", "rnn.rnn_backward"):
        return [(normal(size=(n, t, d)), normal(size=(n, h)), normal(size=(d, h)), normal(scale=0.5, size=(h, h)),
                 normal(size=h))]
    if target == "lstm.lstm_gates":
        return [(normal(scale=2.0, size=(n, 4 * h)),)]
    if target == "lstm.lstm_cell_state":
        return [tuple(rng.uniform(-1, 1, size=(n, h)) for _ in range(4))]
    if target == "lstm.lstm_hidden_state":
        return [(rng.uniform(size=(n, h)), normal(scale=2.0, size=(n, h)))]
    if target == "lstm.lstm_step_forward":
        return [(normal(size=(n, d)), normal(size=(n, h)), normal(size=(n, h)), normal(size=(d, 4 * h)),
                 normal(size=(h, 4 * h)), normal(size=4 * h))]
    if target in ("lstm.lstm_forward", "lstm.lstm_backward"):
        return [(normal(size=(n, t, d)), normal(size=(n, h)), normal(size=(n, h)), normal(scale=0.5, size=(d, 4 * h)),
                 normal(scale=0.5, size=(h, 4 * h)), normal(size=4 * h))]
    raise AssertionError(f"no sample case for {target}")


# forward functions return (values..., cache); only the values are compared
VALUES = {"conv2d_forward": 1, "maxpool2d_forward": 1, "flatten_forward": 1, "rnn_step_forward": 1,
          "rnn_forward": 1, "lstm_step_forward": 2, "lstm_forward": 3}


# backward targets: the forward function whose arguments the same_signature=False entries take
BACKWARD = {"conv2d_backward": "conv2d_forward", "maxpool2d_backward": "maxpool2d_forward",
            "rnn_step_backward": "rnn_step_forward", "rnn_backward": "rnn_forward",
            "lstm_backward": "lstm_forward"}


def _upstream(forward_out, rng):
    return (rng.normal(size=np.shape(forward_out[0])),)


def _values(function: str, result):
    k = VALUES.get(function)
    if k is None:
        return result
    return result[0] if k == 1 else tuple(result[:k])


def _differs(wrong, expected) -> bool:
    """As the comparator sees it: the variant is not within the default tolerance of the truth."""
    return mismatch(wrong, expected) is not None


def _copies(args):
    return [[np.copy(v) for v in a] if isinstance(a, list) else np.copy(a) for a in args]


def _unchanged(args, before) -> bool:
    return all(
        all(np.array_equal(v, w) for v, w in zip(a, b)) if isinstance(a, list) else np.array_equal(a, b)
        for a, b in zip(args, before))


def _outcomes(mistake):
    """(reference value, mistake value) for every sample case of the mistake's target."""
    module_name, function = mistake.target.split(".", 1)
    module = SEQ_CONV_MODULES[module_name]
    pairs = []
    for k, args in enumerate(_sample(mistake.target)):
        rng = np.random.default_rng(k)
        before = _copies(args)
        if mistake.same_signature:
            expected = _values(function, getattr(module, function)(*args))
            with np.errstate(all="ignore"):
                wrong = _values(function, mistake.fn(*args))
        else:
            forward = getattr(module, BACKWARD[function])
            forward_out = forward(*args)
            upstream = _upstream(forward_out, rng)
            expected = getattr(module, function)(*upstream, forward_out[-1])
            with np.errstate(all="ignore"):
                wrong = mistake.fn(*upstream, *args)
        assert _unchanged(args, before), f"{mistake.name} modified its inputs"
        pairs.append((expected, wrong))
    return pairs


def test_catalogue_has_the_expected_misconceptions():
    names = [m.name for m in SEQ_CONV_ENTRIES]
    assert len(names) == len(set(names)), "entry names must be unique"
    missing = REQUIRED - set(names)
    assert not missing, f"missing entries: {sorted(missing)}"
    for module in SEQ_CONV_MODULES:
        assert sum(m.target.startswith(module + ".") for m in SEQ_CONV_ENTRIES) >= 3, module
    for m in SEQ_CONV_ENTRIES:
        assert hasattr(SEQ_CONV_MODULES[m.target.split(".")[0]], m.function), m.target
        assert m.message().startswith(f"your {m.function} looks like ")
        assert m.why and not m.why.endswith("."), m.name


@pytest.mark.parametrize("mistake", SEQ_CONV_ENTRIES, ids=lambda m: m.name)
def test_mistake_differs_from_the_reference(mistake):
    pairs = _outcomes(mistake)
    assert any(_differs(wrong, expected) for expected, wrong in pairs), \
        f"{mistake.name} agrees with the reference on every sample case"


@pytest.mark.parametrize("mistake", SEQ_CONV_ENTRIES, ids=lambda m: m.name)
def test_mistake_returns_the_reference_structure(mistake):
    # same kind of value as the reference (tuple length), so the comparator can line them up
    for expected, wrong in _outcomes(mistake):
        if isinstance(expected, tuple):
            assert isinstance(wrong, tuple) and len(wrong) == len(expected)


@pytest.mark.parametrize("mistake", SEQ_CONV_ENTRIES, ids=lambda m: m.name)
def test_entry_is_self_contained_and_same_signature_entries_keep_the_signature(mistake):
    module = SEQ_CONV_MODULES[mistake.target.split(".")[0]]

    def plain(fn):  # names, kinds and defaults; annotations do not matter
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    if mistake.same_signature:
        assert plain(mistake.fn) == plain(getattr(module, mistake.function))
    source = textwrap.dedent(inspect.getsource(mistake.fn))
    source = source[source.index("def "):]  # drop the decorator, as a graft would
    # the shared helpers it uses travel with it, as in a graft
    source = "\n\n".join([*(inspect.getsource(h) for h in mistake.helpers_used()), source])
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<graft {mistake.name}>", "exec"), namespace)
    grafted = namespace[mistake.name]
    args = _sample(mistake.target)[0]
    if not mistake.same_signature:  # (upstream gradient, *forward arguments)
        function = BACKWARD[mistake.function]
        forward_out = getattr(module, function)(*args)
        args = (*_upstream(forward_out, np.random.default_rng(0)), *args)
    with np.errstate(all="ignore"):
        a = _values(mistake.function, grafted(*args))
        b = _values(mistake.function, mistake.fn(*args))
    assert not _differs(a, b)


# ------------------------------------------------------------------------------------------
# The whole catalogue: grafts run alone, helpers are right, grafting refuses what cannot work
# ------------------------------------------------------------------------------------------

GRAFTABLE = [m for m in MISTAKES if m.same_signature]


def _graft_case(entry):
    """(args, kwargs) of one sample case for a same-signature entry, built afresh on each call
    (so two calls never share a generator or an array the first one could have changed)."""
    module, function = entry.target.split(".", 1)
    if module == "activations":
        return _activation_inputs(np.random.default_rng(7), function)
    if module == "losses":
        return _loss_inputs(np.random.default_rng(7), function)
    if module in DENSE_MODULES:
        return _sample_case(entry.target)[0], {}
    return _sample(entry.target)[0], {}


def _same(a, b) -> bool:
    """Exactly equal: the same structure, types of containers, dtypes, shapes and values (nan
    equal to nan)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def test_every_module_has_graftable_entries():
    assert {m.target.split(".")[0] for m in GRAFTABLE} >= {
        "activations", "losses", "perceptron", "gradient_descent", "backprop", "xor", "conv", "rnn",
        "lstm"}


@pytest.mark.parametrize("entry", GRAFTABLE, ids=lambda m: m.name)
def test_graft_source_runs_alone_and_returns_what_the_entry_returns(entry):
    """`nnlab verify` appends this source to a solution: on its own, in a fresh namespace where
    only NumPy can be imported, it must define the target function and behave as the entry."""
    source = entry.graft_source()
    code = compile(source, f"<graft {entry.name}>", "exec")
    namespace = {"__builtins__": builtins}
    exec(code, namespace)
    grafted = namespace[entry.function]
    assert {name for name in namespace if not name.startswith("__")} == \
        {"np", "math", entry.function, *(h.__name__ for h in entry.helpers_used())}
    args, kwargs = _graft_case(entry)
    again, again_kwargs = _graft_case(entry)
    with np.errstate(all="ignore"):
        ours = grafted(*args, **kwargs)
        theirs = entry.fn(*again, **again_kwargs)
    assert _same(ours, theirs), f"the graft of {entry.name} returns something else"


def test_a_graft_carries_its_helpers_and_replaces_only_its_target():
    entry = next(m for m in MISTAKES if m.name == "softmax_cross_entropy_grad_without_mean")
    assert entry.helpers_used() == [helpers._mistake_softmax]
    source = entry.graft_source()
    assert source.startswith("import math\nimport numpy as np\n")
    assert "def _mistake_softmax(z, axis=-1):" in source
    assert "def softmax_cross_entropy_grad(y_true, logits):" in source
    assert "@mistake" not in source
    solution = (ROOT / "solutions" / "losses.py").read_text()
    grafted = entry.graft(solution)
    assert grafted.startswith(solution.rstrip())
    namespace = {"__builtins__": builtins}
    exec(compile(grafted, "<losses with the mistake>", "exec"), namespace)
    y = np.eye(3)[[0, 2]]
    logits = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    np.testing.assert_allclose(namespace["softmax_cross_entropy_grad"](y, logits),
                               entry.fn(y, logits), rtol=0, atol=0)
    # the rest of the module is still the solution's
    np.testing.assert_allclose(namespace["softmax_cross_entropy"](y, logits),
                               losses.softmax_cross_entropy(y, logits), rtol=1e-12)


def test_helpers_follow_helpers_transitively():
    entry = Mistake("activations.sigmoid_grad", "sigmoid_grad_via_helpers", "a test", "a test",
                    lambda x: _helper_user(x))
    # a lambda's global names are found too; `_helper_user` is not a helper, so it is refused
    with pytest.raises(ValueError, match="_helper_user"):
        entry.helpers_used()
    # _mistake_sigmoid calls _mistake_float: both travel
    entry = Mistake("activations.sigmoid", "sigmoid_via_helper", "a test", "a test",
                    helpers._mistake_sigmoid)
    assert [h.__name__ for h in entry.helpers_used()] == ["_mistake_float"]


def _helper_user(x):
    return x


def test_grafting_refuses_what_a_learner_module_could_not_hold():
    def uses_a_constant(x):
        return x * _SCALE

    entry = Mistake("activations.linear", "linear_scaled", "a test", "a test", uses_a_constant)
    with pytest.raises(ValueError, match="_SCALE"):
        entry.graft_source()
    # a backward pass grafts (it wraps its forward); an entry of a method or of a value a
    # learner's module cannot define alone does not
    backward = next(m for m in MISTAKES if m.forward is not None)
    assert f"def {backward.function}(" in backward.graft_source()
    score = next(m for m in MISTAKES if m.target == "mlp.MLPClassifier.score")
    with pytest.raises(ValueError, match="cannot be grafted"):
        score.graft_source()
    entry = next(m for m in MISTAKES if m.name == "softmax_ignores_axis")
    clashing = "import numpy as np\n\n\ndef _mistake_softmax(z, axis=-1):\n    return z\n"
    with pytest.raises(ValueError, match="_mistake_softmax"):
        entry.graft(clashing)


_SCALE = 2.0


def test_helpers_are_right_and_self_contained():
    rng = np.random.default_rng(5)
    z = rng.normal(scale=4.0, size=(5, 6))
    z[0, :3] = [-1000.0, 0.0, 1000.0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(helpers._mistake_sigmoid(z), reference_sigmoid(z), rtol=1e-15)
        np.testing.assert_allclose(helpers._mistake_softplus(z), reference_softplus(z), rtol=1e-15)
        for axis in (0, -1):
            np.testing.assert_allclose(helpers._mistake_softmax(z, axis=axis),
                                       reference_softmax(z, axis=axis), rtol=1e-15)
    assert helpers._mistake_float(np.arange(3)).dtype == np.float64
    assert helpers._mistake_float(np.ones(3, np.float32)).dtype == np.float32
    assert helpers._mistake_sigmoid(np.zeros(2, np.float32)).dtype == np.float32
    p = np.array([0.0, 1e-9, 0.5, 1.0])
    np.testing.assert_array_equal(helpers._mistake_clip(p, 1e-7), [1e-7, 1e-7, 0.5, 1 - 1e-7])
    np.testing.assert_array_equal(helpers._mistake_unclipped(p, 1e-7), [False, False, True, False])
    np.testing.assert_allclose(helpers._mistake_rows_to_one(np.array([[1.0, 3.0], [2.0, 2.0]])),
                               [[0.25, 0.75], [0.5, 0.5]])
    functions = {name: f for name, f in vars(helpers).items() if inspect.isfunction(f)}
    for name, f in functions.items():
        assert name.startswith("_mistake_"), name
        loaded = set(f.__code__.co_names) & set(vars(helpers))
        assert loaded <= {"np", "math", *functions}, (name, loaded)
