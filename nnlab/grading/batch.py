"""Grading a whole class: parallel, resumable, honest.

`grade_batch(paths, course, out_dir, ...)` finds every learner under `paths` (nnlab.intake:
folders, notebooks, zips, nbgrader trees), grades each one whole, and writes
`out_dir/<learner>/results.json` + `feedback.md` (+ figures) atomically as each learner
finishes, then `out_dir/grades.csv` over every learner in the folder (this run's and earlier
ones'), so regrading one learner never drops the others.

- Resumable: a learner whose earlier result was graded from the same submission, graders,
  reference, course.yml and seed is reused, not regraded (`force=True` regrades). A killed run
  loses nothing finished.
- Honest: a hand-in that cannot be graded (a refused zip, a bad id) is that learner's error,
  written with one line saying why; nnlab's own failure on a learner is a *fault*, recorded for
  regrading and never as a score, and a later run regrades it.
- The run itself failing (the output folder, an earlier results.json, the seed) is a
  `BatchError` with one line, raised before anything is graded, so nothing written is lost.
- Parallel: `jobs` processes on this machine, or Dask's distributed scheduler (`scheduler=`
  an address, or a `distributed.Client`); there each task grades one learner inside the
  sandbox on the worker machine (the course folder must be at the same path there) and this
  process writes the results as they arrive.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator

from nnlab.course import Course
from nnlab.grading.results import SubmissionResult, read_all_results
from nnlab.grading.submission import Submission, SubmissionError
from nnlab.intake import Entry, discover, load
from nnlab.seeds import LearnerSeeds, ModuleKeys

OnResult = Callable[[SubmissionResult, bool], None]


class BatchError(Exception):
    """The run itself cannot go on (output folder, earlier results, seed); one line."""


@dataclass
class BatchReport:
    results: list[SubmissionResult] = field(default_factory=list)  # this run's learners
    notes: list[str] = field(default_factory=list)  # things passed over, one line each
    reused: int = 0
    graded: int = 0
    written: list = field(default_factory=list)  # the class files written (paths)
    similar: Any = None  # nnlab.similarity.SimilarityReport, where the code was compared


# -- checks before anything is graded ------------------------------------------------------


def prepare_output(out_dir: Path) -> None:
    """Create `out_dir` if needed and prove it is writable, or one line saying why not."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BatchError(f"--out {out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".nnlab-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise BatchError(f"--out {out_dir}: cannot write there ({error.strerror or error})") from None


def check_seed(course: Course) -> None:
    """The secret seed must be usable text when set; an empty value is a mistake, not 'unset'."""
    name = course.secret_seed_env
    raw = os.environb.get(name.encode()) if hasattr(os, "environb") else None
    if raw is not None:
        if raw == b"":
            raise BatchError(f"${name} is set but empty; set it to the course's secret, or unset it "
                             f"to grade with the published development seed")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BatchError(f"${name} is not UTF-8 text (byte 0x{raw[error.start]:02x} at "
                             f"offset {error.start})") from None
    course.module_keys([], warn=True)  # warn once, here, not in every worker process


def check_wall(course: Course, others: list[Path], allow_weak: bool) -> None:
    """Refuse (one line) when learner code here could read the course, the class or the
    results: a level without namespaces whose file modes do not keep a private uid out."""
    from nnlab.sandbox import levels, wall

    try:
        refused = wall.refusal(course.root, others, allow_weak)
    except levels.SandboxUnavailable as error:
        raise BatchError(str(error)) from None
    if refused:
        raise BatchError(refused)


def earlier_results(out_dir: Path, learners: set[str], force: bool) -> dict[str, SubmissionResult]:
    """Results already in `out_dir`. An unreadable one stops the run with its path, unless
    `force` and its learner is regraded now (then it is simply replaced)."""
    results, unreadable = read_all_results(out_dir)
    for line in unreadable:
        learner = Path(line.split(": ", 1)[0]).parent.name
        if not (force and learner in learners):
            raise BatchError(f"{line}; move it away, or regrade that learner with --force")
    return {r.learner: r for r in results}


# -- one learner ---------------------------------------------------------------------------


def grade_loaded(submission: Submission, course: Course, assignment: str | None,
                 functions: set[str] | None = None,
                 seeds: LearnerSeeds | None = None) -> SubmissionResult:
    """Grade one read submission; nnlab's failure becomes a fault on this learner only.
    `seeds`: the learner's seeds (nnlab.seeds), derived by the caller; without them this
    process derives them from the secret seed in its own environment."""
    from nnlab.grading.runner import grade_submission

    try:
        return grade_submission(submission, course, assignment=assignment, warn_seed=False,
                                functions=functions, seeds=seeds)
    except SubmissionError as error:
        return SubmissionResult(learner=submission.learner, error=str(error))
    except Exception as error:  # an nnlab fault: regrade later, never a score
        return SubmissionResult(learner=submission.learner,
                                fault=f"{type(error).__name__}: {error}"[:500])


def grade_task(submission: Submission, course: Course, assignment: str | None,
               functions: set[str] | None, seeds: LearnerSeeds | None,
               allow_weak_sandbox: bool = False) -> SubmissionResult:
    """A Dask task: grade one learner with the seeds the client derived for them. A task
    without them is refused (one line), never graded with whatever seed, or none, this worker's
    environment holds; so is one on a worker machine whose sandbox cannot hide the course."""
    if not isinstance(seeds, LearnerSeeds):
        return SubmissionResult(learner=submission.learner, fault=(
            "refused: this Dask task carries no learner seeds (the client derives them from the "
            "secret seed; a worker never uses its own environment's)"))
    try:
        check_wall(course, [], allow_weak_sandbox)
    except BatchError as error:
        return SubmissionResult(learner=submission.learner, fault=f"refused on this Dask worker: {error}")
    return grade_loaded(submission, course, assignment, functions, seeds)


def _grade_and_write(submission: Submission, course: Course, assignment: str | None,
                     out_dir: str, functions: set[str] | None, publisher,
                     seeds: LearnerSeeds | None = None) -> SubmissionResult:
    """In a pool process: grade, then write (figures drawn here, in parallel)."""
    result = grade_loaded(submission, course, assignment, functions, seeds)
    _write(Path(out_dir), result, publisher)
    result.figures = []  # drawn already; no need to send arrays back
    return result


def _write(out_dir: Path, result: SubmissionResult, publisher) -> None:
    """The learner's files, by the publishing layer (nnlab.reports.publish.Publisher)."""
    try:
        publisher.learner(out_dir, result)
    except OSError as error:
        raise BatchError(f"{out_dir / result.learner}: cannot write results ({error})") from None


def _warm(grader: int | None = None) -> None:
    """Pool initializer: die with the grader that started this process (the kernel sends
    SIGKILL when it ends, however it ends; its workers die with this process in turn), then
    import the grading machinery once per process, not per learner."""
    if grader is not None:
        from nnlab.sandbox.worker_main import die_with_parent

        die_with_parent(parent=grader)
    import nnlab.grading.runner  # noqa: F401


# -- the class -----------------------------------------------------------------------------


def grade_batch(paths: list[Path] | list[Entry], course: Course, out_dir: Path, *,
                assignment: str | None = None, jobs: int = 1, force: bool = False,
                on_result: OnResult | None = None, scheduler: Any = None,
                functions: set[str] | None = None, report: BatchReport | None = None,
                on_start: Callable[[int], None] | None = None,
                allow_weak_sandbox: bool = False, publisher: Any = None,
                similarity: bool = False) -> list[SubmissionResult]:
    """Grade every learner under `paths` into `out_dir`, then rewrite the class files
    (grades.csv, junit.xml, summary.html) from every result there; returns this run's results
    sorted by learner. `on_result(result, reused)` is called as each learner finishes;
    `on_start(n)` once the number of learners is known; `report` (a BatchReport) collects notes;
    `publisher` writes every file (`nnlab.reports.publish.Publisher`, the default, reached through
    `nnlab.publisher()` so that nothing in nnlab.grading imports nnlab.reports); `similarity`
    compares the learners' code too (nnlab.similarity: flags in the class files, no score).
    Raises `BatchError` (one line) when the run itself cannot go on, and when the sandbox level
    here cannot hide the course, the class and the results from learner code
    (nnlab.sandbox.wall) unless `allow_weak_sandbox`."""
    if publisher is None:
        from nnlab import publisher as default_publisher

        publisher = default_publisher()
    report = report if report is not None else BatchReport()
    out_dir = Path(out_dir)
    if paths and isinstance(paths[0], Entry):
        entries, notes = list(paths), []
    else:
        try:
            entries, notes = discover([Path(p) for p in paths], course.modules)
        except SubmissionError as error:
            raise BatchError(str(error)) from None
    report.notes.extend(notes)
    prepare_output(out_dir)
    check_seed(course)
    if scheduler is None:  # (on Dask each task checks its own worker machine)
        check_wall(course, [e.path for e in entries] + [out_dir], allow_weak_sandbox)
    earlier = earlier_results(out_dir, {e.learner for e in entries}, force)
    check_same_seed(earlier, course, force)
    if on_start:
        on_start(len(entries))

    def finish(result: SubmissionResult, reused: bool) -> None:
        report.results.append(result)
        if reused:
            report.reused += 1
        else:
            report.graded += 1
        if on_result:
            on_result(result, reused)

    todo: list[Submission] = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.learner in seen:
            # Two hand-ins for one id: neither may overwrite the other's results.
            report.notes.append(f"{entry.path}: learner id {entry.learner!r} is also "
                                f"{seen[entry.learner].path}; passed over (grade it separately)")
            continue
        seen[entry.learner] = entry
        try:
            submission = load(entry, course.modules)
        except SubmissionError as error:
            result = SubmissionResult(learner=entry.learner, error=str(error))
            if not _safe_folder_name(entry.learner):
                report.notes.append(f"{entry.path}: {error}")
                continue
            _write(out_dir, result, publisher)
            finish(result, False)
            continue
        previous = earlier.get(entry.learner)
        if not force and previous is not None and _unchanged(previous, submission, course, assignment,
                                                              functions):
            finish(previous, True)
            continue
        todo.append(submission)

    # The master seed stays here: each learner's grading gets only its own learner seeds.
    keys = course.module_keys(course.graded_modules(), warn=False)
    seeds = {s.learner: seeds_for(keys, s, course, assignment, functions) for s in todo}
    if scheduler is not None:
        _run_dask(todo, course, assignment, out_dir, functions, scheduler, finish, seeds,
                  publisher, allow_weak_sandbox)
    elif jobs <= 1 or len(todo) <= 1:
        for submission in todo:
            result = grade_loaded(submission, course, assignment, functions, seeds[submission.learner])
            _write(out_dir, result, publisher)
            finish(result, False)
    else:
        _run_pool(todo, course, assignment, out_dir, functions, jobs, finish, seeds, publisher)
    # Every class file from every result in the folder: the earlier ones (read once, above)
    # with this run's in their place.
    everyone = {**earlier, **{r.learner: r for r in report.results}}
    try:
        report.written = publisher.class_files(out_dir, list(everyone.values()), course,
                                               similar_code(entries, course, report) if similarity else None)
    except OSError as error:
        raise BatchError(f"{out_dir}: cannot write the class files ({error})") from None
    return sorted(report.results, key=lambda r: r.learner)


def similar_code(entries: list[Entry], course: Course, report: BatchReport):
    """The class's similar submissions (nnlab.similarity), or None where copydetect is missing
    (noted): a comparison that cannot run never stops a class's grades."""
    try:
        from nnlab.similarity import entry_sources, report_for

        sources, notes = entry_sources(entries, course)
        found = report_for(sources, course)
    except ImportError as error:
        report.notes.append(f"similar submissions not compared: {error}")
        return None
    report.notes.extend(notes)
    report.similar = found
    return found


def seeds_for(keys: ModuleKeys, submission: Submission, course: Course, assignment: str | None,
              functions: set[str] | None) -> LearnerSeeds:
    """The learner seeds one learner's grading needs: for the modules it grades, no more."""
    from nnlab.grading.runner import choose_modules

    return keys.for_learner(submission.learner,
                            choose_modules(course, submission, assignment, functions=functions))


def check_same_seed(earlier: dict[str, SubmissionResult], course: Course, force: bool) -> None:
    """Refuse to overwrite results graded with another seed than this run's (a shell that
    forgot the secret seed would otherwise regrade everyone with the development seed)."""
    if force:
        return
    mine = course.seed_fingerprint()
    other = sorted({r.seed_fingerprint for r in earlier.values()
                    if r.seed_fingerprint and r.seed_fingerprint != mine})
    if other:
        raise BatchError(f"the results already in this folder were graded with another seed "
                         f"(fingerprint {other[0]}, this run's is {mine}); set "
                         f"${course.secret_seed_env} as when they were graded, or pass --force "
                         f"to regrade everyone with this one")


def _run_pool(todo, course, assignment, out_dir, functions, jobs, finish, seeds, publisher) -> None:
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context("spawn"),
                             initializer=_warm, initargs=(os.getpid(),)) as pool:
        with without_variable(course.secret_seed_env):  # pool processes start (on submit) without it
            futures = {pool.submit(_grade_and_write, s, course, assignment, str(out_dir), functions,
                                   publisher, seeds[s.learner]): s
                       for s in todo}
        for future in as_completed(futures):
            try:
                result = future.result()
            except BatchError:
                raise
            except Exception as error:  # the grading process itself died: a fault, to regrade
                submission = futures[future]
                result = SubmissionResult(learner=submission.learner,
                                          fault=f"grading process failed: {type(error).__name__}: {error}"[:500])
                _write(out_dir, result, publisher)
            finish(result, False)


