"""Record the public checks: each public case's expected value, from reference/.

For every `Case` in `graders/public/<module>.py` the reference is called on the case's fixed
inputs, and so is every catalogued same-signature mistake that differs from it there, so that
`nnlab check` can name a learner's misconception without reference/ being installed.
"""

from __future__ import annotations

import copy
import importlib
import json
from typing import Any

import numpy as np

from nnlab.authoring.jsonvalues import to_json
from nnlab.grading.compare import mismatch

FORMAT = 1


def record_checks(module: str) -> dict[str, Any]:
    """The public checks of one module as JSON-able data (the course root must be importable)."""
    cases = importlib.import_module(f"graders.public.{module}").CASES
    reference = importlib.import_module(f"reference.{module}")
    from reference.mistakes import mistakes_for

    entries = []
    for case in cases:
        fn = getattr(reference, case.function)
        with np.errstate(all="ignore"):
            expected = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        wrong = []
        for mistake in mistakes_for(f"{module}.{case.function}"):
            if not mistake.same_signature:
                continue
            try:
                with np.errstate(all="ignore"):
                    value = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
                if mismatch(value, expected) is None:
                    continue  # this case cannot tell that mistake from the truth
                wrong.append({"looks_like": mistake.looks_like, "why": mistake.why,
                              "value": to_json(value)})
            except Exception:
                continue
        entries.append({"function": case.function, "label": case.label,
                        "args": to_json(tuple(case.args)), "kwargs": to_json(dict(case.kwargs)),
                        "expected": to_json(expected), "mistakes": wrong})
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
