"""course.yml: the course as nnlab grades it, validated with pydantic.

`load_course(path)` returns a `Course` or raises `CourseError` with one line naming the file,
the line, the key and what is wrong ("course.yml line 12: limits.seconds_per_test: Input should
be greater than 0").
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

if TYPE_CHECKING:
    from nnlab.seeds import LearnerSeeds, ModuleKeys

# The modules of CURRICULUM.md, in teaching order.
CURRICULUM_MODULES = ("perceptron", "activations", "losses", "gradient_descent", "backprop",
                      "xor", "mlp", "conv", "rnn", "lstm")
# The course folder's own Python packages, imported from the course root while grading.
COURSE_PACKAGES = ("reference", "graders", "questions")
DEVELOPMENT_SEED = "nnlab-development-seed-do-not-use-for-grading"


class CourseError(Exception):
    """course.yml (or the place it was looked for) is unusable; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModuleLimits(_Strict):
    """Limits one module raises above the course's (a training exercise needs longer calls)."""

    seconds_per_test: float | None = Field(None, gt=0, le=3600)
    seconds_per_import: float | None = Field(None, gt=0, le=3600)
    worker_cpu_seconds: int | None = Field(None, gt=0)
    worker_memory_mb: int | None = Field(None, ge=256)


class Limits(_Strict):
    """What learner code may use: the wall clock of one call or import, and each sandboxed
    worker's rlimits. The worker reads this object itself (`nnlab.sandbox.worker.Worker`);
    `modules` raises them for one module (`for_module`), and a grader test can raise its own
    per-call limit with `@pytest.mark.seconds_per_call(s)`."""

    seconds_per_test: float = Field(10.0, gt=0, le=3600)
    seconds_per_import: float = Field(10.0, gt=0, le=3600)
    worker_cpu_seconds: int = Field(300, gt=0)
    worker_memory_mb: int = Field(2048, ge=256)
    worker_file_mb: int = Field(16, ge=1)
    worker_open_files: int = Field(64, ge=16)
    output_kb: int = Field(8, ge=1, le=1024)
    worker_processes: int = Field(8, ge=1, le=256)  # RLIMIT_NPROC under a private uid
    # The wall clock one submission may take in all; past it its remaining tests fail at once.
    seconds_per_submission: float = Field(600.0, gt=0, le=86400)
    modules: dict[str, ModuleLimits] = Field(default_factory=dict)

    @field_validator("modules")
    @classmethod
    def _known_module_names(cls, modules: dict[str, ModuleLimits]) -> dict[str, ModuleLimits]:
        unknown = sorted(set(modules) - set(CURRICULUM_MODULES))
        if unknown:
            raise ValueError(f"unknown module {unknown[0]!r} (the curriculum has "
                             f"{', '.join(CURRICULUM_MODULES)})")
        return modules

    def for_module(self, module: str) -> "Limits":
        """These limits with `module`'s own raised values, if course.yml sets any."""
        raised = self.modules.get(module)
        if raised is None:
            return self
        return self.model_copy(update={k: v for k, v in raised.model_dump().items() if v is not None})


class Tolerance(_Strict):
    rtol: float = Field(ge=0)
    atol: float = Field(ge=0)


class Tolerances(_Strict):
    float64: Tolerance = Tolerance(rtol=1e-7, atol=1e-10)
    float32: Tolerance = Tolerance(rtol=1e-4, atol=1e-6)


class Similarity(_Strict):
    """How alike two learners' code of a module must be to be listed (`nnlab similar`)."""

    # The default sits in the gap tests/similarity/ measures on generated classes: planted
    # disguised copies share 0.86 or more, independently written learners 0.72 at most.
    threshold: float = Field(0.8, gt=0, le=1)
    # Learners with less code of their own than this (characters of normalised code, the stub
    # and the class's common fragments not counted) are not compared.
    min_characters: int = Field(60, ge=1)
    # Fragments written by more than this share of the learners compared (and by more than
    # four) are the exercise's idioms and count for nothing.
    common_fraction: float = Field(0.2, gt=0, le=1)


class Questions(_Strict):
    """Concept questions (questions/): the public salt each learner's numbers are drawn with."""

    salt: str = Field("nnlab-questions", min_length=1)


