"""Grading: the pytest plugin, the diagnosing comparator, results, and the grade itself.

Graders import what they need from here: `check_call`, `expect_close`, `GradingFailure`,
`LearnerFailure`.
"""

from nnlab.grading.compare import Comparator, check_call, expect_close
from nnlab.outcome import GradingFailure, LearnerFailure, Outcome

__all__ = ["Comparator", "GradingFailure", "LearnerFailure", "Outcome", "check_call",
           "expect_close"]
