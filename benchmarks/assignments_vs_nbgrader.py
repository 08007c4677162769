"""Grading whole assignments with nnlab, beside nbgrader running the very same grader tests.

Run by hand, not by CI (nothing here asserts on time):

    .venv/bin/python benchmarks/assignments_vs_nbgrader.py [--runs 3] [--only a1-4,a5-6,a5-6-loops]
                                                           [--json PATH] [--keep]

Three submissions are graded, each by both tools:

- `a1-4`: assignments 1 to 4, the modules perceptron, activations, losses, gradient_descent,
  backprop, xor and mlp, copied from solutions/ (MLP training included). Target: under 8 s.
- `a5-6`: assignments 5 and 6, conv, rnn and lstm from solutions/ (vectorised). Target: under 5 s.
- `a5-6-loops`: the same modules written with plain loops (tests/graders/loop_conv.py as conv.py,
  tests/graders/per_sample/rnn.py and lstm.py). Target: under 30 s.

**nnlab**: `python -m nnlab grade <folder> --out <tmp> --force --course <repo>`, timed as a whole
process (interpreter start-up, imports, one sandboxed worker per module, pytest on
graders/test_<module>.py, results and figures written). Then, in this process, after one
untimed warm-up, `grade_submission` on the same folder with its phases timed: reading the
submission, starting the workers, the graders (and, inside them, the learner-call round trips),
stopping the workers, writing results.json, feedback.md and the PNG figures.

**nbgrader, the equivalent.** The earlier benchmark (grading_vs_nbgrader.py) replays recorded
calls with literal expected values, which cannot carry caches, learner objects, generators or
grader functions. Here the notebook runs the grader tests themselves:

- a locked helper cell puts the repository on sys.path, collects graders/test_<module>.py with
  pytest (`--collect-only`, the same arguments and parametrize ids as nnlab, so every test has
  the same node id), and defines a local stand-in for the `learner` fixture;
- per module, one solution cell holding that module's code (the learner's work), followed by a
  locked cell that records which functions that cell defined;
- one hidden grade cell per nnlab grader test, worth the same points, that calls that test's
  function with its parameters and the fixtures `learner` (the stand-in), `ref` (the reference
  package), `rng` (seeded exactly as nnlab seeds it: course seed, learner id, node id) and
  `figures` (recorded, not drawn).

The stand-in calls the notebook's functions directly, in the kernel, but keeps what the
sandbox's boundary does to data, so that graders see the same values: arguments and return
values are copied when they are plain data (arrays, numbers, lists, tuples, str-keyed dicts, a
Generator by value), learner objects (an MLPClassifier, an opaque cache) pass by reference,
a `FunctionRef` becomes the function it names (the notebook's, or NumPy's),
`GraderFunction`s are compiled for the call, arguments changed in place are reported in
`CallResult.mutated`, NumPy warnings are recorded with NumPy's default error settings, and an
exception in learner code becomes a `LearnerFailure` (NOT_IMPLEMENTED or FAILED) as it would
from a worker. A grader test that fails raises, so its cell scores 0.

What still differs, honestly:

- nnlab adds its sandbox (one worker process per module, each call a round trip through a
  pipe with the arrays serialised) and pytest's per-test protocol; nbgrader adds its kernel
  (start-up, one execute request per cell, shutdown), its gradebook (SQLite) and the
  notebook's conversion. Neither is counted out: that is the comparison.
- No time limits in the kernel (nbgrader has one per cell, set to 600 s here); nnlab kills a
  call past its limit. No isolation in the kernel at all: learner code could read the graders.
- nnlab draws the loss-curve and decision-boundary PNGs and writes feedback.md; the
  notebook's `figures` only records the numbers.
- The solution cells hold each module's code without its `if __name__ == "__main__":`
  demo blocks (a kernel's `__name__` is "__main__": they would plot and print at every
  autograde, and nnlab never runs them).
- One notebook holds all the modules. Where two modules define the same name (`sigmoid` in
  activations and xor, `ACTIVATIONS` in backprop and mlp), the cell after each module
  rebinds that module's functions to a snapshot of the namespace as it stood after the
  module's cell, so each module keeps calling its own helpers, as separate files would.
  Classes keep the live namespace (only mlp defines classes, and it comes last).

The runs of the two tools take turns (nnlab, nbgrader, nnlab, ...), so both meet the same
background load. It prints a table per submission, where nnlab's time goes, the kernel's
phases (nbclient on the submitted notebook: start-up, cells, shutdown, and the time spent
inside learner code), and the figures as JSON on its last line (and to --json PATH).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grading_vs_nbgrader as base  # noqa: E402  (its timing helpers and the gradebook reader)

REPO = base.REPO
LEARNER = base.LEARNER          # "learner1": the submission folder's name, nnlab's learner id
ASSIGNMENT = base.ASSIGNMENT    # "bench"
BENCH_SEED = base.BENCH_SEED
CELL_TIMEOUT = 600

A14 = ("perceptron", "activations", "losses", "gradient_descent", "backprop", "xor", "mlp")
A56 = ("conv", "rnn", "lstm")
SCENARIOS = {
    "a1-4": ({m: f"solutions/{m}.py" for m in A14}, 8.0,
             "assignments 1-4 (perceptron, activations, losses, gradient_descent, backprop, xor, "
             "mlp), solutions/"),
    "a5-6": ({m: f"solutions/{m}.py" for m in A56}, 5.0,
             "assignments 5-6 (conv, rnn, lstm), solutions/ (vectorised)"),
    "a5-6-loops": ({"conv": "tests/graders/loop_conv.py", "rnn": "tests/graders/per_sample/rnn.py",
                    "lstm": "tests/graders/per_sample/lstm.py"}, 30.0,
                   "assignments 5-6 written with plain loops (tests/graders/loop_conv.py, "
                   "tests/graders/per_sample/)"),
}


# -- the notebook's helper cell (also executed here, to list the tests) --------------------------

HARNESS = '''\
# The grading harness (locked): the nnlab grader tests, run here against this notebook's code.
import copy, importlib, inspect, math, sys, time, types, warnings
import numpy as np

REPO, SEED, LEARNER_ID, GRADERS = {repo!r}, {seed!r}, {learner!r}, {graders!r}
if REPO not in sys.path:
    sys.path.insert(0, REPO)
import pytest
from nnlab.baselines.recorded import BaselineCase
from nnlab.course import load_course
from nnlab.seeds import LearnerSeeds
from nnlab.grading.compare import Comparator
from nnlab.grading.figures import FigureRecorder
from nnlab.grading.plugin import _ReferenceModules
from nnlab.outcome import LearnerFailure, Outcome
from nnlab.sandbox.protocol import FunctionRef, GraderFunction
from nnlab.sandbox.worker import CallResult


class _Collector:
    """Collects the grader tests with nnlab's parametrize ids, so node ids match nnlab's."""

    def __init__(self):
        self.items = []

    def pytest_configure(self, config):
        for marker in ("points(n)", "seconds_per_call(s)", "oracle(name)"):
            config.addinivalue_line("markers", marker)

    def pytest_make_parametrize_id(self, config, val, argname):
        return val.name if isinstance(val, BaselineCase) else None

    def pytest_collection_modifyitems(self, config, items):
        self.items = list(items)


def _collect(files):
    import contextlib, io, os
    collector = _Collector()
    args = [*files, "-q", "--collect-only", "--no-header", "-p", "no:cacheprovider",
            "--disable-plugin-autoload", "--import-mode=importlib", "--rootdir",
            os.path.join(REPO, "graders"), "-c", os.devnull,
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[collector])
    return collector.items


def _cross(value):
    """What crossing the sandbox boundary does: plain data is copied, objects stay themselves."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc" and value.dtype.fields is None:
        return value.copy()
    if isinstance(value, np.generic):
        return value.copy()
    if type(value) is list:
        return [_cross(v) for v in value]
    if type(value) is tuple:
        return tuple(_cross(v) for v in value)
    if type(value) is dict and all(type(k) is str for k in value):
        return {{k: _cross(v) for k, v in value.items()}}
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)  # a Generator crosses by value: the caller's is not advanced
    if isinstance(value, _Function):
        return value.target()
    if isinstance(value, FunctionRef):  # a learner function by name: "activations.tanh"
        module, _, name = value.qualname.partition(".")
        if module in _MODULES:
            return _MODULES[module][name]
        return getattr(importlib.import_module(module), name)  # "numpy.sum", as a worker does
    if isinstance(value, GraderFunction):
        namespace = {{"np": np, "math": math}}
        exec(compile(value.source, "<grader function %s>" % value.name, "exec"), namespace)
        return namespace[value.name]
    return value


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {{k: _snapshot(v) for k, v in value.items()}}
    return None


