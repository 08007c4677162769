"""The diagnosing comparator: does a learner's value match the expected one, and if not, why not.

Graders call `expect_close` (any learner value against any expected value), or the helpers of
`nnlab.grading.calls` that call learner functions and judge them through `Comparator.judge_call`. On a mismatch they raise
`GradingFailure`, whose message is the feedback the learner reads: what was called on what
shapes, what came back, the largest error and where, nan/inf counts, and, when the learner's
output matches a catalogued mistake, the misconception in the learner's terms. The same facts
travel as structure on the failure (`diagnosis`, `misconception`, `problem`, and `detail`, an
`nnlab.outcome.Detail` built from `find_mismatch`'s measurements), which is what every report
reads.

Values here are plain data decoded from the worker (ndarrays, numbers, strings, None, lists,
tuples, dicts, `Opaque` placeholders): the comparator never touches an object learner code made.
"""

from __future__ import annotations

import inspect
import re
import reprlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from nnlab.check_settings import PlainTolerance
from nnlab.grading.describe import PATTERN, describe_difference
from nnlab.outcome import Detail, GradingFailure, finite
from nnlab.sandbox.protocol import Opaque

if TYPE_CHECKING:  # (pydantic is imported only where course.yml is validated: nnlab check skips it)
    from nnlab.course import Tolerance, Tolerances


# A candidate mistake: (the Mistake, a thunk computing what that mistake returns on this case).
Candidate = tuple[Any, Callable[[], Any]]

# The rules a comparison can apply beyond "equal within tolerance"; public checks and hidden
# graders apply them through the same `Comparator.judge_call`, and it records which it applied.
RULE_VALUES, RULE_IN_PLACE, RULE_EXACT_DTYPE, RULE_NO_WARNINGS = (
    "values", "in_place", "exact_dtype", "no_warnings")

# How a failure message introduces a catalogued misconception to its reader; the diagnosis
# itself travels as `GradingFailure.diagnosis`, which reports read (never the message).
DIAGNOSIS = "Diagnosis: "
# The mismatches that say what kind of value came back rather than which values: the same
# problem whatever the inputs (`GradingFailure.problem`).
_KIND_PROBLEM = re.compile(r"should be|should have|is None|has shape|has \w+ values|has dtype|"
                           r"has a Python float")


# ------------------------------------------------------------------------------------------
# Describing values without dumping them
# ------------------------------------------------------------------------------------------


def describe_value(value: Any) -> str:
    """A short description of a value: "float64 (4, 5)", "int 3", "tuple of 2", "None"."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {tuple(value.shape)}" if value.ndim else f"{value.dtype} scalar"
    if isinstance(value, np.generic):
        return f"{value.dtype} scalar"
    if isinstance(value, bool):
        return f"bool {value}"
    if isinstance(value, (int, float)):
        return f"{type(value).__name__} {value:g}" if isinstance(value, float) else f"int {value}"
    if isinstance(value, str):
        return repr(value) if len(value) <= 30 else f"str of length {len(value)}"
    if value is None:
        return "None"
    if isinstance(value, Opaque):
        return f"an object of type {value.type_name}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return f"dict with keys {sorted(map(str, value))}"
    if callable(value):
        return getattr(value, "qualname", getattr(value, "__name__", "a function"))
    return type(value).__name__


def describe_call(qualname: str, signature_of: Callable | None, args: tuple, kwargs: dict) -> str:
    """ "activations.sigmoid(x: float64 (4, 5))", naming arguments from the reference signature."""
    names: list[str] = []
    try:
        bound = inspect.signature(signature_of).bind(*args, **kwargs) if signature_of else None
    except (TypeError, ValueError):
        bound = None
    if bound is not None:
        for name, value in bound.arguments.items():
            names.append(f"{name}={describe_value(value)}" if _is_plain(value) else
                         f"{name}: {describe_value(value)}")
    else:
        names = [describe_value(a) for a in args]
        names += [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return f"{qualname}({', '.join(names)})"


def bound_arguments(signature_of: Callable | None, args: tuple, kwargs: dict) -> dict[str, Any]:
    """{argument name: value} as the reference signature names them ("x", "y_true"); positional
    arguments are "input 1", "input 2", ... when there is no signature to name them."""
    try:
        if signature_of is not None:
            return dict(inspect.signature(signature_of).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        pass
    named = {("the input" if len(args) == 1 else f"input {i + 1}"): a for i, a in enumerate(args)}
    return {**named, **kwargs}


def _is_plain(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str)) or value is None


# ------------------------------------------------------------------------------------------
# Comparing
# ------------------------------------------------------------------------------------------


def _as_numeric(value: Any) -> np.ndarray | None:
    """The value as an ndarray if it is numeric data (array, NumPy scalar, Python number)."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (np.generic, bool, int, float)):
        return np.asarray(value)
    return None


