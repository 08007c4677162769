"""The `nnlab` command line: build, check, grade, verify.

Every command exits 0 when it did its job (a low score is not an error) and non-zero with one
line naming what is wrong when it could not run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

# pydantic (course.yml, and typer's own parameter parsing) otherwise scans every installed
# distribution's entry points for plugins on first use: nnlab uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402

# Only typer at import: each command imports what it uses (rich, pydantic through nnlab.course,
# NumPy), so `nnlab --help` and `nnlab check` pay for nothing else. Help is click's plain text
# (rich_markup_mode=None): typer's rich help formatting alone costs more than NumPy's import.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="nnlab: auto-graded NumPy exercises for a first neural-network course.")


class _LazyConsole:
    """A rich Console made on first use (importing rich costs as much as a small command)."""

    def __init__(self, **options):
        self._options, self._console = options, None

    def __getattr__(self, name):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


console = _LazyConsole()
errors = _LazyConsole(stderr=True)


def load_course(path=None):
    from nnlab.course import load_course as load

    return load(path)


def __getattr__(name):  # `from nnlab.cli import CourseError` and friends still work
    if name == "CourseError":
        from nnlab.course import CourseError

        return CourseError
    raise AttributeError(name)

CourseOption = typer.Option(None, "--course", help="course.yml, or the folder holding it "
                            "(default: found from the current folder upwards)")


def fail(message: str, code: int = 2) -> None:
    from rich.text import Text

    from nnlab.reports.text import visible

    # The message may quote a learner's file or argument: never read it as rich markup, and
    # an escape sequence in a file name is shown, not obeyed.
    errors.print(Text.assemble(("nnlab:", "bold red"), " ", visible(message)), highlight=False,
                 soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def build(check: bool = typer.Option(False, "--check", help="write nothing; exit 1 naming any "
                                     "generated file that is out of date"),
          course: Optional[Path] = CourseOption) -> None:
    """Generate exercises/ (stubs, public checks, notebooks) from solutions/."""
    from nnlab.course import CourseError
    from nnlab.authoring.exercises import BuildError, build_exercises  # jupytext is slow to import: only here

    try:
        loaded = load_course(course)
        report = build_exercises(loaded, check=check)
    except (CourseError, BuildError) as error:
        fail(str(error))
    stale = [(path, status) for path, status in report if status in ("stale", "missing", "extra")]
    for path, status in report:
        if status != "unchanged":
            console.print(f"{status:>9}  {path}", highlight=False)
    if check and stale:
        path, status = stale[0]
        what = {"stale": "is out of date", "missing": "is missing",
                "extra": "is not a file `nnlab build` writes"}[status]
        fail(f"{path} {what}; run `nnlab build` ({len(stale)} file(s) under exercises/ "
             f"differ from what solutions/ generates)", code=1)
    console.print(f"{len(report)} generated files {'checked' if check else 'up to date'}.")


@app.command()
def check(target: Optional[str] = typer.Argument(None, help="MODULE or MODULE.FUNCTION (default: all)"),
          path: Path = typer.Option(None, "--path", help="folder with your module files "
                                    "(default: ./exercises, or the current folder)"),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="show every failing case "
                                       "in full, not one per problem"),
          trust: bool = typer.Option(False, "--trust", help="check code outside the current folder "
                                     "even where it cannot be isolated (it runs as you)"),
          course: Optional[Path] = CourseOption) -> None:
    """Run the public checks on your own work, with a diagnosis for each failure."""
    # (A plain `nnlab check ...` is answered by nnlab.entry before typer loads; both run this.)
    from nnlab.check_command import CheckFailed, run_check

    try:
        run_check(target, path, verbose=verbose, trust=trust, course=course, console=console)
    except CheckFailed as error:
        fail(str(error), error.code)


# `from nnlab.cli import render_checks` and friends: they live with the check command.
from nnlab.check_command import check_isolation_warning, render_checks  # noqa: E402,F401


@app.command()
def grade(paths: list[Path] = typer.Argument(..., help="the class: folders of module files or "
                                              "notebooks, .zip files, an nbgrader submitted/ tree, "
                                              "or folders of them (learner id = folder/zip name)"),
          out: Path = typer.Option(Path("nnlab-results"), "--out", help="where results go"),
          jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="learners graded in parallel "
                                   "(default: the number of cores)"),
          assignment: Optional[str] = typer.Option(None, "--assignment", "-a", help="grade only "
                                                   "this assignment (default: every assignment a "
                                                   "submission touches, whole)"),
          force: bool = typer.Option(False, "--force", help="regrade even unchanged submissions"),
          format: list[str] = typer.Option(["csv"], "--format", help="kept for old scripts: "
                                           "grades.csv, junit.xml and summary.html are always "
                                           "written"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", help="a Dask scheduler "
                                                  "address: grade on its workers"),
          allow_weak_sandbox: bool = typer.Option(False, "--allow-weak-sandbox", help="grade even "
                                                  "where learner code could read the course "
                                                  "(see `nnlab doctor`)"),
          course: Optional[Path] = CourseOption) -> None:
    """Grade a class: DIR/<learner>/results.json, feedback.md, feedback.html; DIR/grades.csv and
    DIR/summary.html."""
    from nnlab.course import CourseError
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text
    import os

    from rich.progress import TimeRemainingColumn

    from nnlab.grading.batch import BatchError, BatchReport, grade_batch, ungraded_modules
    from nnlab.reports.text import visible

    bad = [f for f in format if f not in ("csv", "junit")]
    if bad:
        fail(f"--format {bad[0]}: unknown (choose csv or junit)")
    try:
        loaded = load_course(course)
        if assignment and not set(loaded.assignment(assignment).modules) & set(loaded.graded_modules()):
            fail(f"assignment {assignment!r} has no module with a grader yet "
                 f"({', '.join(loaded.assignment(assignment).modules)}); nothing to grade")
    except CourseError as error:
        fail(str(error))
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such folder or .zip")
    from nnlab.sandbox.levels import SandboxUnavailable, choose

    try:
        choose()  # no sandbox here (macOS, Windows): say so once, not once per learner
    except SandboxUnavailable as error:
        fail(str(error))
    missing = ungraded_modules(loaded, assignment)
    if missing:
        errors.print(f"[yellow]note:[/] no grader yet for {', '.join(missing)} (listed in course.yml); "
                     f"those modules are not graded and not counted", highlight=False, soft_wrap=True)
    jobs = jobs or os.cpu_count() or 1
    report = BatchReport()
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("left"),
                  TimeRemainingColumn(), TextColumn("{task.description}"), console=errors,
                  transient=True, disable=not errors.is_terminal) as progress:
        task = progress.add_task("", total=None, rate="")

        def started(total):
            progress.update(task, total=total)

        def done(result, reused):
            elapsed = progress.tasks[0].elapsed or 0.0
            finished = progress.tasks[0].completed + 1
            rate = f"{60 * finished / elapsed:.0f}/min" if elapsed > 0.5 else ""
            progress.update(task, advance=1, rate=rate,
                            description=visible(result.learner) + (" (unchanged)" if reused else ""))

        try:
            results = grade_batch(paths, loaded, out, assignment=assignment, jobs=jobs, force=force,
                                  on_result=done, on_start=started, report=report,
                                  scheduler=scheduler, allow_weak_sandbox=allow_weak_sandbox,
                                  similarity=True)
        except BatchError as error:
            fail(str(error))
    for note in report.notes:  # may quote a learner's file name: never markup, odd characters shown
        errors.print(Text.assemble(("note:", "yellow"), " ", visible(note)), highlight=False,
                     soft_wrap=True)
    if not results and not report.notes:
        fail(f"no submissions in {', '.join(map(str, paths))}")
    from nnlab.reports.publish import class_table

    written = report.written
    # One column per assignment, as a percentage (not one per module), so ten modules still fit
    # 80 columns; the per-module scores are in grades.csv and each learner's feedback.
    table = class_table(results, loaded)
    console.print(table)
    console.print(f"{report.graded} graded, {report.reused} unchanged since the last run. Results in "
                  f"{out}/: per learner results.json, feedback.md, feedback.html; "
                  f"{', '.join(p.name for p in written)}.", highlight=False)
    console.print(f"Class summary: {out / 'summary.html'}", highlight=False)
    if report.similar is not None and report.similar.pairs:
        console.print(f"{len(report.similar.pairs)} pair(s) of learners with similar code, in "
                      f"{len(report.similar.groups)} group(s): flagged in grades.csv and listed in "
                      f"summary.html (no score changes).", highlight=False)
    if any(r.status == "regrade" for r in results):
        errors.print("[bold yellow]warning:[/] nnlab or a grader failed on some learners (status "
                     "regrade): no score is recorded for them; run again to regrade them.")


@app.command()
def similar(paths: list[Path] = typer.Argument(..., help="the class: folders, zips, notebooks or "
                                             "an nbgrader submitted/ tree, as `nnlab grade` takes"),
            threshold: Optional[float] = typer.Option(None, "--threshold", min=0.01, max=1.0,
                                                      help="the share of own code in common to "
                                                      "list a pair (default: course.yml's)"),
            course: Optional[Path] = CourseOption) -> None:
    """List learners whose code is too alike to be independent (flags only; scores stay)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from nnlab.course import CourseError
    from nnlab.grading.submission import SubmissionError
    from nnlab.similarity import similar_submissions

    try:
        loaded = load_course(course)
        if threshold is not None:
            settings = loaded.similarity.model_copy(update={"threshold": threshold})
            loaded = loaded.model_copy(update={"similarity": settings})
        report, notes = similar_submissions(paths, loaded)
    except (CourseError, SubmissionError) as error:
        fail(str(error))
    for note in notes:
        console.print(Text(note), style="dim")
    compared = ", ".join(f"{module} {count}" for module, count in report.compared.items() if count)
    console.print(Text(f"Compared, per module, the learners with code of their own: {compared or 'none'}."))
    if not report.pairs:
        console.print(Text(f"No pair shares {report.threshold:.0%} or more of its own code."))
        return
    table = Table(title=f"Similar submissions (share of own code in common >= {report.threshold:.0%})",
                  box=box.SIMPLE_HEAD)
    table.add_column("group")
    table.add_column("learners")
    table.add_column("modules (share in common)")
    for number, group in enumerate(report.groups, 1):
        for pair in group.pairs:
            table.add_row(str(number), Text(" ~ ".join(pair.learners)),
                          ", ".join(f"{m.module} {m.share:.0%}" for m in pair.matches))
    console.print(table)
    console.print(Text(f"{len(report.pairs)} pair(s) in {len(report.groups)} group(s). "
                       f"Flags only: no score changes. Shares count what each learner wrote "
                       f"beyond the stub, the class's common fragments left out."))


