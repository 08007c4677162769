"""`nnlab build`: generate exercises/ from solutions/ (stubs, public checks, notebooks).

`build_exercises(course)` writes every generated file that differs from what is there;
`build_exercises(course, check=True)` writes nothing and reports the stale files instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nnlab.authoring.public_checks import record_checks, render_checks, same_checks
from nnlab.authoring.notebooks import make_lab_notebook, render
from nnlab.authoring.stubs import BuildError, make_stub
from nnlab.course import Course
from nnlab.grading.compare import Comparator

__all__ = ["BuildError", "GeneratedFile", "build_exercises", "planned_files"]


@dataclass
class GeneratedFile:
    path: Path  # relative to the course root
    text: str
    source: str  # what it is generated from, for messages
    semantic_json: bool = False  # compared by value (floats to 1e-12), not by text


def planned_files(course: Course) -> list[GeneratedFile]:
    """Every file `nnlab build` generates, with its content."""
    root = course.root
    planned: list[GeneratedFile] = []
    with course.importable():
        for module in course.modules:
            solution = root / "solutions" / f"{module}.py"
            if not solution.is_file():
                continue
            source = f"solutions/{module}.py"
            stub = make_stub(solution.read_text(encoding="utf-8"), source)
            planned.append(GeneratedFile(Path("exercises") / f"{module}.py", stub, source))
            if (root / "graders" / "public" / f"{module}.py").is_file():
                planned.append(GeneratedFile(Path("exercises") / "checks" / f"{module}.json",
                                             render_checks(record_checks(module, Comparator(course.tolerances))),
                                             f"graders/public/{module}.py", semantic_json=True))
        # One lab notebook per assignment of course.yml, from the solutions of its modules.
        for assignment in course.assignments:
            notebook = make_lab_notebook(course, assignment.id)
            if notebook is not None:
                planned.append(GeneratedFile(Path("exercises") / "notebooks" / f"{assignment.id}.ipynb",
                                             render(notebook), f"solutions/ ({assignment.id})"))
    return planned


def build_exercises(course: Course, check: bool = False) -> list[tuple[Path, str]]:
    """Write (or, with `check`, only compare) the generated files.

    Returns (path, status) pairs, status one of "unchanged", "written", "stale", "missing".
    """
    report = []
    for item in planned_files(course):
        target = course.root / item.path
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current is None:
            status = "missing"
        elif item.semantic_json:
            status = "unchanged" if same_checks(json.loads(current), json.loads(item.text)) else "stale"
        else:
            status = "unchanged" if current == item.text else "stale"
        if status != "unchanged" and not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.text, encoding="utf-8")
            status = "written"
        report.append((item.path, status))
    return report
