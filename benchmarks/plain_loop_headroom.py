"""How much room a plain-loop correct submission leaves under the per-call time limit.

    .venv/bin/python benchmarks/plain_loop_headroom.py [--runs 3]

The course promises that a correct solution written with plain Python loops passes every test
inside its time limits (course.yml, `limits.seconds_per_test`). `tests/graders/test_conv.py`,
`test_rnn.py` and `test_lstm.py` hold that such submissions score full marks; this script
measures the margin, which no test asserts (a busy machine would make such a test fail for the
wrong reason). It grades `tests/graders/loop_conv.py` (four nested loops per convolution pass, a
scan of every pooling window) and `tests/graders/per_sample/{rnn,lstm}.py` (a loop over the
samples) beside the solutions, and prints, for each, the slowest test and its ratio to the
per-call limit. Target: the loops' slowest test under a third of the limit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnlab.course import load_course  # noqa: E402
from nnlab.grading.runner import grade_submission  # noqa: E402


def slowest_test(source: Path, module: str, runs: int) -> tuple[str, float, float]:
    """(test name, its seconds, the whole grading's seconds), the fastest of `runs` gradings."""
    course = load_course(ROOT)
    best = None
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            learner = Path(folder) / "learner"
            learner.mkdir()
            (learner / f"{module}.py").write_text(source.read_text())
            started = time.perf_counter()
            result = grade_submission(learner, course, warn_seed=False, modules=[module])
            seconds = time.perf_counter() - started
        if result.score != result.max_score:
            sys.exit(f"{source} scored {result.score:g}/{result.max_score:g}: not a correct submission")
        test = max(result.tests, key=lambda t: t.seconds)
        if best is None or test.seconds < best[1]:
            best = (test.name, test.seconds, seconds)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    limit = load_course(ROOT).limits.seconds_per_test
    print(f"per-call limit: {limit:g} s (course.yml)")
    per_sample = ROOT / "tests" / "graders" / "per_sample"
    for label, module, source in (
            ("solutions/conv.py", "conv", ROOT / "solutions" / "conv.py"),
            ("plain loops", "conv", ROOT / "tests" / "graders" / "loop_conv.py"),
            ("solutions/rnn.py", "rnn", ROOT / "solutions" / "rnn.py"),
            ("per-sample rnn", "rnn", per_sample / "rnn.py"),
            ("solutions/lstm.py", "lstm", ROOT / "solutions" / "lstm.py"),
            ("per-sample lstm", "lstm", per_sample / "lstm.py")):
        name, seconds, whole = slowest_test(source, module, runs)
        print(f"{label:<18} slowest test {seconds:6.2f} s = {seconds / limit:.2f} of the limit "
              f"({name}); whole module {whole:.1f} s")

if __name__ == "__main__":
    main()
