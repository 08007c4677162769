"""`nnlab nbgrader build DIR`: a complete nbgrader course directory made from the course.

DIR/nbgrader_config.py (course id from course.yml, the assignments, a cell timeout, kernel
warnings silenced so a library's warning on stderr is not taken for a failed grade cell) and,
for every assignment with at least one module solution, DIR/source/<a>/<a>.ipynb: the lab
notebook with the solutions (nbgrader's `### BEGIN SOLUTION` markers kept, so
`nbgrader generate_assignment` makes the stubs), plus `checks/` (the public checks the
notebook's check cells run) and `data/`.

After each exercise cell, one grade cell per graded function, worth exactly the points nnlab's
graders give that function. Its hidden part grades the kernel's code with nnlab's graders in
nnlab's sandbox (lab.hidden); its last expression is that function's score (lab.verdict), so
nbgrader's partial credit gives the same points as `nnlab grade`. In the released notebook only
`lab.verdict(...)` is left: it runs the function's public checks and fails when they fail, so
`nbgrader validate` tells a learner what is not done yet.

After each concept question's answer cell (nnlab.authoring.notebooks), one grade cell worth the
question's points: its hidden part judges the answer cell's text on the student's own numbers
(lab.hidden_answer), its last expression is the score. A student's numbers follow from their
id, yet nbgrader releases one notebook to every student: the notebook shows each student their
own numbers by running `lab.question(id)` with their id (on a JupyterHub, nbgrader's student id
is the hub user), from `source/<a>/question_texts.json`, written here for the students already
in the gradebook (texts only, keyed by a digest of each id: no answer, no roster). A locked
markdown cell rendered per student could not work: nbgrader has one release, and autograding
restores locked cells from the source notebook.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from nnlab.authoring.notebooks import _nbgrader, make_lab_notebook
from nnlab.course import Course


class NbgraderBuildError(Exception):
    """The course cannot be turned into an nbgrader course; one line says why."""


def function_points(course: Course) -> dict[str, float]:
    """"module.function" -> the points nnlab's graders give it, found by grading the solutions
    (which must score full marks)."""
    from nnlab.grading.runner import grade_submission

    modules = [m for m in course.graded_modules() if (course.root / "solutions" / f"{m}.py").is_file()]
    points: dict[str, float] = {}
    if not modules:
        return points
    with tempfile.TemporaryDirectory(prefix="nnlab-points-") as tmp:
        folder = Path(tmp) / "solutions"
        folder.mkdir()
        for module in modules:
            shutil.copy(course.root / "solutions" / f"{module}.py", folder / f"{module}.py")
        result = grade_submission(folder, course, warn_seed=False, learner="solutions")
    if result.error or result.score != result.max_score:
        raise NbgraderBuildError(f"the solutions do not score full marks ({result.summary()}); "
                                 f"run `nnlab verify` first")
    for test in result.tests:
        points[test.function] = round(points.get(test.function, 0.0) + test.points, 6)
    return points


def assigned_from(source: str, functions: list[str]) -> list[str]:
    """The module-level names `source` assigns from a call of one of `functions`, in order:
    `AND_GATE, OR_GATE, NAND_GATE = logic_gates()` gives the three names (also inside a
    try block)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assign):
            continue
        calls = {n.func.id for n in ast.walk(node.value)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if not calls & set(functions):
            continue
        for target in node.targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in found:
                    found.append(name.id)
    return found


def answer_grade_cell(question: dict) -> list:
    """The grade cell after a concept question's answer cell, worth the question's points."""
    from nnlab.questions import question_test_name

    qid, points = question["id"], float(question["points"])
    gid = "test-question-" + qid.replace(".", "-")
    source = (f"# Grade cell for question {qid} ({points:g} point{'s' if points != 1 else ''}).\n"
              f"### BEGIN HIDDEN TESTS\n"
              f"lab.hidden_answer({qid!r})\n"
              f"### END HIDDEN TESTS\n"
              f"lab.answer_verdict({qid!r})")
    # the question's test (nnlab.questions.question_test_name) is scored into this cell
    return [_grade_cell(gid, source, points, question_test_name(qid).split(":", 1)[0])]


def gradebook_students(folder: Path) -> list[str]:
    """The student ids in the nbgrader course's gradebook, [] without one."""
    if not (folder / "gradebook.db").is_file():
        return []
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        return sorted(student.id for student in gb.students)


def grade_cell(qualname: str, points: float) -> nbformat.NotebookNode:
    """One grade cell. Its hidden part names no path: `lab.hidden` finds the course from the
    kernel's folder, so nothing of the instructor's machine reaches a feedback page."""
    gid = "test-" + qualname.replace(".", "-")
    words = f"{points:g} point{'s' if points != 1 else ''}"
    source = (f"# Grade cell for {qualname} ({words}). Running it runs the public checks of\n"
              f"# {qualname.split('.', 1)[1]} on your code; when the notebook is graded, nnlab's hidden "
              f"tests run here.\n"
              f"### BEGIN HIDDEN TESTS\n"
              f"lab.hidden({qualname!r})\n"
              f"### END HIDDEN TESTS\n"
              f"lab.verdict({qualname!r})")
    return _grade_cell(gid, source, points, qualname)


def _grade_cell(gid: str, source: str, points: float, function: str) -> nbformat.NotebookNode:
    """A locked nbgrader grade cell worth `points`, into which `function`'s tests are scored."""
    cell = new_code_cell(source)
    cell["id"] = gid
    cell.metadata["nbgrader"] = _nbgrader(gid, grade=True, locked=True, points=points)
    cell.metadata["nnlab"] = {"role": "grade", "function": function}
    return cell


CONFIG = '''# nbgrader configuration written by `nnlab nbgrader build` for the nnlab course {course_id!r}.
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = {course_id!r}
# nnlab course: {course_file}
# The assignments, each source/<id>/<id>.ipynb: {assignments}
# (`nbgrader generate_assignment <id>` adds each to the gradebook.)

# Each cell may run this long; a grade cell grades one module's hidden tests at most once.
c.Execute.timeout = {timeout}
# Warnings go nowhere in the grading kernel: nbgrader scores a grade cell that writes to stderr
# zero, and a library's DeprecationWarning is not the learner's fault. (nnlab's own graders
# still check for NumPy warnings, in the sandbox, where they belong.)
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                             "--IPKernelApp.exec_lines=['import warnings', "
                             "'warnings.simplefilter(\\"ignore\\")', "
                             "'import os', 'os.environ[\\"NNLAB_AUTOGRADING\\"] = \\"1\\"']"]
# Each learner's kernel starts without the secret seed, with that student's own seeds only
# (nnlab.nbgrader.kernel.LearnerExecute in place of nbgrader's Execute).
from nbgrader.converters.autograde import Autograde as _Autograde  # noqa: E402

c.Autograde.autograde_preprocessors = [
    "nnlab.nbgrader.kernel.LearnerExecute" if getattr(p, "__name__", p) == "Execute" else p
    for p in _Autograde.class_traits()["autograde_preprocessors"].default()]
'''


def build_course(course: Course, folder: Path | str, timeout: int = 120) -> list[Path]:
    """Write the nbgrader course into `folder`; returns the files written."""
    folder = Path(folder).resolve()
    points = function_points(course)
    written: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    assignments = []
    for assignment in course.assignments:
        target = folder / "source" / assignment.id
        release = target / f"{assignment.id}.ipynb"

        def cells(module, functions, release=release):
            # graded names the exercise's functions make (AND_GATE = logic_gates()[0]) are
            # graded right after it, for the points `nnlab grade` gives them
            source = (course.root / "solutions" / f"{module}.py")
            made_by = assigned_from(source.read_text(encoding="utf-8"), functions) \
                if source.is_file() else []
            made = [grade_cell(f"{module}.{f}", points[f"{module}.{f}"])
                    for f in [*functions, *made_by] if f"{module}.{f}" in points]
            if not made and functions:  # ungraded functions still get their public checks
                cell = new_code_cell("lab.check(" + ", ".join(repr(f"{module}.{f}") for f in functions) + ")")
                cell["id"] = f"check-{module}-{functions[0]}"
                cell.metadata["nnlab"] = {"role": "check"}
                cell.metadata["nbgrader"] = _nbgrader(cell["id"], locked=True)
                made = [cell]
            return made

        notebook = make_lab_notebook(course, assignment.id, solutions=True, grade_cells=cells,
                                     answer_grade_cells=answer_grade_cell)
        if notebook is None:
            continue
        assignments.append(assignment.id)
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, release)
        written.append(release)
        checks = target / "checks"
        checks.mkdir(exist_ok=True)
        for module in notebook.metadata["nnlab"]["modules"]:
            found = course.root / "exercises" / "checks" / f"{module}.json"
            if found.is_file():
                shutil.copy(found, checks / found.name)
                written.append(checks / found.name)
        data = course.root / "exercises" / "data"
        if data.is_dir():
            shutil.copytree(data, target / "data", dirs_exist_ok=True)
        students = gradebook_students(folder)
        if students and any((c.metadata.get("nnlab") or {}).get("question") for c in notebook.cells):
            import json

            from nnlab.questions import TEXTS_FILE, question_texts

            texts = target / TEXTS_FILE
            texts.write_text(json.dumps(question_texts(course, students, list(notebook.metadata["nnlab"]["modules"])),
                                        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(texts)
    config = folder / "nbgrader_config.py"
    config.write_text(CONFIG.format(course_id=course.course, assignments=", ".join(assignments), course_file=course.root / "course.yml", timeout=timeout),
                      encoding="utf-8")
    written.append(config)
    return written


def nnlab_course_of(folder: Path | str) -> Path | None:
    """The course.yml an nbgrader course was built from (named in its nbgrader_config.py)."""
    config = Path(folder) / "nbgrader_config.py"
    if config.is_file():
        for line in config.read_text(encoding="utf-8").splitlines():
            if line.startswith("# nnlab course: "):
                return Path(line[len("# nnlab course: "):].strip())
    return None
