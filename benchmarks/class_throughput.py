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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("activations", "losses")


def make_class(folder: Path, n: int) -> Path:
    for i in range(n):
        learner = folder / f"learner{i:03d}"
        learner.mkdir(parents=True)
        for module in MODULES:
            shutil.copy(ROOT / "solutions" / f"{module}.py", learner / f"{module}.py")
    return folder


def run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nnlab", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def breakdown(learner: Path, out: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from nnlab.course import load_course
    from nnlab.grading import runner
    from nnlab.grading.learner import LearnerProxy
    from nnlab.grading.results import write_submission_result
    from nnlab.intake import Entry, load

    t1 = time.perf_counter()
    course = load_course(ROOT)
    submission = load(Entry(learner.name, learner, "folder"), course.modules)
    t2 = time.perf_counter()
    modules = runner.choose_modules(course, submission, None)
    with LearnerProxy(submission, course.limits, None, [], str(course.root)) as proxy:
        proxy.start(modules)
    t3 = time.perf_counter()
    result = runner.grade_submission(submission, course, warn_seed=False)
    t4 = time.perf_counter()
    write_submission_result(out, result)
    t5 = time.perf_counter()
    return {"importing nnlab": t1 - t0, "course + reading": t2 - t1, "starting workers": t3 - t2,
            "grading (workers + graders + learner calls)": t4 - t3, "writing": t5 - t4}


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
        seconds = run(["grade", str(klass), "--out", str(scratch / "out"), "--jobs", str(args.jobs)])
        print(f"class of {args.learners}, --jobs {args.jobs}: {seconds:.1f} s, "
              f"{60 * args.learners / seconds:.0f} learners/minute")
        one = run(["grade", str(klass / "learner000"), "--out", str(scratch / "one"), "--jobs", "1"])
        print(f"one learner as a whole process: {one:.2f} s")
        for what, s in breakdown(klass / "learner001", scratch / "parts").items():
            print(f"  {what:45s} {s:6.2f} s")
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
