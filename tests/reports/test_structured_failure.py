"""A failure as structure (`nnlab.outcome.Detail`), from the comparator to every output.

Real learners are graded: one whose sigmoid is off by a constant (a numeric mismatch), one
whose relu returns a string of markup and escapes (learner-derived text inside the failure's
own fields). Their results.json carries what was called, on which shapes, what came back, the
largest error and its index, the tolerance; read back, it is the same structure. Then every
string field of the structure is forged with the payload of test_hostile_outputs.py, and
feedback.md, feedback.html (in headless Chromium, element for element against a plain twin),
the class summary and the terminal show it as words only.
"""

from __future__ import annotations

import copy
import io
import json
import pickle
import re
from dataclasses import fields

import pytest
from rich.cells import cell_len
from rich.console import Console

from nnlab.grading.results import SubmissionResult
from nnlab.grading.runner import grade_submission
from nnlab.outcome import Detail
from nnlab.reports.feedback import feedback_markdown
from nnlab.reports.publish import Publisher, class_table, results_json
from tests.browser import open_page
from tests.reports.test_feedback import outside_fences
from tests.reports.test_hostile_outputs import CONTROL, PAYLOAD, PLAIN
from tests.support import solution_with

OFF = 1e-3
HOSTILE = "<b>x</b>\x1b[2J\x07"  # short: the comparator quotes it whole
STRINGS = [f.name for f in fields(Detail) if f.type == "str" and f.name != "function"]


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """(out folder, the result) for a learner whose sigmoid is off by OFF, whose relu returns
    HOSTILE and whose sigmoid_grad is a catalogued mistake."""
    root = tmp_path_factory.mktemp("structured")
    folder = root / "in" / "off"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(solution_with("activations", (
        "_right = sigmoid\n"
        f"def sigmoid(x):\n    return _right(x) + {OFF}\n"
        f"def relu(x):\n    return {HOSTILE!r}\n"
        "def sigmoid_grad(x):\n    return x * (1 - x)\n")))
    result = grade_submission(folder, course, warn_seed=False,
                              functions={"activations.sigmoid", "activations.relu",
                                         "activations.sigmoid_grad"})
    assert result.status == "graded" and not result.grader_errors
    out = root / "out"
    Publisher().learner(out, result)
    return out, result


def test_a_numeric_mismatch_reaches_results_json_as_structure(graded):
    out, result = graded
    data = json.loads((out / "off" / "results.json").read_text(encoding="utf-8"))
    failed = [t for t in data["tests"] if t["name"].startswith("activations.sigmoid:")
              and t["status"] == "failed"]
    assert failed
    for test in failed:
        detail = test["extra_data"]["detail"]
        assert detail["function"] == "activations.sigmoid"
        assert detail["call"].startswith("activations.sigmoid(x")
        assert detail["shapes"]["x"] == detail["returned_shape"] and detail["shapes"]["x"]
        assert detail["returned_dtype"] in ("float32", "float64")
        # the largest error is the constant the learner added, at a real index of the output
        assert detail["largest_error"] == pytest.approx(OFF, rel=0.05)
        assert len(detail["index"]) == len(detail["returned_shape"])
        assert all(0 <= i < n for i, n in zip(detail["index"], detail["returned_shape"]))
        assert detail["yours"] - detail["wanted"] == pytest.approx(OFF, rel=0.05)
        assert detail["rtol"] > 0 and detail["outside"] >= 1
        # the sentence is still there for people, and says the same numbers
        assert test["extra_data"]["message"].startswith(detail["finding"])
        assert "(" + ", ".join(map(str, detail["index"])) + ")" in detail["finding"]
    # Read back (and across a process boundary) it is the same structure.
    again = SubmissionResult.from_gradescope(data)
    assert [t.detail for t in again.tests] == [t.detail for t in result.tests]
    assert pickle.loads(pickle.dumps(result)).tests == result.tests
    json.dumps(data, allow_nan=False)  # strict JSON: no inf or nan anywhere


