"""Every public case whose title names a property exercises it (issue 19, item 3): an odd total
padding where the title promises the extra pixel at the bottom and right, logits beyond exp's
overflow where it promises no overflow near 1e3, float32 inputs where it says float32, a tie
where it says tie, an exact zero where it says "== 0"."""

import importlib
import math
import re

import numpy as np
import pytest

from tests.support import ROOT

MODULES = sorted(p.stem for p in (ROOT / "graders" / "public").glob("*.py") if p.stem != "__init__")
CASES = [(module, case) for module in MODULES
         for case in importlib.import_module(f"graders.public.{module}").CASES]
EXP_OVERFLOWS = math.log(np.finfo(np.float64).max)  # about 709.78


def arrays(value):
    """Every numeric array in a case's arguments, nested lists, tuples and dicts included."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from arrays(item)


def odd_same_padding(case):
    """True when a "same" case pads an odd total along rows or columns."""
    x = case.args[0]
    if case.function.startswith("conv2d"):
        window = case.args[1].shape[:2]
        stride = case.kwargs.get("stride", 1)
    else:
        pool = case.kwargs.get("pool_size", 2)
        window = (pool, pool) if isinstance(pool, int) else pool
        stride = case.kwargs.get("stride") or window
    strides = (stride, stride) if isinstance(stride, int) else stride
    totals = []
    for size, k, s in zip(x.shape[1:3], window, strides):
        out = -(-size // s)
        totals.append(max((out - 1) * s + k - size, 0))
    return any(t % 2 for t in totals)


PROPERTIES = [
    (r"extra (pixel|-inf row and column|row and column) at the bottom and right",
     "an odd total padding", odd_same_padding),
    (r"up to 1e3|no overflow|near 1e3", "an input beyond exp's overflow (709.78)",
     lambda case: any(np.max(np.abs(a)) > EXP_OVERFLOWS for a in arrays(case.args))),
    (r"float32 stays float32", "only float32 floating inputs",
     lambda case: all(a.dtype == np.float32 for a in arrays((case.args, case.kwargs, case.upstream))
                      if a.dtype.kind == "f")),
    (r"\bti(e|ed|es)\b", "a tied maximum",
     lambda case: any((a == a.max()).sum() > 1 or any((row == row.max()).sum() > 1
                                                      for row in a.reshape(-1, a.shape[-1]))
                      for a in arrays(case.args) if a.size)),
    (r"[xz] == 0|z == 0 exactly|exactly 0", "an exact zero",
     lambda case: any((a == 0).any() for a in arrays(case.args))),
]


def test_every_property_title_is_covered_by_some_case():
    for pattern, _, _ in PROPERTIES:
        assert any(re.search(pattern, case.label) for _, case in CASES), pattern


@pytest.mark.parametrize("module, case", CASES, ids=lambda v: getattr(v, "label", v))
def test_a_case_exercises_what_its_title_names(module, case):
    for pattern, what, holds in PROPERTIES:
        if re.search(pattern, case.label):
            assert holds(case), f"{module}.{case.function} [{case.label}] lacks {what}"


def test_there_is_a_maxpool_same_case_forward_and_backward():
    same = {case.function for module, case in CASES if module == "conv"
            and case.kwargs.get("padding") == "same"}
    assert {"conv2d_forward", "conv2d_backward", "maxpool2d_forward", "maxpool2d_backward"} <= same
