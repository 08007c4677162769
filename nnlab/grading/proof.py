"""A grader fault needs proof: the same test, rerun with the reference in the learner's place.

When a grader test raises anything but a `GradingFailure` (a `ValueError` inside `np.asarray`
of a learner's ragged list, an `IndexError` on an empty batch...), it is not yet known whose
fault it is. `prove_fault` reruns the test at once with a `ReferenceProxy` as its `learner`: the
reference modules (`reference/<module>.py`), called in this trusted process through the same
plain-data round trip the sandbox applies (arguments copied, generators crossing by state,
other objects kept behind `Opaque` handles). The reference is trusted code and never enters the
sandbox; no learner code runs here.

- The reference passes: the learner's values broke the grader. The test is the learner's
  failure, with one line saying what their function returned and why it could not be used.
- The reference fails too: only then is it a grader fault ("grader_error", to regrade).
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from typing import Any

import numpy as np

from nnlab.grading.compare import Comparator, describe_value
from nnlab.grading.learner import LearnerProxy, _own
from nnlab.outcome import GradingFailure
from nnlab.sandbox import protocol, worker_main
from nnlab.sandbox.protocol import Opaque
from nnlab.sandbox.worker import CallResult


class ReferenceWorker:
    """`Worker`'s interface over `reference/<module>.py`, run in this process.

    Values go through `protocol.encode`/`decode` both ways, as they would through the sandbox:
    the reference gets copies (so a grader's arrays and generators are never changed), and
    anything that is not plain data comes back as an `Opaque` handle kept here."""

    def __init__(self, module: str):
        self.module = module
        self.isolation: dict = {}
        self.seconds_per_call: float | None = None
        self._handles: dict[int, Any] = {}

    def _target_module(self) -> Any:
        return importlib.import_module(f"reference.{self.module}")

    # -- Worker's requests ------------------------------------------------------------------
    def call(self, name: str, args: tuple = (), kwargs: dict | None = None) -> CallResult:
        return self._run(getattr(self._target_module(), name), args, kwargs or {})

    def call_method(self, handle: Opaque, name: str, args: tuple = (),
                    kwargs: dict | None = None) -> CallResult:
        return self._run(getattr(self._handles[handle.id], name), args, kwargs or {})

    def get(self, name: str) -> CallResult:
        return CallResult(self._out(getattr(self._target_module(), name)))

    def attribute(self, handle: Opaque, name: str) -> CallResult:
        return CallResult(self._out(getattr(self._handles[handle.id], name)))

    def stop(self) -> None:
        self._handles.clear()

    # -- the round trip ---------------------------------------------------------------------
    def _keep(self, value: Any) -> int:
        handle = len(self._handles) + 1
        self._handles[handle] = value
        return handle

    def _resolve(self, kind: str, payload: Any) -> Any:
        if kind == "opaque":
            return self._handles[payload]
        if kind == "code":  # a grader's function: compiled as the worker would compile it
            namespace = {"np": np, "math": importlib.import_module("math")}
            exec(compile(payload.source, f"<grader function {payload.name}>", "exec"), namespace)
            return namespace[payload.name]
        module, _, name = str(payload).partition(".")
        if module == "numpy":
            return getattr(np, name)
        return getattr(importlib.import_module(f"reference.{module}"), name)

    def _in(self, value: Any) -> Any:
        blobs: list[bytes] = []
        return protocol.decode(protocol.encode(value, blobs), blobs, self._resolve)

    def _out(self, value: Any) -> Any:
        blobs: list[bytes] = []
        return protocol.decode(protocol.encode(value, blobs, self._keep), blobs)

    def _run(self, target: Any, args: tuple, kwargs: dict) -> CallResult:
        args, kwargs = self._in(tuple(args)), self._in(dict(kwargs))
        # the worker's own rule for arguments written into, run here on the reference
        before = [worker_main.snapshot(a, np) for a in args]
        before_kw = {k: worker_main.snapshot(v, np) for k, v in kwargs.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                value = target(*args, **kwargs)
        mutated = [_arg_name(target, i) for i, a in enumerate(args)
                   if worker_main.changed(before[i], a, np)]
        mutated += [k for k, v in kwargs.items() if worker_main.changed(before_kw[k], v, np)]
        return CallResult(self._out(value), mutated,
                          [f"{w.category.__name__}: {w.message}" for w in caught[:5]])


class ReferenceProxy(LearnerProxy):
    """A `learner` fixture whose modules are the reference's: `learner.mod.fn(...)` runs
    `reference.mod.fn` in this process, with the same comparator."""

    def __init__(self, comparator: Comparator):  # no submission, no workers to start
        self._workers: dict[str, ReferenceWorker] = {}  # type: ignore[assignment]
        self._starting = {}
        self._limits = None
        self.comparator = comparator
        self.stdout: list[str] = []
        self.seconds_per_call = None
        self.timed_out = {}
        self.calls = []
        self.called = set()

    def start(self, modules: list[str], wait: bool = True) -> None:
        return None

    def worker(self, module: str) -> ReferenceWorker:  # type: ignore[override]
        if module not in self._workers:
            self._workers[module] = ReferenceWorker(module)
        return self._workers[module]

    @property
    def isolation(self) -> dict:
        return {}

    def _settle(self, worker: Any, request: Any, key: str = "") -> CallResult:
        result = request()
        result.value = _own(result.value, worker)
        self.calls.append((key, result.value))
        return result


def _arg_name(target: Any, index: int) -> str:
    try:
        return list(inspect.signature(target).parameters)[index]
    except (TypeError, ValueError, IndexError):
        return f"argument {index + 1}"


# ------------------------------------------------------------------------------------------
# Saying what the learner returned and why it could not be used
# ------------------------------------------------------------------------------------------


def _form(value: Any) -> str:
    """What kind of value this is, without sizes: "float64 2-d array", "flat list of numbers",
    "ragged list", "tuple (float64 1-d array, number, flat list of numbers)"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        kind = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(
            value.dtype.kind, str(value.dtype))
        return f"{value.ndim}-d {kind} array"
    if isinstance(value, (np.generic, int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Opaque):
        return "object"
    if isinstance(value, dict):
        return "dict {" + ", ".join(f"{k}: {_form(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, tuple):
        return "tuple (" + ", ".join(_form(v) for v in value) + ")"
    if isinstance(value, list):
        if not value:
            return "empty list"
        forms = {_form(v) for v in value}
        if forms == {"number"}:
            return "flat list of numbers"
        return "list of " + forms.pop() if len(forms) == 1 else "ragged list"
    return type(value).__name__


def _odd_numbers(value: Any) -> str:
    """ "nan or inf", "values as large as 1e+308" or "" for a value's numbers."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return ""
    if array.size == 0:
        return "no values at all (empty)"
    if not np.all(np.isfinite(array)):
        return "nan or inf"
    biggest = float(np.max(np.abs(array)))
    return f"values as large as {biggest:.3g}" if biggest > 1e100 else ""


def show(value: Any, limit: int = 60) -> str:
    """The value itself when short ("[1, [1, 1]]"), else its description."""
    if isinstance(value, (list, tuple, str, int, float)) and not isinstance(value, bool):
        try:
            text = repr(value)
        except Exception:
            text = ""
        if text and len(text) <= limit and "array" not in text:
            return text
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v, 30) for v in value) + ")"
    if isinstance(value, list):
        return f"a {_form(value)} of {len(value)}"
    if isinstance(value, dict):
        return describe_value(value)
    return describe_value(value)


def _odd_leaf(value: Any, where: str = "", depth: int = 0) -> tuple[str, Any, str] | None:
    """The first array or number inside `value` that is empty, non-finite or huge:
    (where, it, what is odd about it)."""
    if depth > 8:
        return None
    if isinstance(value, dict):
        items = [(f"{where}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and not all(isinstance(v, (int, float)) for v in value):
        items = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    else:
        odd = _odd_numbers(value) if isinstance(value, (np.ndarray, np.generic, int, float, list,
                                                         tuple)) else ""
        return (where, value, odd) if odd else None
    for place, item in items:
        found = _odd_leaf(item, place, depth + 1)
        if found:
            return found
    return None


def _part(value: Any, reference: Any, where: str = "") -> tuple[str, Any, Any] | None:
    """The first part of `value` whose form differs from the reference's: (where, mine, theirs)."""
    if isinstance(value, tuple) and isinstance(reference, tuple) and len(value) == len(reference):
        for i, (v, r) in enumerate(zip(value, reference)):
            found = _part(v, r, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, dict) and isinstance(reference, dict) and set(value) == set(reference):
        for key in reference:
            found = _part(value[key], reference[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    if _form(value) != _form(reference) or _odd_numbers(value) and not _odd_numbers(reference):
        return where, value, reference
    return None


def why_unusable(learner_calls: list[tuple[str, Any]], reference_calls: list[tuple[str, Any]],
                 error: BaseException) -> str:
    """One line: which learner call returned what, and why the grader could not use it."""
    reason = f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}"
    theirs: dict[str, list] = {}
    for key, value in reference_calls:
        theirs.setdefault(key, []).append(value)
    seen: dict[str, int] = {}
    found = None
    for key, value in learner_calls:  # the first call whose value is not of the reference's form
        k = seen[key] = seen.get(key, -1) + 1
        if key in theirs:  # the k-th call of this function, beside the reference's k-th
            part = _part(value, theirs[key][min(k, len(theirs[key]) - 1)])
            if part:
                found = (key, *part)
                break
        elif _odd_numbers(value):
            found = (key, "", value, None)
            break
    theirs = {key: values[0] for key, values in theirs.items()}
    if found is None:  # the same forms: the numbers themselves (empty, nan or inf, huge)
        for key, value in reversed(learner_calls):
            leaf = _odd_leaf(value)
            if leaf and not (key in theirs and _odd_leaf(theirs[key])):
                found = (key, leaf[0], leaf[1], None)
                break
    if found is None and learner_calls:
        key, value = learner_calls[-1]
        found = (key, "", value, theirs.get(key))
    if found is None:
        return f"Your code's values could not be used by this test ({reason})."
    key, where, mine, reference = found
    name = key or "your function"
    what = f"{name} returned {show(mine)}" if not where else \
        f"{name} returned {show(mine)} as its output{where}"
    if reference is not None and _form(mine) != _form(reference):
        expected = f"where the reference returns a {_form(reference)}"
        if _form(reference).startswith("flat list") and not _form(mine).startswith("flat"):
            expected = "not a flat list of numbers"
    else:
        odd = _odd_numbers(mine)
        expected = f"holding {odd}" if odd else "of a form this test cannot use"
    return (f"{what}, {expected}, so this test could not use it ({reason}); the reference's "
            f"value passes this test.")


# ------------------------------------------------------------------------------------------
# The proof itself
# ------------------------------------------------------------------------------------------


def prove_fault(item: Any, error: BaseException, learner: LearnerProxy, fresh_rng: Any,
                figures: Any) -> BaseException:
    """Rerun the pytest `item` whose call raised `error` with the reference as its learner.

    Returns the exception the test should end with: a `GradingFailure` (the learner's) when
    the reference passes, else `error` itself (a grader fault). `fresh_rng()` gives the
    test's generator again, as it was when the test began; `figures` a throwaway recorder."""
    learner_calls = list(learner.calls)
    reference = ReferenceProxy(learner.comparator)
    funcargs = getattr(item, "funcargs", None)
    if funcargs is None:
        return error
    replaced = {"learner": reference, "rng": fresh_rng(), "figures": figures}
    saved = {k: funcargs[k] for k in replaced if k in funcargs}
    funcargs.update({k: v for k, v in replaced.items() if k in saved})
    try:
        item.runtest()
    except Exception:  # the reference fails as well: the grader's fault
        return error
    finally:
        funcargs.update(saved)
        learner.comparator.take_notes()  # notes of the rerun belong to no one
        reference.close()
    return GradingFailure(why_unusable(learner_calls, reference.calls, error))
