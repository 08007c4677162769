"""Grading: one submission (pytest on graders/ with the nnlab plugin), or a batch of them.

`grade_submission` grades one folder in this process. `grade_batch` grades many, in parallel
processes when asked, writing each learner's results as soon as they are known, skipping
learners whose results already match their unchanged submission (so an interrupted batch
resumes), and turning any failure to grade one submission into that submission's error,
never the batch's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pytest

from nnlab.course import Course
from nnlab.grading.compare import Comparator
from nnlab.grading.learner import LearnerProxy
from nnlab.grading.plugin import GradingPlugin
from nnlab.grading.results import (SubmissionResult, read_submission_result, write_grades_csv,
                                   write_submission_result)
from nnlab.grading.submission import Submission, SubmissionError, read_submission
from nnlab.sandbox.worker import WORKER_MAIN


def choose_modules(course: Course, submission: Submission, assignment: str | None) -> list[str]:
    """The modules to grade: an assignment's (submitted or not), else those submitted."""
    graded = course.graded_modules()
    if assignment:
        return [m for m in course.assignment(assignment).modules if m in graded]
    present = {*submission.modules, *submission.problems}
    return [m for m in graded if m in present]


def grade_submission(path: Path | str, course: Course, *, assignment: str | None = None,
                     learner: str | None = None, out_dir: Path | None = None,
                     warn_seed: bool = True, functions: set[str] | None = None,
                     comparator: Comparator | None = None) -> SubmissionResult:
    """Grade one submission, top to bottom; with `out_dir`, write its results there.

    Never raises for learner faults: they are failed tests. `functions` ("module.function"
    names) limits grading to those functions' tests; `comparator` (one on the course's
    tolerances by default) may be passed in to inspect the rules it applied.
    """
    started = time.perf_counter()
    # 1. Read the submission: the course's module files only, into memory.
    submission = read_submission(path, course.modules, learner)
    # 2. Choose the modules to grade.
    modules = choose_modules(course, submission, assignment)
    result = SubmissionResult(learner=submission.learner, modules=modules,
                              ignored_files=submission.ignored,
                              digest=grading_digest(submission.digest(), course, modules))
    if not modules:
        looked_for = ", ".join(f"{m}.py" for m in course.graded_modules())
        result.error = f"no gradable module files in {path} (looked for {looked_for})"
    else:
        # 3. Start one sandboxed worker per module, 4. run the graders through them.
        proxy = LearnerProxy(submission, course.limits, comparator or Comparator(course.tolerances),
                             hidden_paths(course, Path(path), out_dir), str(course.root))
        plugin = GradingPlugin(proxy, submission.learner, course.secret_seed(warn=warn_seed),
                               functions)
        with course.importable(), proxy:
            proxy.start(modules)
            result.error = run_graders(course, modules, plugin)
            result.isolation = proxy.isolation
        # 5. Collect the outcomes.
        result.tests = plugin.results
        result.figures = plugin.recorded_figures
    result.seconds = time.perf_counter() - started
    # 6. Write results.json, feedback.md and the figures.
    if out_dir is not None:
        write_submission_result(Path(out_dir), result)
    return result


def run_graders(course: Course, modules: list[str], plugin: GradingPlugin) -> str:
    """Run graders/test_<module>.py with the plugin, in this process; "" or a grader problem."""
    files = [str(course.root / "graders" / f"test_{m}.py") for m in modules]
    args = [*files, "-q", "--no-header", "-p", "no:cacheprovider", "--disable-plugin-autoload",
            "--import-mode=importlib", "--rootdir", str(course.root / "graders"),
            "-c", os.devnull, "--tb=no", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter), np.errstate(all="ignore"):
            exit_code = pytest.main(args, plugins=[plugin])
    finally:
        # pytest keeps imported test modules in sys.modules by a name made from their file
        # ("test_activations"); forget them, or the next grading in this process (another
        # course's copy, say) would run these instead of its own.
        graders = str(course.root / "graders") + os.sep
        for name in [n for n, m in list(sys.modules.items())
                     if (getattr(m, "__file__", None) or "").startswith(graders)]:
            del sys.modules[name]
    if plugin.collection_errors:
        return "grader problem: " + "; ".join(plugin.collection_errors)[:2000]
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return f"grader problem: pytest exited with {exit_code!r}: {chatter.getvalue()[-1500:]}"
    return ""


