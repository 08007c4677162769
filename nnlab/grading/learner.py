"""The `learner` fixture: a proxy through which graders call learner code in the sandbox.

`learner.activations.sigmoid(x)` calls `sigmoid` in the worker that holds activations.py and
returns plain data. Anything that goes wrong on the learner's side (an exception,
NotImplementedError, a timeout, a crash, a module that will not import or was not submitted)
raises `LearnerFailure`, a `GradingFailure` carrying its `Outcome`: the test fails and its
message explains.

The proxy also carries the course's `Comparator`, so `check_call(learner.mod.fn, ...)` compares
with the tolerances of this course's course.yml, and nothing module-level is configured.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from nnlab.course import Limits
from nnlab.grading.compare import Comparator, bound_arguments, describe_call, input_shapes
from nnlab.grading.submission import Submission
from nnlab.outcome import Detail, GradingFailure, LearnerFailure, Outcome
from nnlab.sandbox.protocol import FunctionRef, Opaque
from nnlab.sandbox.worker import CallResult, Worker


MAX_CALLS_KEPT = 200  # learner calls remembered per test (a training test makes a few)


class LearnerProxy:
    """One submission's workers, one per learner module: `learner.losses`, `learner.activations`."""

    def __init__(self, submission: Submission, limits: Limits, comparator: Comparator):
        self._submission = submission
        self._limits = limits
        self._workers: dict[str, Worker] = {}
        self._starting: dict[str, Future] = {}  # workers still starting in the background
        self.comparator = comparator
        self.stdout: list[str] = []  # learner prints during the current test
        self.seconds_per_call: float | None = None  # a test's own limit, when it sets one
        # A function that once ran past its limit is not waited on again in this grading: later
        # calls fail at once with the first reason, so a hang costs one time limit per function,
        # not one per test. A slow but correct function never times out, so it is never tripped;
        # a later test that grants a longer limit (seconds_per_call) still runs it.
        self.timed_out: dict[str, tuple[str, float]] = {}
        # ("module.function", value) of each learner call in the current test, for the proof
        # that a grader error is the grader's fault (nnlab.grading.proof)
        self.calls: list[tuple[str, Any]] = []
        self.called: set[str] = set()  # every "module.function" called in the current test
        # The whole submission's wall-clock budget: once it is used up, every later call fails
        # at once, and a call never waits past it (one slow learner cannot hold a class run).
        self.budget = limits.seconds_per_submission
        self.deadline = time.monotonic() + self.budget

    def __getattr__(self, module: str) -> "ModuleProxy":
        if module.startswith("_"):
            raise AttributeError(module)
        return ModuleProxy(self, module)

    # -- workers ---------------------------------------------------------------------------
    def start(self, modules: list[str], wait: bool = True) -> None:
        """Start the workers of `modules` side by side (each start waits on an import).

        With `wait=False` they start in the background: the grading goes on collecting the
        graders meanwhile (about as long as a start), and a test waits only for its own module.
        """
        wanted = [m for m in modules if f"{m}.py" in self._submission.files
                  and m not in self._submission.problems and m not in self._workers
                  and m not in self._starting]
        if not wanted:
            return
        pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="nnlab-start")
        for module in wanted:
            self._starting[module] = pool.submit(self._new_worker, module)
        pool.shutdown(wait=False)
        if wait:
            self._settle_starts()

    def _settle_starts(self) -> None:
        """Wait for every background start (a start that raised raises here)."""
        for module in list(self._starting):
            self._workers[module] = self._starting.pop(module).result()

    def budget_left(self) -> float:
        """Seconds left of the submission's budget; past it, a `LearnerFailure` saying so."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LearnerFailure(Outcome.TIMEOUT, f"the submission time budget of {self.budget:g} s "
                                 f"is used up (course.yml limits.seconds_per_submission), so this "
                                 f"test was not run")
        return left

    def worker(self, module: str) -> Worker:
        self.budget_left()
        if module in self._submission.problems:
            raise LearnerFailure(Outcome.IMPORT_ERROR, self._submission.problems[module])
        if f"{module}.py" not in self._submission.files:
            raise LearnerFailure(Outcome.MISSING, f"{module}.py is not in this submission.")
        if module in self._starting:
            self._workers[module] = self._starting.pop(module).result()
        if module not in self._workers:
            self._workers[module] = self._new_worker(module)
        return self._workers[module]

    def _new_worker(self, module: str) -> Worker:
        worker = Worker(module, self._submission.files, self._limits.for_module(module))
        worker.start()
        return worker

    @property
    def isolation(self) -> dict:
        """The sandbox facts for results.json, with what learner code tampered with, by module."""
        self._settle_starts()
        facts = dict(next((w.isolation for w in self._workers.values() if w.isolation), {}))
        facts.pop("tampered", None)
        tampered = {module: w.tampered for module, w in self._workers.items() if w.tampered}
        if tampered:
            facts["tampered"] = tampered
        return facts

    def close(self) -> None:
        for future in self._starting.values():  # a start still running is stopped once done
            try:
                future.result().stop()
            except Exception:  # it never started; nothing to stop
                pass
        self._starting.clear()
        for worker in self._workers.values():
            worker.stop()
        self._workers.clear()

    def __enter__(self) -> "LearnerProxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------
    def call_function(self, module: str, name: str, args: tuple, kwargs: dict) -> CallResult:
        worker = self.worker(module)
        try:
            return self._settle(worker, lambda: worker.call(name, _refs(args), _refs(kwargs)),
                                f"{module}.{name}")
        except LearnerFailure as failure:
            # what was called, as structure, where the call itself failed (raised, timed out)
            if failure.detail is None:
                failure.detail = Detail(
                    function=f"{module}.{name}",
                    call=describe_call(f"{module}.{name}", None, args, kwargs),
                    shapes=input_shapes(bound_arguments(None, args, kwargs)))
            raise

    def module_value(self, module: str, name: str) -> Any:
        worker = self.worker(module)
        return self._settle(worker, lambda: worker.get(name), f"{module}.{name}").value

    def method(self, obj: Opaque, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a method of an object learner code made (e.g. `fit` of an MLPClassifier)."""
        return self.method_call(obj, name, *args, **kwargs).value

    def method_call(self, obj: Opaque, name: str, *args: Any, **kwargs: Any) -> CallResult:
        worker = _owner(obj)
        return self._settle(worker, lambda: worker.call_method(obj, name, _refs(args), _refs(kwargs)),
                            f"{worker.module}.{getattr(obj, 'type_name', 'object')}.{name}")

    def attribute(self, obj: Opaque, name: str) -> Any:
        worker = _owner(obj)
        return self._settle(worker, lambda: worker.attribute(obj, name)).value

    def _settle(self, worker: Worker, request: Callable[[], CallResult], key: str = "") -> CallResult:
        """Run one request with this test's time limit; keep what learner code printed, and tag
        opaque values with their worker so they can be passed back to it."""
        limit = self.seconds_per_call or self._limits.seconds_per_test
        if key and key in self.timed_out and limit <= self.timed_out[key][1]:
            raise LearnerFailure(Outcome.TIMEOUT, f"{self.timed_out[key][0]} (an earlier call of "
                                 f"{key} ran past the limit, so it was not run again)")
        left = self.budget_left()
        clipped = left < (self.seconds_per_call or worker.limits.seconds_per_test)
        worker.seconds_per_call = left if clipped else self.seconds_per_call
        try:
            result = request()
        except LearnerFailure as failure:
            if failure.stdout:
                self.stdout.append(failure.stdout)
            if clipped and failure.outcome is Outcome.TIMEOUT:
                raise LearnerFailure(Outcome.TIMEOUT, f"the submission time budget of {self.budget:g} s "
                                     f"was used up during this call (course.yml "
                                     f"limits.seconds_per_submission); the sandbox was stopped",
                                     failure.stdout) from None
            if key and failure.outcome is Outcome.TIMEOUT:
                self.timed_out[key] = (failure.message.splitlines()[0] if failure.message
                                       else "timed out", limit)
            raise
        if result.stdout:
            self.stdout.append(result.stdout)
        result.value = _own(result.value, worker)
        if len(self.calls) < MAX_CALLS_KEPT:
            self.calls.append((key, result.value))
        self.called.add(key)
        return result


