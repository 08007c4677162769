"""How fast the learner's commands are, beside `python -c "import numpy"` on the same machine.

    .venv/bin/python benchmarks/learner_speed.py                 # 15 rounds
    .venv/bin/python benchmarks/learner_speed.py --rounds 30 --module losses --json out/speed.json

Each round runs, as whole processes and in turn (so each meets the same background load):
`python -c "import numpy"`, `nnlab --help`, `nnlab check MODULE` on the stubs (exercises/) and
on a complete module (a copy of solutions/MODULE.py), and the same check forced to the
unsandboxed level (what macOS and Windows learners get), each in a learner's folder laid out as
the handout is (course.yml, exercises/checks/, exercises/MODULE.py). The table gives the minimum
and the median wall time of each and their ratio to NumPy's import (minimum over minimum): on a
loaded machine the minimum is the figure least disturbed by other work. Where `perf` is
installed, a few more rounds give each command's CPU time, all its processes together (`perf
stat -e task-clock`, which follows the sandboxed worker too: rusage would miss it, as it is
killed rather than waited for), again as a ratio to NumPy's import: what two cores could
overlap at best, and less disturbed by load than wall time. Then `python -X importtime` of `nnlab --help` and of `nnlab check` lists the costliest imports.

The timed commands run as a learner's pip-installed nnlab does, with compiled modules: without
PYTHONDONTWRITEBYTECODE, so the untimed warm-up run of each command writes nnlab's __pycache__
(pip compiles a wheel's modules when it installs it). The warm-up also fills nnlab check's
cache (validated course.yml, sandbox probes), as any learner's first check does.
The targets (issue 22): `nnlab check` at most 0.4 s and `nnlab --help` at most 0.15 s on the
2-core machine where `python -c "import numpy"` took 0.23 s, i.e. ratios of 1.74 and 0.65.
Nothing here asserts on time.
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
BIN = Path(sys.executable).parent


class Failed(Exception):
    pass


TARGET_RATIOS = {"nnlab --help": 0.15 / 0.23, "nnlab check": 0.4 / 0.23}
# As a pip-installed nnlab runs: its modules compiled (see the docstring).
BASE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(command: list[str], env: dict | None = None, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env={**BASE_ENV, **(env or {})},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        raise Failed(f"FAILED {' '.join(command)}: {run.stderr.strip()[-300:]}")
    return elapsed


def _cpu(command: list[str], env: dict, cwd: Path) -> float | None:
    """CPU seconds of `command` and every process below it (perf's task-clock), or None."""
    with tempfile.NamedTemporaryFile(suffix=".perf") as out:
        run = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "-o", out.name, "--",
                              *command], cwd=cwd, env={**BASE_ENV, **env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines = [line for line in Path(out.name).read_text().splitlines() if "task-clock" in line]
    if run.returncode != 0 or not lines or not lines[0].split(",")[0].replace(".", "").isdigit():
        return None
    return float(lines[0].split(",")[0]) / 1000  # (milliseconds)


def _learner_folder(folder: Path, module_file: Path) -> Path:
    """A learner's folder as `nnlab handout` lays it out: course.yml, exercises/checks/ and
    exercises/<module>.py (`nnlab check MODULE` run in it checks ./exercises)."""
    (folder / "exercises").mkdir(parents=True)
    shutil.copy(ROOT / "course.yml", folder / "course.yml")
    shutil.copytree(ROOT / "exercises" / "checks", folder / "exercises" / "checks")
    shutil.copy(module_file, folder / "exercises" / module_file.name)
    return folder


def _importtime(command: list[str], top: int, cwd: Path = ROOT) -> list[tuple[float, str]]:
    run = subprocess.run([str(BIN / "python"), "-X", "importtime", *command], cwd=cwd,
                         capture_output=True, text=True, env=BASE_ENV)
    rows = []
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            if not name.startswith("  "):  # top-level imports: their totals do not overlap
                rows.append((int(cumulative) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--module", default="activations")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cpu-rounds", type=int, default=5, help="rounds under perf stat (0: none)")
    parser.add_argument("--venv", type=Path, help="a learner's venv (pip install -r the handout's "
                        "requirements.txt): time its python and nnlab instead of this one's")
    args = parser.parse_args()
    global BIN
    if args.venv:
        BIN = args.venv / "bin"
    python = str(BIN / "python")
    nnlab = [str(BIN / "nnlab")]
    work = Path(tempfile.mkdtemp(prefix="nnlab-speed-"))
    try:
        stubs = _learner_folder(work / "stubs", ROOT / "exercises" / f"{args.module}.py")
        complete = _learner_folder(work / "complete", ROOT / "solutions" / f"{args.module}.py")
        BASE_ENV["NNLAB_CACHE_DIR"] = str(work / "cache")  # (a learner's is ~/.cache/nnlab)
        check = [*nnlab, "check", args.module]
        commands = {
            "python -c 'import numpy'": ([python, "-c", "import numpy"], {}, ROOT),
            "nnlab --help": ([*nnlab, "--help"], {}, ROOT),
            f"nnlab check {args.module} (stubs)": (check, {}, stubs),
            f"nnlab check {args.module} (complete)": (check, {}, complete),
            f"nnlab check {args.module} (complete, unsandboxed)":
                (check, {"NNLAB_SANDBOX": "unsandboxed"}, complete),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        load_before = os.getloadavg()
        for name, (command, env, cwd) in list(commands.items()):  # one untimed warm-up each
            try:
                _time(command, env, cwd)
            except Failed as error:
                if "unsandboxed" not in name:
                    raise SystemExit(str(error))
                print(f"(skipped: {name}: {error})")  # (an nnlab from before that level)
                del commands[name], times[name]
        for _ in range(args.rounds):
            for name, (command, env, cwd) in commands.items():
                times[name].append(_time(command, env, cwd))
        figures = report(args.rounds, times, load_before)
        cpu: dict[str, list[float]] = {}
        for _ in range(args.cpu_rounds if shutil.which("perf") else 0):
            for name, (command, env, cwd) in commands.items():
                seconds = _cpu(command, env, cwd)
                if seconds is not None:
                    cpu.setdefault(name, []).append(seconds)
        if "python -c 'import numpy'" in cpu:
            numpy = min(cpu["python -c 'import numpy'"])
            print(f"\nCPU time, all processes (perf stat task-clock, min of {args.cpu_rounds}):")
            for name, values in cpu.items():
                figures[name].update(cpu_min=min(values), cpu_ratio_to_numpy=min(values) / numpy)
                print(f"{name:<48} {min(values):7.3f} s {min(values) / numpy:12.2f}")
        for label, command, cwd in (("nnlab --help", ["-m", "nnlab", "--help"], ROOT),
                                    (f"nnlab check {args.module} (complete)",
                                     ["-m", "nnlab", "check", args.module], complete)):
            print(f"\ncostliest imports of {label} (python -X importtime, cumulative s):")
            for seconds, name in _importtime(command, 6, cwd):
                print(f"  {seconds:6.3f}  {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))


def report(rounds: int, times: dict, load_before: tuple) -> dict:
    """Print the table; return its figures ({command: {min, median, ratio_to_numpy, ...}})."""
    numpy = min(times["python -c 'import numpy'"])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{rounds} rounds, {os.cpu_count()} cores, load average (1, 5, 15 min) "
          f"{' '.join(f'{x:.1f}' for x in load_before)} before, {load} after")
    print(f"{'command':<48} {'min s':>7} {'median s':>9} {'min / numpy':>12}")
    figures = {}
    for name, values in times.items():
        figures[name] = {"min": min(values), "median": statistics.median(values),
                         "ratio_to_numpy": min(values) / numpy}
        print(f"{name:<48} {min(values):7.3f} {statistics.median(values):9.3f} "
              f"{min(values) / numpy:12.2f}")
    print("targets (ratios to numpy's import): "
          + ", ".join(f"{name} <= {ratio:.2f}" for name, ratio in TARGET_RATIOS.items()))
    return figures


if __name__ == "__main__":
    main()
