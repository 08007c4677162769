"""How a grader test ended: one type from the sandboxed worker to results.json.

`Outcome` names every way a test can end. Learner faults travel as `LearnerFailure` (raised by
the worker's parent side, caught by the grading plugin); a grader's own verdict is a
`GradingFailure`. Both carry their `Outcome`, so nothing converts kinds on the way: the value
written to results.json is the one the sandbox or the grader chose.
"""

from __future__ import annotations

from enum import Enum


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


class GradingFailure(AssertionError):
    """The learner loses this test's points; the message is their feedback.

    `diagnosis` (the catalogued mistake's sentence, "your f looks like L: why") and
    `misconception` (its `looks_like`) are set by the comparator where it named a mistake, so
    nothing downstream has to find them in the message (which may quote learner text)."""

    outcome = Outcome.FAILED
    diagnosis: str = ""
    misconception: str = ""
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
