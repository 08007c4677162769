"""Grading one complete submission at each sandbox level this machine offers, in one run.

    .venv/bin/python benchmarks/isolation_levels.py [--runs 5] [--json out/iso.json]

A submission folder holds every module of `solutions/`; it is graded in this process with
`grade_submission` at each level (`NNLAB_SANDBOX=<level>`), after one untimed warm-up per level
(the rlimits level may build its world-readable copy of Python once), runs interleaved so that
load on the machine falls on every level alike. It prints the median and the fastest of each
level, the time to start one worker at each level, and the ratio of the strongest level to the
weakest (the issue asks for at most 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnlab.course import load_course  # noqa: E402
from nnlab.grading.runner import grade_submission  # noqa: E402
from nnlab.sandbox import levels  # noqa: E402
from nnlab.sandbox.worker import Worker  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args()
    course = load_course(ROOT / "course.yml")
    offered = levels.available()
    work = Path(tempfile.mkdtemp(prefix="nnlab-bench-iso-"))
    try:
        folder = work / "learner"
        folder.mkdir()
        for source in sorted((ROOT / "solutions").glob("*.py")):
            shutil.copy(source, folder / source.name)
        grading: dict[str, list[float]] = {name: [] for name in offered}
        starting: dict[str, list[float]] = {name: [] for name in offered}
        scores: dict[str, str] = {}
        for run in range(options.runs + 1):
            for name in offered:
                os.environ[levels.FORCE_ENV] = name
                started = time.perf_counter()
                result = grade_submission(folder, course, warn_seed=False)
                seconds = time.perf_counter() - started
                scores[name] = f"{result.score:g}/{result.max_score:g}"
                assert result.isolation.get("level") == name, result.isolation
                with Worker("activations", {"activations.py": (folder / "activations.py").read_bytes()},
                            course.limits) as worker:
                    started = time.perf_counter()
                    worker.start()
                    start_seconds = time.perf_counter() - started
                if run:  # the first round warms up
                    grading[name].append(seconds)
                    starting[name].append(start_seconds)
        bare = []  # the floor every level pays: an interpreter that imports NumPy, unsandboxed
        runtime = levels.host_runtime()
        for _ in range(options.runs):
            started = time.perf_counter()
            subprocess.run([runtime.executable, "-I", "-S", "-c",
                            f"import sys; sys.path.append({os.path.dirname(runtime.numpy)!r}); import numpy"],
                           check=True)
            bare.append(time.perf_counter() - started)
    finally:
        os.environ.pop(levels.FORCE_ENV, None)
        shutil.rmtree(work, ignore_errors=True)
    modules = ", ".join(p.stem for p in sorted((ROOT / "solutions").glob("*.py")))
    print(f"one complete submission ({modules}), {options.runs} runs per level, {os.cpu_count()} CPUs")
    print(f"{'level':<12}{'score':>10}{'median s':>10}{'fastest s':>11}{'worker start s':>16}")
    report = {}
    for name in offered:
        report[name] = {"score": scores[name], "median_s": statistics.median(grading[name]),
                        "fastest_s": min(grading[name]),
                        "worker_start_median_s": statistics.median(starting[name])}
        row = report[name]
        print(f"{name:<12}{row['score']:>10}{row['median_s']:>10.3f}{row['fastest_s']:>11.3f}"
              f"{row['worker_start_median_s']:>16.3f}")
    print(f"{'(python -S + import numpy, no sandbox)':<43}{statistics.median(bare):>16.3f}")
    strongest, weakest = offered[0], offered[-1]
    ratio = report[strongest]["median_s"] / report[weakest]["median_s"]
    print(f"strongest ({strongest}) / weakest ({weakest}): {ratio:.2f}x (target <= 1.3x)")
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps({"levels": report, "ratio": ratio,
                                            "bare_start_median_s": statistics.median(bare)}, indent=2))


if __name__ == "__main__":
    main()
