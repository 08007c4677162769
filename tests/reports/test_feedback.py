"""feedback.md: learner, test and diagnosis text shown literally, failures grouped by problem."""

import re

from nnlab.grading.results import SubmissionResult, TestResult
from nnlab.grading.runner import grade_submission
from nnlab.outcome import Outcome
from nnlab.reports.feedback import (failure_key, feedback_markdown, group_failures, md_block,
                                    md_code, md_text)
from tests.support import solution_with

FAILED = Outcome.FAILED

# Rich markup, markdown headings, fake result lines and code fences, all in one message.
HOSTILE = ("[/] [bold]oops[/bold] ] [red]\n# Feedback for someone_else\n"
           "- **losses.mse: everything** (1/1) passed\n```\n~~~\n</details>")


def fenced_spans(markdown):
    """(start, end) line numbers of each fenced block, by CommonMark's rule: a block closes at
    a line of at least as many backticks as opened it."""
    spans, open_at, fence = [], None, ""
    for i, line in enumerate(markdown.splitlines()):
        run = re.match(r"^(`{3,})", line)
        if open_at is None and run:
            open_at, fence = i, run.group(1)
        elif open_at is not None and run and line.strip() == "`" * len(line.strip()) and \
                len(line.strip()) >= len(fence):
            spans.append((open_at, i))
            open_at = None
    assert open_at is None, "a fenced block was never closed"
    return spans


def outside_fences(markdown):
    spans = fenced_spans(markdown)
    return [line for i, line in enumerate(markdown.splitlines())
            if not any(a <= i <= b for a, b in spans)]


def result_with(tests, learner="ada"):
    return SubmissionResult(learner=learner, tests=tests, modules=["activations", "losses"])


def test_learner_text_titles_and_diagnoses_are_shown_literally_and_inject_nothing():
    title = "activations.softmax: [axis=0] [/] [bold]title[/bold]"
    diagnosed = ("losses.binary_cross_entropy(y_true: float64 (2,)) returned a value that "
                 "differs.\n  Diagnosis: your binary_cross_entropy looks like [bold]x[/]: clip p "
                 "to [eps, 1 - eps] first.")
    markdown = feedback_markdown(result_with([
        TestResult(title, 1, 0, f"activations.softmax(z) raised ValueError: {HOSTILE}", FAILED),
        TestResult("losses.binary_cross_entropy: [1-d]", 2, 0, diagnosed, FAILED),
        TestResult("losses.mse: random", 1, 1),
    ], learner="# mallory [x](http://evil)"))
    # Every message is in a fence, byte for byte.
    assert HOSTILE in markdown and diagnosed in markdown
    assert md_code(title) in markdown and "[axis=0] [/] [bold]title[/bold]" in markdown
    # Outside the fences: one heading per level that we wrote, no fake lines, no live link.
    outside = outside_fences(markdown)
    assert [l for l in outside if l.startswith("# ")] == [
        "# Feedback for \\# mallory \\[x\\]\\(http://evil\\)"]
    assert not any("someone_else" in l or "(1/1) passed" in l for l in outside)
    assert sum(l.startswith("## ") for l in outside) == 2


def test_identical_diagnoses_are_said_once_with_the_tests_they_covered():
    diagnosis = "your mse_grad looks like 2 (y_pred - y_true): why."
    tests = [TestResult(f"losses.mse_grad: case {i}", 1, 0,
                        f"losses.mse_grad(y: float64 ({i},)) returned a value that differs: "
                        f"largest error {i}.\n  Diagnosis: {diagnosis}", FAILED,
                        diagnosis=diagnosis)
             for i in range(1, 5)]
    tests.append(TestResult("losses.mse_grad: shape", 1, 0, "losses.mse_grad(y) returned a "
                            "value that has shape (3,), expected (2,).", FAILED))
    markdown = feedback_markdown(result_with(tests))
    assert markdown.count(diagnosis) == 1
    assert "4 tests failed with the same diagnosis:" in markdown
    assert all(md_code(f"losses.mse_grad: case {i}") in markdown for i in range(1, 5))
    assert "has shape (3,), expected (2,)" in markdown
    assert "### `losses.mse_grad`: 5 tests failed (5 points lost)" in markdown


def test_a_stub_says_not_implemented_once_per_module():
    tests = [TestResult(f"activations.{f}: x", 1, 0, f"activations.{f}(x) is not implemented "
                        f"yet (it raises NotImplementedError).", Outcome.NOT_IMPLEMENTED)
             for f in ("sigmoid", "tanh", "relu")]
    markdown = feedback_markdown(SubmissionResult("ben", tests, modules=["activations"]))
    assert markdown.count("implemented yet") == 1
    # Beside a passing function, the stubs are listed once per function.
    tests.append(TestResult("activations.linear: x", 1, 1))
    markdown = feedback_markdown(SubmissionResult("ben", tests, modules=["activations"]))
    assert markdown.count("Not implemented yet") == 3


def test_grouping_keys_come_from_structure_never_from_the_message():
    forged = "f(x) raised ValueError: x\n  Diagnosis: your f looks like g: why."
    # The learner's "Diagnosis:" line is a message like any other.
    assert failure_key(forged, Outcome.FAILED) == "message: " + forged
    assert failure_key(forged, Outcome.FAILED, diagnosis="your f looks like g: why") == \
        "diagnosis: your f looks like g: why"
    assert failure_key("a", Outcome.FAILED, problem="raised ValueError: bad") == \
        failure_key("b", Outcome.FAILED, problem="raised ValueError: bad")
    groups = group_failures([("a", "one", None, "your f looks like g"), ("b", "two", None, "your f looks like g"),
                             ("c", "other", None), ("d", "x", None, "", "raised KeyError: 1"),
                             ("e", "y", None, "", "raised KeyError: 1")])
    assert [g.cases for g in groups] == [["a", "b"], ["c"], ["d", "e"]]


def test_escaping_helpers():
    assert md_text("[bold]x[/] # `y` *z*") == "\\[bold\\]x\\[/\\] \\# \\`y\\` \\*z\\*"
    assert md_text("- item") == "\\- item" and md_text("12. item") == "12\\. item"
    assert md_code("a `` b") == "```a `` b```"
    assert md_block("x\n````\ny").startswith("`````text\n")


def test_a_real_learner_exception_reaches_feedback_md_verbatim(course, tmp_path):
    folder = tmp_path / "eve"
    folder.mkdir()
    (folder / "activations.py").write_text(solution_with(
        "activations", f"def relu(x):\n    raise ValueError({HOSTILE!r})\n"))
    result = grade_submission(folder, course, warn_seed=False, functions={"activations.relu"})
    assert not result.error and not result.grader_errors
    markdown = feedback_markdown(result)
    assert HOSTILE in markdown
    outside = outside_fences(markdown)
    assert not any("someone_else" in l or "(1/1) passed" in l for l in outside)
    # One exception, raised on every relu test, is said once.
    relu_tests = sum(t.function == "activations.relu" for t in result.tests)
    assert relu_tests >= 2 and f"{relu_tests} tests failed with the same problem" in markdown
    assert markdown.count("raised ValueError") == 1
