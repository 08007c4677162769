"""Learner modules out of a lab notebook, by nbgrader grade_id.

The contract (README "Notebooks and nbgrader"): every exercise cell of a lab notebook carries
nbgrader's solution-cell metadata

    {"nbgrader": {"solution": true, "grade": false, "locked": false,
                  "grade_id": "<module>-<function>", "schema_version": 3},
     "nnlab": {"module": "<module>"}}

(`<function>` is the first function or class the cell defines), and every other cell that
belongs to a module's Python source carries `"nnlab": {"module": "<module>"}` (nbgrader marks
them locked). `module_sources(notebook, release)` rebuilds each module's source: the exercise
cells' code is taken, by grade_id, from the learner's notebook; every other module cell comes
from the release, so whatever a learner does to the other cells changes nothing. A notebook that
cannot be read this way raises `NotebookError` with one line saying what is wrong.

A concept question's answer cell (nnlab.questions) is a code cell with nbgrader's solution-cell
metadata, `"grade_id": "answer-<module>-<name>"`, and `"nnlab": {"question": "<module>.<name>"}`
(no `module`: it is no part of a module's source). `notebook_answers` reads the answers by
grade_id, from each cell's text (never by running it), the question ids from the release.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# The metadata keys a learner must leave alone on an exercise cell ("checksum" and friends are
# nbgrader's own bookkeeping and may differ between source and release).
CONTRACT_KEYS = ("solution", "grade", "locked", "grade_id", "points")


class NotebookError(Exception):
    """A lab notebook that cannot be graded; the message is one line naming the notebook."""


@dataclass
class ModuleCell:
    """One code cell of a module's source, as the release lays it out."""

    module: str
    source: str
    grade_id: str | None = None  # set for exercise (solution) cells
    names: list[str] = field(default_factory=list)  # top-level functions/classes it defines
    nbgrader: dict = field(default_factory=dict)


@dataclass
class Layout:
    """The release's module cells, in order, and the notebook's own nnlab metadata."""

    assignment: str | None
    cells: list[ModuleCell]

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(c.module for c in self.cells))

    @property
    def exercises(self) -> list[ModuleCell]:
        return [c for c in self.cells if c.grade_id]

    def assemble(self, code: dict[str, str]) -> dict[str, str]:
        """Each module's source: exercise cells from `code` (grade_id -> source; a missing one
        is left empty), every other cell from the release."""
        parts: dict[str, list[str]] = {m: [] for m in self.modules}
        for cell in self.cells:
            text = code.get(cell.grade_id, "") if cell.grade_id else cell.source
            parts[cell.module].append(text.rstrip("\n"))
        return {m: "\n\n\n".join(p for p in chunks if p) + "\n" for m, chunks in parts.items()}


def defined_names(source: str) -> list[str]:
    """Top-level functions and classes a cell defines (then plain assigned names), in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    defs = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assigned = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)]
    return defs + [a for a in assigned if a not in defs]


def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """The notebook at `path`, or NotebookError with one line (missing, not JSON, not a notebook)."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"{path.name}: no such notebook")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name}: not UTF-8 text, so not a notebook") from None
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path.name}: not a valid notebook (invalid JSON at line {error.lineno}: "
                            f"{error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path.name}: not a Jupyter notebook (no list of cells)")
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise NotebookError(f"{path.name}: cell {index + 1} is not a valid notebook cell")
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError(f"{path.name}: cell {index + 1} has invalid metadata")
    return nbformat.from_dict(data)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def layout_of(notebook: nbformat.NotebookNode) -> Layout:
    """The module cells of a release (or source) lab notebook."""
    cells = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {})
        module = (meta.get("nnlab") or {}).get("module")
        if cell.get("cell_type") != "code" or not module:
            continue
        nb = dict(meta.get("nbgrader") or {})
        source = _source(cell)
        exercise = bool(nb.get("solution")) and not nb.get("grade")
        cells.append(ModuleCell(module, source, nb.get("grade_id") if exercise else None,
                                defined_names(source), nb))
    assignment = (notebook.get("metadata", {}).get("nnlab") or {}).get("assignment")
    return Layout(assignment, cells)


