"""Grading: the pytest plugin, the diagnosing comparator, results, and the grade itself.

Graders import what they need from here: `check_call`, `check_forward`, `check_backward`
(nnlab/grading/calls.py), `expect_close`, `GradingFailure`, `LearnerFailure`.
"""

from nnlab.grading.calls import check_backward, check_call, check_forward
from nnlab.grading.compare import Comparator, expect_close
from nnlab.outcome import GradingFailure, LearnerFailure, Outcome

__all__ = ["Comparator", "GradingFailure", "LearnerFailure", "Outcome", "check_backward",
           "check_call", "check_forward", "expect_close"]
