"""`nnlab nbgrader autograde` against `nbgrader autograde` on the same 20 submitted notebooks.

Run by hand, not by CI (nothing here asserts on time):

    .venv/bin/python benchmarks/nbgrader_autograde.py [--assignment a2] [--notebooks 20] [--json PATH] [--keep]

In one run, in a temporary folder: `nnlab nbgrader build`, `nbgrader generate_assignment`, then
N submitted notebooks (a mix: the solutions, the untouched release, and partly solved ones:
the first k exercise cells solved, k varying), graded by both tools as whole processes, as an
instructor runs them: `nbgrader autograde <a> --force` (a kernel per notebook, grade cells
grading through nnlab) and `nnlab nbgrader autograde <a>` (nnlab's sandbox, no kernel). The
two must write the same score for every notebook into the gradebook (checked; a mismatch fails
the run). Prints a table and the ratio, and the figures as one line of JSON last.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def env() -> dict:
    out = dict(os.environ)
    out["PYTHONPATH"] = str(REPO) + os.pathsep + out.get("PYTHONPATH", "")  # the kernel's nnlab
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")  # alembic
    out.setdefault("NNLAB_SECRET_SEED", "424242")
    return out


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"FAILED {' '.join(args[2:])}: {done.stderr[-2000:]}")
    return seconds


def scores(folder: Path, course_id: str, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", course_id) as gb:
        return {s.student.id: round(s.score, 6) for s in gb.assignment_submissions(assignment)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a2")
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    os.environ.update(env())
    from nnlab.course import load_course
    from nnlab.nbgrader.course import build_course

    course = load_course(REPO / "course.yml")
    a = options.assignment
    tmp = Path(tempfile.mkdtemp(prefix="nnlab-nbgrader-bench-"))
    folder = tmp / "course"
    python = [sys.executable, "-m"]
    try:
        build_course(course, folder)
        run([*python, "nbgrader", "generate_assignment", a, "--force"], folder)
        source = nbformat.read(folder / "source" / a / f"{a}.ipynb", 4)
        release = nbformat.read(folder / "release" / a / f"{a}.ipynb", 4)
        solved = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                  if (c.metadata.get("nbgrader") or {}).get("solution")}
        order = list(solved)
        for n in range(options.notebooks):
            k = len(order) if n % 4 == 0 else (0 if n % 4 == 1 else (n * 3) % (len(order) + 1))
            nb = nbformat.read(folder / "release" / a / f"{a}.ipynb", 4)
            for cell in nb.cells:
                gid = (cell.metadata.get("nbgrader") or {}).get("grade_id")
                if gid in order[:k]:
                    cell.source = solved[gid]
            target = folder / "submitted" / f"learner{n:02d}" / a
            target.mkdir(parents=True)
            nbformat.write(nb, target / f"{a}.ipynb")
        del release
        nbgrader_s = run([*python, "nbgrader", "autograde", a, "--force"], folder)
        by_nbgrader = scores(folder, course.course, a)
        nnlab_s = run([*python, "nnlab", "nbgrader", "autograde", a, "--course", str(folder)], folder)
        by_nnlab = scores(folder, course.course, a)
        if by_nbgrader != by_nnlab:
            diff = {k: (by_nbgrader.get(k), by_nnlab.get(k)) for k in by_nbgrader if by_nbgrader.get(k) != by_nnlab.get(k)}
            raise SystemExit(f"FAILED the two tools disagree: {diff}")
        figures = {
            "assignment": a, "notebooks": options.notebooks,
            "nbgrader_autograde_s": round(nbgrader_s, 2), "nnlab_nbgrader_autograde_s": round(nnlab_s, 2),
            "ratio": round(nbgrader_s / nnlab_s, 2),
            "scores": sorted(by_nnlab.values()), "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0], "python": platform.python_version(),
        }
        print(f"{'tool':<32}{'seconds':>10}{'per notebook':>14}")
        print(f"{'nbgrader autograde':<32}{nbgrader_s:>10.1f}{nbgrader_s / options.notebooks:>14.2f}")
        print(f"{'nnlab nbgrader autograde':<32}{nnlab_s:>10.1f}{nnlab_s / options.notebooks:>14.2f}")
        print(f"nnlab is {nbgrader_s / nnlab_s:.1f}x faster; both wrote the same {len(by_nnlab)} scores "
              f"({min(by_nnlab.values()):g} to {max(by_nnlab.values()):g}).")
        line = json.dumps(figures)
        if options.json:
            options.json.write_text(line + "\n")
        print(line)
    finally:
        if options.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
