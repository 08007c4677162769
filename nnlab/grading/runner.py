"""Grading one submission: pytest on graders/ with the nnlab plugin, in this process.

`grade_submission` grades one folder (or an already-read `Submission`, from nnlab.intake) top to
bottom. Batches of learners are nnlab.grading.batch's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import time
from pathlib import Path
from typing import Iterable

import numpy as np
import pytest

from nnlab.course import Course
from nnlab.grading.compare import Comparator
from nnlab.grading.learner import LearnerProxy
from nnlab.grading.plugin import GradingPlugin
from nnlab.grading.results import SubmissionResult
from nnlab.grading.submission import Submission, read_submission
from nnlab.intake.review import merge_flags, outcome_flags, released_imports, review_flags
from nnlab.seeds import LearnerSeeds


def choose_modules(course: Course, submission: Submission, assignment: str | None,
                   modules: Iterable[str] | None = None,
                   functions: Iterable[str] | None = None) -> list[str]:
    """The modules to grade: `modules` when given (a check of some modules, not an
    assignment's grade: verify, the project's tests), or those of `functions` ("module.function"
    names); else an assignment's (submitted or not);
    else every assignment the submission touches, whole, so a module left out scores zero and
    counts in the maximum. Modules without a grader file are not graded (the batch names them
    at start-up)."""
    graded = course.graded_modules()
    if modules is None and functions is not None:
        modules = {f.split(".", 1)[0] for f in functions}
    if modules is not None:
        return [m for m in graded if m in set(modules)]
    if assignment:
        return [m for m in course.assignment(assignment).modules if m in graded]
    present = {*submission.modules, *submission.problems}
    wanted = {m for a in course.assignments if present & set(a.modules) for m in a.modules}
    return [m for m in graded if m in wanted]


def grade_submission(path: Path | str | Submission, course: Course, *, assignment: str | None = None,
                     learner: str | None = None, out_dir: Path | None = None,
                     warn_seed: bool = True, functions: set[str] | None = None,
                     comparator: Comparator | None = None,
                     modules: Iterable[str] | None = None,
                     record_calls: dict[str, set[str]] | None = None,
                     seeds: LearnerSeeds | None = None) -> SubmissionResult:
    """Grade one submission, top to bottom; with `out_dir`, write its results there.

    `seeds` are the learner's seeds (nnlab.seeds) when the caller derived them (a batch's
    parent, a Gradescope bundle, an nbgrader kernel's launcher): this process then never reads
    the secret seed. Without them they are derived here, from the environment.

    Never raises for learner faults: they are failed tests. `functions` ("module.function"
    names) limits grading to those functions' tests (and their modules); `modules` grades
    exactly those modules instead of whole assignments; `comparator` (one on the course's
    tolerances by default) may be passed in to inspect the rules it applied; `record_calls`, a
    dict, is filled with {test name: the learner calls it made, "module.function[.method]"}
    (`nnlab.null_learners` groups functions whose tests do not call each other).
    """
    started = time.perf_counter()
    # 1. Read the submission: the course's module files only, into memory.
    if isinstance(path, Submission):
        submission, path = path, path.path
    else:
        submission = read_submission(path, course.modules, learner)
    # 2. Choose the modules to grade.
    modules = choose_modules(course, submission, assignment, modules, functions)
    if seeds is None:
        seeds = course.learner_seeds(submission.learner, modules, warn=warn_seed)
    seeds.check_for(submission.learner, modules)  # SeedError: never grade with the wrong seeds
    result = SubmissionResult(learner=submission.learner, modules=modules,
                              ignored_files=submission.ignored,
                              digest=grading_digest(submission.digest(), course, modules,
                                                    seeds.fingerprint),
                              flags=review_flags(submission, modules,
                                                 released_imports(course.root / "exercises")),
                              seed=seeds.record(), nnlab_version=_nnlab_version())
    if not modules:
        looked_for = ", ".join(f"{m}.py" for m in course.graded_modules())
        result.error = f"no gradable module files in {path} (looked for {looked_for})"
    else:
        # 3. Start one sandboxed worker per module, 4. run the graders through them.
        proxy = LearnerProxy(submission, course.limits, comparator or Comparator(course.tolerances))
        plugin = GradingPlugin(proxy, submission.learner, seeds, functions)
        with course.importable(), proxy:
            proxy.start(modules, wait=False)  # while pytest collects the graders
            result.error = run_graders(course, modules, plugin)
            result.isolation = proxy.isolation
        # 5. Collect the outcomes (and the concept questions' answers, where handed in).
        result.tests = plugin.results
        if record_calls is not None:
            record_calls.update(plugin.calls_by_test)
        if submission.answers is not None:
            from nnlab.questions import question_results

            result.tests += question_results(course, submission.learner, submission.answers, modules,
                                             submission.answers_problem, submission.answers_from)
        result.figures = plugin.recorded_figures
        result.flags = merge_flags(result.flags, outcome_flags(result.tests))
        if result.error.startswith("grader problem"):
            # nnlab's fault, not the learner's: to regrade (the error stays for older readers).
            result.fault = result.error
    result.seconds = time.perf_counter() - started
    # 6. Write results.json, feedback.md, feedback.html and the figures (the publishing layer).
    if out_dir is not None:
        from nnlab import publisher

        publisher().learner(Path(out_dir), result)
    return result


# pytest's own plugins that graders do not use. Each costs time on every test of every learner
# (unraisableexception alone runs two full garbage collections per session): together about
# 0.18 s of a learner's 0.69 s (benchmarks/README.md, "A class").
UNUSED_PYTEST_PLUGINS = ("cacheprovider", "unraisableexception", "threadexception", "faulthandler",
                         "logging", "junitxml", "doctest", "pastebin", "stepwise", "setuponly",
                         "setupplan", "legacypath", "tmpdir", "monkeypatch", "recwarn", "unittest",
                         "debugging")


def run_graders(course: Course, modules: list[str], plugin: GradingPlugin) -> str:
    """Run graders/test_<module>.py with the plugin, in this process; "" or a grader problem."""
    files = [str(course.root / "graders" / f"test_{m}.py") for m in modules]
    unused = [arg for name in UNUSED_PYTEST_PLUGINS for arg in ("-p", f"no:{name}")]
    args = [*files, "-q", "--no-header", *unused, "--disable-plugin-autoload",
            "--import-mode=importlib", "--rootdir", str(course.root / "graders"),
            "-c", os.devnull, "--tb=no", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    chatter = io.StringIO()
    graders = str(course.root / "graders") + os.sep
    _forget_stale_graders(graders)
    try:
        with contextlib.redirect_stdout(chatter), np.errstate(all="ignore"):
            exit_code = pytest.main(args, plugins=[plugin])
    finally:
        _keep_graders(graders)
    if plugin.collection_errors:
        return "grader problem: " + "; ".join(plugin.collection_errors)[:2000]
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return f"grader problem: pytest exited with {exit_code!r}: {chatter.getvalue()[-1500:]}"
    return ""


# Grader modules pytest imported, kept in sys.modules for the next learner graded in this process
# (a batch's pool process grades many): importing and assertion-rewriting them again would cost
# every learner about 0.03 s. name -> (file, its mtime, size and inode when kept).
_KEPT_GRADERS: dict[str, tuple[str, tuple[int, int, int]]] = {}


def _stamp(file: str) -> tuple[int, int, int]:
    try:
        stat = os.stat(file)
    except OSError:
        return (-1, -1, -1)
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)  # an atomic replace changes the inode


def _grader_modules(graders: str) -> list[tuple[str, str]]:
    """(name, file) of every module in sys.modules loaded from the `graders` folder."""
    found = [(name, getattr(module, "__file__", None) or "") for name, module in list(sys.modules.items())]
    return [(name, file) for name, file in found if file.startswith(graders)]


def _forget_stale_graders(graders: str) -> None:
    """Forget kept grader modules of another course folder, or whose file has changed since.

    pytest keeps test modules in sys.modules by a name made from their file
    ("test_activations") and reuses a module of that name: another course copy's would
    otherwise run instead of this course's own."""
    # All or none: a kept test module holds on to the helpers it imported (graders/public/...).
    if any(not file.startswith(graders) or _stamp(file) != stamp
           for file, stamp in _KEPT_GRADERS.values()):
        for name in _KEPT_GRADERS:
            sys.modules.pop(name, None)
        _KEPT_GRADERS.clear()
    for name, _ in _grader_modules(graders):  # imported some other way: not ours to reuse
        if name not in _KEPT_GRADERS:
            del sys.modules[name]


