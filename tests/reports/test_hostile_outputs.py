"""Every output, with a learner whose exception messages, printed output and id try to forge it.

One real learner is graded (its relu prints and raises the payload, its id is a formula with
an ANSI escape and markup in it), and every file the publishing layer writes from that result
is read back the way people and tools read it: feedback.html and summary.html in headless
Chromium (compared element by element with the same result holding plain text instead, so no
element can have come from learner text), feedback.md by CommonMark's fences, grades.csv by
the csv module and a spreadsheet's formula rule, junit.xml by an XML parser, the terminal table
at 80 columns, results.json by json and back into the model.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from rich.cells import cell_len
from rich.console import Console

from nnlab.grading.results import SubmissionResult
from nnlab.grading.runner import grade_submission
from nnlab.reports.class_summary import MIN_TAKERS
from nnlab.reports.feedback import feedback_markdown
from nnlab.reports.publish import Publisher, class_table, results_json
from nnlab.reports.text import FORMULA_START, visible
from tests.browser import open_page
from tests.reports.test_feedback import outside_fences
from tests.support import solution_with

PAYLOAD = ("# Feedback for x\n**92 of 92 points**\n- `activations.relu: every case` (9/9) passed\n"
           "* activations.sigmoid passed\n> everything is fine\n"
           "  Diagnosis: your relu looks like perfection: nothing to fix.\n"
           "<script>alert(1)</script><img src=x onerror=alert(document.cookie)>\n"
           "bell\x07 vt\x0b esc\x1b[31mred\x1b[0m osc\x1b]0;title\x07 del\x7f end")
PLAIN = "plain words"
NAME = '=HYPERLINK("http://evil")\x1b[2J<b>mallory</b>'
TWIN = "twin"
FUNCTIONS = {"activations.relu", "activations.sigmoid"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _twin(result: SubmissionResult) -> SubmissionResult:
    """The same result with plain text wherever the learner's text was."""
    twin = copy.deepcopy(result)
    twin.learner = TWIN
    for test in twin.tests:
        test.output = test.output.replace(PAYLOAD, PLAIN)
        test.printed = test.printed.replace(PAYLOAD, PLAIN)
    return twin


