"""Generated learners for every contract function (nnlab.null_learners), through the real
sandbox and graders:

- null learners (zeros of the right shape and dtype, a constant, the input echoed, random
  values, the unchanged stub, a memorising model with a fabricated loss curve) earn nothing on
  the replaced function's tests, alone or with the whole module so, beyond the documented
  EXCEPTIONS (graders/README.md);
- odd returns (None, text, ragged lists, empty arrays, wrong shapes and dtypes, dicts missing
  keys, huge and non-finite values) end every test passed or failed, never in "grader_error";
- computing in float64 and casting back to float32 keeps full marks everywhere.

Functions are grouped so one grading replaces many (sandbox start-ups are the cost): the
solutions' grading records which learner functions each test calls.
"""

import pytest

from nnlab import null_learners as nl
from nnlab.grading.runner import grade_submission
from nnlab.outcome import Outcome


@pytest.fixture(scope="module")
def solutions(course, tmp_path_factory):
    """The solutions graded once, with the learner calls each test made."""
    result, calls = nl.solution_calls(course, course.graded_modules(), tmp_path_factory.mktemp("s"))
    assert not result.error and all(t.passed for t in result.tests)
    return result, calls


def grader_errors(results):
    return [f"{r.learner}: {t.name}: {t.output[:200]}" for r in results for t in r.tests
            if t.outcome == "grader_error"] + [f"{r.learner}: {r.error}" for r in results if r.error]


@pytest.mark.slow
def test_null_learners_earn_nothing(course, solutions):
    result, calls = solutions
    points, results = nl.null_learner_points(course, solutions=result, calls=calls)
    functions = nl.contract_functions(result.tests)
    # every contract function met every strategy that applies to it, alone
    assert {(r.function, r.how) for r in points if r.alone} == {
        (f, s) for f in functions for s in nl.strategies_for(course, f)}
    assert len(functions) >= 70
    assert not grader_errors(results)
    assert not nl.earning(points), [f"{nl.describe(r)}: {p:g}" for r, p in nl.earning(points)]


@pytest.mark.slow
def test_odd_returns_end_passed_or_failed(course, solutions):
    result, calls = solutions
    points, results = nl.null_learner_points(course, solutions=result, calls=calls, kinds="odd")
    functions = nl.contract_functions(result.tests)
    assert {(r.function, r.how) for r in points} == {(f, k) for f in functions for k in nl.ODD_RETURNS}
    assert not grader_errors(results), grader_errors(results)[:10]
    # passed, or the learner's failure of some kind (failed, timeout, protocol...): never nnlab's
    assert all(t.passed or Outcome(t.outcome).learners_fault for r in results for t in r.tests)
    # and the odd values cost points: no function earns full marks returning them all
    assert sum(t.score for r in results for t in r.tests) < sum(t.points for r in results for t in r.tests) / 2


def test_float64_inside_keeps_full_marks(course, tmp_path):
    """CURRICULUM.md: working in float64 and casting back to the input's dtype keeps full marks
    on every float32 test, recorded Keras cases included."""
    folder = tmp_path / "float64"
    folder.mkdir()
    for module in course.graded_modules():
        kinds = nl._top_level((course.root / "solutions" / f"{module}.py").read_text())
        replaced = [nl.Replacement(f"{module}.{name}", "float64_inside")
                    for name, kind in kinds.items() if kind == "function"]
        (folder / f"{module}.py").write_text(nl.learner_source(course, module, replaced))
    result = grade_submission(folder, course, warn_seed=False, modules=course.graded_modules())
    assert not result.error
    assert [(t.name, t.output[:300]) for t in result.tests if not t.passed] == []


def test_exceptions_name_contract_functions_and_their_tests(course):
    for (function, strategy), (fragment, reason) in nl.EXCEPTIONS.items():
        module, name = function.split(".")
        assert name in nl._top_level((course.root / "solutions" / f"{module}.py").read_text())
        assert strategy in nl.NULL_STRATEGIES and reason
        assert function in (course.root / "graders" / "README.md").read_text()


def test_conflict_groups_keep_callers_apart():
    calls = {"backprop.dense_backward: numerical": {"backprop.dense_forward", "backprop.dense_backward"},
             "backprop.dense_forward: random": {"backprop.dense_forward"},
             "backprop.relative_error: two arrays": {"backprop.relative_error"},
             "mlp.MLPClassifier: digits": {"mlp.MLPClassifier.fit", "mlp.MLPClassifier"}}
    functions = ["backprop.dense_forward", "backprop.dense_backward", "backprop.relative_error",
                 "mlp.MLPClassifier"]
    groups = nl.conflict_groups(functions, calls)
    together = {f: i for i, g in enumerate(groups) for f in g}
    assert together["backprop.dense_forward"] != together["backprop.dense_backward"]
    assert len(groups) == 2 and sorted(f for g in groups for f in g) == sorted(functions)
