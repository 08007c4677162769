"""The `nnlab` command line: build, check, grade, verify.

Every command exits 0 when it did its job (a low score is not an error) and non-zero with one
line naming what is wrong when it could not run.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nnlab.course import CourseError, load_course
from nnlab.grading.submission import SubmissionError
from nnlab.outcome import Outcome

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="nnlab: auto-graded NumPy exercises for a first neural-network course.")
console = Console()
errors = Console(stderr=True)

CourseOption = typer.Option(None, "--course", help="course.yml, or the folder holding it "
                            "(default: found from the current folder upwards)")


def fail(message: str, code: int = 2) -> None:
    from rich.text import Text

    # The message may quote a learner's file or argument: never read it as rich markup.
    errors.print(Text.assemble(("nnlab:", "bold red"), " ", message), highlight=False,
                 soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def build(check: bool = typer.Option(False, "--check", help="write nothing; exit 1 naming any "
                                     "generated file that is out of date"),
          course: Optional[Path] = CourseOption) -> None:
    """Generate exercises/ (stubs, public checks, notebooks) from solutions/."""
    from nnlab.authoring import BuildError, build_exercises  # jupytext is slow to import: only here

    try:
        loaded = load_course(course)
        report = build_exercises(loaded, check=check)
    except (CourseError, BuildError) as error:
        fail(str(error))
    stale = [(path, status) for path, status in report if status in ("stale", "missing")]
    for path, status in report:
        if status != "unchanged":
            console.print(f"{status:>9}  {path}", highlight=False)
    if check and stale:
        fail(f"{stale[0][0]} is {'out of date' if stale[0][1] == 'stale' else 'missing'} "
             f"({len(stale)} generated file(s) differ from solutions/); run `nnlab build`", code=1)
    console.print(f"{len(report)} generated files {'checked' if check else 'up to date'}.")


@app.command()
def check(target: Optional[str] = typer.Argument(None, help="MODULE or MODULE.FUNCTION (default: all)"),
          path: Path = typer.Option(None, "--path", help="folder with your module files "
                                    "(default: ./exercises, or the current folder)"),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="show every failing case "
                                       "in full, not one per problem"),
          course: Optional[Path] = CourseOption) -> None:
    """Run the public checks on your own work, with a diagnosis for each failure."""
    from nnlab.course import Limits, Tolerances, find_course_file
    from nnlab.selfcheck import CheckError, run_checks

    if path is None:
        path = Path("exercises") if Path("exercises").is_dir() else Path(".")
    limits, tolerances = Limits(), Tolerances()
    try:
        # The course's limits and tolerances when a course.yml is at hand (a learner's copy of
        # the course); course.yml's defaults otherwise.
        found = course or find_course_file(path)
    except CourseError:
        found = None
    try:
        if found is not None:
            loaded = load_course(found)
            limits, tolerances = loaded.limits, loaded.tolerances
        results = run_checks(path, target, limits=limits, tolerances=tolerances)
    except (CheckError, SubmissionError, CourseError) as error:
        fail(str(error))
    for line in render_checks(results, str(path), width=console.width, verbose=verbose):
        # Text objects: nothing in a learner's message, a case label or a diagnosis is ever
        # read as rich markup; lines are already wrapped to the width, so no_wrap keeps them.
        console.print(line, no_wrap=True, overflow="fold", highlight=False)


_STATUS = {"pass": ("pass", "green"), "fail": ("FAIL", "red"), "todo": ("not implemented yet", "yellow"),
           "import": ("not checked", "red")}


def _wrapped(text: str, width: int, indent: str, style: str = "") -> list:
    """`text` wrapped to `width` columns with a hanging `indent`, as rich Text lines (plain
    strings never parsed as markup)."""
    from rich.text import Text

    lines = []
    for paragraph in text.splitlines() or [""]:
        own = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        wrapped = textwrap.wrap(paragraph.strip(), width=max(20, width - len(indent) - len(own)),
                                subsequent_indent="  ", break_long_words=True,
                                break_on_hyphens=False) or [""]
        lines += [Text(indent + own + w, style=style) for w in wrapped]
    return lines


def render_checks(results: list, where: str, width: int = 80, verbose: bool = False) -> list:
    """The report of `nnlab check` as lines of rich Text, fitted to `width` columns: one line per
    function (name, checks passed, status), one line per module that could not be checked, then
    each function's problems (a problem shared by several cases said once, with their labels;
    every case with `verbose`), then the totals."""
    from rich.text import Text

    lines = [Text(f"Public checks on {where}", style="bold")]
    modules = list(dict.fromkeys(r.module for r in results))
    name_width = min(max((len(r.qualname) for r in results), default=10), max(20, width - 30))
    missing = [m for m in modules if "was not found" in _first(results, m).module_problem]
    for module in modules:
        mine = [r for r in results if r.module == module]
        if module in missing:
            continue
        if mine[0].module_problem:
            # Said once for the module, where its functions would be: the file, the line, the
            # offending line and a caret (see nnlab/sandbox/worker_main.py), not a traceback.
            lines.append(Text(f"  {module}.py could not be imported ({len(mine)} function"
                              f"{'s' * (len(mine) > 1)} not checked):", style="red"))
            why = mine[0].module_problem.replace(f"{module}.py could not be imported: ", "", 1)
            lines += _wrapped(why, width, "    ")
            continue
        for result in mine:
            label, style = _STATUS[result.status]
            line = Text(f"  {result.qualname:<{name_width}} {result.passed:>2}/{result.total:<2} ")
            line.append(label, style=style)
            lines.append(line)
    if missing:
        count = sum(r.module in missing for r in results)
        lines += _wrapped(f"Not found: {', '.join(m + '.py' for m in missing)} ({count} "
                          f"functions not checked)", width, "  ", "yellow")
    hidden = False
    for result in results:
        if result.module_problem:
            continue
        if result.status != "fail":
            continue
        failing = result.total - result.passed
        lines.append(Text(""))
        lines.append(Text(f"{result.qualname}: {failing} of {result.total} checks fail",
                          style="bold red"))
        for group in result.groups:
            if group.outcome is Outcome.NOT_IMPLEMENTED:
                lines.append(Text(f"  not implemented yet: {'; '.join(group.cases)}", style="yellow"))
                continue
            shown = list(zip(group.cases, group.messages)) if verbose else \
                [(group.cases[0], _compact(group.message))]
            for label, message in shown:
                lines += _wrapped(f"[{label}] {message}", width, "  ")
            if len(group.cases) > 1 and not verbose:
                hidden = True
                what = "diagnosis" if "Diagnosis: " in group.message else "problem"
                lines += _wrapped(f"Same {what} in: {'; '.join(group.cases[1:])}", width, "  ",
                                  "dim")
    notes = [note for r in results for note in r.notes]
    if notes:  # which of several accepted answers a function matched
        lines.append(Text(""))
        lines += [line for note in notes for line in _wrapped(f"Note: {note}", width, "")]
    done = sum(r.status == "pass" for r in results)
    todo = sum(r.status == "todo" for r in results)
    unchecked = sum(r.status == "import" for r in results)
    lines.append(Text(""))
    summary = (f"{done} of {len(results)} functions pass their public checks"
               f"{f', {todo} not implemented yet' if todo else ''}"
               f"{f', {unchecked} not checked' if unchecked else ''}."
               + (" The hidden graders test more cases than these."
                  if done and done + todo + unchecked == len(results) else "")
               + (" --verbose shows every failing case in full." if hidden else ""))
    lines += [Text(line) for line in textwrap.wrap(summary, width=max(20, width))]
    return lines


def _first(results: list, module: str):
    return next(r for r in results if r.module == module)


_TOLERANCE_CLAUSE = re.compile(r"; \d+ of \d+ entries are outside the tolerance \([^)]*\)")


def _compact(message: str) -> str:
    """A diagnosed failure without the tolerance count or the nan/inf hint: the diagnosis says
    what is wrong, and --verbose shows the rest."""
    from nnlab.grading.compare import NONFINITE_HINTS

    if "\n  Diagnosis: " not in message:
        return message
    for hint in NONFINITE_HINTS.values():
        message = message.replace(f"; {hint}", "")
    return _TOLERANCE_CLAUSE.sub("", message)


def _expand(paths: list[Path], modules: list[str]) -> list[Path]:
    """A folder holding module files is one submission; otherwise each subfolder is one."""
    submissions: list[Path] = []
    names = {f"{m}.py" for m in modules}
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such folder")
        if not path.is_dir():
            fail(f"{path}: a submission is a folder of <module>.py files")
        if any((path / n).exists() for n in names) or not any(p.is_dir() for p in path.iterdir()):
            submissions.append(path)
        else:
            submissions.extend(sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")))
    return submissions


@app.command()
def grade(paths: list[Path] = typer.Argument(..., help="submission folders (learner id = folder "
                                              "name), or folders of them"),
          out: Path = typer.Option(Path("nnlab-results"), "--out", help="where results go"),
          jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="submissions graded in parallel"),
          assignment: Optional[str] = typer.Option(None, "--assignment", "-a", help="grade this "
                                                   "assignment's modules (missing ones score zero)"),
          force: bool = typer.Option(False, "--force", help="regrade even unchanged submissions"),
          course: Optional[Path] = CourseOption) -> None:
    """Grade submissions: DIR/<learner>/results.json and feedback.md, and DIR/grades.csv."""
    from nnlab.grading.runner import grade_batch

    try:
        loaded = load_course(course)
        if assignment:
            loaded.assignment(assignment)
    except CourseError as error:
        fail(str(error))
    submissions = _expand(paths, loaded.modules)
    if not submissions:
        fail(f"no submission folders in {', '.join(map(str, paths))}")
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=errors, transient=True,
                  disable=not errors.is_terminal) as progress:
        task = progress.add_task("", total=len(submissions))

        def done(result, reused):
            progress.update(task, advance=1, description=result.learner + (" (unchanged)" if reused else ""))

        results = grade_batch(submissions, loaded, out, assignment=assignment, jobs=jobs,
                              force=force, on_result=done)
    modules = sorted({m for r in results for m in r.modules}, key=loaded.modules.index)
    table = Table(title=f"{loaded.title}: {len(results)} submission(s)")
    table.add_column("learner")
    table.add_column("score", justify="right")
    for module in modules:
        table.add_column(module, justify="right")
    table.add_column("notes")
    for result in results:
        per = result.module_scores()
        notes = result.error or (f"{len(result.grader_errors)} grader error(s)" if result.grader_errors else "")
        cells = [f"{per[m][0]:g}/{per[m][1]:g}" if m in per else "-" for m in modules]
        table.add_row(result.learner, f"{result.score:g}/{result.max_score:g}", *cells, notes[:80])
    console.print(table)
    console.print(f"Results in {out}/ (results.json and feedback.md per learner, grades.csv).",
                  highlight=False)
    if any(r.grader_errors for r in results):
        errors.print("[bold yellow]warning:[/] some tests hit grader errors (see notes); those "
                     "points are not the learners' fault.")


@app.command()
def verify(course: Optional[Path] = CourseOption,
           module: Optional[list[str]] = typer.Option(None, "--module", "-m",
                                                      help="only these modules")) -> None:
    """Release gate: solutions score full marks, stubs zero, every catalogued mistake loses points."""
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


baselines_app = typer.Typer(no_args_is_help=True, help="Recorded Keras outputs the graders read.")
app.add_typer(baselines_app, name="baselines")


@baselines_app.command("record")
def baselines_record(course: Optional[Path] = CourseOption,
                     family: Optional[list[str]] = typer.Option(None, "--family", "-f",
                                                                help="only these families")) -> None:
    """Record Keras outputs and gradients into graders/baselines/*.npz (needs TensorFlow)."""
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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
