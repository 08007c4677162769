"""Learners graded per minute for a class of complete submissions, and one learner's cost.

    .venv/bin/python benchmarks/class_throughput.py [--learners 100] [--jobs 2]

Builds a class of copies of solutions/ (activations, losses, conv) in a temporary folder, times
`nnlab grade CLASS --jobs N` as a whole process, then one learner as a whole process, then one
learner in this process broken down: course load, reading, worker start-up, graders (which
include the learner calls), writing. The comparison with `nbgrader autograde` and `otter run`
is described in benchmarks/README.md.
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
MODULES = ("activations", "losses", "conv")


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


if __name__ == "__main__":
    main()
