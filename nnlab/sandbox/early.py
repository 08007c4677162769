"""Start `nnlab check`'s worker before the checks load.

A worker's start (a new Python, NumPy's import, the sandbox) takes about as long as the
checker's own imports and reading of the checks. `early_worker(path, target, limits)` starts the
worker of `nnlab check MODULE` before NumPy is imported, from a plain read of the learner's
folder; `run_checks` adopts it only when the submission it reads has exactly the same files
(`adopt`), and otherwise stops it and starts its own, so the early start never changes what is
checked. Only the standard library and the worker's parent side are imported here, not NumPy
or pydantic (`limits` may be nnlab.check_settings' plain copy of course.yml's): the worker's
Python loads NumPy while this one does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nnlab.sandbox.worker import Worker

if TYPE_CHECKING:
    from nnlab.course import Limits

MAX_EARLY_BYTES = 4 * 1024 * 1024  # a larger file is left to the submission's own checks


def _checks_folder(path: Path) -> Path | None:
    """Where `selfcheck.find_checks_dir` will look (the same candidates, in order)."""
    path = path.resolve()
    for base in (path, path.parent, path / "exercises", Path.cwd() / "exercises"):
        candidate = base / "checks"
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    return None


def early_worker(path: Path, target: str | None, limits: Limits) -> Worker | None:
    """The started (not yet ready) worker for the module `target` names in the folder `path`,
    or None when there is nothing to start early (no module named, a notebook, no checks)."""
    module = (target or "").partition(".")[0]
    if not module or path.suffix == ".ipynb" or not path.is_dir():
        return None
    checks = _checks_folder(path)
    if checks is None or not (checks / f"{module}.json").is_file():
        return None
    files = {}
    for name in sorted(f"{p.stem}.py" for p in checks.glob("*.json")):
        file = path / name
        if file.is_symlink() or not file.is_file() or file.stat().st_size > MAX_EARLY_BYTES:
            continue
        files[name] = file.read_bytes()
    if f"{module}.py" not in files:
        return None
    worker = Worker(module, files, limits.for_module(module), own_code=True)
    try:
        worker.start(wait=False)
    except Exception:  # the regular start will say what is wrong
        worker.stop()
        return None
    return worker


def adopt(early: Worker | None, module: str, files: dict[str, bytes], limits: Limits) -> Worker | None:
    """`early` if it was started for exactly this module, these files and these limits; else
    None (and `early` is stopped)."""
    if early is None:
        return None
    if early.module == module and early.files == files and early.limits == limits:
        return early
    early.stop()
    return None