def _kind(dtype: np.dtype) -> str:
    return {"f": "float", "i": "int", "u": "int", "b": "bool", "c": "complex"}.get(dtype.kind, str(dtype))


@dataclass
class Mismatch:
    """Why a value is not close to the expected one: `why` (the sentence), `brief` (the same
    without the tolerance count and the nan/inf hint) and `facts` (fields of
    `nnlab.outcome.Detail` measured where the values differ: what came back, the largest error
    and its index, the entries outside the tolerance). `facts` is worked out only when asked
    (a failure is raised): the comparisons a diagnosis tries are many and need the words only."""

    why: str
    brief: str
    measured: dict[str, Any]
    actual: Any = field(default=None, repr=False)
    expected: Any = field(default=None, repr=False)
    label: str = ""

    @property
    def facts(self) -> dict[str, Any]:
        return _facts(self.actual, self.expected, self.label, **self.measured)


def short_repr(value: Any, limit: int = 200) -> str:
    """A value in at most `limit` characters: arrays summarised by NumPy (corners only), other
    values by reprlib (strings, lists and dicts cut short)."""
    if isinstance(value, (np.ndarray, np.generic)):
        with np.printoptions(threshold=12, edgeitems=2, precision=4, linewidth=100):
            text = np.array2string(np.asarray(value), separator=", ")
    elif isinstance(value, Opaque):
        text = describe_value(value)
    else:
        text = reprlib.repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _facts(actual: Any, expected: Any, label: str, **measured: Any) -> dict[str, Any]:
    """What came back and what was expected, in short, with the measurements of one mismatch."""
    facts: dict[str, Any] = {"part": label, "returned": describe_value(actual),
                             "returned_repr": short_repr(actual),
                             "expected": describe_value(expected)}
    if isinstance(actual, (np.ndarray, np.generic)):
        facts["returned_shape"] = [int(n) for n in np.shape(actual)]
        facts["returned_dtype"] = str(actual.dtype)
    elif isinstance(actual, (bool, int, float)):
        facts["returned_dtype"] = type(actual).__name__
    facts.update(measured)
    return facts


def mismatch(actual: Any, expected: Any, *, tol: Tolerance | None = None, exact_dtype: bool = False,
             label: str = "", inputs: dict[str, Any] | None = None,
             warnings: Iterable[str] = ()) -> str | None:
    """Why `actual` is not close to `expected`, or None when it is (see `find_mismatch`)."""
    found = find_mismatch(actual, expected, tol=tol, exact_dtype=exact_dtype, label=label,
                          inputs=inputs, warnings=warnings)
    return found.why if found is not None else None


