"""How long nnlab takes to grade one submission, beside nbgrader autograding the same work.

Run by hand, not by CI (nothing here asserts on time):

    .venv/bin/python benchmarks/grading_vs_nbgrader.py [--runs 5] [--json PATH] [--keep]

In one run it measures, on this machine:

1. `nnlab grade <submission> --out <tmp> --force` as a whole process, where the submission
   holds copies of solutions/activations.py and solutions/losses.py; then, in this process,
   `nnlab.grading.runner.grade_submission` on the same folder (no interpreter start-up, after
   one untimed warm-up run that also counts the grader tests and the learner calls they make).
2. A real nbgrader course in a temporary folder whose one notebook is the equivalent: one
   solution cell with the same learner functions (nbgrader's own markers, so
   `nbgrader generate_assignment` makes the stubs) and one hidden-test grade cell per nnlab
   grader test, each making as many calls to the same learner functions as that nnlab test did,
   checked against values computed here with reference/. A complete submission is autograded
   with `nbgrader autograde bench --force`, timed as a whole process. The whole-process runs of
   the two tools take turns, so that both meet the same background load.
3. Where the time goes: each tool's import cost (`python -c "import ..."`), and the kernel's
   start-up, cells and shutdown when the same notebook is executed here with nbclient.

It prints a table, and the same figures as one line of JSON last (also to --json PATH).
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODULES = ("activations", "losses")
LEARNER = "learner1"
ASSIGNMENT = "bench"
COURSE_ID = "nnlab-bench"
# Only for the benchmark: a fixed seed so that nnlab does not warn about the development seed
# and every run draws the same hidden cases.
BENCH_SEED = "nnlab-benchmark-seed"


class BenchError(Exception):
    """One half of the benchmark could not run; the message says why."""


# -- timing ------------------------------------------------------------------------------------


def spread(seconds: list[float]) -> dict:
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "runs": [round(s, 4) for s in seconds]}


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_timed(command: list[str], cwd: Path, env: dict, timeout: float) -> tuple[float, str]:
    """Wall seconds for one whole process, and what it printed; BenchError if it failed."""
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(command)} ran past {timeout:g} s") from None
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command)} exited with {done.returncode}:\n{tail(done.stdout)}")
    return seconds, done.stdout


def console_script(name: str, module: str) -> list[str]:
    """The venv's console script when it is there, else `python -m module`."""
    script = BIN / name
    return [str(script)] if script.is_file() else [sys.executable, "-m", module]


def import_seconds(statement: str, env: dict, runs: int) -> dict:
    """Wall seconds of `python -c statement`: interpreter start-up plus those imports."""
    return spread([run_timed([sys.executable, "-c", statement], REPO, env, 120)[0]
                   for _ in range(runs)])


# -- the nnlab half ----------------------------------------------------------------------------


@dataclass
class GraderTest:
    """One nnlab grader test as it ran: its title and the learner functions it called, in order."""

    title: str
    calls: list[str] = field(default_factory=list)  # "activations.sigmoid", ...

    @property
    def function(self) -> str:
        return self.title.split(":", 1)[0].strip()


@dataclass
class Tally:
    tests: list[GraderTest] = field(default_factory=list)
    calls: int = 0
    worker_starts: int = 0
    worker_start_seconds: float = 0.0


class _TestRecorder:
    """A pytest plugin riding along with nnlab's for the warm-up run: notes which test runs."""

    def __init__(self, tally: Tally):
        self.tally = tally

    def pytest_runtest_setup(self, item):
        doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
        title = doc[0].strip() if doc else item.name
        callspec = getattr(item, "callspec", None)
        self.tally.tests.append(GraderTest(f"{title} [{callspec.id}]" if callspec else title))


@contextlib.contextmanager
def counting(tally: Tally):
    """Count learner calls (per grader test) and sandbox start-ups while grade_submission runs."""
    import pytest

    from nnlab.sandbox.worker import Worker

    real_call, real_start, real_main = Worker._call, Worker.start, pytest.main
    recorder = _TestRecorder(tally)

    def call(worker, header, *rest, **kwargs):
        tally.calls += 1
        if tally.tests:
            what = header.get("name", "?")
            if header.get("op") in ("call", "getattr"):
                what = f"{header.get('module', worker.module)}.{what}"
            tally.tests[-1].calls.append(what)
        return real_call(worker, header, *rest, **kwargs)

    def start(worker, *args, **kwargs):
        began = time.perf_counter()
        try:
            return real_start(worker, *args, **kwargs)
        finally:
            tally.worker_starts += 1
            tally.worker_start_seconds += time.perf_counter() - began

    def main(args=None, plugins=None):
        return real_main(args, plugins=[*(plugins or []), recorder])

    Worker._call, Worker.start, pytest.main = call, start, main
    try:
        yield tally
    finally:
        Worker._call, Worker.start, pytest.main = real_call, real_start, real_main