class ModuleProxy:
    def __init__(self, learner: LearnerProxy, module: str):
        self._learner = learner
        self._module = module

    def __getattr__(self, name: str) -> "FunctionProxy":
        if name.startswith("_"):
            raise AttributeError(name)
        return FunctionProxy(self._learner, self._module, name)

    def value(self, name: str) -> Any:
        """A module-level constant such as `XOR_X` or `AND_GATE`."""
        return self._learner.module_value(self._module, name)


class FunctionProxy:
    """One learner function. Calling it returns the value; `.call()` the whole `CallResult`."""

    def __init__(self, learner: LearnerProxy, module: str, name: str):
        self._learner = learner
        self.module = module
        self.name = name
        self.qualname = f"{module}.{name}"

    @property
    def comparator(self) -> Comparator:
        return self._learner.comparator

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs).value

    def call(self, *args: Any, **kwargs: Any) -> CallResult:
        return self._learner.call_function(self.module, self.name, args, kwargs)

    def __repr__(self) -> str:
        return f"<learner function {self.qualname}>"


def _owner(obj: Any) -> Worker:
    if not isinstance(obj, Opaque) or obj.owner is None:
        raise GradingFailure(f"expected an object made by learner code, got {type(obj).__name__}")
    return obj.owner


def _refs(values: Any) -> Any:
    """Learner functions passed as arguments cross as references by name."""
    if isinstance(values, tuple):
        return tuple(_refs(v) for v in values)
    if isinstance(values, dict):
        return {k: _refs(v) for k, v in values.items()}
    if isinstance(values, FunctionProxy):
        return FunctionRef(values.qualname)
    return values


def _own(value: Any, worker: Worker) -> Any:
    """Tag opaque values with the worker they live in, so they can be passed back there."""
    if isinstance(value, Opaque):
        return dataclasses.replace(value, owner=worker)
    if isinstance(value, tuple):
        return tuple(_own(v, worker) for v in value)
    if isinstance(value, list):
        return [_own(v, worker) for v in value]
    if isinstance(value, dict):
        return {k: _own(v, worker) for k, v in value.items()}
    return value
