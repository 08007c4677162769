"""Record the public checks: each public case's expected value, from reference/.

For every `Case` in `graders/public/<module>.py` the reference is called on the case's fixed
inputs, and so is every catalogued same-signature mistake that differs from it there, so that
`nnlab check` can name a learner's misconception without reference/ being installed. Values are
stored in the sandbox protocol's inline JSON form (`nnlab.sandbox.protocol.encode(v, None)`).
"""

from __future__ import annotations

import copy
import importlib
import json
from typing import Any

import numpy as np

from nnlab.grading.compare import Comparator, mismatch
from nnlab.sandbox.protocol import encode

FORMAT = 2


def record_checks(module: str, comparator: Comparator) -> dict[str, Any]:
    """The public checks of one module as JSON-able data (inside `course.importable()`)."""
    cases = importlib.import_module(f"graders.public.{module}").CASES
    reference = importlib.import_module(f"reference.{module}")
    from reference.mistakes import mistakes_for

    entries = []
    for case in cases:
        fn = getattr(reference, case.function)
        with np.errstate(all="ignore"):
            expected = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        tol = comparator.tolerance_for(expected)
        wrong = []
        for mistake in mistakes_for(f"{module}.{case.function}"):
            if not mistake.same_signature:
                continue
            try:
                with np.errstate(all="ignore"):
                    value = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
                if mismatch(value, expected, tol=tol) is None:
                    continue  # this case cannot tell that mistake from the truth
                wrong.append({"looks_like": mistake.looks_like, "why": mistake.why,
                              "value": encode(value, None)})
            except Exception:
                continue
        entries.append({"function": case.function, "label": case.label,
                        "args": encode(tuple(case.args), None),
                        "kwargs": encode(dict(case.kwargs), None),
                        "exact_dtype": case.exact_dtype, "no_warnings": case.no_warnings,
                        "expected": encode(expected, None), "mistakes": wrong})
    return {"format": FORMAT, "module": module, "cases": entries}


def render_checks(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1) + "\n"


def same_checks(a: Any, b: Any) -> bool:
    """Equal up to the last bits of floating point (recorded values may differ across CPUs)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_checks(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_checks(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, (int, float)):
        return bool(np.isclose(a, b, rtol=1e-12, atol=1e-300))
    return a == b