@app.command()
def questions(learner: str = typer.Argument(..., help="the learner id (their numbers follow from it)"),
              assignment: Optional[str] = typer.Option(None, "--assignment", help="only this "
                                                       "assignment's questions"),
              answers: Optional[Path] = typer.Option(None, "--answers", help="an answers.yml "
                                                     "(question id: answer) to judge"),
              course: Optional[Path] = CourseOption) -> None:
    """A learner's concept questions with their numbers, or their answers judged."""
    from rich.text import Text

    from nnlab.course import CourseError
    from nnlab.questions import judge_answers, read_answers, shown_questions

    try:
        loaded = load_course(course)
        modules = None
        if assignment is not None:
            found = [a for a in loaded.assignments if a.id == assignment]
            if not found:
                raise CourseError(f"no assignment {assignment!r} in course.yml "
                                  f"(it has {', '.join(a.id for a in loaded.assignments)})")
            modules = list(found[0].modules)
        if answers is None:
            for qid, asked in shown_questions(loaded, learner, modules).items():
                console.print(Text(f"{qid}  ({asked['kind']}, {asked['points']:g} point)", style="bold"))
                console.print(Text(asked["text"] + (f"  Choices: {', '.join(asked['choices'])}"
                                                    if asked["choices"] else "")))
                console.print()
            return
        judged = judge_answers(loaded, learner, read_answers(answers), modules)
    except (CourseError, ValueError, OSError) as error:
        fail(str(error))
    for item in judged:
        mark = "pass" if item.correct else "fail"
        console.print(Text.assemble((f"{mark:<5}", "green" if item.correct else "red"),
                                    f"{item.id}  {item.points:g}/{item.max_points:g}  ",
                                    (item.message, "")))
        if item.misconception:
            console.print(Text(f"      Diagnosis: {item.misconception}."))
        console.print(Text(f"      {item.explanation}", style="dim"))
    total = sum(item.points for item in judged)
    console.print(Text(f"{total:g} of {sum(i.max_points for i in judged):g} points."))


