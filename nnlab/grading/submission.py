"""Reading a submission folder: which learner modules it holds, and nothing else.

A submission is a folder named after the learner holding some or all of `<module>.py` for the
course's modules. Only those names are taken, only as regular files (no links), at most
`MAX_FILE_BYTES` each; everything else in the folder (a conftest.py, sitecustomize.py, .pyc
files, data, subfolders) is listed as ignored and never reaches the sandbox.
"""

from __future__ import annotations

import hashlib
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024  # one module file or one lab notebook, on every path
LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")  # the ASCII ids (see usable_learner_id)
LEARNER_ID_RULE = ("letters of any script, digits, single spaces and . _ @ + - ' only, starting "
                   "with a letter or digit, at most 128 characters")


def usable_learner_id(name: str) -> bool:
    """Whether `name` can be a learner id, and so a folder name in the results: "ada",
    "Ana Maria" (LMS exports have spaces), "zoë", "O'Brien", "李雷". Ids are NFC-normalised
    where they are read (`nnlab.intake.learner_id`), and shown as given; nothing that could
    leave a folder, hide (a leading dot) or break a line gets through."""
    if not name or len(name) > 128 or not name[0].isalnum() or name != name.strip():
        return False
    if unicodedata.normalize("NFC", name) != name or "  " in name:
        return False
    return all(c.isalnum() or c in " ._@+-'" for c in name) and name.isprintable()


ANSWERS_FILE = "answers.yml"  # the concept questions' answers (nnlab.questions)
MAX_ANSWERS_BYTES = 64 * 1024


def take_answers(submission: "Submission", entry: Path) -> None:
    """Keep an answers.yml that is a regular file within the size limit (a problem otherwise)."""
    if not stat.S_ISREG(entry.lstat().st_mode):
        submission.answers_problem = f"{entry.name} is a link or not a regular file; submit the file itself"
    elif entry.stat().st_size > MAX_ANSWERS_BYTES:
        submission.answers_problem = f"{entry.name} is over the {MAX_ANSWERS_BYTES} byte limit"
    submission.answers = b"" if submission.answers_problem else entry.read_bytes()


class SubmissionError(Exception):
    """The submission folder itself is unusable (missing, not a folder, a bad name)."""