def _keep_graders(graders: str) -> None:
    for name, file in _grader_modules(graders):
        _KEPT_GRADERS.setdefault(name, (file, _stamp(file)))


def __getattr__(name: str):
    """`grade_batch` moved to nnlab.grading.batch; still importable from here."""
    if name == "grade_batch":
        from nnlab.grading.batch import grade_batch

        return grade_batch
    raise AttributeError(name)


def _nnlab_version() -> str:
    from nnlab import __version__

    return __version__


# What the graders import or read, under the course folder: every file below these folders
# (recursively: graders/public/, graders/baselines/*.npz, reference/mistakes/ included; the
# concept questions that judge answers.yml).
GRADING_INPUTS = ("graders", "reference", "questions")
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def grading_inputs(course: Course) -> list[Path]:
    """Every file under graders/ and reference/ (caches left out), sorted."""
    files = []
    for folder in GRADING_INPUTS:
        root = course.root / folder
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.is_file()
                      and not _SKIPPED_PARTS & set(p.relative_to(root).parts)
                      and not p.name.endswith((".pyc", ".pyo"))]
    return sorted(files)


_INPUT_DIGESTS: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


def _file_digest(path: Path) -> bytes:
    """sha256 of a file, kept while its mtime, size and inode are unchanged (a class of
    hundreds digests the same baselines once, not once per learner)."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    kept = _INPUT_DIGESTS.get(path)
    if kept is None or kept[0] != stamp:
        kept = (stamp, hashlib.sha256(path.read_bytes()).digest())
        _INPUT_DIGESTS[path] = kept
    return kept[1]


def grading_digest(submission_digest: str, course: Course, modules: list[str],
                   fingerprint: str | None = None) -> str:
    """What a result depends on: the submission; every file the graders import or read (all of
    graders/ and reference/: helpers, public cases, recorded baselines, the mistakes catalogue);
    course.yml's limits and tolerances; nnlab's version; the seed's fingerprint; the modules
    graded. A result is reused only while all of these are unchanged. `fingerprint`:
    the seed's fingerprint when the caller has it (a process that does not hold the seed)."""
    h = hashlib.sha256(submission_digest.encode())
    h.update((fingerprint or course.seed_fingerprint()).encode())
    h.update(_nnlab_version().encode())
    h.update(course.limits.model_dump_json().encode())
    h.update(course.tolerances.model_dump_json().encode())
    h.update(",".join(modules).encode())
    for source in grading_inputs(course):
        h.update(str(source.relative_to(course.root)).encode() + b"\0" + _file_digest(source))
    return h.hexdigest()