@app.command()
def handout(out: Path = typer.Option(..., "--out", help="the folder to write the handout and "
                                     "its .zip into"),
            assignment: Optional[str] = typer.Option(None, "--assignment", "-a", help="only this "
                                                     "assignment (default: the whole course)"),
            wheel: Optional[Path] = typer.Option(None, "--wheel", help="an nnlab-*.whl to hand "
                                                 "out (default: built from this checkout)"),
            learners: Optional[Path] = typer.Option(None, "--learners", help="a roster, one learner "
                                                    "id a line: their concept questions' numbers go "
                                                    "in too (no answers)"),
            course: Optional[Path] = CourseOption) -> None:
    """What learners get: stubs, lab notebooks, public checks, data, a README and nnlab's wheel
    (a folder and a .zip; nothing hidden)."""
    from nnlab.course import CourseError
    from nnlab.authoring.stubs import BuildError
    from nnlab.handout import HandoutError, build_handout

    try:
        loaded = load_course(course)
        roster = [line.strip() for line in learners.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")] if learners else None
        made = build_handout(loaded, out, assignment=assignment, wheel=wheel, learners=roster)
    except (CourseError, HandoutError, BuildError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"--out {out}: cannot write the handout ({error.strerror or error})")
    console.print(f"Handout of {', '.join(made.assignments)} ({', '.join(made.modules)}): "
                  f"{made.folder}/ and {made.archive} ({len(made.files)} files; nothing hidden "
                  f"found in them or in {made.wheel.name}).", highlight=False, soft_wrap=True)


@app.command()
def verify(course: Optional[Path] = CourseOption,
           module: Optional[list[str]] = typer.Option(None, "--module", "-m",
                                                      help="only these modules")) -> None:
    """Release gate: solutions score full marks, stubs zero, every catalogued mistake loses points."""
    from nnlab.course import CourseError
    from nnlab.verify import verify as run_verify

    try:
        loaded = load_course(course)
    except CourseError as error:
        fail(str(error))
    failed = 0
    for verdict in run_verify(loaded, module):
        mark = "[green]ok[/]  " if verdict.ok else "[red]FAIL[/]"
        console.print(f"{mark} {verdict.check}: {verdict.detail}", highlight=False)
        failed += not verdict.ok
    if failed:
        fail(f"{failed} release check(s) failed", code=1)
    console.print("All release checks passed.")


@app.command()
def doctor(course: Optional[Path] = CourseOption) -> None:
    """Which sandbox level learner code runs at here, why, and a live check of a worker."""
    from nnlab.course import CourseError
    from nnlab.doctor import diagnose
    from nnlab.sandbox.levels import FILESYSTEM_WARNING, FORCE_ENV

    try:
        root = str(load_course(course).root)
    except CourseError:
        root = None  # doctor works outside a course folder too
    report = diagnose(root)
    if report.level is not None:
        console.print(f"sandbox level: [bold]{report.level.name}[/]", highlight=False)
        console.print(f"  why: {report.level.reason}", highlight=False, soft_wrap=True)
    for probe in report.probes:
        state = "[green]available[/]  " if probe.available else "[yellow]unavailable[/]"
        console.print(f"  {probe.name:<11} {state} {probe.reason}", highlight=False, soft_wrap=True)
    for ok, line in report.checks:
        console.print(f"  {'[green]ok[/]  ' if ok else '[red]FAIL[/]'} {line}", highlight=False, soft_wrap=True)
    if report.level is not None and not report.level.filesystem_isolated:
        errors.print(f"[bold yellow]{FILESYSTEM_WARNING}[/]", highlight=False, soft_wrap=True)
    console.print(f"(set {FORCE_ENV}=bwrap|namespaces|rlimits to force a level)", highlight=False)
    if not report.ok:
        fail(report.error or "the sandbox does not hold as its level promises", code=1)


baselines_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Recorded Keras outputs the graders read.")
app.add_typer(baselines_app, name="baselines")


@baselines_app.command("record")
def baselines_record(course: Optional[Path] = CourseOption,
                     family: Optional[list[str]] = typer.Option(None, "--family", "-f",
                                                                help="only these families")) -> None:
    """Record Keras outputs and gradients into graders/baselines/*.npz (needs TensorFlow)."""
    from nnlab.course import CourseError
    from nnlab.baselines import BaselineError, compare_reference, record_baselines

    try:
        loaded = load_course(course)
        folder = loaded.root / "graders" / "baselines"
        written = record_baselines(folder, family)
    except (CourseError, BaselineError) as error:
        fail(str(error))
    for path in written:
        console.print(f"  recorded  {path.relative_to(loaded.root)}", highlight=False)
    with loaded.importable():
        disagreements = compare_reference(folder, family)
    for line in disagreements:
        errors.print(f"[yellow]reference disagrees:[/] {line}", highlight=False)
    console.print(f"{len(written)} baseline file(s) written; the reference "
                  f"{'agrees with every case' if not disagreements else f'disagrees on {len(disagreements)} case(s)'}.")


gradescope_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Gradescope: an autograder.zip that "
                             "grades each submission with nnlab.")