@dataclass
class Submission:
    """The allow-listed learner files of one submission, read into memory."""

    learner: str
    path: Path
    files: dict[str, bytes] = field(default_factory=dict)  # "activations.py" -> content
    problems: dict[str, str] = field(default_factory=dict)  # module -> why it cannot be used
    ignored: list[str] = field(default_factory=list)
    answers: bytes | None = None  # answers.yml, the concept questions' answers, as handed in
    answers_problem: str = ""  # why answers.yml could not be taken (its questions then fail)
    answers_from: str = ANSWERS_FILE  # where the answers were read, as messages name it

    @property
    def modules(self) -> list[str]:
        return [name[:-3] for name in self.files]

    def digest(self) -> str:
        """A fingerprint of what is graded, to resume a batch and skip unchanged submissions."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        for name in sorted(self.problems):
            h.update(f"{name}:{self.problems[name]}".encode())
        if self.answers is not None:
            h.update(b"answers.yml\0" + hashlib.sha256(self.answers).digest())
        return h.hexdigest()


def read_submission(path: Path | str, modules: list[str], learner: str | None = None) -> Submission:
    """Take the allow-listed `<module>.py` files from a submission folder."""
    path = Path(path)
    if path.suffix == ".ipynb" and path.is_file():  # one lab notebook (`nnlab check --path x.ipynb`)
        return _from_notebooks(path.parent, [path], modules, learner or path.resolve().parent.name)
    if not path.exists():
        raise SubmissionError(f"{path}: no such folder")
    if not path.is_dir():
        raise SubmissionError(f"{path}: a submission must be a folder of <module>.py files")
    learner = unicodedata.normalize("NFC", learner or path.resolve().name)
    if not usable_learner_id(learner):
        raise SubmissionError(f"{path}: {learner!r} is not usable as a learner id ({LEARNER_ID_RULE})")
    allowed = {f"{m}.py" for m in modules}
    notebooks = sorted(path.glob("*.ipynb"))
    if notebooks and not any((path / name).exists() for name in allowed):
        # A folder of lab notebooks and no module file: the modules are rebuilt from them.
        submission = _from_notebooks(path, notebooks, modules, learner)
        if (path / ANSWERS_FILE).exists() or (path / ANSWERS_FILE).is_symlink():
            # an answers.yml handed in beside the notebooks replaces their answer cells
            submission.answers_problem, submission.answers_from = "", ANSWERS_FILE
            take_answers(submission, path / ANSWERS_FILE)
        return submission
    submission = Submission(learner=learner, path=path)
    for entry in sorted(path.iterdir(), key=lambda p: p.name):
        if entry.name == ANSWERS_FILE:
            take_answers(submission, entry)
            continue
        if entry.name not in allowed:
            submission.ignored.append(entry.name)
            continue
        module = entry.name[:-3]
        mode = entry.lstat().st_mode
        if not stat.S_ISREG(mode):
            submission.problems[module] = f"{entry.name} is a link or not a regular file; submit the file itself"
            continue
        size = entry.stat().st_size
        if size > MAX_FILE_BYTES:
            submission.problems[module] = f"{entry.name} is {size} bytes, over the {MAX_FILE_BYTES} byte limit"
            continue
        content = entry.read_bytes()
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            submission.problems[module] = (
                f"{entry.name} is not UTF-8 text (byte 0x{content[error.start]:02x} at offset "
                f"{error.start}); save it with UTF-8 encoding")
            continue
        submission.files[entry.name] = content
    return submission


def _from_notebooks(path: Path, notebooks: list[Path], modules: list[str], learner: str) -> Submission:
    """A submission made from lab notebooks (nnlab.nbgrader.extract): each module's source is
    rebuilt from the notebook's exercise cells; a notebook that cannot be read is a problem of
    the modules it names, or an ignored file. The answers of the notebooks' concept-question
    cells, where they have some, become the submission's answers (as answers.yml's text)."""
    import yaml

    from nnlab.nbgrader.extract import (NotebookError, answer_cells, is_lab_notebook, module_sources,
                                        notebook_answers, read_notebook, release_of)
    from nnlab.questions import NOTEBOOK_CELLS

    submission = Submission(learner=learner, path=path)
    answers: dict = {}
    has_cells = False
    for notebook in notebooks:
        refuse_unsafe_file(notebook)
        if not is_lab_notebook(notebook):
            submission.ignored.append(notebook.name)
            continue
        try:
            sources = module_sources(notebook)
        except NotebookError as error:
            try:
                named = (read_notebook(notebook).metadata.get("nnlab") or {}).get("modules") or []
            except NotebookError:
                named = []
            for module in [m for m in named if m in modules] or [notebook.stem]:
                submission.problems[module] = str(error)
            continue
        for module, text in sources.items():
            if module in modules:
                submission.files[f"{module}.py"] = text.encode("utf-8")
        release = release_of(notebook)
        if answer_cells(release):
            has_cells = True
            answers.update(notebook_answers(read_notebook(notebook), release))
    if has_cells:
        submission.answers = yaml.safe_dump(answers, allow_unicode=True, sort_keys=False).encode("utf-8")
        submission.answers_from = NOTEBOOK_CELLS
    submission.ignored.extend(p.name for p in sorted(path.iterdir()) if p.suffix != ".ipynb")
    return submission


def refuse_unsafe_file(path: Path) -> None:
    """A hand-in's notebook must be a regular file (a link to a classmate's is not followed)
    within `MAX_FILE_BYTES`; else the learner's hand-in is refused with one line saying why."""
    mode = path.lstat()
    if not stat.S_ISREG(mode.st_mode):
        raise SubmissionError(f"{path}: {path.name} is a link or not a regular file; hand in the "
                              f"file itself")
    if mode.st_size > MAX_FILE_BYTES:
        raise SubmissionError(f"{path}: {path.name} is {mode.st_size} bytes, over the "
                              f"{MAX_FILE_BYTES} byte limit")
