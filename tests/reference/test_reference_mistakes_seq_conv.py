"""The conv, rnn and lstm entries of reference/mistakes.py: each differs from the reference on a
sample case (as the comparator sees it), leaves its inputs alone, the catalogue names the
misconceptions the course expects, same-signature entries keep the target's signature, and every
entry still runs when its source alone is grafted into a namespace holding only np and math.

Backward entries (same_signature=False) take the upstream gradient followed by the arguments of
the forward function (BACKWARD below)."""

from __future__ import annotations

import inspect
import math
import textwrap

import numpy as np
import pytest

from nnlab.grading.compare import mismatch
from reference import conv, lstm, rnn
from reference.mistakes import MISTAKES

MODULES = {"conv": conv, "rnn": rnn, "lstm": lstm}
OURS = [m for m in MISTAKES if m.target.split(".", 1)[0] in MODULES]

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
    module = MODULES[module_name]
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
    names = [m.name for m in OURS]
    assert len(names) == len(set(names)), "entry names must be unique"
    missing = REQUIRED - set(names)
    assert not missing, f"missing entries: {sorted(missing)}"
    for module in MODULES:
        assert sum(m.target.startswith(module + ".") for m in OURS) >= 3, module
    for m in OURS:
        assert hasattr(MODULES[m.target.split(".")[0]], m.function), m.target
        assert m.message().startswith(f"your {m.function} looks like ")
        assert m.why and not m.why.endswith("."), m.name


@pytest.mark.parametrize("mistake", OURS, ids=lambda m: m.name)
def test_mistake_differs_from_the_reference(mistake):
    pairs = _outcomes(mistake)
    assert any(_differs(wrong, expected) for expected, wrong in pairs), \
        f"{mistake.name} agrees with the reference on every sample case"


@pytest.mark.parametrize("mistake", OURS, ids=lambda m: m.name)
def test_mistake_returns_the_reference_structure(mistake):
    # same kind of value as the reference (tuple length), so the comparator can line them up
    for expected, wrong in _outcomes(mistake):
        if isinstance(expected, tuple):
            assert isinstance(wrong, tuple) and len(wrong) == len(expected)


@pytest.mark.parametrize("mistake", OURS, ids=lambda m: m.name)
def test_entry_is_self_contained_and_same_signature_entries_keep_the_signature(mistake):
    module = MODULES[mistake.target.split(".")[0]]

    def plain(fn):  # names, kinds and defaults; annotations do not matter
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    if mistake.same_signature:
        assert plain(mistake.fn) == plain(getattr(module, mistake.function))
    source = textwrap.dedent(inspect.getsource(mistake.fn))
    source = source[source.index("def "):]  # drop the decorator, as a graft would
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
