"""`nnlab build`: generate exercises/ from solutions/ (stubs, public checks, notebooks, data).

`build_exercises(course)` writes every generated file that differs from what is there;
`build_exercises(course, check=True)` writes nothing and reports the stale files instead. Every
generated file is the same bytes on every machine (public checks store values rounded inside
their tolerance: `public_checks.settled`), so the comparison is byte for byte, and a file under
exercises/ that the build does not write is reported too: a learner opening the folder sees
only what the build made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nnlab.authoring.public_checks import record_checks, render_checks
from nnlab.authoring.notebooks import make_lab_notebook, render
from nnlab.authoring.stubs import BuildError, make_stub
from nnlab.course import Course
from nnlab.grading.compare import Comparator

__all__ = ["BuildError", "GeneratedFile", "build_exercises", "planned_files"]

GENERATED_FOLDER = Path("exercises")
IGNORED_FOLDERS = {"__pycache__", ".ipynb_checkpoints"}  # Python's and Jupyter's own caches
DATA_FOLDER = Path("data")  # under solutions/: recorded data the exercises load, copied as is


@dataclass
class GeneratedFile:
    path: Path  # relative to the course root
    content: bytes
    source: str  # what it is generated from, for messages


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
            planned.append(GeneratedFile(GENERATED_FOLDER / f"{module}.py", stub.encode(), source))
            if (root / "graders" / "public" / f"{module}.py").is_file():
                checks = render_checks(record_checks(module, Comparator(course.tolerances)))
                planned.append(GeneratedFile(GENERATED_FOLDER / "checks" / f"{module}.json",
                                             checks.encode(), f"graders/public/{module}.py"))
        # One lab notebook per assignment of course.yml, from the solutions of its modules.
        for assignment in course.assignments:
            notebook = make_lab_notebook(course, assignment.id)
            if notebook is not None:
                planned.append(GeneratedFile(GENERATED_FOLDER / "notebooks" / f"{assignment.id}.ipynb",
                                             render(notebook).encode(), f"solutions/ ({assignment.id})"))
    data = root / "solutions" / DATA_FOLDER
    for path in sorted(data.rglob("*")) if data.is_dir() else ():
        if path.is_file():
            relative = path.relative_to(root / "solutions")
            planned.append(GeneratedFile(GENERATED_FOLDER / relative, path.read_bytes(),
                                         f"solutions/{relative.as_posix()}"))
    return planned


def build_exercises(course: Course, check: bool = False) -> list[tuple[Path, str]]:
    """Write (or, with `check`, only compare) the generated files.

    Returns (path, status) pairs, status one of "unchanged", "written", "stale", "missing",
    "extra" (a file under exercises/ that the build does not write; removed unless `check`).
    """
    report = []
    planned = planned_files(course)
    for item in planned:
        target = course.root / item.path
        current = target.read_bytes() if target.is_file() else None
        status = "missing" if current is None else "unchanged" if current == item.content else "stale"
        if status != "unchanged" and not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.content)
            status = "written"
        report.append((item.path, status))
    wanted = {item.path for item in planned}
    folder = course.root / GENERATED_FOLDER
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        relative = path.relative_to(course.root)
        if (path.is_file() or path.is_symlink()) and relative not in wanted \
                and not IGNORED_FOLDERS & set(relative.parts):
            if not check:
                path.unlink()
            report.append((relative, "extra" if check else "removed"))
    return report