def find_mismatch(actual: Any, expected: Any, *, tol: Tolerance | None = None,
                  exact_dtype: bool = False, label: str = "",
                  inputs: dict[str, Any] | None = None,
                  warnings: Iterable[str] = ()) -> Mismatch | None:
    """Why `actual` is not close to `expected` (a `Mismatch`), or None when it is.

    Checks, in order: structure (tuple/list/dict), type, shape, dtype kind (and the exact dtype
    when `exact_dtype`), nan/inf, then tolerance. `inputs` (argument name -> value) lets the
    message show the input at the worst index ("where x = 0"), for every input array of the
    output's shape; `warnings` (NumPy's, from the learner's call) tell an overflow from 0/0
    from log(0) when the output holds nan or inf. Without `tol`, course.yml's default tolerance
    for the expected value's dtype applies.
    """
    if tol is None:
        tol = tolerance_for(expected)
    where = f"{label} " if label else ""

    def found(why: str, brief: str | None = None, **measured: Any) -> Mismatch:
        return Mismatch(why, why if brief is None else brief, measured, actual, expected, label)

    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return found(f"{where}should be a {type(expected).__name__} of {len(expected)}, got "
                         f"{describe_value(actual)}")
        if len(actual) != len(expected):
            return found(f"{where}should have {len(expected)} items, got {len(actual)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            why = find_mismatch(a, e, tol=tol, exact_dtype=exact_dtype, label=f"{label}[{i}]",
                                inputs=inputs, warnings=warnings)
            if why:
                return why
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return found(f"{where}should be a dict, got {describe_value(actual)}")
        if set(actual) != set(expected):
            return found(f"{where}should have keys {sorted(expected)}, got "
                         f"{sorted(map(str, actual))}")
        for key in expected:
            why = find_mismatch(actual[key], expected[key], tol=tol, exact_dtype=exact_dtype,
                                label=f"{label}[{key!r}]", inputs=inputs, warnings=warnings)
            if why:
                return why
        return None
    if isinstance(expected, str) or expected is None:
        return None if actual == expected and type(actual) is type(expected) else \
            found(f"{where}should be {describe_value(expected)}, got {describe_value(actual)}")

    exp = _as_numeric(expected)
    if exp is None:
        raise TypeError(f"the comparator cannot compare with a {type(expected).__name__}")
    if actual is None:
        return found(f"{where}is None: did you forget to `return` the result?")
    act = _as_numeric(actual)
    if act is None:
        return found(f"{where}should be a NumPy array or number, got {describe_value(actual)}")
    shaped = {"returned_shape": [int(n) for n in act.shape], "returned_dtype": str(act.dtype)}
    if act.shape != exp.shape:
        return found(f"{where}has shape {tuple(act.shape)}, expected {tuple(exp.shape)}", **shaped)
    if _kind(act.dtype) != _kind(exp.dtype) and not (
        _kind(exp.dtype) in ("int", "bool") and _kind(act.dtype) in ("int", "bool")
    ):
        return found(f"{where}has {act.dtype} values, expected {_kind(exp.dtype)} values "
                     f"(the curriculum keeps the input's floating dtype)", **shaped)
    if exact_dtype and _kind(exp.dtype) == "float" and act.dtype != exp.dtype:
        # A NumPy float64 scalar or a Python float for float32 input breaks the rule exactly
        # as a float64 array does.
        what = "a Python float" if isinstance(actual, float) else f"dtype {act.dtype}"
        return found(f"{where}has {what}, expected {exp.dtype} (outputs keep the input's dtype)",
                     **shaped)
    if _kind(exp.dtype) in ("float", "complex"):
        bad_nan = np.isnan(act) & ~np.isnan(exp)
        bad_inf = np.isinf(act) & ~np.isinf(exp)
        if bad_nan.any() or bad_inf.any():
            parts = []
            if bad_nan.any():
                parts.append(f"{int(bad_nan.sum())} nan")
            if bad_inf.any():
                sign = "-" if np.all(act[bad_inf] < 0) else "+" if np.all(act[bad_inf] > 0) else ""
                parts.append(f"{int(bad_inf.sum())} {sign}inf")
            first = np.unravel_index(int(np.argmax((bad_nan | bad_inf).ravel())), act.shape)
            there = _inputs_at(inputs, first, act.shape)
            place = f" (first at index {_index(first)}{there})" if first else ""
            if not first:  # one number
                parts = [str(float(act.item()))]
            said = (f"{where}{'is' if not first else 'contains'} {' and '.join(parts)} where "
                    f"{'a finite value was' if not first else 'finite values were'} expected{place}")
            return found(f"{said}; {_nonfinite_hint(act[bad_nan | bad_inf], list(warnings))}",
                         said, index=[int(i) for i in first], yours=None,
                         wanted=finite(exp[first].real), outside=int((bad_nan | bad_inf).sum()),
                         size=int(act.size), **shaped)
        with np.errstate(all="ignore"):
            a64 = act.astype(np.float64)
            e64 = exp.astype(np.float64)
            close = np.isclose(a64, e64, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
            if close.all():
                return None
            err = np.where(np.isfinite(e64), np.abs(a64 - e64), 0.0)
        at = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
        n_bad = int((~close).sum())
        measured = dict(largest_error=finite(err[at]), index=[int(i) for i in at],
                        yours=finite(a64[at]), wanted=finite(e64[at]), outside=n_bad,
                        size=int(close.size), **shaped)
        if not at:  # one number: no index, no count
            return found(f"{where}is {a64[at]:.6g}, expected {e64[at]:.6g} (an error of "
                         f"{err[at]:.3g}{_relative(err[at], e64[at], tol)}; rtol {tol.rtol:g}, "
                         f"atol {tol.atol:g})", **measured)
        said = (f"{where}differs: largest error {err[at]:.3g} at index "
                f"{_index(at)}{_inputs_at(inputs, at, act.shape)} (yours {a64[at]:.6g}, expected "
                f"{e64[at]:.6g}{_relative(err[at], e64[at], tol)})")
        return found(f"{said}; {n_bad} of {close.size} entries are outside the tolerance "
                     f"(rtol {tol.rtol:g}, atol {tol.atol:g})", said, **measured)
    if not np.array_equal(act, exp):
        wrong = act != exp
        at = np.unravel_index(int(np.argmax(wrong)), wrong.shape) if wrong.ndim else ()
        return found(f"{where}differs: {int(wrong.sum())} of {wrong.size} "
                     f"entries are wrong (first at index {_index(at)}"
                     f"{_inputs_at(inputs, at, act.shape)}: yours {act[at]}, expected {exp[at]})",
                     index=[int(i) for i in at], yours=finite(act[at]), wanted=finite(exp[at]),
                     outside=int(wrong.sum()), size=int(wrong.size), **shaped)
    return None


def _index(at: tuple) -> str:
    return "()" if not at else "(" + ", ".join(str(int(i)) for i in at) + ")"


def _relative(err: float, expected: float, tol: Tolerance) -> str:
    """", 25% off" beside the worst entry, only where a relative error means something: the
    expected value there is well clear of zero (relative to 0 or to 1e-12, any error is huge)."""
    if not np.isfinite(expected) or abs(expected) <= max(10 * tol.atol, 1e-6):
        return ""
    rel = err / abs(expected)
    if rel > 10:
        return f", an error {rel:.3g} times its size"
    return f", {rel:.0%} off" if rel >= 0.01 else f", relative error {rel:.2g}"


def _inputs_at(inputs: dict[str, Any] | None, at: tuple, shape: tuple) -> str:
    """", where x = 0" for each input array shaped like the output (the element the output
    entry came from); nothing for inputs of other shapes, whose element is not one entry."""
    shown = []
    for name, value in (inputs or {}).items():
        arr = _as_numeric(value) if not isinstance(value, (bool, int, float)) else None
        if arr is None or arr.shape != tuple(shape) or arr.dtype.kind not in "fiub" or not at:
            continue
        item = arr[at].item()
        shown.append(f"{name} = {item:.6g}" if isinstance(item, float) else f"{name} = {item}")
    return f", where {' and '.join(shown[:3])}" if shown else ""


# What most likely made a nan or an inf (see `_nonfinite_hint`); `nnlab check` leaves them out
# where a catalogued mistake already says more.
NONFINITE_HINTS = {
    "overflow": "NumPy warned of an overflow: exp of a large number is inf (exp(710) already "
                "is); rewrite so exp only sees values <= 0, e.g. subtract the maximum first",
    "log0": "NumPy warned of log(0), which is -inf: keep the argument of log away from 0 (clip it)",
    "div0": "NumPy warned of a division by 0: a denominator is 0 somewhere",
    "invalid": "NumPy warned of an invalid operation such as 0/0, inf/inf, inf - inf or 0 * inf: "
               "look for a sum of exp that underflowed to 0, or one that overflowed to inf",
    "-inf": "-inf usually comes from log(0): keep the argument of log away from 0 (clip it)",
    "+inf": "inf usually comes from an overflow in exp (exp(710) is inf) or a division by 0",
    "nan": "nan comes from 0/0, inf/inf or inf - inf: often exp overflowed to inf, or a sum of "
           "exp underflowed to 0, before a division",
}


def _nonfinite_hint(bad: np.ndarray, warnings: list[str]) -> str:
    """What most likely made the nan or inf, from NumPy's warnings when the call raised any,
    else from the values themselves."""
    said = " ".join(warnings).lower()
    if "overflow" in said:
        return NONFINITE_HINTS["overflow"]
    if "divide by zero encountered in log" in said:
        return NONFINITE_HINTS["log0"]
    if "divide by zero" in said:
        return NONFINITE_HINTS["div0"]
    if "invalid value" in said:
        return NONFINITE_HINTS["invalid"]
    if bad.size and np.all(np.isneginf(bad)):
        return NONFINITE_HINTS["-inf"]
    if bad.size and np.all(np.isposinf(bad)):
        return NONFINITE_HINTS["+inf"]
    return NONFINITE_HINTS["nan"]


def named_failure(message: str, mistake) -> GradingFailure:
    """A failure whose cause a grader recognised as the catalogued `mistake` itself (a batch
    dropped, an order never shuffled): the sentence ends the message as the comparator's
    diagnoses do, and travels as structure like theirs."""
    failure = GradingFailure(f"{message}.\n  {DIAGNOSIS}{mistake.message()}.")
    failure.diagnosis = mistake.message()
    failure.misconception = str(mistake.looks_like)
    return failure


def diagnose(actual: Any, expected: Any, candidates: Iterable[Candidate],
             tol: Tolerance) -> str | None:
    """The message of the first catalogued mistake that reproduces `actual`, if any."""
    found = find_mistake(actual, expected, candidates, tol)
    return found.message() if found is not None else None


def find_mistake(actual: Any, expected: Any, candidates: Iterable[Candidate], tol: Tolerance):
    """The first catalogued mistake (a `Mistake`) that reproduces `actual`, or None.

    A candidate counts only where it differs from the expected value on this case: a mistake
    that happens to agree with the truth here says nothing about the learner.
    """
    for mistake, compute in candidates:
        try:
            with np.errstate(all="ignore"):
                wrong = compute()
        except Exception:  # a mistake variant may not apply to this case
            continue
        try:
            if mismatch(wrong, expected, tol=tol) is None:
                continue
            if mismatch(actual, wrong, tol=tol) is None:
                return mistake
        except TypeError:
            continue
    return None


class Comparator:
    """Compares learner values with expected ones under one course's tolerances.

    One instance serves a grading run or a self-check run: graders reach it through the
    `learner` proxy (`check_call` does this for them), `nnlab check` through `run_checks`. It
    records which rules it applied to which function (`rules_applied`), so a test can show that
    the public checks apply every rule the hidden graders do.
    """

    def __init__(self, tolerances: Tolerances | None = None):
        if tolerances is None:
            from nnlab.course import Tolerances

            tolerances = Tolerances()
        self.tolerances = tolerances
        self.rules_applied: set[tuple[str, str]] = set()
        self.notes: list[str] = []  # accepted alternatives matched; see `take_notes`
        # {function: the accepted alternative its value matched} since the last `take_notes`
        self.accepted: dict[str, str] = {}

    def tolerance_for(self, expected: Any, rtol: float | None = None,
                      atol: float | None = None) -> "Tolerance | PlainTolerance":
        """float32 expectations get the float32 tolerance, everything else the float64 one;
        `rtol`/`atol` override either part."""
        first = _first_array(expected)
        dtype = getattr(first, "dtype", None)
        base = self.tolerances.float32 if dtype is not None and dtype == np.float32 else \
            self.tolerances.float64
        return PlainTolerance(rtol=base.rtol if rtol is None else rtol,
                              atol=base.atol if atol is None else atol)

    def expect_close(self, actual: Any, expected: Any, *, what: str, rtol: float | None = None,
                     atol: float | None = None, exact_dtype: bool = False,
                     mistakes: Iterable[Candidate] = (), label: str = "", note: str = "",
                     inputs: dict[str, Any] | None = None, warnings: Iterable[str] = (),
                     qualname: str = "") -> None:
        """Raise `GradingFailure` unless `actual` matches `expected` within tolerance.

        `what` names the call that produced `actual` ("activations.sigmoid(x: float64 (4, 5))");
        `label` names the part of its result being compared ("dkernel", "out"); `mistakes` are
        candidates tried only when the values differ; `note` is added to the feedback;
        `inputs` and `warnings` (see `mismatch`) make the message more precise. Where no
        catalogued mistake explains the values, `nnlab.grading.describe` says how they differ
        (a factor, swapped axes, errors confined to one time step...); `qualname`
        ("rnn.rnn_backward", by default what `what` starts with) names the array's axes there.
        """
        tol = self.tolerance_for(expected, rtol, atol)
        found_why = find_mismatch(actual, expected, tol=tol, exact_dtype=exact_dtype,
                                  label=label, inputs=inputs, warnings=warnings)
        if found_why is None:
            return

        def sentence(why: str) -> str:
            if label:
                return f"{what}: its {why}."
            if why.startswith("["):
                return f"{what}: output{why}."
            return f"{what} returned a value that {why}."

        why = found_why.why
        message = finding = sentence(why)
        found = find_mistake(actual, expected, mistakes, tol)
        diagnosis = found.message() if found is not None else ""
        pattern = ""
        if diagnosis:
            message += f"\n  {DIAGNOSIS}{diagnosis}."
        else:
            pattern = describe_difference(actual, expected, tol=tol, label=label, inputs=inputs,
                                          qualname=qualname or _qualname_in(what)) or ""
            if pattern:
                message += f"\n  {PATTERN}{pattern}."
        if note:
            message += f"\n  Note: {note}"
        failure = GradingFailure(message)
        # The diagnosis and the rest of the failure as structure too: reports never parse
        # them back out of the message.
        failure.diagnosis = diagnosis
        failure.misconception = str(getattr(found, "looks_like", "")) if found is not None else ""
        failure.detail = Detail(
            function=qualname or _qualname_in(what), call=what, shapes=input_shapes(inputs),
            rtol=tol.rtol, atol=tol.atol, finding=finding,
            brief=sentence(found_why.brief) + message[len(finding):],
            pattern=pattern, note=note, **found_why.facts)
        if not label and _KIND_PROBLEM.match(why):  # a wrong kind, shape or dtype: one problem
            failure.problem = f"returned a value that {why}"
        raise failure

    def judge_call(self, qualname: str, what: str, result: Any, expected: Any, *,
                   mistakes: Iterable[Candidate] = (), rtol: float | None = None,
                   atol: float | None = None, exact_dtype: bool = False,
                   no_warnings: bool = False, label: str = "", note: str = "",
                   alternatives: dict[str, Any] | None = None, accepted_as: str = "",
                   inputs: dict[str, Any] | None = None) -> str:
        """The verdict on one learner call (a `CallResult`), the same for public checks and
        hidden graders: the values (with a diagnosis), then arguments modified in place, then,
        when asked, NumPy warnings. Raises `GradingFailure` with the learner's feedback.

        Accepted alternatives: where more than one answer is right (two equally correct
        conventions), `alternatives` maps a name for each other convention to its expected value
        (or to a function of no arguments computing it), and `accepted_as` names the one in
        `expected`. The learner's value passes if it matches any of them; the feedback on a
        failure is written against `expected`. Returns the name of the answer matched ("" for
        an unnamed `expected`), and records a note for the learner in `notes` whenever a named
        answer was matched on a case where the right answers differ ("... matches the textbook
        gradient, accepted as correct").
        """
        applied = [RULE_VALUES, RULE_IN_PLACE] + [RULE_EXACT_DTYPE] * exact_dtype + \
            [RULE_NO_WARNINGS] * no_warnings
        self.rules_applied.update((qualname, rule) for rule in applied)
        matched, telling = accepted_as, False
        if alternatives:
            tol = self.tolerance_for(expected, rtol, atol)
            others = {name: value() if callable(value) else value
                      for name, value in alternatives.items()}
            # Where the right answers agree, this case cannot tell which one the learner followed.
            telling = all(mismatch(other, expected, tol=tol) is not None for other in others.values())
            if mismatch(result.value, expected, tol=tol, exact_dtype=exact_dtype) is not None:
                for name, other in others.items():
                    if mismatch(result.value, other, tol=self.tolerance_for(other, rtol, atol),
                                exact_dtype=exact_dtype) is None:
                        matched, expected = name, other
                        break
        # the convention the value was judged against, where a second one was accepted
        accepted = matched if matched and telling and matched != accepted_as else ""
        try:
            self.expect_close(result.value, expected, what=what, rtol=rtol, atol=atol,
                              exact_dtype=exact_dtype, mistakes=mistakes, label=label, note=note,
                              inputs=inputs, warnings=getattr(result, "warnings", ()),
                              qualname=qualname)
        except GradingFailure as failure:
            if failure.detail is not None:
                failure.detail.accepted = accepted
            raise
        tol = self.tolerance_for(expected, rtol, atol)
        if result.mutated:
            finding = (f"{what} modified its argument{'s' if len(result.mutated) > 1 else ''} "
                       f"{', '.join(result.mutated)} in place; curriculum functions must leave "
                       f"their inputs unchanged and return new arrays (use `x = x.copy()` or "
                       f"non-in-place operations).")
            failure = GradingFailure(finding)
            failure.detail = self._judged(qualname, what, result.value, expected, inputs, label,
                                          tol, accepted, finding)
            raise failure
        if no_warnings and result.warnings:
            finding = (f"{what} returned the right values but NumPy warned: {result.warnings[0]}. "
                       f"It must be numerically stable for large inputs (no overflow).")
            failure = GradingFailure(finding)
            failure.detail = self._judged(qualname, what, result.value, expected, inputs, label,
                                          tol, accepted, finding)
            raise failure
        if matched and telling:
            self.notes.append(f"{qualname}: your answer matches {matched}, accepted as correct.")
            if matched != accepted_as:  # a second convention, not the one `expected` holds
                self.accepted[qualname] = matched
        return matched

    @staticmethod
    def _judged(qualname: str, what: str, value: Any, expected: Any, inputs: dict | None,
                label: str, tol: Tolerance, accepted: str, finding: str) -> Detail:
        """The structure of a failure on right values (an argument changed, a warning)."""
        return Detail(function=qualname, call=what, shapes=input_shapes(inputs), rtol=tol.rtol,
                      atol=tol.atol, accepted=accepted, finding=finding, brief=finding,
                      **_facts(value, expected, label))

    def take_notes(self) -> list[str]:
        """The notes recorded since the last call (one per accepted alternative matched): what a
        passed test can tell the learner, e.g. which of two correct conventions they followed."""
        notes, self.notes = list(dict.fromkeys(self.notes)), []
        self.accepted = {}
        return notes


def failure_on(message: str, *, function: str, call: str, value: Any,
               inputs: dict[str, Any] | None = None) -> GradingFailure:
    """A `GradingFailure` for a value of the wrong form that a grader helper judged itself (a
    forward pass that does not return its cache, too few gradients), with its structure."""
    failure = GradingFailure(message)
    failure.detail = Detail(function=function, call=call, shapes=input_shapes(inputs),
                            finding=message, brief=message,
                            **{**_facts(value, None, ""), "expected": ""})
    return failure


def input_shapes(inputs: dict[str, Any] | None) -> dict[str, list[int]]:
    """{argument name: shape} of each array among a call's arguments (`bound_arguments`)."""
    return {str(name): [int(n) for n in value.shape] for name, value in (inputs or {}).items()
            if isinstance(value, np.ndarray)}


def _qualname_in(what: str) -> str:
    """The first "module.function" called in `what` ("db, from backprop.dense_backward(...)")."""
    found = re.search(r"\b([a-z_][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\(", what)
    return found.group(1) if found else ""


def _first_array(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_array(item)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        return _first_array(list(value.values()))
    return value


def expect_close(actual: Any, expected: Any, *, what: str, comparator: Comparator | None = None,
                 rtol: float | None = None, atol: float | None = None, exact_dtype: bool = False,
                 mistakes: Iterable[Candidate] = (), label: str = "", note: str = "",
                 inputs: dict[str, Any] | None = None) -> None:
    """`Comparator.expect_close` for graders. Pass `comparator=learner.comparator` to use the
    course's tolerances; without it, course.yml's default tolerances apply."""
    (comparator or Comparator()).expect_close(actual, expected, what=what, rtol=rtol, atol=atol,
                                              exact_dtype=exact_dtype, mistakes=mistakes,
                                              label=label, note=note, inputs=inputs)


def tolerance_for(expected: Any, rtol: float | None = None, atol: float | None = None) -> Tolerance:
    """`Comparator.tolerance_for` under course.yml's default tolerances (graders written before
    the Comparator import this; `learner.comparator.tolerance_for` follows the course's own)."""
    return Comparator().tolerance_for(expected, rtol, atol)
