"""The one publishing layer: every file people or tools read is written here, from the result
model (`nnlab.grading.results`), under one status policy and one column list.

Status policy (`SubmissionResult.status`), the same in every output:

- graded: scored; every file shows the score.
- refused: the hand-in could not be graded (the learner's error): zero, with one line why.
- regrade: nnlab or a grader failed: no score at all (results.json has no "score", grades.csv
  empty cells, the terminal an empty score, nbgrader's gradebook "needs manual grading").

What is written:

- per learner (`Publisher.learner`): figures/*.png, feedback.md, feedback.html, results.json;
- per class (`Publisher.class_files`, rewritten from every result after any (re)grade):
  grades.csv, junit.xml, summary.html;
- Gradescope's results.json (`gradescope_json`), the terminal table (`class_table`) and
  nbgrader's gradebook cells (`gradebook_grade`, `gradebook_comment`).

Learner text is made safe here for each format (`nnlab.reports.text`): escaped in HTML and
markdown, without control characters in XML and the terminal, never starting a formula in CSV.
Adding a grades.csv column or a results.json field is a change to this file alone.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import nnlab
from nnlab.grading.results import SubmissionResult, module_maxima, write_atomic
from nnlab.outcome import Outcome
from nnlab.reports.text import csv_cell, one_line, visible

RESULTS_VERSION = 2


def _num(value: float) -> str:
    return f"{value:g}"


def note_of(result: SubmissionResult) -> str:
    """The one-line note every class output shows beside a learner (fault, error, grader errors)."""
    return one_line(result.fault or result.error or (
        f"{len(result.grader_errors)} grader error(s)" if result.grader_errors else ""))


# -- results.json ------------------------------------------------------------------------------


def test_output(test) -> str:
    """A test's `output` as Gradescope shows it: the message, then what the code printed."""
    if not test.printed:
        return test.output
    return test.output + "\n  Your code printed:\n" + "\n".join(
        "    " + line for line in test.printed.splitlines())


def results_json(result: SubmissionResult, visibility: str = "visible") -> dict[str, Any]:
    """results.json in Gradescope's schema, nnlab's own facts under `extra_data`. A result to
    regrade carries no score at all (neither the total nor the faulted tests'), so an upload can
    never show a grader fault as a zero. The top-level output is declared plain text
    ("output_format", the one format key of Gradescope's documented schema). `SubmissionResult.from_gradescope` reads it back."""
    tests = []
    for t in result.tests:
        test = {"name": t.name, "score": t.score, "max_score": t.points,
                "status": "passed" if t.passed else "failed",
                "output": test_output(t), "visibility": visibility,
                "extra_data": {"oracle": t.oracle, "compared_with": t.compared_with,
                               "outcome": t.outcome.value, "message": t.output,
                               "diagnosis": t.diagnosis, "misconception": t.misconception,
                               "printed": t.printed, "problem": t.problem,
                               "detail": t.detail.to_dict() if t.detail else None,
                               "seconds": round(t.seconds, 4)}}
        if t.outcome is Outcome.GRADER_ERROR:
            del test["score"]
        tests.append(test)
    data = {
        "score": result.score,
        "max_score": result.max_score,
        "output": result.summary(),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        # Gradescope's default ("simple_format") lets some HTML through: the summary, which
        # may quote an error about a file the learner named, stays words.
        "output_format": "text",
        "tests": tests,
        "extra_data": {
            "nnlab_results_version": RESULTS_VERSION,
            "nnlab_version": result.nnlab_version or nnlab.__version__,
            "learner": result.learner, "modules": result.modules,
            "ignored_files": result.ignored_files, "sandbox": result.isolation,
            "submission_sha256": result.digest, "seed": result.seed,
            "seed_fingerprint": result.seed_fingerprint,
            "seconds": round(result.seconds, 3),
            "kinds": [t.outcome.value for t in result.tests],
            "grader_errors": [t.name for t in result.grader_errors],
            "error": result.error,
            "fault": result.fault,
            "status": result.status,
            "flags": result.flags,
            "figures": [f"figures/{f.filename}" for f in result.figures],
        },
    }
    if result.status == "regrade":
        del data["score"]
    return data


def gradescope_json(result: SubmissionResult, public_tests: list[dict], seconds: float) -> dict:
    """Gradescope's run_autograder results.json: the public checks (visible now) before the
    hidden tests (after the due date), under the same status policy as a batch."""
    data = results_json(result, visibility="after_due_date")
    data["tests"] = public_tests + data["tests"]
    data["visibility"] = "after_due_date"
    data["output"] = (result.summary() if result.status != "graded" else
                      "Public checks are shown now; the hidden tests and your score appear after "
                      "the due date.")
    data["execution_time"] = round(seconds, 3)
    if result.status == "refused":
        data["score"] = 0
    return data


