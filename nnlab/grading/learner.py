"""The `learner` fixture: a proxy through which graders call learner code in the sandbox.

`learner.activations.sigmoid(x)` starts (once) a sandboxed worker for activations.py, calls
`sigmoid` there, and returns plain data. Anything that goes wrong on the learner's side (an
exception, NotImplementedError, a timeout, a crash, a module that will not import or was not
submitted) raises `LearnerError`, a `GradingFailure`: the test fails and its message explains.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nnlab.grading.compare import GradingFailure
from nnlab.grading.submission import Submission
from nnlab.sandbox.protocol import FunctionRef, Opaque
from nnlab.sandbox.worker import CallResult, LearnerFailure, Limits, Worker


class LearnerError(GradingFailure):
    """Learner code failed to produce a value; `kind` as in `LearnerFailure`."""

    def __init__(self, message: str, kind: str = "raised", stdout: str = ""):
        super().__init__(message)
        self.kind = kind
        self.stdout = stdout


class LearnerProxy:
    """Attribute access by module name: `learner.losses`, `learner.activations`."""

    def __init__(self, submission: Submission, limits: Limits, hide: list[str], course_root: str):
        self._submission = submission
        self._limits = limits
        self._hide = hide
        self._course_root = course_root
        self._workers: dict[str, Worker] = {}
        self.stdout: list[str] = []  # learner prints during the current test
        self.seconds_per_call: float | None = None  # a test's own limit, when it sets one

    def __getattr__(self, module: str) -> "ModuleProxy":
        if module.startswith("_"):
            raise AttributeError(module)
        return ModuleProxy(self, module)

    def worker(self, module: str) -> Worker:
        if module in self._submission.problems:
            raise LearnerError(self._submission.problems[module], kind="import")
        if f"{module}.py" not in self._submission.files:
            raise LearnerError(f"{module}.py is not in this submission.", kind="missing")
        if module not in self._workers:
            self._workers[module] = self._new_worker(module)
        return self._workers[module]

    def prestart(self, modules: list[str]) -> None:
        """Start the workers of `modules` side by side (each start waits on an import)."""
        from concurrent.futures import ThreadPoolExecutor

        wanted = [m for m in modules if f"{m}.py" in self._submission.files
                  and m not in self._submission.problems and m not in self._workers]
        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            for module, worker in zip(wanted, pool.map(self._new_worker, wanted)):
                self._workers[module] = worker

    def _new_worker(self, module: str) -> Worker:
        worker = Worker(module, self._submission.files, self._limits, self._hide, self._course_root)
        worker.start()
        return worker

    def run(self, worker: Worker, action: str, *args: Any) -> Any:
        worker.seconds_per_call = self.seconds_per_call
        try:
            result = getattr(worker, action)(*args)
        except LearnerFailure as failure:
            if failure.stdout:
                self.stdout.append(failure.stdout)
            raise LearnerError(failure.message, failure.kind, failure.stdout) from None
        if isinstance(result, CallResult):
            if result.stdout:
                self.stdout.append(result.stdout)
            result.value = _own(result.value, worker)
        else:
            result = _own(result, worker)
        return result

    def method(self, obj: Opaque, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a method of an object learner code made (e.g. `fit` of an MLPClassifier)."""
        return self.method_call(obj, name, *args, **kwargs).value

    def method_call(self, obj: Opaque, name: str, *args: Any, **kwargs: Any) -> CallResult:
        if not isinstance(obj, Opaque) or obj.owner is None:
            raise GradingFailure(f"expected an object made by learner code, got {type(obj).__name__}")
        return self.run(obj.owner, "call_method", obj, name, _refs(args), _refs(kwargs))

    def attribute(self, obj: Opaque, name: str) -> Any:
        if not isinstance(obj, Opaque) or obj.owner is None:
            raise GradingFailure(f"expected an object made by learner code, got {type(obj).__name__}")
        return self.run(obj.owner, "attribute", obj, name)

    @property
    def isolation(self) -> dict:
        return next((w.isolation for w in self._workers.values() if w.isolation), {})

    def close(self) -> None:
        for worker in self._workers.values():
            worker.stop()
        self._workers.clear()


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
        return self._learner.run(self._learner.worker(self._module), "get", name)


class FunctionProxy:
    """One learner function. Calling it returns the value; `.call()` the whole `CallResult`."""

    def __init__(self, learner: LearnerProxy, module: str, name: str):
        self._learner = learner
        self.module = module
        self.name = name
        self.qualname = f"{module}.{name}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs).value

    def call(self, *args: Any, **kwargs: Any) -> CallResult:
        worker = self._learner.worker(self.module)
        return self._learner.run(worker, "call", self.name, _refs(args), _refs(kwargs))

    def __repr__(self) -> str:
        return f"<learner function {self.qualname}>"


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