def make_submission(tmp: Path) -> Path:
    folder = tmp / "nnlab" / "submissions" / LEARNER
    folder.mkdir(parents=True)
    for module in MODULES:
        shutil.copy2(REPO / "solutions" / f"{module}.py", folder / f"{module}.py")
    return folder


class NnlabSide:
    """`nnlab grade` on one submission folder: set up, one timed process, in-process figures."""

    def __init__(self, tmp: Path, env: dict):
        self.env = env
        self.submission = make_submission(tmp)
        self.out = tmp / "nnlab" / "out"
        self.in_process_out = tmp / "nnlab" / "out-in-process"
        # `python -m nnlab` run from the repository: the venv's `nnlab` script imports the
        # checkout the venv was installed from, which need not be this one.
        self.command = [sys.executable, "-m", "nnlab", "grade", str(self.submission),
                        "--out", str(self.out), "--force", "--course", str(REPO)]
        self.tally = Tally()
        self.tests = 0

    def warm_up(self) -> list[GraderTest]:
        """One untimed in-process run: lazy imports happen, and the tests and calls are counted."""
        from nnlab.course import load_course
        from nnlab.grading.runner import grade_submission

        self.course = load_course(REPO)
        with counting(self.tally):
            result = grade_submission(self.submission, self.course, out_dir=self.in_process_out,
                                      warn_seed=False)
        if result.error or not result.tests:
            raise BenchError(f"grade_submission could not grade the submission: "
                             f"{result.error or 'no grader tests ran'}")
        if len(self.tally.tests) != len(result.tests):
            print(f"note: {len(self.tally.tests)} tests were set up but nnlab reported "
                  f"{len(result.tests)}", file=sys.stderr)
        self.tests = len(result.tests)
        return self.tally.tests

    def run_process(self) -> float:
        seconds, _ = run_timed(self.command, REPO, self.env, 600)
        return seconds

    def run_in_process(self, runs: int) -> tuple[list[float], list[float]]:
        from nnlab.grading.runner import grade_submission

        seconds = []
        for _ in range(runs):
            began = time.perf_counter()
            result = grade_submission(self.submission, self.course, out_dir=self.in_process_out,
                                      warn_seed=False)
            seconds.append(time.perf_counter() - began)
        return seconds, [result.score, result.max_score]

    def figures(self, process: list[float], in_process: list[float], in_process_score: list) -> dict:
        results = json.loads((self.out / LEARNER / "results.json").read_text(encoding="utf-8"))
        problem = results.get("extra_data", {}).get("error")
        if problem or not results.get("tests"):
            raise BenchError(f"nnlab grade ran but could not grade the submission: "
                             f"{problem or 'no tests ran'}")
        return {
            "cli": spread(process),
            "in_process": spread(in_process),
            "tests": self.tests,
            "learner_calls": self.tally.calls,
            "sandbox_workers": self.tally.worker_starts,
            "sandbox_start_seconds": round(self.tally.worker_start_seconds, 4),
            "score": [results["score"], results["max_score"]],
            "in_process_score": in_process_score,
            "command": " ".join(self.command),
        }


# -- the nbgrader half: building the equivalent course -----------------------------------------

