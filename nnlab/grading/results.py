"""The result model: what one learner's grading produced, and reading it back.

`SubmissionResult` holds one learner's tests (`TestResult`, each with its failure as structure:
the message, the catalogued diagnosis, what the learner's code printed) and its status (graded,
refused, regrade). Every file made from it (results.json, feedback, grades.csv, junit.xml, the
class summary, nbgrader's gradebook) is written by `nnlab.reports.publish`, the one publishing
layer; this module only reads results.json back (`from_gradescope`) and offers `write_atomic`.
Nothing here imports from `nnlab.reports`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.outcome import Detail, Outcome


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
    # The failure as structure, set where it was judged (never parsed back out of `output`):
    diagnosis: str = ""      # the catalogued mistake's sentence, "your f looks like L: why"
    misconception: str = ""  # that mistake's `looks_like` (what the summary counts)
    printed: str = ""        # what the learner's code printed during the test
    problem: str = ""        # the failure's cause whatever the inputs (grouping); see outcome.py
    # what was called on which shapes, what came back, the largest error and where, the
    # tolerance, the accepted alternative (nnlab.outcome.Detail); None where nothing was judged
    detail: Detail | None = None

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
    nnlab_version: str = ""

    @property
    def seed_fingerprint(self) -> str:
        """The fingerprint of the seed this result was graded with ("" for an old result)."""
        return str(self.seed.get("fingerprint", ""))

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

    @classmethod
    def from_gradescope(cls, data: dict[str, Any]) -> "SubmissionResult":
        if not isinstance(data, dict) or not isinstance(data.get("extra_data", {}), dict):
            raise TypeError(f"a {type(data).__name__}, not an nnlab results object")
        extra = data.get("extra_data", {})
        kinds = extra.get("kinds") or []
        tests = []
        for i, t in enumerate(data.get("tests", [])):
            more = t.get("extra_data") or {}
            tests.append(TestResult(
                name=t["name"], points=t["max_score"], score=t.get("score", 0.0),
                output=more.get("message", t.get("output", "")),
                outcome=Outcome(kinds[i]) if i < len(kinds) else
                (Outcome.PASSED if t["status"] == "passed" else Outcome.FAILED),
                oracle=more.get("oracle", "reference"), diagnosis=more.get("diagnosis", ""),
                misconception=more.get("misconception", ""), printed=more.get("printed", ""),
                problem=more.get("problem", ""), detail=Detail.from_dict(more.get("detail")),
                seconds=more.get("seconds", 0.0)))
        return cls(learner=extra.get("learner", ""), tests=tests, modules=extra.get("modules", []),
                   ignored_files=extra.get("ignored_files", []), isolation=extra.get("sandbox", {}),
                   digest=extra.get("submission_sha256", ""), seconds=extra.get("seconds", 0.0),
                   error=extra.get("error", ""), fault=extra.get("fault", ""),
                   flags=list(extra.get("flags", [])), seed=dict(extra.get("seed") or {}),
                   nnlab_version=extra.get("nnlab_version", ""))

    # -- words for people --------------------------------------------------------------------
    def summary(self) -> str:
        if self.fault:
            return f"Not graded yet: nnlab failed on this submission (not your fault; it will be regraded): {self.fault}"
        if self.error:
            return f"Grading could not run: {self.error}"
        parts = [f"{m} {_num(got)}/{_num(total)}" for m, (got, total) in self.module_scores().items()]
        return f"{_num(self.score)} of {_num(self.max_score)} points ({', '.join(parts)})."


def _num(value: float) -> str:
    return f"{value:g}"


# -- files -------------------------------------------------------------------------------------


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write `path` whole or not at all (a temporary file, then a rename), with the permissions
    a plain `open()` would give it under the usual umask (mkstemp alone would make it 0600, so
    teaching assistants in the instructor's group could not read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb" if isinstance(text, bytes) else "w",
                       **({} if isinstance(text, bytes) else {"encoding": "utf-8"})) as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