def exercise_code(notebook: nbformat.NotebookNode, release: Layout, name: str) -> dict[str, str]:
    """grade_id -> the learner's code of each exercise cell, after checking the notebook still
    has the release's exercise cells, once each, in order, with their metadata unchanged."""
    wanted = {c.grade_id: c for c in release.exercises}
    assignment = (notebook.get("metadata", {}).get("nnlab") or {}).get("assignment")
    if release.assignment and assignment and assignment != release.assignment:
        raise NotebookError(f"{name}: this is the notebook of assignment {assignment}, "
                            f"not {release.assignment}")
    found: dict[str, str] = {}
    order: list[str] = []
    stray: list[tuple[int, str, list[str]]] = []
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {})
        nb = meta.get("nbgrader") or {}
        gid = nb.get("grade_id")
        if gid in wanted:
            expected = wanted[gid]
            if gid in found:
                raise NotebookError(f"{name}: exercise cell {gid} appears twice (a duplicated "
                                    f"cell); keep one copy")
            if cell.get("cell_type") != "code":
                raise NotebookError(f"{name}: exercise cell {gid} was turned into a "
                                    f"{cell.get('cell_type')} cell; make it a code cell again")
            changed = [k for k in CONTRACT_KEYS if nb.get(k) != expected.nbgrader.get(k)]
            module = (meta.get("nnlab") or {}).get("module")
            if changed or module != expected.module:
                what = ", ".join(changed) or "nnlab.module"
                raise NotebookError(f"{name}: the metadata of exercise cell {gid} was changed "
                                    f"({what}); restore it from the released notebook")
            found[gid] = _source(cell)
            order.append(gid)
        elif cell.get("cell_type") == "code":
            stray.append((index, gid, defined_names(_source(cell))))
    missing = [g for g in wanted if g not in found]
    # A cell the learner made (or split off) that defines an exercise function whose own cell
    # no longer does: the code would be lost, so say so rather than grade without it.
    for gid, cell in wanted.items():
        mine = set(defined_names(found.get(gid, "")))
        for index, stray_id, names in stray:
            lost = [n for n in cell.names[:1] if n in names and n not in mine]
            if lost and gid in found:
                raise NotebookError(f"{name}: {lost[0]} is defined in cell {index + 1}, outside its "
                                    f"exercise cell {gid} (was the cell split?); move the code back")
    if missing:
        raise NotebookError(f"{name}: exercise cell {missing[0]} is missing (deleted, split, or its "
                            f"metadata changed){f' and {len(missing) - 1} more' if len(missing) > 1 else ''}; "
                            f"copy it back from the released notebook")
    if order != list(wanted):
        first = next(g for g, w in zip(order, wanted) if g != w)
        raise NotebookError(f"{name}: exercise cells are out of order (cell {first} moved); "
                            f"put them back in the released order")
    return found


def module_sources(notebook_path: Path | str, release: Path | str | None = None) -> dict[str, str]:
    """Each learner module's Python source ("activations" -> text) rebuilt from a lab notebook.

    `release`: the released (or source) notebook of the same assignment, whose non-exercise
    module cells are used; by default the course's `exercises/notebooks/<assignment>.ipynb`
    found above the notebook or the current folder, else the notebook's own cells.
    Raises NotebookError (one line) for a notebook that cannot be graded.
    """
    path = Path(notebook_path)
    notebook = read_notebook(path)
    if release is None:
        release_nb = _default_release(path, notebook) or notebook
    else:
        release_nb = read_notebook(release)
        if Path(release).name != path.name:
            raise NotebookError(f"{path.name}: expected a notebook named {Path(release).name}")
    layout = layout_of(release_nb)
    if not layout.cells:
        raise NotebookError(f"{path.name}: not an nnlab lab notebook (no cell belongs to a module)")
    return layout.assemble(exercise_code(notebook, layout, path.name))


def _default_release(path: Path, notebook) -> nbformat.NotebookNode | None:
    assignment = (notebook.get("metadata", {}).get("nnlab") or {}).get("assignment")
    if not assignment:
        return None
    for base in (path.resolve().parent, Path.cwd()):
        for folder in (base, *base.parents):
            candidate = folder / "exercises" / "notebooks" / f"{assignment}.ipynb"
            if (folder / "course.yml").is_file() and candidate.is_file():
                try:
                    return read_notebook(candidate)
                except NotebookError:
                    return None
    return None


def is_lab_notebook(path: Path) -> bool:
    """Cheap test used when reading a submission folder: does it look like a lab notebook?"""
    try:
        head = path.read_bytes()[:1_000_000]
    except OSError:
        return False
    return b'"nnlab"' in head


def answer_cells(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> question id of each answer cell of a release (or source) notebook."""
    found = {}
    for cell in notebook.cells:
        question = (cell.get("metadata", {}).get("nnlab") or {}).get("question")
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if question and gid and cell.get("cell_type") == "code":
            found[gid] = str(question)
    return found


def notebook_answers(notebook: nbformat.NotebookNode, release: nbformat.NotebookNode) -> dict:
    """question id -> answer, from a learner's notebook: each answer cell the release has,
    found by grade_id (the first copy of a duplicated one), its answer read from its text
    (`nnlab.questions.cell_answer`, never run); an empty one is left out."""
    from nnlab.questions import cell_answer

    wanted = answer_cells(release)
    answers: dict = {}
    for cell in notebook.cells:
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if gid in wanted and cell.get("cell_type") == "code" and wanted[gid] not in answers:
            value = cell_answer(_source(cell))
            if value is not None:
                answers[wanted[gid]] = value
    return answers


def release_of(path: Path | str, release: Path | str | None = None) -> nbformat.NotebookNode:
    """The release notebook `module_sources` would use for the notebook at `path`."""
    notebook = read_notebook(path)
    if release is not None:
        return read_notebook(release)
    return _default_release(Path(path), notebook) or notebook
