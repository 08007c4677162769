"""Grading results and the files made from them.

`SubmissionResult` holds one learner's tests; from it come `results.json` (Gradescope's schema:
score, max_score, tests[] with name, score, max_score, status, output, visibility; nnlab's own
facts under `extra_data`), `feedback.md` (what a learner reads), and a row of `grades.csv`.
Every file is written atomically (a temporary file, then a rename), so an interrupted batch
never leaves a half-written result behind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.outcome import Outcome

RESULTS_VERSION = 1


@dataclass
class TestResult:
    """One grader test for one learner."""

    __test__ = False  # a result, not a pytest test class

    name: str  # "activations.sigmoid: random inputs [2-d]"
    points: float
    score: float
    output: str = ""  # why points were lost (empty when passed)
    outcome: Outcome = Outcome.PASSED
    seconds: float = 0.0

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def function(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass
class SubmissionResult:
    learner: str
    tests: list[TestResult] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    isolation: dict = field(default_factory=dict)
    digest: str = ""
    seconds: float = 0.0
    error: str = ""  # set when grading could not run at all (reported, not scored as zero)
    figures: list = field(default_factory=list)  # nnlab.grading.figures.Figure, drawn beside feedback.md

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    @property
    def grader_errors(self) -> list[TestResult]:
        return [t for t in self.tests if t.outcome is Outcome.GRADER_ERROR]

    def module_scores(self) -> dict[str, tuple[float, float]]:
        scores: dict[str, tuple[float, float]] = {m: (0.0, 0.0) for m in self.modules}
        for test in self.tests:
            got, total = scores.get(test.module, (0.0, 0.0))
            scores[test.module] = (got + test.score, total + test.points)
        return scores

    # -- Gradescope ----------------------------------------------------------------------------
    def to_gradescope(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "output": self.summary(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [
                {"name": t.name, "score": t.score, "max_score": t.points,
                 "status": "passed" if t.passed else "failed",
                 "output": t.output, "visibility": "visible"}
                for t in self.tests
            ],
            "extra_data": {
                "nnlab_results_version": RESULTS_VERSION,
                "learner": self.learner, "modules": self.modules,
                "ignored_files": self.ignored_files, "sandbox": self.isolation,
                "submission_sha256": self.digest, "seconds": round(self.seconds, 3),
                "kinds": [t.outcome.value for t in self.tests],
                "grader_errors": [t.name for t in self.grader_errors],
                "error": self.error,
                "figures": [f"figures/{f.filename}" for f in self.figures],
            },
        }

    @classmethod
    def from_gradescope(cls, data: dict[str, Any]) -> "SubmissionResult":
        extra = data.get("extra_data", {})
        kinds = extra.get("kinds") or []
        tests = [TestResult(name=t["name"], points=t["max_score"], score=t["score"],
                            output=t.get("output", ""),
                            outcome=Outcome(kinds[i]) if i < len(kinds) else
                            (Outcome.PASSED if t["status"] == "passed" else Outcome.FAILED))
                 for i, t in enumerate(data.get("tests", []))]
        return cls(learner=extra.get("learner", ""), tests=tests, modules=extra.get("modules", []),
                   ignored_files=extra.get("ignored_files", []), isolation=extra.get("sandbox", {}),
                   digest=extra.get("submission_sha256", ""), seconds=extra.get("seconds", 0.0),
                   error=extra.get("error", ""))

    # -- words for people --------------------------------------------------------------------
    def summary(self) -> str:
        if self.error:
            return f"Grading could not run: {self.error}"
        parts = [f"{m} {_num(got)}/{_num(total)}" for m, (got, total) in self.module_scores().items()]
        return f"{_num(self.score)} of {_num(self.max_score)} points ({', '.join(parts)})."

    def feedback_markdown(self) -> str:
        """feedback.md (written by `nnlab.reports.feedback`)."""
        from nnlab.reports.feedback import feedback_markdown

        return feedback_markdown(self)


def _num(value: float) -> str:
    return f"{value:g}"


# -- files -------------------------------------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_submission_result(out_dir: Path, result: SubmissionResult) -> Path:
    """DIR/<learner>/results.json and feedback.md; returns the learner's folder."""
    folder = out_dir / result.learner
    if result.figures:
        from nnlab.reports.plots import draw

        for figure in result.figures:
            target = folder / "figures" / figure.filename
            draw(figure, target.with_name(f".{target.name}.tmp.png"))
            os.replace(target.with_name(f".{target.name}.tmp.png"), target)
    write_atomic(folder / "feedback.md", result.feedback_markdown())
    write_atomic(folder / "results.json", json.dumps(result.to_gradescope(), indent=2) + "\n")
    return folder


def read_submission_result(out_dir: Path, learner: str) -> SubmissionResult | None:
    path = out_dir / learner / "results.json"
    try:
        return SubmissionResult.from_gradescope(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_grades_csv(out_dir: Path, results: list[SubmissionResult], modules: list[str]) -> Path:
    """One row per learner: total, maximum, and each module's score."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["learner", "score", "max_score", *modules, "grader_errors", "error"])
    for result in sorted(results, key=lambda r: r.learner):
        per_module = result.module_scores()
        writer.writerow([result.learner, _num(result.score), _num(result.max_score),
                         *[_num(per_module.get(m, (0.0, 0.0))[0]) for m in modules],
                         len(result.grader_errors), result.error])
    path = out_dir / "grades.csv"
    write_atomic(path, buffer.getvalue())
    return path