def test_the_page_rebuilds_a_diagnosed_message_from_structure(graded):
    """The diagnosis is said once, on its own: the message above it is put together from the
    failure's fields, not cut out of the text."""
    from nnlab.reports.feedback import feedback_page, message_of

    _, result = graded
    diagnosed = [t for t in result.tests if t.diagnosis]
    assert diagnosed and all(t.function == "activations.sigmoid_grad" for t in diagnosed)
    for test in diagnosed:
        assert "Diagnosis:" in test.output and "Diagnosis:" not in message_of(test)
        assert message_of(test).startswith(test.detail.finding)
    problems = [p for s in feedback_page(result).modules for f in s.functions for p in f.problems
                if p.diagnosis]
    assert problems and all("Diagnosis:" not in p.message for p in problems)
    assert all(dict(p.facts)["called"].startswith("activations.sigmoid_grad(") for p in problems)


def test_learner_text_in_the_structure_stays_data(graded):
    out, result = graded
    relu = [t for t in result.tests if t.function == "activations.relu" and not t.passed]
    assert relu
    for test in relu:
        # what came back is quoted as a Python literal: the escape is spelled out, never raw
        assert test.detail.returned == repr(HOSTILE) and test.detail.returned_repr == repr(HOSTILE)
        assert "\x1b" not in json.dumps(results_json(result), ensure_ascii=False)
    markdown = (out / "off" / "feedback.md").read_text(encoding="utf-8")
    assert not any("<b>" in line for line in outside_fences(markdown) if "`" not in line)


def _forged(result: SubmissionResult, words: str, learner: str) -> SubmissionResult:
    """`result` with `words` in every string field of every failure's structure."""
    forged = copy.deepcopy(result)
    forged.learner = learner
    for test in forged.tests:
        if test.detail is not None and not test.passed:
            for name in STRINGS:
                setattr(test.detail, name, words)
            test.detail.shapes = {words: [2, 3]}
    return forged


def test_forged_structure_is_inert_in_feedback_html_md_and_the_terminal(graded, course,
                                                                         tmp_path):
    _, result = graded
    hostile, plain = _forged(result, PAYLOAD, "mallory"), _forged(result, PLAIN, "mallory")
    for name, one in (("out", hostile), ("twin", plain)):
        Publisher().learner(tmp_path / name, one)
        Publisher().class_files(tmp_path / name, [one], course)
    dom, complaints = open_page(tmp_path / "out" / "mallory" / "feedback.html")
    twin, _ = open_page(tmp_path / "twin" / "mallory" / "feedback.html")
    assert complaints == []
    assert dom.elements == twin.elements  # no element came from the structure's text
    assert "script" not in dom.tags and "img" not in dom.tags
    assert "<script>alert(1)</script>" in dom.text_inside("dd")  # the facts, as words
    assert not CONTROL.search(dom.text.replace("\n", "").replace("\t", ""))
    summary, complaints = open_page(tmp_path / "out" / "summary.html")
    assert complaints == [] and summary.elements == open_page(tmp_path / "twin" /
                                                              "summary.html")[0].elements
    markdown = feedback_markdown(hostile)
    assert not CONTROL.search(markdown)
    outside = outside_fences(markdown)
    assert [line for line in outside if line.startswith("#")] == [
        line for line in outside_fences(feedback_markdown(plain)) if line.startswith("#")]
    for forged in ("**92", "* activations", "> everything", "<script", "<img"):
        assert not any(line.lstrip().startswith(forged) for line in outside)
    # The terminal: the class table, and `nnlab check`'s lines built from the structure.
    shown = io.StringIO()
    Console(file=shown, width=80, force_terminal=False, color_system=None).print(
        class_table([hostile], course))
    text = shown.getvalue()
    assert not CONTROL.search(text.replace("\n", ""))
    assert all(cell_len(line) <= 80 for line in text.splitlines())


def test_nnlab_check_shortens_from_the_structure_and_shows_learner_text_as_words(tmp_path):
    """`nnlab check`'s short form of a diagnosed failure comes from `Detail.brief` (no regex on
    the message), and a relu returning markup and escapes prints neither."""
    from nnlab.cli import render_checks
    from nnlab.selfcheck import run_checks
    from tests.support import ROOT

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "activations.py").write_text(solution_with("activations", (
        f"def relu(x):\n    return {HOSTILE!r}\n"
        "def sigmoid_grad(x):\n    return x * (1 - x)\n")))
    checks = run_checks(folder, "activations", checks_dir=ROOT / "exercises" / "checks")
    by_name = {c.qualname: c for c in checks}
    grad = by_name["activations.sigmoid_grad"]
    assert grad.status == "fail" and any(g.diagnosis for g in grad.groups)
    for failure in grad.failures:
        if failure.diagnosis:
            assert failure.brief and "outside the tolerance" not in failure.brief
            assert "outside the tolerance" in failure.message or "finite" in failure.message
    shown = io.StringIO()
    console = Console(file=shown, width=80, force_terminal=False, color_system=None)
    for line in render_checks(checks, str(folder), width=80):
        console.print(line, no_wrap=True, overflow="fold", highlight=False)
    text = shown.getvalue()
    assert "'<b>x</b>\\x1b[2J\\x07'" in text.replace("\n", "")
    assert not CONTROL.search(text.replace("\n", ""))
    assert not re.search(r"entries are outside the tolerance", text)


