"""One status policy in every output the publishing layer writes.

graded: scored everywhere; refused (the learner's hand-in could not be graded): zero
everywhere, with one line why; regrade (nnlab or a grader failed): no score anywhere, never a
zero, and nbgrader's gradebook needs manual grading.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.console import Console

from nnlab.grading.results import SubmissionResult, TestResult
from nnlab.outcome import Outcome
from nnlab.reports.publish import (COLUMNS, Publisher, class_table, gradebook_grade,
                                   gradescope_json, results_json)

GRADED = SubmissionResult("ada", modules=["activations"], tests=[
    TestResult("activations.sigmoid: x", 2, 2), TestResult("activations.relu: x", 1, 0, "wrong",
                                                           Outcome.FAILED)])
REFUSED = SubmissionResult("ben", error="ben.zip: not a zip file")
FAULT = SubmissionResult("cleo", modules=["activations"], tests=[
    TestResult("activations.sigmoid: x", 2, 2),
    TestResult("activations.relu: x", 1, 0, "nnlab grader error: KeyError", Outcome.GRADER_ERROR)])


@pytest.mark.parametrize("result, status, score", [(GRADED, "graded", 2), (REFUSED, "refused", 0),
                                                   (FAULT, "regrade", None)])
def test_one_status_policy_in_every_output(result, status, score, course, tmp_path):
    assert result.status == status
    # results.json, for a batch and for Gradescope
    data = results_json(result)
    assert data.get("score") == score and data["extra_data"]["status"] == status
    gradescope = gradescope_json(result, [], 1.0)
    assert gradescope.get("score") == score
    # grades.csv
    Publisher().learner(tmp_path, result)
    Publisher().class_files(tmp_path, [result], course)
    (row,) = csv.DictReader((tmp_path / "grades.csv").open())
    assert row["status"] == status
    assert row["total"] == ("" if score is None else f"{score:g}")
    assert list(row)[-len(COLUMNS):] == [c.heading for c in COLUMNS]
    # the terminal
    shown = io.StringIO()
    Console(file=shown, width=80, color_system=None).print(class_table([result], course))
    line = next(l for l in shown.getvalue().splitlines() if l.strip().startswith(result.learner))
    assert ("/" in line.split()[1]) == (score is not None)  # the score column, or empty
    # nbgrader's gradebook
    got, manual = gradebook_grade(result, "activations.relu", 1.0)
    assert (got, manual) == {"graded": (0.0, False), "refused": (0.0, False),
                             "regrade": (None, True)}[status]
    # read back: the same result
    again = SubmissionResult.from_gradescope(json.loads((tmp_path / result.learner /
                                                         "results.json").read_text()))
    assert again.status == status and again.score == result.score


def test_a_grader_fault_on_one_function_leaves_the_others_scored():
    assert gradebook_grade(FAULT, "activations.sigmoid", 2.0) == (2.0, False)
    assert gradebook_grade(FAULT, "activations.relu", 1.0) == (None, True)
    whole = SubmissionResult("dan", fault="RuntimeError: the sandbox would not start")
    assert gradebook_grade(whole, "activations.sigmoid", 2.0) == (None, True)