def autograder_failure_json(error: BaseException) -> dict:
    """results.json when nnlab itself failed on Gradescope: status regrade, no score."""
    return {"output": f"The autograder failed (not your fault; your instructor will regrade): "
                      f"{type(error).__name__}: {error}", "tests": [],
            "visibility": "visible", "output_format": "text", "extra_data": {"status": "regrade"}}


def write_json(path: Path, data: Any) -> Path:
    write_atomic(path, json.dumps(data, indent=2) + "\n")
    return path


# -- grades.csv --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the class outputs: its heading and its cell for a learner (None: empty)."""

    heading: str
    cell: Callable[[SubmissionResult], Any]


def _percent(result: SubmissionResult) -> str:
    return f"{100.0 * result.score / result.max_score if result.max_score else 0.0:.1f}"


def _scored(cell: Callable[[SubmissionResult], Any]) -> Callable[[SubmissionResult], Any]:
    """A score cell: empty for a learner to regrade (never a zero)."""
    return lambda r: None if r.status == "regrade" else cell(r)


# The class columns after the per-module ones, in order (grades.csv; the terminal shows some).
COLUMNS = [
    Column("total", _scored(lambda r: r.score)),
    Column("maximum", lambda r: r.max_score),
    Column("percent", _scored(_percent)),
    Column("status", lambda r: r.status),
    Column("flags", lambda r: "; ".join(r.flags)),
    Column("note", note_of),
]


def class_modules(results: list[SubmissionResult], course) -> list[str]:
    """The modules the class's outputs have a column for: the course's order, then any other."""
    modules = [m for m in course.modules if any(m in r.modules for r in results)]
    return modules + sorted({m for r in results for m in r.modules} - set(modules))


def grades_csv(results: list[SubmissionResult], modules: list[str]) -> str:
    """grades.csv for an LMS import: one row per learner, each module's column headed with its
    maximum ("activations (58)"), then COLUMNS. A learner to regrade has empty score cells; a
    refused hand-in scores zero; a module a graded learner did not submit scores zero when it
    is part of what was graded. Every text cell goes through `csv_cell` (no formula)."""
    maxima = module_maxima(results, modules)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *[f"{m} ({_num(maxima[m])})" for m in modules],
                     *[c.heading for c in COLUMNS]])
    for result in sorted(results, key=lambda r: r.learner):
        per_module = result.module_scores()
        scores = [None if result.status == "regrade" or m not in per_module else per_module[m][0]
                  for m in modules]
        cells = [visible(result.learner), *scores, *[c.cell(result) for c in COLUMNS]]
        writer.writerow(["" if cell is None else csv_cell(cell) for cell in cells])
    return buffer.getvalue()


# -- the terminal ------------------------------------------------------------------------------


from nnlab.questions import QUESTION_TEST  # noqa: E402 (a concept question's test name ends so)