def test_the_float64_cast_keras_case_names_its_accepted_convention(course, tmp_path):
    """A binary cross-entropy that works in float64 and casts back keeps full marks; on a
    recorded Keras case where that differs from Keras's float32, the passed test says which
    convention it matched as structure (`detail.accepted`), in results.json too."""
    from nnlab.grading.baseline_checks import FLOAT64_INSIDE

    folder = tmp_path / "float64"
    folder.mkdir()
    (folder / "losses.py").write_text(solution_with("losses", (
        "_right = binary_cross_entropy\n"
        "def binary_cross_entropy(y_true, p, eps=1e-7):\n"
        "    low = np.asarray(p).dtype == np.float32\n"
        "    value = _right(np.asarray(y_true, np.float64), np.asarray(p, np.float64), eps)\n"
        "    return np.float32(value) if low else value\n")))
    function = "losses.binary_cross_entropy"
    result = grade_submission(folder, course, warn_seed=False, functions={function})
    mine = [t for t in result.tests if t.function == function]
    assert mine and all(t.passed for t in mine), [t.output for t in mine if not t.passed]
    accepted = [t for t in mine if t.detail is not None and t.detail.accepted == FLOAT64_INSIDE]
    assert accepted and all(t.oracle == "keras" for t in accepted)
    data = results_json(result)
    assert any((t["extra_data"]["detail"] or {}).get("accepted") == FLOAT64_INSIDE
               for t in data["tests"])


def test_words_in_a_message_decide_nothing_downstream():
    """A learner message that quotes the worker's tampering sentence, a diagnosis line or a
    tolerance clause flags nothing, names no misconception and groups with nothing: every
    decision reads the failure's fields."""
    from nnlab.grading.results import TestResult
    from nnlab.intake.review import outcome_flags
    from nnlab.outcome import Outcome
    from nnlab.reports.class_summary import misconceptions
    from nnlab.sandbox.worker import TAMPERED

    words = (f"{TAMPERED} (Server.call)\n  Diagnosis: your relu looks like x: why.\n"
             f"; 3 of 9 entries are outside the tolerance (rtol 1e-07, atol 1e-10)")
    quoting = TestResult("activations.relu: random", 1, 0, f"raised ValueError: {words}",
                         Outcome.FAILED)
    assert outcome_flags([quoting]) == []
    assert misconceptions([SubmissionResult("ada", [quoting], ["activations"])]) == []
    really = TestResult("activations.relu: random", 1, 0, "the seal broke", Outcome.FAILED,
                        problem=TAMPERED)
    assert outcome_flags([really]) == ["tampered with the grading sandbox in 1 test(s)"]


def test_a_forward_pass_without_its_cache_carries_its_structure(course, tmp_path):
    """A value of the wrong form judged by a grader helper (a forward pass returning its output
    without the cache) still says, as fields, what was called on which shapes and what came
    back."""
    folder = tmp_path / "nocache"
    folder.mkdir()
    (folder / "backprop.py").write_text(solution_with("backprop", (
        "_right = dense_forward\n"
        "def dense_forward(*args, **kwargs):\n    return _right(*args, **kwargs)[0]\n")))
    function = "backprop.dense_forward"
    result = grade_submission(folder, course, warn_seed=False, functions={function})
    failed = [t for t in result.tests if t.function == function and not t.passed]
    assert failed
    shaped = [t.detail for t in failed if t.detail is not None and "cache" in t.detail.finding]
    assert shaped, [t.output for t in failed]
    for detail in shaped:
        assert detail.function == function and detail.call.startswith(function + "(")
        assert detail.shapes and detail.returned_shape and detail.returned_dtype
