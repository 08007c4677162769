"""The course settings `nnlab check` needs (limits, tolerances), without pydantic when it can.

A learner runs `nnlab check` dozens of times an hour, and importing pydantic and validating
course.yml costs about as much as NumPy's import. So the first check of a course.yml validates it
in full (`nnlab.course.load_course`, with its one-line errors) and keeps the validated limits
and tolerances in a per-user cache (`cache_dir()`), keyed by the exact bytes of course.yml and of
nnlab's own course.py (the rules it was validated with); a later check of the same bytes reads
them back as plain read-only values (`PlainLimits`, `PlainTolerances`) with the same attributes
as `nnlab.course.Limits` and `Tolerances`. No course.yml at hand: course.yml's defaults, cached
the same way. A cache file that does not parse or lacks a value is ignored and rewritten.

Grading never reads this cache: only `nnlab check` (the learner's own code, on the learner's own
machine) does. Learner code cannot reach the cache from the sandbox; at the unsandboxed level it
is the learner's own code and own cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_FORMAT = b"nnlab-check-settings-1"
CACHE_ENV = "NNLAB_CACHE_DIR"  # where the cache lives (tests point it at a temporary folder)
COURSE_RULES = Path(__file__).with_name("course.py")


def cache_dir() -> Path:
    """This user's cache folder for nnlab: $NNLAB_CACHE_DIR, else the platform's usual place
    (~/.cache/nnlab, ~/Library/Caches/nnlab, %LOCALAPPDATA%\\nnlab\\Cache)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "nnlab" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "nnlab"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "nnlab"


def read_cache(name: str) -> Any:
    """The JSON value cached as `name`, or None (absent, unreadable, not JSON)."""
    try:
        return json.loads((cache_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cache(name: str, value: Any) -> None:
    """Cache `value` as `name` (atomically, readable by this user alone); a cache that cannot
    be written is no error: the next run works it out again."""
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(value, file)
            os.replace(temporary, folder / name)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


@dataclass(frozen=True)
class PlainTolerance:
    """`nnlab.course.Tolerance`'s values: |actual - expected| <= atol + rtol * |expected|."""

    rtol: float
    atol: float

    def __post_init__(self):
        if not (self.rtol >= 0 and self.atol >= 0):  # (NaN too)
            raise ValueError(f"a tolerance must be at least 0 (rtol={self.rtol}, atol={self.atol})")


@dataclass(frozen=True)
class PlainTolerances:
    """`nnlab.course.Tolerances`'s values."""

    float64: PlainTolerance
    float32: PlainTolerance


class PlainLimits:
    """`nnlab.course.Limits`'s values as read-only attributes, with `for_module` (each
    module's raised limits worked out by `Limits.for_module` when the cache was written)."""

    __slots__ = ("_values", "_modules")

    def __init__(self, values: dict[str, Any], modules: dict[str, dict[str, Any]] | None = None):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_modules", dict(modules or {}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PlainLimits is read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainLimits) and (self._values, self._modules) == \
            (other._values, other._modules)

    def __hash__(self) -> int:
        return hash(json.dumps(self._values, sort_keys=True))

    def __repr__(self) -> str:
        return f"PlainLimits({self._values!r})"

    def for_module(self, module: str) -> "PlainLimits":
        raised = self._modules.get(module)
        return self if raised is None else PlainLimits(raised)


def _plain(entry: dict) -> tuple[PlainLimits, PlainTolerances]:
    limits = PlainLimits(entry["limits"], entry["modules"])
    tolerances = PlainTolerances(**{k: PlainTolerance(**v) for k, v in entry["tolerances"].items()})
    for name in ("seconds_per_test", "seconds_per_import", "worker_cpu_seconds", "worker_memory_mb",
                 "worker_file_mb", "worker_open_files", "output_kb", "worker_processes"):
        if not isinstance(getattr(limits, name), (int, float)):
            raise TypeError(name)
    return limits, tolerances


def _validated(course_file: Path | None) -> dict:
    """course.yml's limits and tolerances, validated with pydantic (raises CourseError), as
    plain data for the cache."""
    from nnlab.course import CURRICULUM_MODULES, Limits, Tolerances, load_course

    if course_file is None:
        limits, tolerances = Limits(), Tolerances()
    else:
        loaded = load_course(course_file)
        limits, tolerances = loaded.limits, loaded.tolerances
    values = limits.model_dump(exclude={"modules"})
    modules = {m: limits.for_module(m).model_dump(exclude={"modules"})
               for m in CURRICULUM_MODULES if m in limits.modules}
    return {"limits": values, "modules": modules, "tolerances": tolerances.model_dump()}


def check_settings(course_file: Path | None) -> tuple[PlainLimits, PlainTolerances]:
    """The limits and tolerances of `course_file` (course.yml's defaults when None), from the
    cache when these exact bytes were validated before. Raises `nnlab.course.CourseError` with
    its one line when course.yml is not valid (an invalid file is never cached)."""
    if course_file is not None and Path(course_file).is_dir():
        course_file = Path(course_file) / "course.yml"
    try:
        text = b"" if course_file is None else Path(course_file).read_bytes()
        rules = COURSE_RULES.read_bytes()
    except OSError:
        text = rules = None  # load_course says what is wrong with the file
    if text is None:
        return _plain(_validated(course_file))
    key = hashlib.sha256(b"\0".join((CACHE_FORMAT, rules, b"course.yml" if course_file else b"-",
                                     text))).hexdigest()[:32]
    name = f"check-settings-{key}.json"
    cached = read_cache(name)
    if isinstance(cached, dict):
        try:
            return _plain(cached)
        except (KeyError, TypeError, ValueError):
            pass
    entry = _validated(course_file)
    settings = _plain(entry)
    write_cache(name, entry)
    return settings
