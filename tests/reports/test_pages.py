"""The example class's pages, opened in headless Chromium as a learner and an instructor see them.

The class (examples/class: a zip, a notebook, a stub, a mistake, a conftest.py plant, ...) is
graded on a few functions by the real batch; every feedback.html and the summary.html are
opened in Chromium: no console error, failures in <pre>, failed tests styled failed, the
summary's tests grouped by function with the cases folded inside, its charts inline.
"""

from __future__ import annotations

import pytest

from nnlab.grading.batch import grade_batch
from nnlab.reports.class_summary import MIN_TAKERS
from tests.browser import open_page
from tests.support import ROOT

FUNCTIONS = {"activations.sigmoid", "activations.softmax", "losses.binary_cross_entropy",
             "losses.mse", "perceptron.weighted_sum"}


@pytest.fixture(scope="module")
def example_class(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("example-class")
    results = grade_batch([ROOT / "examples" / "class"], course, out, jobs=2, functions=FUNCTIONS)
    assert len(results) >= 8
    return out, results


def test_every_feedback_page_renders_with_failures_in_pre_and_styled_failed(example_class):
    out, results = example_class
    seen_failed = 0
    for result in results:
        dom, complaints = open_page(out / result.learner / "feedback.html")
        assert complaints == [], (result.learner, complaints)
        assert "script" not in dom.tags
        failed = [t for t in result.tests if not t.passed and t.outcome.value != "not_implemented"]
        if failed and result.status == "graded":
            seen_failed += 1
            # No literal markdown left over: fences, escapes and backticks are gone.
            assert "```" not in dom.text and "\\(" not in dom.text and "\\_" not in dom.text
            # Styled failed: the failed tests' items, or the sentence a module that could not
            # run at all says instead (with its error in <pre>).
            assert dom.with_class("li", "failed") or dom.with_class("p", "failed")
            assert dom.tags.count("pre") >= 1
            styled = {text for text, around in dom.texts if ("li", "test failed") in around}
            passed = {text for text, around in dom.texts if ("li", "test passed") in around}
            assert not {t.name for t in result.tests if t.passed} & styled
            assert not {t.name for t in failed} & passed
            # A problem shared by several tests is shown once, by its first test's message.
            assert failed[0].output.splitlines()[0] in dom.text_inside("pre")
    assert seen_failed >= 2


def test_the_summary_groups_tests_by_function_and_says_where_learners_are_too_few(example_class):
    out, results = example_class
    dom, complaints = open_page(out / "summary.html")
    assert complaints == []
    functions = {t.function for r in results for t in r.tests}
    # One folded row per function, each function's cases inside its <details>.
    assert dom.tags.count("details") == len(functions)
    assert {a.get("id") for t, a in dom.elements if t == "svg"} >= {"histogram", "pass-rates"}
    # The misconception chart where one was named; every chart inline, nothing from a network.
    named = any(t.misconception for r in results for t in r.tests)
    assert named and ("svg", "misconception-frequency") in {(t, a.get("id")) for t, a in dom.elements}
    assert not [a for t, a in dom.elements
                if any(str(a.get(k) or "").startswith(("http:", "https:", "//")) for k in ("src", "href"))]
    takers = {f: sum(any(t.function == f for t in r.tests) for r in results if r.status == "graded")
              for f in functions}
    # Statistics where enough learners took a function's tests, "too few learners" elsewhere.
    assert ("too few learners" in dom.text) == (min(takers.values()) < MIN_TAKERS)
    assert dom.text.count("too few learners (") == sum(n < MIN_TAKERS for n in takers.values())
    # "Look at" only for what is worth it: nothing here says "everyone passes".
    assert "everyone passes" not in dom.text
