"""The pytest plugin that turns graders/ into scores for one submission.

It provides the `learner`, `ref` and `rng` fixtures and the `points` marker (see
graders/README.md), checks every grader test is named "module.function: ..." and has points, and
records each test as a `TestResult`: passed, failed with the learner-facing reason, or a grader
error. An exception that is not a `GradingFailure` is a grader error only with proof: the test,
rerun at once with the reference in the learner's place (`nnlab.grading.proof`), fails too;
when the reference passes, the learner's values broke the grader and the test is theirs.

Each test also says what it compared with, its oracle (`nnlab.grading.results.ORACLES`):
`@pytest.mark.oracle("keras")` (or "numerical", "sklearn", "reference") names it; without the
marker, a test that reads recorded Keras cases (a parameter, or a module-level name the test
uses, holding `BaselineCase`s) compares with Keras, and any other test with the reference.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import numpy as np
import pytest

from nnlab.course import CURRICULUM_MODULES
from nnlab.grading.figures import Figure, FigureRecorder
from nnlab.grading.learner import LearnerProxy
from nnlab.grading.proof import prove_fault
from nnlab.baselines.recorded import BaselineCase
from nnlab.grading.results import ORACLES, TestResult
from nnlab.outcome import Detail, GradingFailure, Outcome
from nnlab.seeds import LearnerSeeds

NAME = re.compile(r"^(%s)\.[A-Za-z_][A-Za-z0-9_]*(: .+)?$" % "|".join(CURRICULUM_MODULES))
MAX_OUTPUT_CHARS = 4000


class GradingPlugin:
    def __init__(self, learner: LearnerProxy, learner_id: str, seeds: LearnerSeeds,
                 functions: set[str] | None = None):
        self.learner_proxy = learner
        self.functions = functions  # only tests of these "module.function"s run (None: all)
        self.learner_id = learner_id
        self.seeds = seeds  # this learner's seeds only: the master seed never reaches here
        self.results: list[TestResult] = []
        self.recorded_figures: list[Figure] = []
        self.collection_errors: list[str] = []
        self._names: dict[str, tuple[str, float]] = {}
        self.oracles: dict[str, str] = {}  # nodeid -> a key of ORACLES
        self._recorded: set[str] = set()
        self.calls_by_test: dict[str, set[str]] = {}  # test name -> "module.function"s it called

    # -- markers and collection ------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): what a grader test is worth")
        config.addinivalue_line("markers", "seconds_per_call(s): a longer wall-clock limit for "
                                "each learner call in this test (training exercises)")
        config.addinivalue_line("markers", "oracle(name): what the test compares with, one of "
                                + ", ".join(repr(o) for o in ORACLES))

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("points")
            doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
            title = doc[0].strip() if doc else ""
            if marker is None or not marker.args or not isinstance(marker.args[0], (int, float)):
                self.collection_errors.append(f"{item.nodeid}: grader test has no @pytest.mark.points(n)")
                continue
            callspec = getattr(item, "callspec", None)
            params = callspec.params if callspec is not None else {}
            templated = "{" in title
            if templated:
                # One test parametrized over several functions: "activations.{fn}: float32 stays
                # float32" becomes a title per function, so each names its own function.
                try:
                    title = title.format(**params)
                except (KeyError, IndexError, ValueError) as error:
                    self.collection_errors.append(
                        f"{item.nodeid}: the docstring's title {title!r} names a parameter the "
                        f"test does not have ({error})")
                    continue
            if not NAME.match(title):
                self.collection_errors.append(
                    f"{item.nodeid}: the docstring's first line must start with 'module.function' "
                    f"(got {title!r})")
                continue
            name = f"{title} [{callspec.id}]" if callspec is not None and not templated else title
            oracle = oracle_of(item)
            if oracle not in ORACLES:
                self.collection_errors.append(
                    f"{item.nodeid}: unknown oracle {oracle!r}; expected one of {list(ORACLES)}")
                continue
            self._names[item.nodeid] = (name, float(marker.args[0]))
            self.oracles[item.nodeid] = oracle
        if self.functions is not None:
            # Grade only some functions (verify's mistake checks): the other tests never run.
            keep = [i for i in items if i.nodeid not in self._names
                    or self._names[i.nodeid][0].split(":", 1)[0] in self.functions]
            dropped = [i for i in items if i not in keep]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    def pytest_make_parametrize_id(self, config: pytest.Config, val: Any, argname: str) -> str | None:
        # a recorded Keras case as a parameter is named by its case name ("bce_f64")
        return val.name if isinstance(val, BaselineCase) else None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    # -- fixtures ----------------------------------------------------------------------------
    @pytest.fixture
    def learner(self) -> LearnerProxy:
        return self.learner_proxy

    @pytest.fixture
    def ref(self) -> Any:
        return _ReferenceModules()

    @pytest.fixture
    def figures(self) -> FigureRecorder:
        return FigureRecorder(self.recorded_figures)

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        return self._rng_for(request.node)

    def _rng_for(self, node: pytest.Item) -> np.random.Generator:
        # the grader file's module (graders/test_<module>.py) picks the learner seed
        module = node.path.stem.removeprefix("test_")
        return np.random.default_rng(self.seeds.generator_seed(module, node.nodeid))

    # -- results -----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        self.learner_proxy.stdout.clear()
        self.learner_proxy.calls.clear()
        self.learner_proxy.called.clear()
        self.learner_proxy.comparator.take_notes()  # notes belong to the test that made them
        marker = item.get_closest_marker("seconds_per_call")
        self.learner_proxy.seconds_per_call = float(marker.args[0]) if marker and marker.args else None
        try:
            return (yield)
        except GradingFailure:
            raise
        except Exception as error:
            # Not yet known whose fault: rerun with the reference in the learner's place. A
            # grader fault needs proof (the reference fails too); otherwise the learner's
            # values broke the grader, and the test is theirs to lose (nnlab.grading.proof).
            raise prove_fault(item, error, self.learner_proxy,
                              lambda: self._rng_for(item),
                              FigureRecorder([])) from error
        finally:
            self.learner_proxy.seconds_per_call = None
            self.learner_proxy.calls.clear()
            if item.nodeid in self._names:  # which learner functions this test called
                self.calls_by_test.setdefault(self._names[item.nodeid][0], set()).update(
                    self.learner_proxy.called)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if item.nodeid not in self._names:
            return report
        name, points = self._names[item.nodeid]
        if call.when == "setup" and call.excinfo is None:
            return report
        if call.when == "teardown" and (call.excinfo is None or item.nodeid in self._recorded):
            return report
        self._recorded.add(item.nodeid)
        if call.when == "call" and call.excinfo is None:
            # a passed test may say which accepted convention the learner followed
            comparator = self.learner_proxy.comparator
            accepted = "; ".join(dict.fromkeys(comparator.accepted.values()))
            notes = " ".join(comparator.take_notes())
            self.results.append(TestResult(name, points, points, notes, Outcome.PASSED, call.duration,
                                           self.oracles[item.nodeid],
                                           detail=Detail(function=name.split(":", 1)[0],
                                                         accepted=accepted) if accepted else None))
            return report
        error = call.excinfo.value if call.excinfo else None
        if isinstance(error, GradingFailure) and error.outcome is not Outcome.GRADER_ERROR:
            outcome, output = error.outcome, str(error)
        elif isinstance(error, GradingFailure):  # the sandbox could not start: not the learner's
            outcome = Outcome.GRADER_ERROR
            output = (f"nnlab grader error (not a fault in your code; your instructor has been "
                      f"told): {error}")
        else:
            outcome = Outcome.GRADER_ERROR
            output = (f"nnlab grader error in the {call.when} of this test (not a fault in your "
                      f"code; your instructor has been told): {call.excinfo.typename}: {error}")
        printed = ""
        if self.learner_proxy.stdout and outcome is not Outcome.GRADER_ERROR:
            printed = "\n".join("".join(self.learner_proxy.stdout)[:1000].splitlines()[:15])
        self.results.append(TestResult(name, points, 0.0, output[:MAX_OUTPUT_CHARS], outcome,
                                       call.duration, self.oracles[item.nodeid],
                                       diagnosis=getattr(error, "diagnosis", "") or "",
                                       misconception=getattr(error, "misconception", "") or "",
                                       problem=getattr(error, "problem", "") or "",
                                       printed=printed, detail=_detail_of(error)))
        return report


def _detail_of(error: BaseException | None) -> Detail | None:
    """The failure's structure as the comparator set it (a copy, so the result owns it)."""
    detail = getattr(error, "detail", None)
    return Detail(**vars(detail)) if isinstance(detail, Detail) else None


def oracle_of(item: pytest.Item) -> str:
    """What a grader test compares with: its `oracle` marker's name; else "keras" when it reads
    recorded Keras cases (a parameter, or a module-level name its code uses, holding
    `BaselineCase`s); else "reference"."""
    marker = item.get_closest_marker("oracle")
    if marker is not None:
        return marker.args[0] if marker.args else ""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(_holds_case(v) for v in callspec.params.values()):
        return "keras"
    function = getattr(item, "function", None)
    code = getattr(function, "__code__", None)
    if code is not None:
        module_names = getattr(function, "__globals__", {})
        if any(_holds_case(module_names.get(n)) for n in _names_used(code)):
            return "keras"
    return "reference"


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):  # a nested function, lambda or comprehension
            names |= _names_used(const)
    return names


def _holds_case(value: Any) -> bool:
    if isinstance(value, BaselineCase):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, BaselineCase) for v in value)
    if isinstance(value, dict):
        return any(_holds_case(v) for v in value.values())
    return False


class _ReferenceModules:
    """`ref.activations` imports reference/activations.py (the course root is on sys.path)."""

    def __getattr__(self, module: str) -> Any:
        if module.startswith("_"):
            raise AttributeError(module)
        return importlib.import_module(f"reference.{module}")

