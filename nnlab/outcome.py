"""How a grader test ended: one type from the sandboxed worker to results.json.

`Outcome` names every way a test can end. Learner faults travel as `LearnerFailure` (raised by
the worker's parent side, caught by the grading plugin); a grader's own verdict is a
`GradingFailure`. Both carry their `Outcome`, so nothing converts kinds on the way: the value
written to results.json is the one the sandbox or the grader chose.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    """The end of one grader test, as results.json spells it."""

    PASSED = "passed"
    FAILED = "failed"                    # a wrong value, or learner code raised an exception
    NOT_IMPLEMENTED = "not_implemented"  # the stub still raises NotImplementedError
    TIMEOUT = "timeout"                  # over the wall-clock limit of one call or import
    CRASH = "crash"                      # the worker died: an exit, a signal, out of memory
    IMPORT_ERROR = "import"              # the module will not import (syntax error, ...)
    MISSING = "missing"                  # the module was not submitted
    BAD_REPLY = "protocol"               # learner code returned data that cannot cross the boundary
    GRADER_ERROR = "grader_error"        # nnlab's fault (a grader bug, a sandbox that won't start)

    def __str__(self) -> str:
        return self.value

    @property
    def learners_fault(self) -> bool:
        return self not in (Outcome.PASSED, Outcome.GRADER_ERROR)


@dataclass
class Detail:
    """A failure as structure, set where the comparator judged the call (never parsed back out
    of a message): what was called on which shapes, what came back, the largest error and where,
    the tolerance, and the accepted alternative it was judged against.

    Plain data only (str, int, float, None, lists and dicts of them), so it crosses a process
    pool, a Dask task and results.json unchanged; every string that may hold learner-derived
    text (`returned`, `returned_repr`, `finding`, `brief`) is data that each format escapes.
    Arrays' shapes and indices are lists of ints; a float that is not finite is None.
    """

    function: str = ""        # "activations.sigmoid": the learner function judged
    call: str = ""            # "activations.sigmoid(x: float64 (4, 5))": its arguments, in short
    shapes: dict[str, list[int]] = field(default_factory=dict)  # each array argument's shape
    part: str = ""            # the part of the result judged ("dx", "[1]"); "" for all of it
    returned: str = ""        # what came back, in short: "float64 (4, 5)", "None", "tuple of 2"
    returned_shape: list[int] | None = None
    returned_dtype: str = ""
    returned_repr: str = ""   # a short repr of what came back (at most 200 characters)
    expected: str = ""        # what was expected, in short ("float64 (4, 5)")
    largest_error: float | None = None  # |yours - expected| at its largest
    index: list[int] | None = None      # where it is (the first wrong entry for ints, nan, inf)
    yours: float | None = None          # the learner's value there
    wanted: float | None = None         # the expected value there
    outside: int | None = None          # entries outside the tolerance (or wrong)
    size: int | None = None             # entries compared
    rtol: float | None = None
    atol: float | None = None
    accepted: str = ""        # the accepted alternative (a second correct convention) matched
    finding: str = ""         # the comparator's sentence, without diagnosis, pattern and note
    brief: str = ""           # the whole message less the tolerance count and the nan/inf hint
    pattern: str = ""         # how the values differ (describe.py), "" when it found nothing
    note: str = ""            # what the grader adds (where Keras's expected values came from)

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, as results.json holds them."""
        empty = Detail()
        return {k: v for k, v in asdict(self).items() if v != getattr(empty, k)}

    @classmethod
    def from_dict(cls, data: Any) -> "Detail | None":
        """Read back what `to_dict` wrote (unknown keys ignored; not a dict: None)."""
        if not isinstance(data, dict):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def finite(value: Any) -> float | None:
    """A float for results.json: None where it is not finite (JSON has no inf or nan)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class GradingFailure(AssertionError):
    """The learner loses this test's points; the message is their feedback.

    `diagnosis` (the catalogued mistake's sentence, "your f looks like L: why") and
    `misconception` (its `looks_like`) are set by the comparator where it named a mistake, so
    nothing downstream has to find them in the message (which may quote learner text);
    `detail` (a `Detail`) holds the rest of the failure as structure."""

    outcome = Outcome.FAILED
    diagnosis: str = ""
    misconception: str = ""
    detail: Detail | None = None
    # What went wrong, said the same way whatever the inputs ("raised ValueError: ...", "returned
    # a value that has shape ..."), so failures with one cause are grouped; "" when the whole
    # message is the problem (two different wrong values are two problems).
    problem: str = ""


class LearnerFailure(GradingFailure):
    """Learner code did not produce a value: it raised, timed out, crashed, will not import, was
    not submitted, or (GRADER_ERROR) the sandbox could not start before any learner code ran.
    `message` is written for the learner; `stdout` is what their code printed."""

    def __init__(self, outcome: Outcome, message: str, stdout: str = "", problem: str = ""):
        super().__init__(message)
        self.outcome = Outcome(outcome)
        self.message = message
        self.stdout = stdout
        self.problem = problem
