"""Intake: everything a class hands in, turned into in-memory submissions.

`discover(paths, modules)` finds the learners under the given paths, in any mix:

- a folder of `<module>.py` files (learner id = folder name);
- a folder holding the course's lab notebooks (`*.ipynb`), rebuilt into module sources by
  `nnlab.nbgrader.extract.module_sources` (imported only when a notebook is met);
- a `<learner>.zip` holding either of the above (read in memory, never extracted to disk);
- an nbgrader `submitted/` tree (`submitted/<student>/<assignment>/...`), one learner per
  student, their assignment folders merged.

`load(entry, modules)` reads one learner into a `Submission`. Anything wrong with one learner's
hand-in (a bad archive, a link, an unreadable notebook) is a `SubmissionError` naming why, or a
`problems` entry for one module: it costs that learner alone. No link is followed on any path
(module files, notebooks, folders inside an nbgrader tree) and every file has the same size
limit (`MAX_FILE_BYTES`) however it came. Names are NFC-normalised; learner ids are checked by
`usable_learner_id` ("Ana Maria" and "zoë" are fine), and an unusable one is reported, not
skipped. Nothing here starts a process or a shell.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nnlab.grading.submission import (ANSWERS_FILE, LEARNER_ID_RULE, MAX_ANSWERS_BYTES,
                                      MAX_FILE_BYTES, Submission, SubmissionError,
                                      read_submission, refuse_unsafe_file, usable_learner_id)
from nnlab.intake.archive import ArchiveError, ZipLimits, read_zip

__all__ = ["Entry", "discover", "load", "learner_id", "ZipLimits", "ArchiveError"]

@dataclass(frozen=True)
class Entry:
    """One learner's hand-in: an id and where it lies. `kind`: folder, notebooks, zip, nbgrader."""

    learner: str
    path: Path
    kind: str
    parts: tuple[Path, ...] = ()  # nbgrader: the learner's assignment folders

    @property
    def label(self) -> str:
        return str(self.path)


def learner_id(name: str) -> str:
    """The learner id a file or folder name gives: NFC-normalised, a `.zip` suffix dropped."""
    name = unicodedata.normalize("NFC", name)
    if name.lower().endswith(".zip"):
        name = name[:-4]
    return name


def _is_submission_folder(path: Path, modules: list[str]) -> bool:
    names = {f"{m}.py" for m in modules}
    try:
        children = list(path.iterdir())
    except OSError:
        return False
    if any(c.name in names or c.suffix == ".ipynb" for c in children):
        return True
    # Nothing gradable and nothing that could be a learner inside: a (poor) submission itself.
    return not any(c.is_dir() or c.suffix.lower() == ".zip" for c in children)


def discover(paths: list[Path], modules: list[str]) -> tuple[list[Entry], list[str]]:
    """The learners under `paths`, sorted by id, and notes on what was passed over (one line each).

    A path that is itself a submission (holds module files or notebooks) is one learner; a zip
    is one learner; a folder named `submitted` is an nbgrader tree; any other folder is a class
    folder whose entries are learners, and a `submitted/` tree inside it is graded too (its
    students beside the other learners; nbgrader's own folders, `source/`, `release/`,
    `autograded/` and `feedback/`, are passed over with a note). Entries whose name starts
    with a dot are passed over with a note (editor and OS litter), never silently.
    """
    entries: list[Entry] = []
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            raise SubmissionError(f"{path}: no such folder or .zip")
        if path.is_file():
            if path.suffix.lower() == ".zip":
                entries.append(Entry(learner_id(path.name), path, "zip"))
            else:
                raise SubmissionError(f"{path}: a submission is a folder, a .zip, or a folder of them")
            continue
        if path.name == "submitted":
            entries.extend(_nbgrader_tree(path, notes))
            continue
        tree = path / "submitted"
        if _is_submission_folder(path, modules) and not tree.is_dir():
            entries.append(Entry(learner_id(path.resolve().name), path, "folder"))
            continue
        for child in sorted(path.iterdir(), key=lambda p: p.name):
            if child.name == "submitted" and child.is_dir() and not child.is_symlink():
                entries.extend(_nbgrader_tree(child, notes))
                continue
            if tree.is_dir() and child.name in NBGRADER_FOLDERS:
                notes.append(f"{child}: passed over (nbgrader's own folder, not a learner)")
                continue
            if child.name.startswith("."):
                notes.append(f"{child}: passed over (a name starting with a dot is not a learner)")
                continue
            if child.is_symlink():
                notes.append(f"{child}: passed over (a link, not a learner's folder or zip)")
                continue
            if child.is_dir():
                entries.append(Entry(learner_id(child.name), child, "folder"))
            elif child.is_file() and child.suffix.lower() == ".zip":
                entries.append(Entry(learner_id(child.name), child, "zip"))
            else:
                notes.append(f"{child}: passed over (not a folder or a .zip)")
    return sorted(entries, key=lambda e: (e.learner, str(e.path))), notes


NBGRADER_FOLDERS = ("source", "release", "autograded", "feedback")


