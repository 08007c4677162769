"""The catalogued mistakes for activations and losses are usable diagnoses.

Each entry must (1) have exactly its target's signature (names, kinds, defaults), so the
comparator can call it with the learner's arguments and `nnlab verify` can graft it onto a
solution, (2) be self-contained (NumPy and math only), and (3) actually be wrong: differ from
the reference on random inputs, or it could never name anything.
"""

from __future__ import annotations

import builtins
import inspect

import numpy as np
import pytest

from nnlab.grading.compare import mismatch
from reference import activations, losses
from reference.mistakes import MISTAKES

MODULES = {"activations": activations, "losses": losses}
ENTRIES = [m for m in MISTAKES if m.target.split(".")[0] in MODULES]


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
        return (x,), {"axis": 0}
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
    return getattr(MODULES[module], function)


def _ids(entries):
    return [f"{m.target}:{m.name}" for m in entries]


@pytest.mark.parametrize("module", list(MODULES))
def test_at_least_six_per_module(module):
    assert sum(m.target.startswith(module + ".") for m in ENTRIES) >= 6


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_target_exists_and_signature_matches(entry):
    ref_fn = _reference(entry.target)
    ours = inspect.signature(entry.fn).parameters
    theirs = inspect.signature(ref_fn).parameters
    assert entry.same_signature
    assert [(p.name, p.kind, p.default) for p in ours.values()] == \
           [(p.name, p.kind, p.default) for p in theirs.values()]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_self_contained(entry):
    """Only NumPy, math and the shared helpers: no other global names (so a grafted copy runs
    in a learner module)."""
    allowed = {"np", "math"} | {h.__name__ for h in entry.helpers_used()}
    used = set(entry.fn.__code__.co_names) & set(entry.fn.__globals__)
    assert used <= allowed | set(dir(builtins)), used - allowed


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
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


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_message_reads_as_a_sentence(entry):
    message = entry.message()
    assert message.startswith(f"your {entry.function} looks like ")
    assert entry.why and not entry.why.endswith(".")