# The helper cell of the notebook (locked, not graded). The same text is executed here to
# compute the expected values, so both sides draw identical inputs from the same seeds.
HELPERS = textwrap.dedent('''\
    import numpy as np

    _TOLERANCES = {"float64": (1e-7, 1e-10), "float32": (1e-4, 1e-6)}  # as course.yml's

    def _draw(rng, kind, shape, dtype):
        """One argument of a test case, drawn from the test cell's own generator."""
        if kind == "normal":
            values = rng.normal(0.0, 3.0, size=shape)
        elif kind == "large":  # stability: the extremes, and the kink at 0
            values = rng.choice([-1000.0, -60.0, -1.0, 0.0, 1.0, 60.0, 1000.0], size=shape)
        elif kind == "prob":
            values = rng.uniform(0.02, 0.98, size=shape)
        elif kind == "prob_edge":  # exactly 0 and 1, and beyond the clip
            values = rng.choice([0.0, 1e-9, 0.3, 0.7, 1.0 - 1e-9, 1.0], size=shape)
        elif kind == "label":
            values = (rng.uniform(size=shape) < 0.5) * 1.0
        elif kind == "onehot":
            n, k = shape
            values = np.eye(k)[rng.integers(0, k, size=n)]
        elif kind == "simplex":
            values = rng.uniform(0.05, 1.0, size=shape)
            values = values / values.sum(axis=-1, keepdims=True)
        elif kind == "positive":  # rows that do not sum to 1
            values = rng.uniform(0.1, 2.0, size=shape)
        else:
            raise ValueError(kind)
        return np.asarray(values).astype(dtype)

    def _case(fn, rng, specs, want, what):
        """Call fn on freshly drawn arguments and check the result like a hidden grader."""
        args = [_draw(rng, *spec) for spec in specs]
        before = [a.copy() for a in args]
        got = np.asarray(fn(*args))
        for a, b in zip(args, before):
            assert np.array_equal(a, b), f"{what}: an argument was changed in place"
        assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
        assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
        rtol, atol = _TOLERANCES[want.dtype.name]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)
''')

F64, F32 = "float64", "float32"
_ELEMENTWISE = [
    [("normal", (7,), F64)], [("normal", (4, 5), F64)], [("normal", (3, 4), F32)],
    [("large", (10,), F64)], [("normal", (2, 3, 4), F64)], [("large", (6,), F32)],
]
_SOFTMAX = [
    [("normal", (4, 5), F64)], [("normal", (3, 6), F32)], [("large", (4, 5), F64)],
    [("normal", (2, 3, 4), F64)],
]
_REGRESSION = [
    [("normal", s, d), ("normal", s, d)]
    for s, d in (((8,), F64), ((6, 3), F64), ((4, 5), F32), ((2, 3, 4), F64))
]
_BINARY = [
    [("label", (8,), F64), ("prob", (8,), F64)], [("label", (4, 3), F32), ("prob", (4, 3), F32)],
    [("label", (5, 2), F64), ("prob", (5, 2), F64)], [("label", (6,), F64), ("prob_edge", (6,), F64)],
]
_CATEGORICAL = [
    [("onehot", (5, 4), F64), ("simplex", (5, 4), F64)],
    [("onehot", (3, 6), F32), ("simplex", (3, 6), F32)],
    [("onehot", (4, 3), F64), ("positive", (4, 3), F64)],
]
_LOGITS = [
    [("onehot", (5, 4), F64), ("normal", (5, 4), F64)],
    [("onehot", (3, 6), F32), ("normal", (3, 6), F32)],
    [("onehot", (4, 3), F64), ("large", (4, 3), F64)],
]
# The argument recipes each learner function is called with, used in turn.
CASES = {
    **{f"activations.{name}": _ELEMENTWISE for name in (
        "linear", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
        "linear_grad", "binary_step_grad", "sigmoid_grad", "tanh_grad", "relu_grad",
        "leaky_relu_grad", "elu_grad", "softplus_grad")},
    "activations.softmax": _SOFTMAX,
    **{f"losses.{name}": _REGRESSION for name in ("mse", "mse_grad", "half_sse", "half_sse_grad")},
    **{f"losses.{name}": _BINARY for name in ("binary_cross_entropy", "binary_cross_entropy_grad")},
    **{f"losses.{name}": _CATEGORICAL for name in ("categorical_cross_entropy",
                                                  "categorical_cross_entropy_grad")},
    **{f"losses.{name}": _LOGITS for name in ("softmax_cross_entropy", "softmax_cross_entropy_grad")},
}


def fixed_plan() -> list[GraderTest]:
    """Used only when nnlab could not grade: three tests of two calls for each function."""
    return [GraderTest(f"{name}: case {i + 1}", [name, name]) for name in CASES for i in range(3)]