def hidden_paths(course: Course, submission: Path, out_dir: Path | None) -> list[str]:
    """Folders the sandbox must not see: the oracle, the graders, the solutions, the other
    submissions beside this one and the results folder, minus any folder the worker itself
    needs (the Python installation, NumPy, the worker's own code)."""
    candidates = [course.root / "reference", course.root / "graders", course.root / "solutions",
                  submission.resolve().parent]
    if out_dir is not None:
        candidates.append(Path(out_dir).resolve())
    needed = [Path(sys.prefix).resolve(), Path(np.__file__).resolve().parent,
              WORKER_MAIN.resolve().parent, Path(sys.base_prefix).resolve(),
              Path(tempfile.gettempdir()).resolve()]
    hidden = []
    for folder in candidates:
        folder = folder.resolve()
        if not folder.is_dir():
            continue
        if any(folder == n or folder in n.parents for n in needed):
            continue
        hidden.append(str(folder))
    return sorted(set(hidden))


# -- batches -----------------------------------------------------------------------------------


def _grade_one(path: str, course: Course, assignment: str | None, out_dir: str) -> SubmissionResult:
    """Grade and write one learner; any failure becomes that learner's error, not the batch's."""
    learner = Path(path).resolve().name
    try:
        return grade_submission(path, course, assignment=assignment, out_dir=Path(out_dir),
                                warn_seed=False)
    except SubmissionError as error:
        result = SubmissionResult(learner=learner, error=str(error))
    except Exception as error:  # an nnlab fault: report it against this submission only
        result = SubmissionResult(learner=learner, error=f"nnlab failed on this submission: "
                                                         f"{type(error).__name__}: {error}")
    write_submission_result(Path(out_dir), result)
    return result


def grade_batch(paths: list[Path], course: Course, out_dir: Path, *, assignment: str | None = None,
                jobs: int = 1, force: bool = False,
                on_result: Callable[[SubmissionResult, bool], None] | None = None) -> list[SubmissionResult]:
    """Grade many submissions into `out_dir` and write `grades.csv`.

    `on_result(result, reused)` is called as each learner finishes (reused: an earlier result
    for the same unchanged submission was kept).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    course.secret_seed(warn=True)  # warn once, here, not in every worker process
    results: list[SubmissionResult] = []
    todo: list[str] = []
    seen: dict[str, Path] = {}
    for path in paths:
        learner = path.resolve().name
        if learner in seen:
            result = SubmissionResult(learner=f"{learner}", error=(
                f"{path}: learner id {learner!r} is also {seen[learner]}; grade them in separate runs"))
            results.append(result)
            if on_result:
                on_result(result, False)
            continue
        seen[learner] = path
        if not force and path.is_dir():
            earlier = read_submission_result(out_dir, learner)
            if earlier is not None and not earlier.error and _unchanged(earlier, path, course, assignment):
                results.append(earlier)
                if on_result:
                    on_result(earlier, True)
                continue
        todo.append(str(path))
    if jobs <= 1 or len(todo) <= 1:
        for path in todo:
            result = _grade_one(path, course, assignment, str(out_dir))
            results.append(result)
            if on_result:
                on_result(result, False)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_grade_one, p, course, assignment, str(out_dir)): p for p in todo}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as error:  # the grading process itself died
                    learner = Path(futures[future]).resolve().name
                    result = SubmissionResult(learner=learner, error=f"grading process failed: {error}")
                    write_submission_result(out_dir, result)
                results.append(result)
                if on_result:
                    on_result(result, False)
    modules = sorted({m for r in results for m in r.modules},
                     key=lambda m: course.modules.index(m) if m in course.modules else 99)
    write_grades_csv(out_dir, results, modules)
    return sorted(results, key=lambda r: r.learner)


def _unchanged(earlier: SubmissionResult, path: Path, course: Course, assignment: str | None) -> bool:
    try:
        submission = read_submission(path, course.modules)
    except SubmissionError:
        return False
    modules = choose_modules(course, submission, assignment)
    return earlier.digest == grading_digest(submission.digest(), course, modules) and \
        earlier.modules == modules


def grading_digest(submission_digest: str, course: Course, modules: list[str]) -> str:
    """What a result depends on: the submission, the graders and reference it was graded with,
    course.yml and the secret seed. A result is reused only while all of these are unchanged."""
    h = hashlib.sha256(submission_digest.encode())
    h.update(str(course.secret_seed(warn=False)).encode())
    sources = [course.root / "course.yml", *sorted((course.root / "reference").glob("*.py"))]
    sources += [course.root / "graders" / f"test_{m}.py" for m in modules]
    for source in sources:
        if source.is_file():
            h.update(source.name.encode() + hashlib.sha256(source.read_bytes()).digest())
    return h.hexdigest()
