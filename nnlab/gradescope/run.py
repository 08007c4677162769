"""`python -m nnlab.gradescope.run --root /autograder`: grade one Gradescope submission.

Reads the submission in `ROOT/submission` (module files, notebooks or a zip, as nnlab.intake
takes them), grades it with the course in `ROOT/source`, and writes `ROOT/results/results.json`
in Gradescope's schema: public checks visible now, hidden tests after the due date.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path



def public_checks(folder: Path, course, modules: list[str]) -> list[dict]:
    """The public checks as visible, zero-point tests (what `nnlab check` shows the learner)."""
    from nnlab.selfcheck import run_checks

    checks_dir = course.root / "exercises" / "checks"
    tests = []
    for module in modules:
        if not (folder / f"{module}.py").is_file() or not (checks_dir / f"{module}.json").is_file():
            continue
        try:
            results = run_checks(folder, module, limits=course.limits, tolerances=course.tolerances,
                                 checks_dir=checks_dir)
        except Exception as error:  # the checks are a courtesy: never cost the grade
            tests.append({"name": f"{module}: public checks", "status": "failed", "score": 0,
                          "max_score": 0, "output": f"could not run: {error}", "visibility": "visible"})
            continue
        for check in results:
            tests.append({"name": f"{check.qualname}: public checks ({check.passed}/{check.total})",
                          "score": 0, "max_score": 0,
                          "status": "passed" if check.status == "pass" else "failed",
                          "output": "\n".join(check.problems[:3]), "visibility": "visible"})
    return tests


def grade(root: Path) -> dict:
    from nnlab.course import load_course
    from nnlab.grading.batch import grade_loaded
    from nnlab.grading.results import SubmissionResult
    from nnlab.grading.submission import SubmissionError
    from nnlab.intake import Entry, load
    from nnlab.reports.publish import gradescope_json

    started = time.perf_counter()
    course = load_course(root / "source" / "course.yml")
    folder = root / "submission"
    zips = sorted(folder.glob("*.zip"))
    if zips and not any(folder.glob("*.py")) and not any(folder.glob("*.ipynb")):
        entry = Entry("submission", zips[0], "zip")
    else:
        entry = Entry("submission", folder, "folder")
    try:
        result = grade_loaded(load(entry, course.modules), course, None)
    except SubmissionError as error:
        result = SubmissionResult(learner="submission", error=str(error))
    return gradescope_json(result, public_checks(folder, course, result.modules),
                           time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nnlab.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    from nnlab.reports.publish import autograder_failure_json, write_json

    try:
        data = grade(args.root)
    except Exception as error:  # nnlab itself failed: say so, never a zero
        data = autograder_failure_json(error)
        write_json(out, data)
        print(data["output"], file=sys.stderr)
        return 1
    write_json(out, data)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
