"""Learners graded per minute for a class of complete submissions, and one learner's cost.

    .venv/bin/python benchmarks/class_throughput.py [--learners 100] [--jobs 2]
        [--nbgrader-learners 10] [--otter PATH --otter-learners 5]

Builds a class of copies of solutions/ (activations, losses) in a temporary folder, times
`nnlab grade CLASS --jobs N` as a whole process, then one learner as a whole process, then one
learner in this process broken down: importing, course load and reading, worker start-up,
graders (which include the learner calls), writing. Beside it, on the same work as notebooks
(benchmarks/notebook_tools.py): `nbgrader autograde` of a class and `otter run` (no
containers) of single submissions, if `--otter` names an otter executable (install
otter-grader into a separate virtualenv; it is not an nnlab dependency).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("activations", "losses")


def make_class(folder: Path, n: int) -> Path:
    for i in range(n):
        learner = folder / f"learner{i:03d}"
        learner.mkdir(parents=True)
        for module in MODULES:
            shutil.copy(ROOT / "solutions" / f"{module}.py", learner / f"{module}.py")
    return folder


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and its sandboxed workers) of `nnlab ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nnlab", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def pytest_floor(folder: Path, tests: int) -> dict[str, float]:
    """What any grader built on pytest pays, whatever its graders do (the best of 3 runs):
    a Python that imports NumPy and pytest, as a whole process; and pytest running `tests`
    empty tests in this process, with the plugins nnlab grades with."""
    from nnlab.grading.runner import UNUSED_PYTEST_PLUGINS

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_empty.py").write_text(
        f"import pytest\n\n@pytest.mark.parametrize('i', range({tests}))\ndef test_empty(i):\n    pass\n")
    imports = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, pytest"], check=True)
        imports.append(time.perf_counter() - started)
    args = [str(folder / "test_empty.py"), "-q", "--disable-plugin-autoload", "-c", os.devnull,
            "--import-mode=importlib", *[a for n in UNUSED_PYTEST_PLUGINS for a in ("-p", f"no:{n}")]]
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(args)
        runs.append(time.perf_counter() - started)
        sys.modules.pop("test_empty", None)
    return {"python + import numpy, pytest (a process)": min(imports),
            f"pytest running {tests} empty tests (in process)": min(runs)}


def breakdown(learner: Path, out: Path, repeats: int = 5) -> dict[str, float]:
    """One learner graded in this process, phase by phase: the first grading (cold, as in a
    whole `nnlab grade` process) and the mean of `repeats` more (warm, as in a batch's pool
    process). Workers start in the background while pytest collects the graders, so the
    first learner call of a test may wait for its worker: that wait counts in "learner calls"."""
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from nnlab.course import load_course
    from nnlab.grading import learner as learner_module
    from nnlab.grading import runner
    from nnlab.reports.publish import Publisher
    from nnlab.intake import Entry, load

    imported = time.perf_counter() - t0
    phases: dict[str, float] = {}

    def add(what: str, seconds: float) -> None:
        phases[what] = phases.get(what, 0.0) + seconds

    class Clock:  # a pytest plugin: collection and running, as pytest sees them
        def pytest_sessionstart(self, session):
            self.started = time.perf_counter()

        def pytest_collection_finish(self, session):
            self.collected = time.perf_counter()
            add("pytest start + collecting graders", self.collected - self.started)

        def pytest_sessionfinish(self, session):
            add("running graders (without learner calls)", time.perf_counter() - self.collected)

    plain_main, plain_call = runner.pytest.main, learner_module.LearnerProxy.call_function

    def timed_call(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return plain_call(self, *args, **kwargs)
        finally:
            add("learner calls (incl. waiting for a worker)", time.perf_counter() - started)

    runner.pytest.main = lambda args, plugins: plain_main(args, plugins=[*plugins, Clock()])
    learner_module.LearnerProxy.call_function = timed_call
    rows: list[dict[str, float]] = []
    try:
        for _ in range(1 + repeats):
            phases.clear()
            t1 = time.perf_counter()
            course = load_course(ROOT)
            submission = load(Entry(learner.name, learner, "folder"), course.modules)
            add("course + reading", time.perf_counter() - t1)
            t2 = time.perf_counter()
            result = runner.grade_submission(submission, course, warn_seed=False)
            add("grading in all", time.perf_counter() - t2)
            t3 = time.perf_counter()
            Publisher().learner(out, result)
            add("writing results + feedback", time.perf_counter() - t3)
            rows.append(dict(phases))
    finally:
        runner.pytest.main, learner_module.LearnerProxy.call_function = plain_main, plain_call
    for row in rows:
        row["running graders (without learner calls)"] -= row.get("learner calls (incl. waiting for a worker)", 0.0)
    cold = {"importing nnlab": imported, **rows[0]}
    warm = {k: sum(r.get(k, 0.0) for r in rows[1:]) / repeats for k in rows[0]}
    return {**{f"cold: {k}": v for k, v in cold.items()}, **{f"warm: {k}": v for k, v in warm.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nbgrader-learners", type=int, default=0)
    parser.add_argument("--otter", default="")
    parser.add_argument("--otter-learners", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        klass = make_class(scratch / "class", args.learners)
        seconds, cpu = run(["grade", str(klass), "--out", str(scratch / "out"), "--jobs", str(args.jobs)])
        print(f"class of {args.learners}, --jobs {args.jobs}: {seconds:.1f} s, "
              f"{60 * args.learners / seconds:.0f} learners/minute; CPU {cpu / args.learners:.2f} s "
              f"a learner")
        one, one_cpu = run(["grade", str(klass / "learner000"), "--out", str(scratch / "one"),
                            "--jobs", "1"])
        tests = len(json.loads((scratch / "one" / "learner000" / "results.json").read_text())["tests"])
        print(f"one learner as a whole process: {one:.2f} s ({one_cpu:.2f} s CPU), {tests} tests")
        for what, s in breakdown(klass / "learner001", scratch / "parts").items():
            print(f"  {what:58s} {s:6.3f} s")
        print("the floor of any pytest-based grader:")
        for what, s in pytest_floor(scratch / "floor", tests).items():
            print(f"  {what:58s} {s:6.3f} s")
        sys.path.insert(0, str(Path(__file__).parent))
        import notebook_tools as tools

        rate = 60 * args.learners / seconds
        if args.nbgrader_learners:
            folder = tools.nbgrader_course(scratch / "nbgrader", args.nbgrader_learners)
            nb = tools.time_nbgrader(sys.executable, folder)
            nb_one = tools.time_nbgrader(sys.executable, tools.nbgrader_course(scratch / "nb1", 1))
            nb_rate = 60 * args.nbgrader_learners / nb
            print(f"nbgrader autograde, {args.nbgrader_learners} learners: {nb:.1f} s, "
                  f"{nb_rate:.1f} learners/minute (nnlab {rate / nb_rate:.1f}x); one learner "
                  f"{nb_one:.2f} s (nnlab {nb_one / one:.1f}x faster)")
        if args.otter:
            bundle, submission = tools.otter_assignment(scratch / "otter", args.otter)
            ot = tools.time_otter(args.otter, bundle, submission, args.otter_learners)
            ot_rate = 60 * args.otter_learners / ot
            print(f"otter run, {args.otter_learners} submissions one after another: {ot:.1f} s, "
                  f"{ot_rate:.1f} learners/minute (nnlab {rate / ot_rate:.1f}x); one learner "
                  f"{ot / args.otter_learners:.2f} s (nnlab {ot / args.otter_learners / one:.1f}x faster)")


if __name__ == "__main__":
    main()