def learner_code() -> str:
    """The code cells of solutions/activations.py and losses.py, without the lesson text."""
    chunks, names = [], {}
    for module in MODULES:
        cells, current, keep = [], [], False
        for line in (REPO / "solutions" / f"{module}.py").read_text(encoding="utf-8").splitlines():
            if line.startswith("# %%"):
                if keep:
                    cells.append("\n".join(current).strip("\n"))
                current, keep = [], "[markdown]" not in line
                continue
            current.append(line)
        if keep:
            cells.append("\n".join(current).strip("\n"))
        code = "\n\n\n".join(c for c in cells if c)
        for line in code.splitlines():
            if line.startswith("def "):
                name = line[4:].split("(", 1)[0]
                if name in names:
                    raise BenchError(f"{module}.{name} clashes with {names[name]}.{name} in one cell")
                names[name] = module
        chunks.append(f"# ---- {module}.py ----\n{code}")
    return "\n\n\n".join(chunks) + "\n"


def literal(value: np.ndarray) -> str:
    if not np.all(np.isfinite(value)):
        raise BenchError(f"the reference gave a non-finite expected value: {value!r}")
    return f"np.array({value.tolist()!r}, dtype={value.dtype.name!r})"


def test_cells(plan: list[GraderTest]) -> tuple[list[str], int]:
    """The source of one hidden-test cell per planned test, and the number of calls they make."""
    import importlib

    sys.path.insert(0, str(REPO))
    try:
        reference = {m: importlib.import_module(f"reference.{m}") for m in MODULES}
    finally:
        sys.path.remove(str(REPO))
    helpers: dict = {}
    exec(HELPERS, helpers)  # noqa: S102 (our own text, the notebook's helper cell)
    turn = {name: 0 for name in CASES}
    sources, calls = [], 0
    for index, test in enumerate(plan):
        seed = 10_000 + index
        rng = np.random.default_rng(seed)
        lines = [f"# mirrors the nnlab grader test {test.title!r}", "### BEGIN HIDDEN TESTS",
                 f"_rng = np.random.default_rng({seed})"]
        for qualname in test.calls:
            if qualname not in CASES:  # not a function of these modules: nothing to mirror
                continue
            module, name = qualname.split(".")
            specs = CASES[qualname][turn[qualname] % len(CASES[qualname])]
            turn[qualname] += 1
            args = [helpers["_draw"](rng, *spec) for spec in specs]
            want = np.asarray(getattr(reference[module], name)(*args))
            lines.append(f"_case({name}, _rng, {specs!r},\n      {literal(want)},\n"
                         f"      {f'{qualname} call {turn[qualname]}'!r})")
            calls += 1
        if len(lines) == 3:  # an nnlab test that made no learner call
            function = test.function.split(".")[-1]
            lines.append(f"assert callable({function})" if test.function in CASES else "assert True")
        lines.append("### END HIDDEN TESTS")
        sources.append("\n".join(lines))
    return sources, calls


