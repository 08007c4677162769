"""Grading: the pytest plugin, the diagnosing comparator, results, and the batch runner.

Graders import what they need from here: `check_call`, `expect_close`, `GradingFailure`.
"""

from nnlab.grading.compare import GradingFailure, check_call, expect_close
from nnlab.grading.learner import LearnerError

__all__ = ["GradingFailure", "LearnerError", "check_call", "expect_close"]