@pytest.fixture(scope="module")
def published(course, tmp_path_factory):
    """(out folder of the hostile learner, out folder of its plain twin, the result)."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "in" / "mallory"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(solution_with(
        "activations", f"def relu(x):\n    print({PAYLOAD!r})\n    raise ValueError({PAYLOAD!r})\n"))
    result = grade_submission(folder, course, warn_seed=False, functions=FUNCTIONS)
    # Intake takes only plain ids; the publishing layer must not depend on it (an nbgrader
    # student folder, an old results.json): it gets the worst id there is.
    result.learner = NAME
    assert result.status == "graded" and not result.grader_errors
    assert any(PAYLOAD in t.output for t in result.tests), [t.output for t in result.tests]
    assert any(t.printed for t in result.tests)
    outs = []
    for learner_result, name, words in ((result, "out", PAYLOAD), (_twin(result), "twin-out", PLAIN)):
        out = root / name
        # A refused hand-in whose error quotes the file name it was handed in as.
        refused = SubmissionResult(learner=learner_result.learner + "2",
                                   error=f"{words}.zip: not a zip file")
        for one in (learner_result, refused):
            Publisher().learner(out, one)
        Publisher().class_files(out, [learner_result, refused], course)
        outs.append(out)
    return outs[0], outs[1], result


def test_feedback_md_shows_the_payload_only_inside_fences(published):
    out, _, result = published
    markdown = (out / NAME / "feedback.md").read_text(encoding="utf-8")
    assert markdown == feedback_markdown(result)
    assert not CONTROL.search(markdown)
    outside = outside_fences(markdown)
    assert [line for line in outside if line.startswith("# ")] == [
        "# Feedback for \\=HYPERLINK\\(\"http://evil\"\\)\\\\x1b\\[2J\\<b\\>mallory\\</b\\>"]
    for forged in ("**92", "- `activations.relu: every", "* activations", "> everything",
                   "Diagnosis: your relu", "<script", "<img"):
        assert not any(line.lstrip().startswith(forged) for line in outside), forged


def test_feedback_html_in_chromium_has_no_element_from_learner_text(published):
    out, twin_out, result = published
    dom, complaints = open_page(out / NAME / "feedback.html")
    twin, twin_complaints = open_page(twin_out / TWIN / "feedback.html")
    assert complaints == [] and twin_complaints == []
    # Element for element the page of the plain twin: learner text added no element.
    assert dom.elements == twin.elements
    assert "script" not in dom.tags and "img" not in dom.tags
    # The message and the printed output, whole, in <pre>.
    pre = dom.text_inside("pre")
    for part in ("# Feedback for x", "**92 of 92 points**", "<script>alert(1)</script>",
                 "<img src=x onerror=alert(document.cookie)>", "Diagnosis: your relu"):
        assert part in pre
    assert pre.count("<script>alert(1)</script>") == 2  # the message and what relu printed
    assert not CONTROL.search(dom.text.replace("\n", "").replace("\t", ""))
    # Every failed test is styled failed, every passed one passed; one h1, the learner's id visible.
    failed = {t.name for t in result.tests if not t.passed}
    shown_failed = {text for text, around in dom.texts if ("li", "test failed") in around
                    and text.startswith("activations.")}
    assert failed and shown_failed == failed
    assert all(t.function == "activations.sigmoid" for t in result.tests if t.passed)
    assert dom.tags.count("h1") == 1 and visible(NAME) in dom.text_inside("h1")


def test_summary_html_in_chromium_has_no_element_or_misconception_from_learner_text(published):
    out, twin_out, _ = published
    dom, complaints = open_page(out / "summary.html")
    twin, _ = open_page(twin_out / "summary.html")
    assert complaints == []
    assert dom.elements == twin.elements
    assert "script" not in dom.tags
    # The learner's "Diagnosis:" line named no misconception.
    assert "No catalogued misconception was named." in dom.text
    assert f"too few learners (1 of {MIN_TAKERS} needed)" in dom.text
    assert ("table", {"id": "misconceptions"}) not in dom.elements
    assert visible(NAME) + "2" in dom.text  # the refused hand-in, to review
    assert "<script>alert(1)</script>" in dom.text_inside("td")  # its error, as words


def test_grades_csv_cells_never_start_a_formula(published):
    out, _, _ = published
    text = (out / "grades.csv").read_text(encoding="utf-8")
    assert not CONTROL.search(text.replace("\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    assert rows[1][0] == "'" + visible(NAME)


def test_junit_xml_parses_and_keeps_the_words(published):
    out, _, _ = published
    root = ET.parse(out / "junit.xml").getroot()
    assert "<script>" in root.find("testsuite[2]/testcase/error").get("message")
    failures = [node.text for node in root.iter("failure")]
    assert failures and all("<script>alert(1)</script>" in text for text in failures)
    assert all(not CONTROL.search(text.replace("\n", "")) for text in failures)
    assert root.find("testsuite").get("name") == visible(NAME)


def test_terminal_table_fits_80_columns_without_control_characters(published, course):
    _, _, result = published
    shown = io.StringIO()
    Console(file=shown, width=80, force_terminal=False, color_system=None).print(
        class_table([result], course))
    text = shown.getvalue()
    assert not CONTROL.search(text.replace("\n", ""))
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    assert "\\x1b[2J" in text  # the id's escape, shown


def test_results_json_keeps_the_payload_as_data(published):
    out, _, result = published
    data = json.loads((out / NAME / "results.json").read_text(encoding="utf-8"))
    assert data == results_json(result)
    again = SubmissionResult.from_gradescope(data)
    assert again.learner == NAME
    assert [(t.name, t.output, t.printed, t.diagnosis, t.misconception) for t in again.tests] == \
        [(t.name, t.output, t.printed, "", "") for t in result.tests]
    assert all(t["extra_data"]["misconception"] == "" for t in data["tests"])
    # Gradescope shows the summary as plain text, not its default that lets some HTML through.
    assert data["output_format"] == "text"


def test_nnlab_check_shows_the_payload_as_words_without_escapes(published, tmp_path):
    """`nnlab check` on the same relu: the learner's "Diagnosis:" line is not taken for one,
    and no control character or escape sequence reaches the terminal."""
    from nnlab.cli import render_checks
    from nnlab.selfcheck import run_checks
    from tests.support import ROOT

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "activations.py").write_text(solution_with(
        "activations", f"def relu(x):\n    print({PAYLOAD!r})\n    raise ValueError({PAYLOAD!r})\n"))
    (check,) = run_checks(folder, "activations.relu", checks_dir=ROOT / "exercises" / "checks")
    assert check.status == "fail" and all(not g.diagnosis for g in check.groups)
    shown = io.StringIO()
    console = Console(file=shown, width=80, force_terminal=False, color_system=None)
    for line in render_checks([check], str(folder), width=80):
        console.print(line, no_wrap=True, overflow="fold", highlight=False)
    text = shown.getvalue()
    assert "<script>alert(1)</script>" in text and "Same diagnosis" not in text
    assert not CONTROL.search(text.replace("\n", ""))
    assert all(cell_len(line) <= 80 for line in text.splitlines())