def build_course(root: Path, plan: list[GraderTest]) -> tuple[Path, int]:
    """An nbgrader course with source/bench/bench.ipynb; returns its folder and the call count."""
    import nbformat
    from nbformat import v4

    course = root / "nbgrader-course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(textwrap.dedent(f'''\
        c = get_config()  # noqa: F821
        c.CourseDirectory.course_id = {COURSE_ID!r}
        c.CourseDirectory.root = {str(course)!r}
        c.Execute.timeout = 120
    '''), encoding="utf-8")

    def meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
        cell = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
                "schema_version": 3}
        if points is not None:
            cell["points"] = points
        return {"nbgrader": cell}

    sources, calls = test_cells(plan)
    cells = [
        v4.new_markdown_cell("# Activations and losses\n\nThe learner functions of nnlab's "
                             "`activations` and `losses` modules, in one notebook."),
        v4.new_code_cell(HELPERS, metadata=meta("helpers", locked=True)),
        v4.new_code_cell(learner_code(), metadata=meta("learner_code", solution=True)),
    ]
    cells += [v4.new_code_cell(source, metadata=meta(f"test_{i:03d}", grade=True, locked=True, points=1))
              for i, source in enumerate(sources)]
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.write(notebook, course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return course, calls


def check_release(course: Path, plan_size: int) -> list[str]:
    """What looks wrong in the student version nbgrader generated (empty when all is well)."""
    text = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    problems = []
    regions = learner_code().count("### BEGIN SOLUTION")
    if text.count("raise NotImplementedError") != regions:
        problems.append(f"the release has {text.count('raise NotImplementedError')} stubs, "
                        f"expected {regions}")
    if "BEGIN HIDDEN TESTS" in text or "_rng = np.random" in text:
        problems.append("hidden tests leaked into the release")
    if text.count('"grade": true') != plan_size:
        problems.append("the release does not have one grade cell per planned test")
    return problems


def gradebook_score(course: Path) -> tuple[float, float, int]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, LEARNER)
        cells = sum(len(nb.grades) for nb in submission.notebooks)
        return float(submission.score), float(submission.max_score), cells


class NbgraderSide:
    """The equivalent nbgrader course: built and released once, then `nbgrader autograde`."""

    def __init__(self, tmp: Path, plan: list[GraderTest], env: dict):
        self.env = env
        self.plan = plan
        self.course, self.calls = build_course(tmp, plan)
        self.nbgrader = console_script("nbgrader", "nbgrader")
        self.command = [*self.nbgrader, "autograde", ASSIGNMENT, "--force"]
        self.notebook = self.course / "submitted" / LEARNER / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

    def release(self) -> None:
        """generate_assignment (timed once: it also creates the gradebook), then a submission."""
        self.generate_seconds, _ = run_timed([*self.nbgrader, "generate_assignment", ASSIGNMENT],
                                             self.course, self.env, 600)
        self.release_problems = check_release(self.course, len(self.plan))
        self.notebook.parent.mkdir(parents=True)
        shutil.copy2(self.course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", self.notebook)

    def run_process(self) -> float:
        seconds, _ = run_timed(self.command, self.course, self.env, 600)
        return seconds

    def figures(self, process: list[float]) -> dict:
        score, max_score, cells = gradebook_score(self.course)
        return {
            "autograde": spread(process),
            "generate_assignment_seconds": round(self.generate_seconds, 4),
            "grade_cells": cells,
            "learner_calls": self.calls,
            "score": [score, max_score],
            "release_problems": self.release_problems,
            "command": " ".join(self.command),
        }


def kernel_breakdown(notebook: Path, runs: int) -> dict:
    """Execute the submitted notebook with nbclient here: kernel start-up, cells, shutdown."""
    import nbformat
    from nbclient import NotebookClient

    phases: dict[str, list[float]] = {"kernel_start": [], "cells": [], "shutdown": []}
    for _ in range(runs):
        marks: dict[str, float] = {}
        client = NotebookClient(
            nbformat.read(notebook, as_version=4), kernel_name="python3", timeout=120,
            allow_errors=True, resources={"metadata": {"path": str(notebook.parent)}},
            on_notebook_start=lambda **_: marks.__setitem__("ready", time.perf_counter()),
            on_cell_executed=lambda **_: marks.__setitem__("cells", time.perf_counter()))
        began = time.perf_counter()
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up notices
        ended = time.perf_counter()
        phases["kernel_start"].append(marks["ready"] - began)
        phases["cells"].append(marks["cells"] - marks["ready"])
        phases["shutdown"].append(ended - marks["cells"])
    return {phase: spread(values) for phase, values in phases.items()}


# -- the report --------------------------------------------------------------------------------


def report(figures: dict) -> str:
    rows = [("tool", "median s", "min s", "max s", "tests/cells", "learner calls", "score")]

    def row(label: str, times: dict | None, count="", calls="", score=None):
        if times is None:
            rows.append((label, "-", "-", "-", str(count), str(calls), ""))
            return
        mark = f"{score[0]:g}/{score[1]:g}" if score else ""
        rows.append((label, f"{times['median']:.3f}", f"{times['min']:.3f}", f"{times['max']:.3f}",
                     str(count), str(calls), mark))

    nn, nb = figures.get("nnlab"), figures.get("nbgrader")
    if nn:
        row("nnlab grade (whole process)", nn["cli"], f"{nn['tests']} tests", nn["learner_calls"],
            nn["score"])
        row("  grade_submission (in process)", nn["in_process"], f"{nn['tests']} tests",
            nn["learner_calls"], nn["in_process_score"])
    else:
        row("nnlab grade: FAILED", None)
    if nb:
        row("nbgrader autograde (whole process)", nb["autograde"], f"{nb['grade_cells']} cells",
            nb["learner_calls"], nb["score"])
    else:
        row("nbgrader autograde: FAILED", None)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]  # the tool's name to the left, figures to the right
    lines.insert(1, "-" * len(lines[0]))
    if figures.get("ratio"):
        lines.append(f"ratio nbgrader/nnlab (whole-process medians): {figures['ratio']:.2f}x")
    more = figures.get("breakdown", {})
    parts = [(label, more[key]["median"]) for label, key in (
        ("python -c 'import nnlab.cli, nnlab.grading.runner'", "nnlab_import"),
        ("python -c 'import nbgrader.apps.autogradeapp'", "nbgrader_import"),
        ("nbclient: kernel start-up", "kernel_start"),
        ("nbclient: execute all cells", "cells"),
        ("nbclient: kernel shutdown", "shutdown")) if key in more]
    if nn:
        parts.append((f"nnlab: {nn['sandbox_workers']} sandbox worker start-ups (warm-up run)",
                      nn["sandbox_start_seconds"]))
    if nb:
        parts.append(("nbgrader generate_assignment (once, creates the gradebook)",
                      nb["generate_assignment_seconds"]))
    if parts:
        lines += ["", "where the time goes (medians, seconds):"]
        lines += [f"  {label:<60} {seconds:.3f}" for label, seconds in parts]
    return "\n".join(lines)


def measure(tmp: Path, runs: int, env: dict, figures: dict, failures: list[str]) -> None:
    """Fill `figures` in; a half that cannot run becomes a line in `failures`."""
    nnlab: NnlabSide | None = None
    nbgrader: NbgraderSide | None = None
    try:
        nnlab = NnlabSide(tmp, env)
        plan = nnlab.warm_up()
        figures["plan"] = "one cell per nnlab grader test, with that test's learner calls"
    except BenchError as error:
        failures.append(f"nnlab: {error}")
        nnlab = None
        plan = fixed_plan()
        figures["plan"] = "fixed (nnlab could not grade): 3 cells of 2 calls per function"
    try:
        nbgrader = NbgraderSide(tmp, plan, env)
        nbgrader.release()
    except BenchError as error:
        failures.append(f"nbgrader: {error}")
        nbgrader = None

    # Interleaved, so that both tools meet the same background load on a shared machine.
    nnlab_times: list[float] = []
    nbgrader_times: list[float] = []
    for _ in range(runs):
        if nnlab is not None:
            try:
                nnlab_times.append(nnlab.run_process())
            except BenchError as error:
                failures.append(f"nnlab: {error}")
                nnlab = None
        if nbgrader is not None:
            try:
                nbgrader_times.append(nbgrader.run_process())
            except BenchError as error:
                failures.append(f"nbgrader: {error}")
                nbgrader = None

    if nnlab is not None:
        try:
            in_process, score = nnlab.run_in_process(runs)
            figures["nnlab"] = nnlab.figures(nnlab_times, in_process, score)
        except BenchError as error:
            failures.append(f"nnlab: {error}")
    if nbgrader is not None:
        figures["nbgrader"] = nbgrader.figures(nbgrader_times)
    if "nnlab" in figures and "nbgrader" in figures:
        figures["ratio"] = figures["nbgrader"]["autograde"]["median"] / figures["nnlab"]["cli"]["median"]

    breakdown = {"nnlab_import": import_seconds("import nnlab.cli, nnlab.grading.runner", env, runs),
                 "nbgrader_import": import_seconds("import nbgrader.apps.autogradeapp", env, runs)}
    if nbgrader is not None:
        breakdown.update(kernel_breakdown(nbgrader.notebook, runs))
    figures["breakdown"] = breakdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each tool (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and say where")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    env = dict(os.environ)
    # nbgrader runs `alembic` by name when it creates a gradebook: the venv's bin must be on
    # PATH even when the venv is not activated.
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.setdefault("NNLAB_SECRET_SEED", BENCH_SEED)
    os.environ.setdefault("NNLAB_SECRET_SEED", BENCH_SEED)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules notice
    figures: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "numpy": np.__version__},
        "runs": args.runs,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    failures: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="nnlab-bench-"))
    try:
        measure(tmp, args.runs, env, figures, failures)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["failures"] = failures

    print(f"Grading one complete submission of activations + losses: {args.runs} run(s) of each "
          f"tool, interleaved, on {os.cpu_count()} CPU(s)")
    print(f"nbgrader notebook: {figures['plan']}")
    print(f"load average (1, 5, 15 min) before {figures['load_average_before']}, "
          f"after {figures['load_average_after']}")
    print()
    print(report(figures))
    for problem in figures.get("nbgrader", {}).get("release_problems", []):
        print(f"warning: nbgrader's release: {problem}")
    for failure in failures:
        print(f"FAILED {failure}")
    text = json.dumps(figures, sort_keys=True)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
