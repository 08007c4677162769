"""`nnlab nbgrader autograde ASSIGNMENT`: the secure path into nbgrader's gradebook.

For each DIR/submitted/<student>/<assignment>/<assignment>.ipynb: the exercise cells' code is
taken by grade_id (nnlab.nbgrader.extract, the rest of each module from the source notebook),
graded by nnlab's graders in nnlab's sandbox (never in a kernel the learner controlled: nothing
the notebook computed or printed, no output, no metadata beyond the grade_ids, is read), and
the scores and feedback are written into nbgrader's gradebook with nbgrader's own API (one
Grade per grade cell, the per-function feedback as the exercise cell's auto comment), beside
an autograded notebook, so `nbgrader formgrader`, `generate_feedback` and `export` work on
them unchanged. A notebook that cannot be read costs only its learner: zero, and one line
saying why as the comment.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_markdown_cell, new_output

from nnlab.course import Course
from nnlab.nbgrader.extract import (NotebookError, answer_cells, layout_of, module_sources,
                                    notebook_answers, read_notebook)
from nnlab.questions import NOTEBOOK_CELLS, question_test_name
from nnlab.reports.publish import gradebook_comment, gradebook_grade, not_graded_note


class AutogradeError(Exception):
    """The course directory cannot be autograded (no source notebook, no gradebook entry)."""


@dataclass
class StudentScore:
    student: str
    score: float
    max_score: float
    error: str = ""
    needs_manual: bool = False  # a grader fault: some cells need manual grading (no score)


def _grade_cells(source: nbformat.NotebookNode) -> list:
    return [c for c in source.cells if (c.metadata.get("nbgrader") or {}).get("grade")]


def autograde(course: Course, course_dir: Path | str, assignment: str,
              students: list[str] | None = None) -> list[StudentScore]:
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir).resolve()
    source_path = course_dir / "source" / assignment / f"{assignment}.ipynb"
    if not source_path.is_file():
        raise AutogradeError(f"{source_path} not found; run `nnlab nbgrader build {course_dir}`")
    source = read_notebook(source_path)
    layout = layout_of(source)
    grade_cells = _grade_cells(source)
    submitted = course_dir / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir()) if submitted.is_dir() else []
    if students:
        folders = [f for f in folders if f.parent.name in students]
        if not folders:
            raise AutogradeError(f"no submission of {assignment} by {', '.join(students)} in {submitted}")
    if not (course_dir / "gradebook.db").is_file():
        raise AutogradeError(f"no gradebook in {course_dir}; run `nbgrader generate_assignment "
                             f"{assignment}` there first")
    db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    scores: list[StudentScore] = []
    with Gradebook(db_url, course.course) as gb:
        try:
            gb.find_notebook(assignment, assignment)
        except MissingEntry:
            raise AutogradeError(f"{assignment} is not in the gradebook; run `nbgrader "
                                 f"generate_assignment {assignment}` in {course_dir} first") from None
        for folder in folders:
            student = folder.parent.name
            try:
                scores.append(_grade_student(gb, course, folder, assignment, source, source_path,
                                             layout, grade_cells, course_dir))
            except Exception as error:  # one student's failure never stops the others
                gb.db.rollback()
                scores.append(StudentScore(student, 0.0, 0.0,
                                           f"not graded: {type(error).__name__}: {error}"[:300]))
    return scores


def _grade_student(gb, course: Course, folder: Path, assignment: str, source, source_path: Path,
                   layout, grade_cells: list, course_dir: Path) -> StudentScore:
    """Grade one student's notebook into the gradebook; a hand-in that cannot be graded (an
    unreadable notebook, an unusable id) is that student's zero with one line saying why."""
    from nnlab.grading.runner import grade_submission
    from nnlab.grading.submission import SubmissionError
    from nnlab.intake import Entry, learner_id, load

    student = folder.parent.name
    notebook = folder / f"{assignment}.ipynb"
    error, result = "", None
    try:
        if not notebook.is_file():
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            raise NotebookError(f"{assignment}.ipynb is missing" +
                                (f" (found {', '.join(others)}; rename it)" if others else ""))
        sources = module_sources(notebook, release=source_path)
        with tempfile.TemporaryDirectory(prefix="nnlab-nbgrader-") as tmp:
            work = Path(tmp) / student
            work.mkdir()
            for module, text in sources.items():
                (work / f"{module}.py").write_text(text, encoding="utf-8")
            # read as a class's hand-in is read: an id like "zoë" is letters too
            submission = load(Entry(learner_id(student), work, "folder"), course.modules)
            if answer_cells(source):  # the concept questions' answer cells, read by grade_id
                submission.answers = yaml.safe_dump(notebook_answers(read_notebook(notebook), source),
                                                    allow_unicode=True).encode("utf-8")
                submission.answers_from = NOTEBOOK_CELLS
            result = grade_submission(submission, course, assignment=assignment, warn_seed=False)
        if result.status == "refused":
            error = result.error
    except (NotebookError, SubmissionError) as problem:
        error, sources = str(problem), None
    per_function: dict[str, float] = {}
    for test in (result.tests if result is not None else []):
        per_function[test.function] = per_function.get(test.function, 0.0) + test.score
    timestamp = (folder / "timestamp.txt").read_text().strip() if (folder / "timestamp.txt").is_file() else None
    gb.update_or_create_student(student)
    extra = {"timestamp": timestamp} if timestamp else {}
    gb.update_or_create_submission(assignment, student, **extra)
    total = maximum = 0.0
    needs_manual = False
    for cell in grade_cells:
        meta = cell.metadata["nbgrader"]
        qualname = (cell.metadata.get("nnlab") or {}).get("function", "")
        points = float(meta["points"])
        # One status policy (nnlab.reports.publish): a grader fault needs manual grading.
        got, manual = gradebook_grade(result, qualname, points, error)
        grade = gb.find_grade(meta["grade_id"], assignment, assignment, student)
        grade.auto_score = got
        grade.needs_manual_grade = manual
        total, maximum = total + (got or 0.0), maximum + points
        needs_manual = needs_manual or manual
    for index, cell in enumerate(layout.exercises):
        comment = gb.find_comment(cell.grade_id, assignment, assignment, student)
        module = cell.module
        if error:
            comment.auto_comment = not_graded_note(error) if index == 0 else None
        else:
            comment.auto_comment = gradebook_comment(result, [f"{module}.{name}" for name in cell.names])
    for gid, qid in answer_cells(source).items():  # each answer cell: its question's feedback
        comment = gb.find_comment(gid, assignment, assignment, student)
        comment.auto_comment = None if error else gradebook_comment(result, [question_test_name(qid).split(":", 1)[0]])
    gb.db.commit()
    _write_autograded(course_dir, source, assignment, student, notebook, error, per_function)
    return StudentScore(student, round(total, 6), round(maximum, 6), error, needs_manual)


