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

# What a grader test compared the learner's work with (its `oracle` marker): key -> the words
# results.json and feedback.md use.
ORACLES = {
    "reference": "reference implementation",
    "keras": "Keras 3 recorded output",
    "numerical": "numerical gradient",
    "sklearn": "scikit-learn's score",
}


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
    oracle: str = "reference"  # what it compared with: a key of ORACLES

    @property
    def compared_with(self) -> str:
        """"Keras 3 recorded output", "reference implementation", ..."""
        return ORACLES.get(self.oracle, self.oracle)

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
    fault: str = ""  # nnlab's own failure on this submission: to regrade, never a score
    flags: list[str] = field(default_factory=list)  # behaviour an instructor should review
    figures: list = field(default_factory=list)  # nnlab.grading.figures.Figure, drawn beside feedback.md
    seed: dict = field(default_factory=dict)  # the seed's fingerprint and source (nnlab.seeds)

    @property
    def status(self) -> str:
        """graded; refused (the hand-in could not be graded: the learner's error, scored zero);
        regrade (nnlab or a grader failed: no score is recorded until it is graded again)."""
        if self.fault or self.grader_errors:
            return "regrade"
        if self.error:
            return "refused"
        return "graded"

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
    def to_gradescope(self, visibility: str = "visible") -> dict[str, Any]:
        """Gradescope's results.json. A result to regrade carries no score at all (neither the
        total nor the faulted tests'), so an upload can never show a grader fault as a zero."""
        tests = []
        for t in self.tests:
            test = {"name": t.name, "score": t.score, "max_score": t.points,
                    "status": "passed" if t.passed else "failed",
                    "output": t.output, "visibility": visibility,
                    "extra_data": {"oracle": t.oracle, "compared_with": t.compared_with}}
            if t.outcome is Outcome.GRADER_ERROR:
                del test["score"]
            tests.append(test)
        data = {
            "score": self.score,
            "max_score": self.max_score,
            "output": self.summary(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {
                "nnlab_results_version": RESULTS_VERSION,
                "learner": self.learner, "modules": self.modules,
                "ignored_files": self.ignored_files, "sandbox": self.isolation, "seed": self.seed,
                "submission_sha256": self.digest, "seconds": round(self.seconds, 3),
                "kinds": [t.outcome.value for t in self.tests],
                "grader_errors": [t.name for t in self.grader_errors],
                "error": self.error,
                "fault": self.fault,
                "status": self.status,
                "flags": self.flags,
                "figures": [f"figures/{f.filename}" for f in self.figures],
            },
        }
        if self.status == "regrade":
            del data["score"]
        return data

    @classmethod
    def from_gradescope(cls, data: dict[str, Any]) -> "SubmissionResult":
        if not isinstance(data, dict) or not isinstance(data.get("extra_data", {}), dict):
            raise TypeError(f"a {type(data).__name__}, not an nnlab results object")
        extra = data.get("extra_data", {})
        kinds = extra.get("kinds") or []
        tests = [TestResult(name=t["name"], points=t["max_score"], score=t.get("score", 0.0),
                            output=t.get("output", ""),
                            outcome=Outcome(kinds[i]) if i < len(kinds) else
                            (Outcome.PASSED if t["status"] == "passed" else Outcome.FAILED),
                            oracle=(t.get("extra_data") or {}).get("oracle", "reference"))
                 for i, t in enumerate(data.get("tests", []))]
        return cls(learner=extra.get("learner", ""), tests=tests, modules=extra.get("modules", []),
                   ignored_files=extra.get("ignored_files", []), isolation=extra.get("sandbox", {}),
                   digest=extra.get("submission_sha256", ""), seconds=extra.get("seconds", 0.0),
                   error=extra.get("error", ""), fault=extra.get("fault", ""),
                   flags=list(extra.get("flags", [])), seed=dict(extra.get("seed") or {}))

    # -- words for people --------------------------------------------------------------------
    def summary(self) -> str:
        if self.fault:
            return f"Not graded yet: nnlab failed on this submission (not your fault; it will be regraded): {self.fault}"
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
    markdown = result.feedback_markdown()
    write_atomic(folder / "feedback.md", markdown)
    from nnlab.reports.feedback_html import render

    write_atomic(folder / "feedback.html", render(markdown, folder))
    write_atomic(folder / "results.json", json.dumps(result.to_gradescope(), indent=2) + "\n")
    return folder


def read_submission_result(out_dir: Path, learner: str) -> SubmissionResult | None:
    path = out_dir / learner / "results.json"
    try:
        return SubmissionResult.from_gradescope(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_all_results(out_dir: Path) -> tuple[list[SubmissionResult], list[str]]:
    """Every learner's results.json in `out_dir`, and one line per file that cannot be read."""
    results, unreadable = [], []
    for path in sorted(out_dir.glob("*/results.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            result = SubmissionResult.from_gradescope(data)
            if not result.learner:
                raise KeyError("learner")
        except (OSError, ValueError, KeyError, TypeError) as error:
            unreadable.append(f"{path}: not an nnlab results file ({type(error).__name__}: {error})"[:300])
            continue
        results.append(result)
    return results, unreadable


def module_maxima(results: list[SubmissionResult], modules: list[str]) -> dict[str, float]:
    """Each module's maximum, from the learners who were graded on it (all agree on a course)."""
    maxima = {m: 0.0 for m in modules}
    for result in results:
        if result.status != "graded":
            continue
        for module, (_, total) in result.module_scores().items():
            if module in maxima:
                maxima[module] = max(maxima[module], total)
    return maxima


CSV_FIXED = ["learner", "total", "maximum", "percent", "status", "flags", "note"]


def write_grades_csv(out_dir: Path, results: list[SubmissionResult], modules: list[str]) -> Path:
    """grades.csv for an LMS import: one row per learner, each module's column headed with its
    maximum ("activations (58)"), then total, maximum, percent and status. A learner to regrade
    (status `regrade`) has empty score cells, never a zero; a refused hand-in scores zero.
    A module the learner did not submit scores zero when it is part of what was graded."""
    maxima = module_maxima(results, modules)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *[f"{m} ({_num(maxima[m])})" for m in modules], *CSV_FIXED[1:]])
    for result in sorted(results, key=lambda r: r.learner):
        per_module = result.module_scores()
        if result.status == "regrade":
            cells = [""] * len(modules) + ["", _num(result.max_score), ""]
        else:
            cells = [_num(per_module[m][0]) if m in per_module else "" for m in modules]
            percent = 100.0 * result.score / result.max_score if result.max_score else 0.0
            cells += [_num(result.score), _num(result.max_score), f"{percent:.1f}"]
        note = (result.fault or result.error or
                (f"{len(result.grader_errors)} grader error(s)" if result.grader_errors else ""))
        writer.writerow([result.learner, *cells, result.status, "; ".join(result.flags),
                         " ".join(note.split())[:300]])
    path = out_dir / "grades.csv"
    write_atomic(path, buffer.getvalue())
    return path
