"""The code and lessons handed to learners do not trip them (issue 19, item 6): released stubs
never point at solutions they do not hold or at a notebook they are not in, and their
gradient-check cells measure the error as the backprop lesson teaches."""

import re

import numpy as np
import pytest

from tests.support import ROOT

STUBS = sorted((ROOT / "exercises").glob("*.py"))


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.name)
def test_no_stub_refers_to_solutions_or_to_this_notebook(stub):
    text = stub.read_text()
    assert not re.search(r"solutions? below|this notebook", text, re.IGNORECASE), stub.name


@pytest.mark.parametrize("module", ["conv", "rnn", "lstm"])
def test_gradient_checks_use_the_lessons_relative_error(module):
    """Entry by entry |a - b| / max(1e-8, |a| + |b|), then the worst (backprop's relative_error),
    never a ratio of maxima, which the lesson diagnoses as a mistake."""
    text = (ROOT / "exercises" / f"{module}.py").read_text()
    errors = [line.strip() for line in text.splitlines() if re.match(r"\s*error = ", line)]
    assert errors, module
    for line in errors:
        assert "np.maximum(1e-8" in line and "/ max(" not in line, line


def test_the_cells_formula_is_backprops_relative_error():
    from reference.backprop import relative_error

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    a[0, 0], b[0, 0] = 1e-9, 3e-9  # a small entry off beside large right ones
    cell = np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
    assert cell == pytest.approx(relative_error(a, b))


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.name)
def test_no_stub_mentions_solutions_at_all(stub):
    """A learner's stub holds no solution, so it never speaks of one ("as the solutions do")."""
    lines = [line for line in stub.read_text().splitlines() if re.search(r"solution", line, re.I)]
    assert lines == [], stub.name


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.name)
def test_a_stub_names_only_notebooks_that_exist(stub, course):
    """"the activations notebook" names a module of the course, whose lesson the learner meets
    in its assignment's notebook; "this notebook" is never said, since a stub is also handed
    out as a plain .py file."""
    text = stub.read_text()
    order = {module: i for i, a in enumerate(course.assignments) for module in a.modules}
    assert not re.search(r"this notebook", text, re.I), stub.name
    for match in re.finditer(r"the (\w+) notebook", text, re.I):
        named = match.group(1).lower()
        if named in ("same", "lab", "lesson"):
            continue
        assert named in order, f"{stub.name}: {match.group(0)!r} names no module"