def _changed(before, after):
    if isinstance(before, np.ndarray):
        return not (before.shape == np.shape(after)
                    and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)):
        return (not isinstance(after, (list, tuple)) or len(before) != len(after)
                or any(_changed(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return (not isinstance(after, dict) or set(before) != set(after)
                or any(_changed(before[k], after[k]) for k in before))
    return False


def _arg_name(target, index):
    try:
        return list(inspect.signature(target).parameters)[index]
    except Exception:
        return "argument %d" % (index + 1)


class _Learner:
    """The `learner` fixture's stand-in: the same interface, calling this notebook's code."""

    def __init__(self, comparator):
        self.comparator = comparator
        self.stdout = []
        self.seconds_per_call = None
        self.calls = 0
        self.seconds = 0.0  # inside learner code

    def __getattr__(self, module):
        if module.startswith("_"):
            raise AttributeError(module)
        return _Module(self, module)

    def run(self, target, what, args, kwargs):
        args, kwargs = _cross(tuple(args)), _cross(dict(kwargs))
        before = [_snapshot(a) for a in args]
        before_kw = {{k: _snapshot(v) for k, v in kwargs.items()}}
        self.calls += 1
        began = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                    value = target(*args, **kwargs)
        except NotImplementedError:
            raise LearnerFailure(Outcome.NOT_IMPLEMENTED,
                                 "%s is not implemented yet (it raises NotImplementedError)." % what)
        except Exception as error:
            raise LearnerFailure(Outcome.FAILED, "%s raised %s: %s" % (what, type(error).__name__, error))
        finally:
            self.seconds += time.perf_counter() - began
        mutated = [_arg_name(target, i) for i, a in enumerate(args) if _changed(before[i], a)]
        mutated += [k for k, v in kwargs.items() if _changed(before_kw[k], v)]
        messages = ["%s: %s" % (w.category.__name__, w.message) for w in caught[:5]]
        return CallResult(_cross(value), mutated[:10], messages)

    def method(self, obj, name, *args, **kwargs):
        return self.method_call(obj, name, *args, **kwargs).value

    def method_call(self, obj, name, *args, **kwargs):
        return self.run(getattr(obj, name), name, args, kwargs)

    def attribute(self, obj, name):
        self.calls += 1
        return _cross(getattr(obj, name))


class _Module:
    def __init__(self, learner, module):
        self._learner, self._module = learner, module

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Function(self._learner, self._module, name)

    def value(self, name):
        self._learner.calls += 1  # a round trip in nnlab too
        return _cross(_MODULES[self._module][name])


class _Function:
    def __init__(self, learner, module, name):
        self._learner, self.module, self.name = learner, module, name
        self.qualname = "%s.%s" % (module, name)

    @property
    def comparator(self):
        return self._learner.comparator

    def target(self):
        return _MODULES[self.module][self.name]

    def __call__(self, *args, **kwargs):
        return self.call(*args, **kwargs).value

    def call(self, *args, **kwargs):
        return self._learner.run(self.target(), self.qualname, args, kwargs)


_MODULES = {{}}  # module name -> the namespace its functions run in


def _end_module(module, names):
    """After a module's solution cell: its functions keep calling this module's own helpers
    even when a later module's cell defines the same names."""
    space = dict(globals())
    for name in names:
        fn = space.get(name)
        if isinstance(fn, types.FunctionType) and fn.__globals__ is globals():
            clone = types.FunctionType(fn.__code__, space, fn.__name__, fn.__defaults__, fn.__closure__)
            clone.__kwdefaults__, clone.__dict__ = fn.__kwdefaults__, dict(fn.__dict__)
            clone.__doc__, clone.__qualname__ = fn.__doc__, fn.__qualname__
            space[name] = clone
    _MODULES[module] = space


_COURSE = load_course(REPO)
_LEARNER = _Learner(Comparator(_COURSE.tolerances))
_REF = _ReferenceModules()
_FIGURES = []
_TESTS = {{item.nodeid: item for item in _collect(GRADERS)}}


def _grade(nodeid):
    """Run one nnlab grader test against this notebook's functions; it raises on a lost point."""
    item = _TESTS[nodeid]
    params = item.callspec.params if hasattr(item, "callspec") else {{}}
    kwargs = {{}}
    for name in inspect.signature(item.obj).parameters:
        if name in params:
            kwargs[name] = params[name]
        elif name == "learner":
            kwargs[name] = _LEARNER
        elif name == "ref":
            kwargs[name] = _REF
        elif name == "rng":
            # SEED: this learner's seeds (nnlab.seeds), never the course's secret seed
            module = item.path.stem[len("test_"):]
            kwargs[name] = np.random.default_rng(LearnerSeeds.from_json(SEED).generator_seed(module, nodeid))
        elif name == "figures":
            kwargs[name] = FigureRecorder(_FIGURES)
        else:
            raise RuntimeError("no stand-in for the fixture %r" % name)
    with np.errstate(all="ignore"):
        item.obj(**kwargs)
'''


def harness(modules, seed: int) -> str:
    graders = [str(REPO / "graders" / f"test_{m}.py") for m in modules]
    return HARNESS.format(repo=str(REPO), seed=seed, learner=LEARNER, graders=graders)


def list_tests(modules, seed: int) -> list[tuple[str, float]]:
    """(node id, points) of every grader test, collected as the notebook collects them."""
    space: dict = {"__name__": "nnlab_bench_harness"}
    exec(compile(harness(modules, seed), "<harness>", "exec"), space)  # noqa: S102 (our text)
    tests = []
    for nodeid, item in space["_TESTS"].items():
        marker = item.get_closest_marker("points")
        tests.append((nodeid, float(marker.args[0])))
    graders = str(REPO / "graders") + os.sep
    for name in [n for n, m in list(sys.modules.items())
                 if (getattr(m, "__file__", None) or "").startswith(graders)]:
        del sys.modules[name]  # as nnlab's runner does: pytest keeps them by file name
    return tests


def module_code(source: str) -> str:
    """A module's code without its `if __name__ == "__main__":` blocks: the lesson's demos
    (plots, a worked example) that only the lab notebook runs. In a kernel `__name__` is
    "__main__", so left in they would run at every autograde; nnlab never runs them."""
    lines = source.splitlines()
    for node in reversed(ast.parse(source).body):
        test = node.test if isinstance(node, ast.If) else None
        if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
                and test.left.id == "__name__"):
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines) + "\n"


def defined_names(source: str) -> list[str]:
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


# -- one submission, both tools ------------------------------------------------------------------


class Scenario:
    def __init__(self, key: str, tmp: Path, env: dict, seed: int):
        self.key = key
        files, self.target, self.title = SCENARIOS[key]
        self.files = files
        self.modules = list(files)
        self.env = env
        self.seed = seed
        root = tmp / key
        self.submission = root / "nnlab" / "submissions" / LEARNER
        self.submission.mkdir(parents=True)
        for module, source in files.items():
            shutil.copy2(REPO / source, self.submission / f"{module}.py")
        self.out = root / "nnlab" / "out"
        self.in_process_out = root / "nnlab" / "out-in-process"
        self.nnlab_command = [sys.executable, "-m", "nnlab", "grade", str(self.submission),
                              "--out", str(self.out), "--force", "--course", str(REPO)]
        self.course_dir = root / "nbgrader-course"
        self.nbgrader_command = [*base.console_script("nbgrader", "nbgrader"), "autograde",
                                 ASSIGNMENT, "--force"]
        self.notebook = self.course_dir / "submitted" / LEARNER / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        self.nnlab_times: list[float] = []
        self.nbgrader_times: list[float] = []
        self.nnlab_cpu: list[float] = []
        self.nbgrader_cpu: list[float] = []
        self.failures: list[str] = []

    # nnlab in this process, its phases timed
    def grade_in_process(self) -> dict:
        from nnlab.course import load_course
        from nnlab.grading import learner as learner_mod
        from nnlab.grading import runner
        from nnlab.sandbox.worker import Worker

        course = load_course(REPO)
        phases = {"read submission": 0.0, "start workers": 0.0, "graders (pytest)": 0.0,
                  "learner calls (round trips)": 0.0, "stop workers": 0.0, "write results": 0.0}
        calls = [0]
        traffic = {"sent": 0, "received": 0}  # array bytes through the workers' pipes
        from nnlab.sandbox import protocol
        saved_write, saved_receive = protocol.write_message, Worker._receive

        def write_message(fd, header, blobs, *rest, **kw):
            traffic["sent"] += sum(len(b) for b in blobs)
            return saved_write(fd, header, blobs, *rest, **kw)

        def receive(worker, *args, **kwargs):
            reply, blobs = saved_receive(worker, *args, **kwargs)
            traffic["received"] += sum(len(b) for b in blobs)
            return reply, blobs

        saved = {"read": runner.read_submission, "graders": runner.run_graders,
                 "write": runner.write_submission_result, "start": learner_mod.LearnerProxy.start,
                 "close": learner_mod.LearnerProxy.close, "call": Worker._call}

        def timed(phase, fn):
            def wrapper(*args, **kwargs):
                began = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    phases[phase] += time.perf_counter() - began
            return wrapper

        def call(worker, *args, **kwargs):
            calls[0] += 1
            return timed("learner calls (round trips)", saved["call"])(worker, *args, **kwargs)

        runner.read_submission = timed("read submission", saved["read"])
        runner.run_graders = timed("graders (pytest)", saved["graders"])
        runner.write_submission_result = timed("write results", saved["write"])
        learner_mod.LearnerProxy.start = timed("start workers", saved["start"])
        learner_mod.LearnerProxy.close = timed("stop workers", saved["close"])
        Worker._call = call
        protocol.write_message, Worker._receive = write_message, receive
        try:
            began = time.perf_counter()
            result = runner.grade_submission(self.submission, course, out_dir=self.in_process_out,
                                             warn_seed=False)
            total = time.perf_counter() - began
        finally:
            runner.read_submission, runner.run_graders = saved["read"], saved["graders"]
            runner.write_submission_result = saved["write"]
            learner_mod.LearnerProxy.start = saved["start"]
            learner_mod.LearnerProxy.close = saved["close"]
            Worker._call = saved["call"]
            protocol.write_message, Worker._receive = saved_write, saved_receive
        if result.error or not result.tests:
            raise base.BenchError(f"grade_submission: {result.error or 'no grader tests ran'}")
        phases["total"] = total
        lost = [f"{t.name}: {t.output[:300]}" for t in result.tests if t.score < t.points]
        return {"phases": phases, "calls": calls[0], "traffic_mb": {k: round(v / 1e6, 2) for k, v in traffic.items()}, "tests": len(result.tests),
                "score": [result.score, result.max_score], "lost": lost[:5],
                "figures": len(result.figures)}

    # the nbgrader course
    def build_nbgrader(self, tests: list[tuple[str, float]]) -> None:
        import nbformat
        from nbformat import v4

        (self.course_dir / "source" / ASSIGNMENT).mkdir(parents=True)
        (self.course_dir / "nbgrader_config.py").write_text(textwrap.dedent(f'''\
            c = get_config()  # noqa: F821
            c.CourseDirectory.course_id = {base.COURSE_ID!r}
            c.CourseDirectory.root = {str(self.course_dir)!r}
            c.Execute.timeout = {CELL_TIMEOUT}
        '''), encoding="utf-8")

        def meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
            cell = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
                    "schema_version": 3}
            if points is not None:
                cell["points"] = points
            return {"nbgrader": cell}

        cells = [v4.new_markdown_cell(f"# {self.title}\n\nEvery nnlab grader test of these "
                                      f"modules, one grade cell each."),
                 v4.new_code_cell(harness(self.modules, self.seed),
                                  metadata=meta("harness", locked=True))]
        for module, source in self.files.items():
            code = module_code((REPO / source).read_text(encoding="utf-8"))
            cells.append(v4.new_code_cell(code, metadata=meta(f"solution_{module}", solution=True)))
            cells.append(v4.new_code_cell(f"_end_module({module!r}, {defined_names(code)!r})",
                                          metadata=meta(f"module_{module}", locked=True)))
        for index, (nodeid, points) in enumerate(tests):
            source = f"### BEGIN HIDDEN TESTS\n_grade({nodeid!r})\n### END HIDDEN TESTS"
            cells.append(v4.new_code_cell(source, metadata=meta(f"test_{index:03d}", grade=True,
                                                                locked=True, points=points)))
        notebook = v4.new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.write(notebook, self.course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        nbgrader = base.console_script("nbgrader", "nbgrader")
        self.generate_seconds, _ = base.run_timed([*nbgrader, "generate_assignment", ASSIGNMENT],
                                                  self.course_dir, self.env, 600)
        self.notebook.parent.mkdir(parents=True)
        shutil.copy2(self.course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", self.notebook)

    def nnlab_score(self) -> list[float]:
        results = json.loads((self.out / LEARNER / "results.json").read_text(encoding="utf-8"))
        return [results["score"], results["max_score"]]

    def kernel_phases(self) -> dict:
        """The submitted notebook executed here with nbclient, once: kernel start-up, cells,
        shutdown, and the time the stand-in spent inside learner code."""
        import nbformat
        from nbclient import NotebookClient
        from nbformat import v4

        notebook = nbformat.read(self.notebook, as_version=4)
        notebook.cells.append(v4.new_code_cell(
            "print(_LEARNER.calls, _LEARNER.seconds, len(_TESTS))"))
        marks: dict[str, float] = {}
        client = NotebookClient(
            notebook, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=True,
            resources={"metadata": {"path": str(self.notebook.parent)}},
            on_notebook_start=lambda **_: marks.__setitem__("ready", time.perf_counter()),
            on_cell_executed=lambda **_: marks.__setitem__("cells", time.perf_counter()))
        began = time.perf_counter()
        client.execute(stderr=subprocess.DEVNULL)
        ended = time.perf_counter()
        harness_cell = notebook.cells[1]
        per_cell = {"harness cell (imports, collection)": _cell_seconds(harness_cell)}
        grade = [c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        per_cell["grade cells"] = sum(_cell_seconds(c) for c in grade)
        # what no cell's own clock counts: nbclient's and the kernel's messaging around each cell
        per_cell["between cells"] = (marks["cells"] - marks["ready"]
                                     - sum(_cell_seconds(c) for c in notebook.cells))
        failed = [f"{c.source.splitlines()[1]}: {o.get('ename')}: {o.get('evalue', '')[:400]}"
                  for c in grade for o in c.get("outputs", []) if o.get("output_type") == "error"]
        text = "".join(o.get("text", "") for o in notebook.cells[-1].get("outputs", []))
        calls, inside, tests = (text.split() + ["nan"] * 3)[:3]
        return {"kernel start-up": marks["ready"] - began, "all cells": marks["cells"] - marks["ready"],
                "kernel shutdown": ended - marks["cells"], **per_cell,
                "inside learner code": float(inside), "learner calls": int(float(calls)) if calls != "nan" else None,
                "failed grade cells": len(failed), "failures": failed[:10]}


def _cell_seconds(cell) -> float:
    """A cell's execution time from the timestamps nbclient records."""
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


# -- the run --------------------------------------------------------------------------------------


def run_wall_cpu(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds of one whole process, and the CPU seconds (user + system) of it and the
    children it waited for (sandbox workers, the kernel): on a loaded machine the CPU figure
    moves much less than the wall time."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = base.run_timed(command, cwd, env, 900)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)



def measure(keys: list[str], runs: int, tmp: Path, env: dict) -> dict:
    from nnlab.course import load_course

    seed = load_course(REPO).learner_seeds(LEARNER, warn=False).to_json()
    figures: dict = {}
    for key in keys:
        scenario = Scenario(key, tmp, env, seed)
        entry: dict = {"title": scenario.title, "target_s": scenario.target}
        figures[key] = entry
        print(f"[{key}] setting up ...", file=sys.stderr, flush=True)
        try:
            warm = scenario.grade_in_process()  # untimed: lazy imports happen, and the counts
            entry["nnlab_counts"] = {k: warm[k] for k in ("tests", "calls", "score", "figures", "lost")}
        except base.BenchError as error:
            scenario.failures.append(f"nnlab: {error}")
        tests = list_tests(scenario.modules, seed)
        entry["grade_cells"] = len(tests)
        entry["points"] = sum(p for _, p in tests)
        nbgrader_ok = True
        try:
            scenario.build_nbgrader(tests)
            entry["generate_assignment_s"] = round(scenario.generate_seconds, 3)
        except base.BenchError as error:
            scenario.failures.append(f"nbgrader: {error}")
            nbgrader_ok = False
        nnlab_ok = True
        for run in range(runs):
            print(f"[{key}] run {run + 1}/{runs}", file=sys.stderr, flush=True)
            if nnlab_ok:
                try:
                    wall, cpu = run_wall_cpu(scenario.nnlab_command, REPO, env)
                    scenario.nnlab_times.append(wall)
                    scenario.nnlab_cpu.append(cpu)
                except base.BenchError as error:
                    scenario.failures.append(f"nnlab: {error}")
                    nnlab_ok = False
            if nbgrader_ok:
                try:
                    wall, cpu = run_wall_cpu(scenario.nbgrader_command, scenario.course_dir, env)
                    scenario.nbgrader_times.append(wall)
                    scenario.nbgrader_cpu.append(cpu)
                except base.BenchError as error:
                    scenario.failures.append(f"nbgrader: {error}")
                    nbgrader_ok = False
        if scenario.nnlab_times:
            entry["nnlab"] = base.spread(scenario.nnlab_times)
            entry["nnlab_cpu"] = base.spread(scenario.nnlab_cpu)
            entry["nnlab_score"] = scenario.nnlab_score()
        if scenario.nbgrader_times:
            entry["nbgrader"] = base.spread(scenario.nbgrader_times)
            entry["nbgrader_cpu"] = base.spread(scenario.nbgrader_cpu)
            score, max_score, cells = base.gradebook_score(scenario.course_dir)
            entry["nbgrader_score"] = [score, max_score]
            entry["nbgrader_cells_graded"] = cells
        for tool in ("nnlab_score", "nbgrader_score"):
            if tool in entry and entry[tool][0] != entry[tool][1]:
                # a correct submission loses points: the two sides no longer grade alike
                scenario.failures.append(f"{tool.split('_')[0]}: not full marks "
                                         f"({entry[tool][0]:g}/{entry[tool][1]:g})")
        if "nnlab" in entry and "nbgrader" in entry:
            entry["ratio"] = entry["nbgrader"]["median"] / entry["nnlab"]["median"]
        if nnlab_ok:
            phase_runs = [scenario.grade_in_process() for _ in range(runs)]
            entry["nnlab_phases"] = {k: statistics.median(r["phases"][k] for r in phase_runs)
                                     for k in phase_runs[0]["phases"]}
            entry["nnlab_traffic_mb"] = phase_runs[0]["traffic_mb"]
            entry["nnlab_in_process_scores"] = [r["score"] for r in phase_runs]
        if nbgrader_ok:
            entry["kernel"] = scenario.kernel_phases()
        entry["failures"] = scenario.failures
        entry["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def report(figures: dict, imports: dict) -> str:
    lines = []
    for key, e in figures.items():
        if not isinstance(e, dict) or "title" not in e:
            continue
        lines += ["", f"== {key}: {e['title']} (target under {e['target_s']:g} s)"]
        counts = e.get("nnlab_counts", {})
        for tool, times, cpu, score, what in (
                ("nnlab grade", e.get("nnlab"), e.get("nnlab_cpu"), e.get("nnlab_score"),
                 f"{counts.get('tests', '?')} tests, {counts.get('calls', '?')} learner calls"),
                ("nbgrader autograde", e.get("nbgrader"), e.get("nbgrader_cpu"),
                 e.get("nbgrader_score"), f"{e.get('grade_cells', '?')} grade cells")):
            if times is None:
                lines.append(f"  {tool:<20} FAILED")
                continue
            mark = f"{score[0]:g}/{score[1]:g}" if score else "?"
            lines.append(f"  {tool:<20} wall median {times['median']:6.2f} s  min {times['min']:6.2f}  "
                         f"max {times['max']:6.2f}  CPU median {cpu['median']:6.2f} s  "
                         f"score {mark:>9}  ({what})")
        if "ratio" in e:
            met = "met" if e["nnlab"]["median"] < e["target_s"] else "MISSED"
            lines.append(f"  ratio nbgrader/nnlab {e['ratio']:.2f}x; nnlab target {met}")
        if "nnlab_phases" in e:
            p = e["nnlab_phases"]
            scores = {f"{a:g}/{b:g}" for a, b in e.get("nnlab_in_process_scores", [])}
            lines.append(f"  nnlab in process, {len(e.get('nnlab_in_process_scores', []))} runs "
                         f"scoring {', '.join(sorted(scores))} (median s): " + ", ".join(
                f"{k} {v:.2f}" for k, v in p.items()))
            lines.append(f"    grader work outside learner calls: "
                         f"{p['graders (pytest)'] - p['learner calls (round trips)']:.2f} s; "
                         f"arrays through the pipes (MB): {e.get('nnlab_traffic_mb')}")
        if "kernel" in e:
            lines.append("  nbgrader's kernel (nbclient, once): " + ", ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in e["kernel"].items() if k != "failures"))
            for failure in e["kernel"].get("failures", []):
                lines.append(f"  lost (nbgrader): {failure}")
        for lost in e.get("nnlab_counts", {}).get("lost", []):
            lines.append(f"  lost (nnlab): {lost}")
        for failure in e.get("failures", []):
            lines.append(f"  FAILED {failure}")
        lines.append(f"  load average after: {e.get('load_average')}")
    lines += ["", "imports (python -c, median of runs): " + ", ".join(
        f"{k} {v['median']:.2f} s" for k, v in imports.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each tool (default 3)")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated submissions, of {', '.join(SCENARIOS)}")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    keys = [k for k in args.only.split(",") if k]
    if args.runs < 1 or any(k not in SCENARIOS for k in keys):
        parser.error("--runs must be at least 1 and --only must name known submissions")

    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(base.BIN), env.get("PATH", "")])  # nbgrader runs alembic
    env.setdefault("NNLAB_SECRET_SEED", BENCH_SEED)
    os.environ.setdefault("NNLAB_SECRET_SEED", BENCH_SEED)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    figures: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                 "python": platform.python_version(), "numpy": np.__version__},
                     "runs": args.runs, "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    tmp = Path(tempfile.mkdtemp(prefix="nnlab-assignments-bench-"))
    try:
        figures["submissions"] = measure(keys, args.runs, tmp, env)
        imports = {"import nnlab.cli, nnlab.grading.runner": base.import_seconds(
                       "import nnlab.cli, nnlab.grading.runner", env, args.runs),
                   "import nbgrader.apps.autogradeapp": base.import_seconds(
                       "import nbgrader.apps.autogradeapp", env, args.runs)}
        figures["imports"] = imports
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"Grading whole assignments: {args.runs} run(s) of each tool, taking turns, on "
          f"{os.cpu_count()} CPU(s); load average before {figures['load_average_before']}, "
          f"after {figures['load_average_after']}")
    print(report(figures["submissions"], figures["imports"]))
    text = json.dumps(figures, sort_keys=True, default=float)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    failed = any(e.get("failures") for e in figures["submissions"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