app.add_typer(gradescope_app, name="gradescope")


@gradescope_app.command("build")
def gradescope_build(assignment: str = typer.Option(..., "--assignment", "-a", help="the "
                                                    "assignment this Gradescope assignment grades"),
                     out: Path = typer.Option(Path("autograder.zip"), "--out", help="the zip to write"),
                     allow_weak_sandbox: bool = typer.Option(False, "--allow-weak-sandbox", help="grade "
                                                             "even in a container where learner code "
                                                             "could read the course"),
                     course: Optional[Path] = CourseOption) -> None:
    """Write one assignment's autograder.zip (setup.sh, run_autograder, its graders, keys derived
    from the secret seed, and nnlab itself)."""
    from nnlab.course import CourseError
    from nnlab.gradescope import build_bundle

    try:
        loaded = load_course(course)
        if out.is_dir():
            fail(f"--out {out}: is a folder; name the .zip to write")
        path = build_bundle(loaded, out, assignment, allow_weak_sandbox=allow_weak_sandbox)
    except CourseError as error:
        fail(str(error))
    except OSError as error:
        fail(f"--out {out}: cannot write it ({error.strerror or error})")
    if not os.environ.get(loaded.secret_seed_env):
        errors.print(f"[bold yellow]warning:[/] ${loaded.secret_seed_env} is not set: the bundle "
                     f"grades with the published development seed.")
    console.print(f"Wrote {path}: upload it on Gradescope's Configure Autograder page.",
                  highlight=False)