@contextlib.contextmanager
def without_variable(name: str) -> Iterator[None]:
    """This process's environment without `name` for a while: processes started meanwhile (a
    pool's, which get their learners' seeds) never hold the secret seed, not even in
    /proc/<pid>/environ."""
    saved = os.environ.pop(name, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[name] = saved


def _run_dask(todo, course, assignment, out_dir, functions, scheduler, finish, seeds,
              publisher, allow_weak_sandbox=False) -> None:
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:
        raise BatchError("--scheduler needs Dask: pip install 'nnlab[dask]'") from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError, ValueError) as error:
        raise BatchError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({error})") from None
    try:
        futures = {client.submit(grade_task, s, course, assignment, functions, seeds[s.learner],
                                 allow_weak_sandbox, pure=False, key=f"nnlab-grade-{i}-{s.learner}"): s
                   for i, s in enumerate(todo)}
        for future in dask_completed(futures):
            submission = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the Dask worker died or could not run the task
                result = SubmissionResult(learner=submission.learner,
                                          fault=f"Dask task failed: {type(error).__name__}: {error}"[:500])
            _write(out_dir, result, publisher)  # written here, by the client, as each arrives
            finish(result, False)
    finally:
        if own:
            client.close()


def _safe_folder_name(learner: str) -> bool:
    return bool(learner) and learner not in (".", "..") and "/" not in learner and "\0" not in learner \
        and "\\" not in learner and not learner.startswith(".")


def _unchanged(earlier: SubmissionResult, submission: Submission, course: Course,
               assignment: str | None, functions: set[str] | None) -> bool:
    from nnlab.grading.runner import choose_modules, grading_digest

    if earlier.status != "graded":
        return False
    modules = choose_modules(course, submission, assignment, functions=functions)
    return earlier.digest == grading_digest(submission.digest(), course, modules,
                                            course.seed_fingerprint()) and \
        earlier.modules == modules


def ungraded_modules(course: Course, assignment: str | None = None) -> list[str]:
    """Modules course.yml lists (for `assignment`, or at all) that have no grader file yet."""
    listed = course.assignment(assignment).modules if assignment else course.modules
    graded = set(course.graded_modules())
    return [m for m in listed if m not in graded]