def _nbgrader_tree(tree: Path, notes: list[str]) -> list[Entry]:
    entries = []
    for student in sorted(tree.iterdir(), key=lambda p: p.name):
        if student.name.startswith(".") or not student.is_dir() or student.is_symlink():
            notes.append(f"{student}: passed over (not a student folder)")
            continue
        parts = []
        for folder in sorted(student.iterdir(), key=lambda p: p.name):
            if folder.is_symlink():
                notes.append(f"{folder}: passed over (a link, not an assignment folder)")
            elif folder.is_dir() and not folder.name.startswith("."):
                parts.append(folder)
        entries.append(Entry(learner_id(student.name), student, "nbgrader", tuple(parts)))
    return entries


def check_learner_id(entry: Entry) -> None:
    if not usable_learner_id(entry.learner):
        raise SubmissionError(f"{entry.path}: {entry.learner!r} is not usable as a learner id "
                              f"({LEARNER_ID_RULE})")


def load(entry: Entry, modules: list[str], limits: ZipLimits | None = None) -> Submission:
    """Read one learner's hand-in into memory: only allow-listed module files reach grading."""
    check_learner_id(entry)
    if entry.kind == "zip":
        members = read_zip(entry.path, limits or ZipLimits())
        return _from_members(entry, members, modules)
    if entry.kind == "nbgrader":
        merged = Submission(learner=entry.learner, path=entry.path)
        for part in entry.parts:
            one = _from_folder(entry, part, modules)
            for name, content in one.files.items():
                if name in merged.files and merged.files[name] != content:
                    merged.problems[name[:-3]] = (f"{name} differs between assignment folders "
                                                  f"of {entry.path.name}; submit it once")
                merged.files.setdefault(name, content)
            merged.problems.update(one.problems)
            if one.answers is not None:  # (answers.yml in any of the learner's assignment folders)
                merged.answers, merged.answers_problem = one.answers, one.answers_problem
            merged.ignored.extend(f"{part.name}/{n}" for n in one.ignored)
        for module in merged.problems:
            merged.files.pop(f"{module}.py", None)
        return merged
    return _from_folder(entry, entry.path, modules)


def _from_folder(entry: Entry, folder: Path, modules: list[str]) -> Submission:
    submission = read_submission(folder, modules, learner="x")  # id checked above, kept below
    submission.learner = entry.learner
    submission.path = entry.path
    notebooks = sorted(p for p in folder.iterdir() if p.suffix == ".ipynb")
    if notebooks and not submission.files:
        for notebook in notebooks:
            refuse_unsafe_file(notebook)  # (read_submission refuses them too; this path must as well)
        _add_notebooks(submission, [(p.name, p) for p in notebooks], modules)
    return submission


def _from_members(entry: Entry, members: dict[str, bytes], modules: list[str]) -> Submission:
    """A zip's members: module files at the top or under one folder; notebooks likewise."""
    submission = Submission(learner=entry.learner, path=entry.path)
    allowed = {f"{m}.py" for m in modules}
    notebooks = []
    for name, content in sorted(members.items()):
        base = name.rsplit("/", 1)[-1]
        if base == ANSWERS_FILE and name.count("/") <= 1:
            too_big = len(content) > MAX_ANSWERS_BYTES
            submission.answers_problem = f"{base} is over the {MAX_ANSWERS_BYTES} byte limit" if too_big else ""
            submission.answers = b"" if too_big else content
            continue
        if base in allowed and name.count("/") <= 1:
            if base in submission.files:
                submission.problems[base[:-3]] = f"{base} appears twice in {entry.path.name}"
                continue
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as error:
                submission.problems[base[:-3]] = (f"{base} is not UTF-8 text (byte at offset "
                                                  f"{error.start}); save it with UTF-8 encoding")
                continue
            if len(content) > MAX_FILE_BYTES:
                submission.problems[base[:-3]] = f"{base} is over the {MAX_FILE_BYTES} byte limit"
                continue
            submission.files[base] = content
        elif base.endswith(".ipynb") and name.count("/") <= 1:
            if len(content) > MAX_FILE_BYTES:
                raise SubmissionError(f"{entry.path}: {name} is {len(content)} bytes, over the "
                                      f"{MAX_FILE_BYTES} byte limit")
            notebooks.append((base, content))
        else:
            submission.ignored.append(name)
    for module in submission.problems:
        submission.files.pop(f"{module}.py", None)
    if notebooks and not submission.files:
        _add_notebooks(submission, notebooks, modules)
    return submission


def _add_notebooks(submission: Submission, notebooks: list, modules: list[str]) -> None:
    """Module sources rebuilt from lab notebooks (paths, or (name, bytes) from a zip)."""
    try:
        from nnlab.nbgrader.extract import module_sources
    except ImportError:
        raise SubmissionError(f"{submission.path}: holds notebooks, but this nnlab cannot read "
                              f"notebook submissions (nnlab.nbgrader.extract is missing)") from None
    import tempfile

    for name, source in notebooks:
        try:
            if isinstance(source, bytes):
                with tempfile.TemporaryDirectory() as scratch:
                    path = Path(scratch) / name
                    path.write_bytes(source)
                    sources = module_sources(path)
            else:
                sources = module_sources(source)
        except Exception as error:  # a mangled notebook: this learner's error, not the run's
            line = (str(error).splitlines() or [type(error).__name__])[0][:300]
            raise SubmissionError(f"{submission.path}: notebook {name}: {line}") from None
        for module, text in sources.items():
            if module in modules:
                submission.files[f"{module}.py"] = text.encode("utf-8")
