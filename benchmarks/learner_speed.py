"""How fast the learner's commands are, beside `python -c "import numpy"` on the same machine.

    .venv/bin/python benchmarks/learner_speed.py                 # 15 rounds
    .venv/bin/python benchmarks/learner_speed.py --rounds 30 --module losses --json out/speed.json

Each round runs, as whole processes and in turn (so each meets the same background load):
`python -c "import numpy"`, `nnlab --help`, `nnlab check MODULE` on the stubs (exercises/) and
on a complete module (a copy of solutions/MODULE.py), and the same check forced to the
unsandboxed level (what macOS and Windows learners get). The table gives the minimum and the
median wall time of each and their ratio to NumPy's import (minimum over minimum): on a
loaded machine the minimum is the figure least disturbed by other work. Then `python -X
importtime` of `nnlab --help` and of `nnlab check` lists the costliest imports.
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


def _time(command: list[str], env: dict | None = None, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        raise Failed(f"FAILED {' '.join(command)}: {run.stderr.strip()[-300:]}")
    return elapsed


def _importtime(command: list[str], top: int) -> list[tuple[float, str]]:
    run = subprocess.run([str(BIN / "python"), "-X", "importtime", *command], cwd=ROOT,
                         capture_output=True, text=True)
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
        shutil.copy(ROOT / "solutions" / f"{args.module}.py", work / f"{args.module}.py")
        commands = {
            "python -c 'import numpy'": ([python, "-c", "import numpy"], {}),
            "nnlab --help": ([*nnlab, "--help"], {}),
            f"nnlab check {args.module} (stubs)": ([*nnlab, "check", args.module], {}),
            f"nnlab check {args.module} (complete)": ([*nnlab, "check", args.module, "--path", str(work)], {}),
            f"nnlab check {args.module} (complete, unsandboxed)":
                ([*nnlab, "check", args.module, "--path", str(work)], {"NNLAB_SANDBOX": "unsandboxed"}),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, (command, env) in list(commands.items()):  # one untimed warm-up each (disk caches)
            try:
                _time(command, env)
            except Failed as error:
                if "unsandboxed" not in name:
                    raise SystemExit(str(error))
                print(f"(skipped: {name}: this nnlab has no unsandboxed level)")
                del commands[name], times[name]
        for _ in range(args.rounds):
            for name, (command, env) in commands.items():
                times[name].append(_time(command, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    numpy = min(times["python -c 'import numpy'"])
    print(f"{args.rounds} rounds, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'command':<48} {'min s':>7} {'median s':>9} {'min / numpy':>12}")
    figures = {}
    for name, values in times.items():
        figures[name] = {"min": min(values), "median": statistics.median(values),
                         "ratio_to_numpy": min(values) / numpy}
        print(f"{name:<48} {min(values):7.3f} {statistics.median(values):9.3f} "
              f"{min(values) / numpy:12.2f}")
    for label, command in (("nnlab --help", ["-m", "nnlab", "--help"]),
                           (f"nnlab check {args.module}", ["-m", "nnlab", "check", args.module])):
        print(f"\ncostliest imports of {label} (python -X importtime, cumulative s):")
        for seconds, name in _importtime(command, 6):
            print(f"  {seconds:6.3f}  {name}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