class Assignment(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    title: str
    modules: list[str] = Field(min_length=1)

    @field_validator("modules")
    @classmethod
    def _known_modules(cls, modules: list[str]) -> list[str]:
        for name in modules:
            if name not in CURRICULUM_MODULES:
                raise ValueError(f"unknown module {name!r} (the curriculum has "
                                 f"{', '.join(CURRICULUM_MODULES)})")
        return modules


class Course(_Strict):
    course: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    secret_seed_env: str = Field("NNLAB_SECRET_SEED", pattern=r"^[A-Z_][A-Z0-9_]*$")
    limits: Limits = Limits()
    tolerances: Tolerances = Tolerances()
    similarity: Similarity = Similarity()
    questions: Questions = Questions()
    assignments: list[Assignment] = Field(min_length=1)
    # Where course.yml was found; every other course folder is relative to it.
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Course":
        ids = [a.id for a in self.assignments]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"assignment ids must be unique; repeated: {', '.join(duplicated)}")
        return self

    # -- derived -----------------------------------------------------------------------------
    @property
    def modules(self) -> list[str]:
        """Every module some assignment uses, in curriculum order."""
        used = {m for a in self.assignments for m in a.modules}
        return [m for m in CURRICULUM_MODULES if m in used]

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        known = ", ".join(a.id for a in self.assignments)
        raise CourseError(f"course.yml has no assignment {assignment_id!r} (it has {known})")

    def graded_modules(self) -> list[str]:
        """Modules that have a hidden grader file in graders/."""
        return [m for m in self.modules if (self.root / "graders" / f"test_{m}.py").is_file()]

    @contextlib.contextmanager
    def importable(self) -> Iterator[None]:
        """Make the course's own packages (`reference`, `graders`) importable, and undo it.

        The one place nnlab touches `sys.path`. Packages of that name imported from another
        course folder (a test's copy, say) are forgotten first, so each course grades with its
        own reference and graders.
        """
        root = str(self.root)
        for name in [n for n in sys.modules if n.split(".")[0] in COURSE_PACKAGES]:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin and not origin.startswith(root + os.sep):
                del sys.modules[name]
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            yield
        finally:
            if added and root in sys.path:
                sys.path.remove(root)

    def module_keys(self, modules: Iterable[str] | None = None, warn: bool = True) -> "ModuleKeys":
        """One key per module (every course module by default), derived from the secret seed.

        The only place the master seed is read (from the environment variable course.yml names);
        what leaves this process is derived from it (nnlab.seeds). Without the variable, a
        published development seed is used and a loud warning goes to stderr: hidden cases are
        then predictable by anyone who reads this source.
        """
        from nnlab.seeds import ModuleKeys, master_key

        text = os.environ.get(self.secret_seed_env, "")
        if not text:
            if warn:
                _warn_development_seed(self.secret_seed_env)
        master = master_key(text or DEVELOPMENT_SEED)
        return ModuleKeys.from_master(master, list(self.modules if modules is None else modules),
                                      development=not text)

    def learner_seeds(self, learner: str, modules: Iterable[str] | None = None,
                      warn: bool = True) -> "LearnerSeeds":
        """What grading `learner` in `modules` needs of the secret seed (nnlab.seeds)."""
        return self.module_keys(modules, warn=warn).for_learner(learner)

    def seed_fingerprint(self) -> str:
        """The secret seed's fingerprint (cannot give the seed back)."""
        return self.module_keys([], warn=False).fingerprint


_warned = False


def _warn_development_seed(variable: str) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    from rich.console import Console

    Console(stderr=True).print(
        f"[bold red]WARNING:[/] ${variable} is not set: hidden cases use the published "
        f"development seed, so learners could predict them. Set {variable} before grading a class.")


def find_course_file(start: Path | None = None) -> Path:
    """course.yml in `start` or the nearest folder above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "course.yml"
        if candidate.is_file():
            return candidate
    raise CourseError(f"no course.yml in {here} or any folder above it (use --course PATH)")


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.yml (found from the current folder when `path` is None)."""
    path = Path(path) if path else find_course_file()
    if path.is_dir():
        path = path / "course.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise CourseError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CourseError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path}: expected a mapping of settings at the top level")
    repeated = _repeated_key(node)
    if repeated:
        key, line = repeated
        raise CourseError(f"{path} line {line}: {key}: the key is given twice (YAML would keep "
                          f"only the last one)")
    try:
        return Course.model_validate({**data, "root": path.parent.resolve()})
    except ValidationError as error:
        first = error.errors()[0]
        keys = [str(k) for k in first["loc"]]
        line = _line_of(node, first["loc"])
        where = f" line {line}" if line else ""
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key (a typo?)"
        elif first["type"] == "missing":
            message = "required key is missing"
        raise CourseError(f"{path}{where}: {'.'.join(keys) or '(top level)'}: {message}") from None


def _repeated_key(node: Any, prefix: str = "") -> tuple[str, int] | None:
    """The first key given twice in one mapping, with its dotted path and the second line."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            name = f"{prefix}{key.value}"
            if key.value in seen:
                return name, key.start_mark.line + 1
            seen.add(key.value)
            found = _repeated_key(value, name + ".")
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found = _repeated_key(item, f"{prefix[:-1]}[{i}]." if prefix else f"[{i}].")
            if found:
                return found
    return None


def _line_of(node: Any, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at the pydantic error location, as deep as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                return line
            node = match[1]
            line = match[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


if __name__ == "__main__":  # pragma: no cover - a quick manual check
    print(load_course(sys.argv[1] if len(sys.argv) > 1 else None))
