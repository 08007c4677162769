"""summary.html: item analysis and misconception counts are right; the page renders in Chromium."""

import pytest

from nnlab.grading.results import SubmissionResult, TestResult
from nnlab.outcome import Outcome
from nnlab.reports.class_summary import item_analysis, junit_xml, misconceptions, summary_html
from tests.browser import open_page


def learner(name, passes, diagnosis=""):
    tests = []
    for i, passed in enumerate(passes):
        output = "" if passed else f"wrong.\n  Diagnosis: your sigmoid_grad looks like {diagnosis}: no" \
            if diagnosis and i == 0 else ("" if passed else "wrong")
        tests.append(TestResult(f"activations.sigmoid_grad: case {i}" if i == 0 else f"activations.relu: case {i}",
                                1, 1.0 if passed else 0.0, output,
                                Outcome.PASSED if passed else Outcome.FAILED,
                                misconception=diagnosis if output.startswith("wrong.\n") else ""))
    return SubmissionResult(learner=name, modules=["activations"], tests=tests)


CLASS = [learner("a", [1, 1, 1]), learner("b", [0, 1, 1], "x*(1-x)"), learner("c", [0, 0, 1], "x*(1-x)"),
         learner("d", [0, 0, 1]), learner("e", [1, 1, 1]),
         SubmissionResult(learner="f", fault="RuntimeError: boom")]


def test_item_analysis_finds_difficulty_and_discrimination():
    items = {i.name: i for i in item_analysis(CLASS)}
    first = items["activations.sigmoid_grad: case 0"]
    assert first.takers == 5 and first.passed == 2 and first.difficulty == pytest.approx(0.4)
    assert first.discrimination > 0.5  # the strong learners pass it
    # Everyone passing a trivial case is not worth an instructor's look.
    assert items["activations.relu: case 2"].warning == ""


def test_misconceptions_count_learners_once_and_skip_regrades():
    assert misconceptions(CLASS) == [("activations.sigmoid_grad", "x*(1-x)", 2, 5)]


def test_junit_has_one_suite_per_learner():
    xml = junit_xml(CLASS)
    assert xml.count("<testsuite ") == 6 and "<failure" in xml and "<error" in xml


def test_summary_renders_in_headless_chromium_without_console_errors(tmp_path):
    page = tmp_path / "summary.html"
    page.write_text(summary_html(CLASS, "Test class"), encoding="utf-8")
    dom, complaints = open_page(page)
    assert complaints == []
    charts = {a.get("id") for t, a in dom.elements if t == "svg"}
    assert charts == {"histogram", "pass-rates", "misconception-frequency"}
    assert "rect" in dom.tags and "script" not in dom.tags
    # Two functions, each a folded row holding its cases.
    assert dom.tags.count("details") == 2
    assert "x*(1-x)" in dom.text_inside("table")


def test_cases_show_the_median_largest_error_of_failing_learners_from_structure():
    """Each case's failing learners' largest errors (their `detail`, never their messages),
    with the tolerance they were judged by: errors just past it say the test may be strict."""
    from nnlab.outcome import Detail

    def one(name, error):
        detail = Detail(function="activations.relu", largest_error=error, index=[0, 1],
                        rtol=1e-7, atol=1e-10) if error is not None else None
        test = TestResult("activations.relu: case 1", 1, 0.0 if detail else 1.0,
                          "largest error 99 (words decide nothing)" if detail else "",
                          Outcome.FAILED if detail else Outcome.PASSED, detail=detail)
        return SubmissionResult(learner=name, modules=["activations"], tests=[test])

    items = {i.name: i for i in item_analysis([one("a", 2e-7), one("b", 5e-7), one("c", 1.0),
                                               one("d", None)])}
    case = items["activations.relu: case 1"]
    assert case.median_error == pytest.approx(5e-7) and case.tolerance == "rtol 1e-07, atol 1e-10"
    assert "5e-07 (rtol 1e-07, atol 1e-10)" in summary_html([one("a", 5e-7)], "t")
