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