def class_table(results: list[SubmissionResult], course, title: str = ""):
    """The `nnlab grade` table (a rich Table, 80 columns): one column per assignment as a
    percentage, so ten modules still fit; every cell plain Text, learner ids with their odd
    characters shown (`visible`), notes without control characters."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    assignments = [a for a in course.assignments
                   if any(m in r.modules for r in results for m in a.modules)]
    table = Table(title=title or f"{course.title}: {len(results)} learner(s), % per assignment",
                  box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    table.add_column("learner", overflow="fold", min_width=8)
    table.add_column("score", justify="right", no_wrap=True, min_width=7)
    for assignment in assignments:
        table.add_column(assignment.id, justify="right", no_wrap=True, min_width=4, max_width=4)
    # the concept questions (answers.yml, notebook answer cells), right of asked, where any were
    asked = any(t.name.endswith(QUESTION_TEST) for r in results for t in r.tests)
    if asked:
        table.add_column("quiz", justify="right", no_wrap=True, min_width=5, max_width=5)
    table.add_column("status and notes" if asked else "status, notes and flags", overflow="ellipsis",
                     no_wrap=True, max_width=22)
    for result in results:
        per = result.module_scores()
        note = "; ".join(x for x in [note_of(result), *map(one_line, result.flags)] if x)
        regrade = result.status == "regrade"
        cells = []
        for assignment in assignments:
            got = [per[m] for m in assignment.modules if m in per]
            total = sum(t for _, t in got)
            cells.append("" if regrade or not got else "-" if not total else
                         f"{100 * sum(g for g, _ in got) / total:.0f}%")
        if asked:
            mine = [t for t in result.tests if t.name.endswith(QUESTION_TEST)]
            cells.append("" if regrade or not mine else f"{sum(t.passed for t in mine)}/{len(mine)}")
        score = "" if regrade else f"{result.score:g}/{result.max_score:g}"
        status = Text("" if result.status == "graded" else result.status + ": ",
                      style={"refused": "red", "regrade": "yellow"}.get(result.status, ""))
        table.add_row(Text(visible(result.learner)), score, *cells, status + Text(note))
    return table


# -- nbgrader's gradebook ----------------------------------------------------------------------


def gradebook_grade(result: SubmissionResult | None, function: str, points: float,
                    error: str = "") -> tuple[float | None, bool]:
    """(auto_score, needs_manual_grade) of one nbgrader grade cell for `function`. A grader
    fault on that function, or a result to regrade, needs manual grading with no score (never
    a zero); a notebook that could not be read (`error`, the learner's) scores zero."""
    if error or result is None:
        return 0.0, False
    mine = [t for t in result.tests if t.function == function]
    if result.fault or any(t.outcome is Outcome.GRADER_ERROR for t in mine):
        return None, True
    if result.status == "refused":
        return 0.0, False
    return min(points, round(sum(t.score for t in mine), 6)), False


def gradebook_comment(result: SubmissionResult | None, functions: list[str]) -> str | None:
    """The auto comment of one nbgrader exercise cell: each failed test of its `functions`, as
    markdown text that shows learner text literally (nbgrader renders comments as markdown)."""
    from nnlab.reports.feedback import md_block, md_code

    if result is None:
        return None
    parts = []
    for test in result.tests:
        if test.function in functions and not test.passed:
            parts.append(f"{md_code(test.name)} ({test.score:g}/{test.points:g}):\n\n"
                         + md_block(test_output(test)))
    return "\n".join(parts) if parts else None


def not_graded_note(error: str) -> str:
    """The markdown cell nnlab puts on top of an autograded notebook it could not grade; the
    error (which may quote a file name the learner chose) is shown literally."""
    from nnlab.reports.feedback import md_code

    return f"**Not graded by nnlab:** {md_code(visible(error))}"


# -- the publisher -----------------------------------------------------------------------------


class Publisher:
    """Writes a learner's files as each is graded and the class's files after every run.
    Plain data, so a process-pool worker can be handed one (figures are drawn in parallel)."""

    def learner(self, out_dir: Path, result: SubmissionResult) -> Path:
        """DIR/<learner>/: figures/*.png, feedback.md, feedback.html, results.json (last, so a
        results.json always has its feedback beside it). Returns the learner's folder."""
        from nnlab.reports.feedback import feedback_markdown
        from nnlab.reports.feedback_html import render_feedback

        folder = Path(out_dir) / result.learner
        if result.figures:
            from nnlab.reports.plots import draw

            for figure in result.figures:
                target = folder / "figures" / figure.filename
                temporary = target.with_name(f".{target.name}.tmp.png")
                draw(figure, temporary)
                os.chmod(temporary, 0o666 & ~_umask())
                os.replace(temporary, target)
        write_atomic(folder / "feedback.md", feedback_markdown(result))
        write_atomic(folder / "feedback.html", render_feedback(result, folder))
        write_json(folder / "results.json", results_json(result))
        return folder

    def class_files(self, out_dir: Path, results: list[SubmissionResult], course,
                    similar=None) -> list[Path]:
        """grades.csv, junit.xml and summary.html, all three from `results` (every learner in
        the folder), so none of them can say an older result than the others. `similar` (a
        nnlab.similarity.SimilarityReport) adds its flags to grades.csv and the review list,
        and its section to summary.html; it changes no score and no results.json."""
        from nnlab.reports.class_summary import junit_xml, summary_html

        out_dir = Path(out_dir)
        results = sorted(results, key=lambda r: r.learner)
        if similar is not None:
            alike = similar.flags()
            results = [replace(r, flags=[*r.flags, *alike[r.learner]]) if r.learner in alike else r
                       for r in results]
        written = []
        for name, text in (("grades.csv", grades_csv(results, class_modules(results, course))),
                           ("junit.xml", junit_xml(results)),
                           ("summary.html", summary_html(results, course.title, similar))):
            write_atomic(out_dir / name, text)
            written.append(out_dir / name)
        return written


def _umask() -> int:
    from nnlab.grading.results import current_umask

    return current_umask()
