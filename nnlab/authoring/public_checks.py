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
import re
from typing import Any

import numpy as np

from nnlab.grading.calls import outputs_of, pick_grad
from nnlab.grading.compare import Comparator, mismatch
from nnlab.sandbox.protocol import encode

FORMAT = 3


def record_checks(module: str, comparator: Comparator) -> dict[str, Any]:
    """The public checks of one module as JSON-able data (inside `course.importable()`)."""
    cases = importlib.import_module(f"graders.public.{module}").CASES
    reference = importlib.import_module(f"reference.{module}")
    from reference.mistakes import mistakes_for

    entries = []
    for case in cases:
        args, kwargs = case.args, case.kwargs
        if case.kind == "backward":
            forward, backward = getattr(reference, case.forward), getattr(reference, case.function)
            with np.errstate(all="ignore"):
                cache = forward(*copy.deepcopy(args), **copy.deepcopy(kwargs))[-1]
                expected = pick_grad(backward(*copy.deepcopy(case.upstream), cache), case.grad)
            variants = [(m, lambda m=m: pick_grad(m.fn(*copy.deepcopy(case.upstream),
                                                       *copy.deepcopy(args),
                                                       **copy.deepcopy(kwargs)), case.grad))
                        for m in mistakes_for(f"{module}.{case.function}") if not m.same_signature]
        else:
            fn = getattr(reference, case.function)
            shape = outputs_of if case.kind == "forward" else (lambda value: value)
            with np.errstate(all="ignore"):
                expected = shape(fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
            variants = [(m, lambda m=m, shape=shape: shape(m.fn(*copy.deepcopy(args),
                                                                **copy.deepcopy(kwargs))))
                        for m in mistakes_for(f"{module}.{case.function}") if m.same_signature]
        tol = comparator.tolerance_for(expected)
        wrong = []
        for mistake, compute in variants:
            try:
                with np.errstate(all="ignore"):
                    value = compute()
                if mismatch(value, expected, tol=tol) is None:
                    continue  # this case cannot tell that mistake from the truth
                wrong.append({"looks_like": mistake.looks_like, "why": mistake.why,
                              "value": encode(value, None)})
            except Exception:
                continue
        entries.append({"function": case.function, "label": case.label, "kind": case.kind,
                        "args": encode(tuple(args), None), "kwargs": encode(dict(kwargs), None),
                        "forward": case.forward, "upstream": encode(tuple(case.upstream), None),
                        "grad": case.grad, "exact_dtype": case.exact_dtype,
                        "no_warnings": case.no_warnings, "expected": encode(expected, None),
                        "mistakes": wrong})
        if case.alternatives:  # only where a case has them, so other checks files stay as they are
            with np.errstate(all="ignore"):
                entries[-1]["alternatives"] = {
                    name: encode(fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)), None)
                    for name, fn in case.alternatives.items()}
            entries[-1]["accepted_as"] = case.accepted_as
    return {"format": FORMAT, "module": module, "cases": entries}


def render_checks(data: dict[str, Any]) -> str:
    """Indented JSON, with each array's numbers on one line (a file a person can still read)."""
    rows: list[str] = []

    def stash(value: Any) -> Any:
        if isinstance(value, dict):
            if {"dtype", "shape", "data"} <= set(value):
                rows.append(json.dumps(value["data"], separators=(",", ":")))
                return {**value, "data": f"@@{len(rows) - 1}@@"}
            return {key: stash(item) for key, item in value.items()}
        if isinstance(value, list):
            return [stash(item) for item in value]
        return value

    text = json.dumps(stash(data), indent=1)
    return re.sub(r'"@@(\d+)@@"', lambda match: rows[int(match.group(1))], text) + "\n"


def same_checks(a: Any, b: Any) -> bool:
    """Equal up to the last bits of floating point (recorded values may differ across CPUs)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_checks(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_checks(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, (int, float)):
        return bool(np.isclose(a, b, rtol=1e-12, atol=1e-300))
    return a == b