nbgrader_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="nnlab as an nbgrader course.")
app.add_typer(nbgrader_app, name="nbgrader")


@nbgrader_app.callback()
def nbgrader_environment() -> None:
    """nnlab as an nbgrader course. (nbgrader runs `alembic` from PATH: this environment's bin
    folder is put first for it, activated or not.)"""
    from nnlab.nbgrader import use_course_environment

    use_course_environment()


@nbgrader_app.command("build")
def nbgrader_build(folder: Path = typer.Argument(..., help="the nbgrader course folder to write"),
                   timeout: int = typer.Option(120, "--timeout", help="seconds one notebook cell may run"),
                   course: Optional[Path] = CourseOption) -> None:
    """Write an nbgrader course: nbgrader_config.py and source/<assignment>/<assignment>.ipynb."""
    from nnlab.course import CourseError
    from nnlab.nbgrader.course import NbgraderBuildError, build_course

    try:
        loaded = load_course(course)
        written = build_course(loaded, folder, timeout=timeout)
    except (CourseError, NbgraderBuildError) as error:
        fail(str(error))
    for path in written:
        console.print(f"  written  {path}", highlight=False)
    console.print(f"nbgrader course in {folder}: next, `cd {folder}` and `nbgrader generate_assignment "
                  f"<assignment>` for each assignment.", highlight=False)


@nbgrader_app.command("autograde")
def nbgrader_autograde(assignment: str = typer.Argument(..., help="the assignment id, as in course.yml"),
                       student: Optional[list[str]] = typer.Option(None, "--student", help="only this "
                                                                   "student (repeatable)"),
                       course_dir: Path = typer.Option(Path("."), "--course", help="the nbgrader course folder"),
                       nnlab_course: Optional[Path] = typer.Option(None, "--nnlab-course", help="course.yml "
                                                                  "(default: the one the course was built from)")) -> None:
    """Grade submitted notebooks in nnlab's sandbox and write scores into nbgrader's gradebook."""
    from rich.text import Text

    from nnlab.course import CourseError
    from nnlab.nbgrader.autograde import AutogradeError, autograde
    from nnlab.nbgrader.course import nnlab_course_of

    try:
        loaded = load_course(nnlab_course or nnlab_course_of(course_dir))
        loaded.assignment(assignment)
        scores = autograde(loaded, course_dir, assignment, student)
    except (CourseError, AutogradeError) as error:
        fail(str(error))
    for item in scores:
        from nnlab.reports.text import one_line, visible

        line = f"{visible(item.student)}: {item.score:g}/{item.max_score:g}"
        if item.needs_manual:
            line += "  (a grader fault: needs manual grading in formgrader)"
        console.print(Text(line + (f"  ({one_line(item.error)})" if item.error else "")),
                      highlight=False)
    console.print(f"{len(scores)} notebook(s) of {assignment} graded into {course_dir / 'gradebook.db'}.",
                  highlight=False)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
