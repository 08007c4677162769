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
import math
import re
from typing import Any, Callable

import numpy as np

from nnlab.grading.calls import outputs_of, pick_grad
from nnlab.grading.compare import Comparator, mismatch
from nnlab.sandbox.protocol import FunctionRef, GraderFunction, encode

FORMAT = 4  # 4: values rounded inside their tolerance (`settled`)


def record_checks(module: str, comparator: Comparator) -> dict[str, Any]:
    """The public checks of one module as JSON-able data (inside `course.importable()`).

    Every stored value is `settled`: rounded far inside its tolerance, so that a build gives
    the same bytes on every machine."""
    cases = importlib.import_module(f"graders.public.{module}").CASES
    reference = importlib.import_module(f"reference.{module}")
    from reference.mistakes import mistakes_for

    entries = []
    for case in cases:
        args, kwargs = case.args, case.kwargs
        if case.kind == "scenario":
            from nnlab.grading.scenarios import SCENARIOS, ReferenceCaller

            scenario = SCENARIOS[case.scenario]

            def truth(prepare, scenario=scenario):
                return scenario(ReferenceCaller(reference), case.function, prepare(args),
                                prepare(kwargs))

            variants = []  # a summary of properties: the comparator names the one that differs
        elif case.kind == "backward":
            forward, backward = getattr(reference, case.forward), getattr(reference, case.function)

            def truth(prepare, forward=forward, backward=backward):
                cache = forward(*prepare(args), **prepare(kwargs))[-1]
                return pick_grad(backward(*prepare(case.upstream), cache), case.grad)

            variants = [(m, lambda prepare, m=m: pick_grad(
                            m.fn(*prepare(case.upstream), *prepare(args), **prepare(kwargs)),
                            case.grad))
                        for m in mistakes_for(f"{module}.{case.function}") if not m.same_signature]
        else:
            fn = getattr(reference, case.function)
            shape = outputs_of if case.kind == "forward" else (lambda value: value)

            def truth(prepare, fn=fn, shape=shape):
                return shape(fn(*prepare(args), **prepare(kwargs)))

            variants = [(m, lambda prepare, m=m, shape=shape: shape(
                            m.fn(*prepare(args), **prepare(kwargs))))
                        for m in mistakes_for(f"{module}.{case.function}") if m.same_signature]
        narrow = has_narrow_floats((args, kwargs, case.upstream))
        expected = settled(truth, comparator, narrow)
        tol = comparator.tolerance_for(expected)
        wrong = []
        for mistake, compute in variants:
            try:
                value = settled(compute, comparator, narrow)
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
        if case.scenario:  # only where a case has one, so other checks files stay as they are
            entries[-1]["scenario"] = case.scenario
        if case.alternatives:  # only where a case has them, so other checks files stay as they are
            entries[-1]["alternatives"] = {
                name: encode(settled(lambda prepare, fn=fn: fn(*prepare(args), **prepare(kwargs)),
                                     comparator, narrow), None)
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


# ------------------------------------------------------------------------------------------
# Values that do not depend on the machine
#
# The reference's floating-point results differ in their last bits between machines (the BLAS
# library, its thread count, the CPU's vector width and the order of summation), so the public
# checks store each value rounded to a power-of-ten step far inside the course's tolerance
# for it: the same bytes on every machine, and a comparison in `nnlab check` that cannot tell.
# float32 results are worked out in float64 first (float32's own last-bit noise, about 1e-7,
# would cross a rounding boundary too often), except where float32 arithmetic is the point
# (an overflow to inf, a nan): those elements keep the float32 value.

STEP_INSIDE_TOLERANCE = 20  # the rounding step is at most 1/20 of the element's tolerance


def settled(compute: Callable[[Callable[[Any], Any]], Any], comparator: Comparator,
            narrow_inputs: bool = False) -> Any:
    """The value `compute(prepare)` gives, rounded so that every machine stores the same bytes.

    `compute` calls the function on its arguments passed through `prepare` (a copy as given, or
    widened from float32 to float64). With `narrow_inputs` (some argument is float32) it is
    worked out both ways, and each finite element is taken from the float64 run where the two
    agree within the float32 tolerance. Every floating leaf is then rounded to a power of ten
    at most 1/20 of its tolerance (course.yml's, by the leaf's dtype); non-floating parts are
    kept as they are.
    """
    native = evaluate(compute, _as_given)
    wide = evaluate(compute, _widened) if narrow_inputs else None
    return _rounded(native, wide, comparator)


def evaluate(compute: Callable[[Callable[[Any], Any]], Any], prepare: Callable[[Any], Any]) -> Any:
    """One evaluation, NumPy's warnings silenced (a mistake's overflow is its recorded value)."""
    with np.errstate(all="ignore"):
        return compute(prepare)


def _as_given(value: Any) -> Any:
    return _callables(copy.deepcopy(value))


def _callables(value: Any) -> Any:
    """`value` with each function argument made the function it names, for the reference: a
    `FunctionRef` ("numpy.var") and a `GraderFunction` (source compiled with np and math),
    which the sandbox resolves on the learner's side."""
    if isinstance(value, FunctionRef):
        module, _, name = value.qualname.rpartition(".")
        return getattr(importlib.import_module(module), name)
    if isinstance(value, GraderFunction):
        scope = {"np": np, "math": math}
        exec(compile(value.source, f"<{value.name}>", "exec"), scope)  # trusted: graders/public
        return scope[value.name]
    if isinstance(value, tuple):
        return tuple(_callables(v) for v in value)
    if isinstance(value, list):
        return [_callables(v) for v in value]
    if isinstance(value, dict):
        return {k: _callables(v) for k, v in value.items()}
    return value


def _widened(value: Any) -> Any:
    """A deep copy with every float32 (and float16) array and scalar as float64."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.dtype.itemsize < 8:
        return value.astype(np.float64)
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return np.float64(value)
    if isinstance(value, tuple):
        return tuple(_widened(v) for v in value)
    if isinstance(value, list):
        return [_widened(v) for v in value]
    if isinstance(value, dict):
        return {k: _widened(v) for k, v in value.items()}
    return _callables(copy.deepcopy(value))


def _is_float_leaf(value: Any) -> bool:
    return (isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f") \
        or type(value) is float


def has_narrow_floats(value: Any) -> bool:
    """Whether any float32 (or float16) array or scalar is inside `value`."""
    if isinstance(value, (tuple, list)):
        return any(has_narrow_floats(v) for v in value)
    if isinstance(value, dict):
        return any(has_narrow_floats(v) for v in value.values())
    return _is_float_leaf(value) and type(value) is not float and value.dtype.itemsize < 8


def _rounded(native: Any, wide: Any, comparator: Comparator) -> Any:
    """`native` with its floating leaves rounded; a float32 leaf takes its finite elements from
    `wide` (the same structure worked out in float64) where the two agree within tolerance."""
    if isinstance(native, (tuple, list)):
        parts = [_rounded(n, w, comparator) for n, w in
                 zip(native, wide if _same_length(wide, native) else [None] * len(native))]
        return tuple(parts) if isinstance(native, tuple) else parts
    if isinstance(native, dict):
        wide = wide if isinstance(wide, dict) else {}
        return {k: _rounded(v, wide.get(k), comparator) for k, v in native.items()}
    if not _is_float_leaf(native):
        return native
    values = np.asarray(native, dtype=np.float64)
    if _is_float_leaf(wide) and np.shape(wide) == values.shape:
        precise, narrow = np.asarray(wide, dtype=np.float64), comparator.tolerances.float32
        with np.errstate(all="ignore"):
            agree = np.isfinite(values) & np.isfinite(precise) & \
                (np.abs(values - precise) <= narrow.atol + narrow.rtol * np.abs(precise))
        values = np.where(agree, precise, values)
    values = _round_to_step(values, comparator.tolerance_for(np.asarray(native)))
    if type(native) is float:
        return float(values)
    if isinstance(native, np.floating):
        return native.dtype.type(values)
    return values.astype(native.dtype)


def _same_length(wide: Any, native: Any) -> bool:
    return isinstance(wide, (tuple, list)) and len(wide) == len(native)


def _round_to_step(values: np.ndarray, tol: Any) -> np.ndarray:
    """Each finite element rounded to the power of ten just below 1/20 of its tolerance
    (atol + rtol * |x|), written as an integer count of steps so its repr is short."""
    out = np.array(values, dtype=np.float64)
    finite = np.isfinite(out)
    allowed = np.maximum((tol.atol + tol.rtol * np.abs(out[finite])) / STEP_INSIDE_TOLERANCE,
                         np.finfo(np.float64).tiny)
    exponent = np.floor(np.log10(allowed))
    steps = np.rint(out[finite] / 10.0 ** exponent)
    # count / 10**k (exact for k <= 22) rounds once, where count * 10**-k would round twice
    out[finite] = np.where(exponent < 0, steps / 10.0 ** -np.minimum(exponent, 0),
                           steps * 10.0 ** np.maximum(exponent, 0))
    return out + 0.0  # no negative zeros
