"""A submission has a wall-clock budget (issue 21, item 5), at every sandbox level this machine
offers: a learner whose every call sleeps just under the per-call limit, then answers right,
costs at most the budget; the rest of their tests fail at once, named. (It once scored 31/31
in 3 min 17 s for 27 calls, and a whole submission makes about 1,200.)"""

from __future__ import annotations

import pytest

from nnlab.course import load_course
from nnlab.sandbox import levels
from tests.support import copy_course, grade_cleanly, learner_folder, solution_with

LEVELS = levels.available()
SLEEP, PER_CALL, BUDGET = 1.2, 1.5, 4

SLEEPY = f"""
import functools as _functools
import time as _time

def _sleepy(function):
    @_functools.wraps(function)
    def sleepy(*args, **kwargs):
        _time.sleep({SLEEP})  # just under the per-call limit of {PER_CALL} s
        return function(*args, **kwargs)
    return sleepy

for _name, _value in list(globals().items()):
    if callable(_value) and not _name.startswith("_") and getattr(_value, "__module__", "") == __name__:
        globals()[_name] = _sleepy(_value)
"""


@pytest.fixture(scope="module")
def budget_course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    text = (root / "course.yml").read_text()
    assert "  seconds_per_test: 10 " in text
    text = text.replace("  seconds_per_test: 10 ", f"  seconds_per_submission: {BUDGET}\n"
                        f"  seconds_per_test: {PER_CALL} ", 1)
    (root / "course.yml").write_text(text)
    course = load_course(root / "course.yml")
    assert course.limits.seconds_per_submission == BUDGET
    return course


@pytest.mark.parametrize("level", LEVELS)
def test_a_learner_sleeping_on_every_call_costs_at_most_the_budget(tmp_path, monkeypatch, budget_course, level):
    monkeypatch.setenv(levels.FORCE_ENV, level)
    folder = learner_folder(tmp_path / "sleepy", "activations", solution_with("activations", SLEEPY))
    result = grade_cleanly(folder, budget_course)
    ran = [t for t in result.tests if t.passed]
    stopped = [t for t in result.tests if f"submission time budget of {BUDGET} s" in t.output]
    during = [t for t in stopped if "used up during this call" in t.output]
    # At most BUDGET / SLEEP calls fit in the budget (a test makes one call or more); the call
    # running when it ran out was stopped with it, and nothing ran after it.
    assert len(ran) <= BUDGET // SLEEP, [t.name for t in ran]
    assert len(during) <= 1 and (ran or during), [t.output[:200] for t in stopped]
    assert len(result.tests) > 3 * (len(ran) + 1)  # (the module has far more tests than fit)
    assert [t for t in result.tests if not t.passed] == stopped, \
        [t.output[:200] for t in result.tests if not t.passed and t not in stopped]
    assert all(t.outcome == "timeout" for t in stopped)


def test_the_budget_is_validated_in_course_yml(tmp_path):
    from nnlab.course import CourseError

    root = copy_course(tmp_path, names=("course.yml",))
    text = (root / "course.yml").read_text().replace("  seconds_per_test: 10 ",
                                                     "  seconds_per_submission: -1\n  seconds_per_test: 10 ", 1)
    (root / "course.yml").write_text(text)
    with pytest.raises(CourseError, match="seconds_per_submission"):
        load_course(root / "course.yml")