def _write_autograded(course_dir: Path, source, assignment: str, student: str, notebook: Path,
                      error: str, per_function: dict[str, float]) -> None:
    """autograded/<student>/<assignment>/: the source notebook's layout with the learner's exercise
    code and, on each grade cell, nnlab's score as its output (what formgrader shows)."""
    out = course_dir / "autograded" / student / assignment
    out.mkdir(parents=True, exist_ok=True)
    graded = copy.deepcopy(source)
    learner = {}
    if not error:
        mine = read_notebook(notebook)
        learner = {(c.metadata.get("nbgrader") or {}).get("grade_id"): c.source for c in mine.cells}
    for cell in graded.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        if meta.get("solution"):
            cell.source = learner.get(meta.get("grade_id"), "# (not graded)")
        elif meta.get("grade"):
            qualname = (cell.metadata.get("nnlab") or {}).get("function", "")
            cell.outputs = [new_output("execute_result", data={"text/plain": repr(round(per_function.get(qualname, 0.0), 6))},
                                       execution_count=None)]
    if error:
        note = new_markdown_cell(not_graded_note(error))
        note["id"] = "nnlab-not-graded"
        graded.cells.insert(0, note)
    nbformat.write(graded, out / f"{assignment}.ipynb")
    if (notebook.parent / "timestamp.txt").is_file():
        shutil.copy(notebook.parent / "timestamp.txt", out / "timestamp.txt")
