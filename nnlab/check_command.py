"""`nnlab check`: the public checks on a learner's own work, and their report.

Both doors lead here: the typer command (`nnlab.cli.check`) and the fast door that
`nnlab.entry.main` opens for a plain `nnlab check ...` before typer, rich or pydantic are
imported. A learner runs this dozens of times an hour, so the path is kept short: course.yml's
limits come from nnlab.check_settings' cache (pydantic only when course.yml changed), the
sandbox's capability probes from the user's cache (nnlab.sandbox.levels), the worker starts
before NumPy is imported here (nnlab.sandbox.early), and rich only loads to print the report.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path


class CheckFailed(Exception):
    """`nnlab check` could not run; the message is one line (the door prints it and exits with
    `code`)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def print_error(message: str) -> None:
    """"nnlab: <message>" on stderr, as every nnlab command says what is wrong."""
    from rich.console import Console
    from rich.text import Text

    from nnlab.reports.text import visible

    # The message may quote a learner's file or argument: never read it as rich markup, and
    # an escape sequence in a file name is shown, not obeyed.
    Console(stderr=True).print(Text.assemble(("nnlab:", "bold red"), " ", visible(message)),
                               highlight=False, soft_wrap=True)


def _course_file_near(path: Path) -> Path | None:
    """course.yml in `path` or the nearest folder above it (nnlab.course.find_course_file's
    search, without importing pydantic)."""
    here = path.resolve()
    for folder in (here, *here.parents):
        if (folder / "course.yml").is_file():
            return folder / "course.yml"
    return None


def run_check(target: str | None = None, path: Path | None = None, verbose: bool = False,
              trust: bool = False, course: Path | None = None, console=None) -> None:
    """Run the public checks on `path` (default: ./exercises, or the current folder) and print
    the report to `console` (a rich Console; stdout's when None). Raises `CheckFailed`."""
    from nnlab.sandbox import levels, orphans

    if path is None:
        path = Path("exercises") if Path("exercises").is_dir() else Path(".")
    # On a learner's own machine the sandbox may not isolate anything: say so, loudly, once, and
    # run only the learner's own folder unless told otherwise.
    try:
        level = levels.choose(warn=False, own_code=True)
    except levels.SandboxUnavailable as error:
        raise CheckFailed(str(error)) from None
    adopting = False
    if not level.filesystem_isolated:
        if level.name != levels.UNSANDBOXED:  # (that level says so itself, once)
            levels.warn_once(check_isolation_warning(level))
        inside = path.resolve() == Path.cwd().resolve() or Path.cwd().resolve() in path.resolve().parents
        if not inside and not trust:
            raise CheckFailed(f"--path {path}: outside the current folder, and this machine cannot "
                              f"isolate the code nnlab check runs (see the warning above); check "
                              f"your own exercise folder from inside it, or pass --trust if you "
                              f"trust every file in {path}")
        if not levels.is_root() and sys.platform.startswith("linux"):
            orphans.adopt_orphans()  # what learner code detaches comes back here, to be ended
            adopting = True
    try:
        # The course's limits and tolerances when a course.yml is at hand (a learner's copy of
        # the course); course.yml's defaults otherwise. Validated once per course.yml's bytes.
        from nnlab.check_settings import check_settings

        limits, tolerances = check_settings(course or _course_file_near(path))
    except Exception as error:
        from nnlab.course import CourseError

        if isinstance(error, CourseError):
            raise CheckFailed(str(error)) from None
        raise
    from nnlab.sandbox.early import early_worker

    # The worker starts while the checker's own modules import (see nnlab.sandbox.early).
    early = early_worker(path, target, limits)
    try:
        from nnlab.grading.submission import SubmissionError
        from nnlab.selfcheck import CheckError, run_checks

        if console is None:  # (rich imports while the worker's NumPy still loads: it is needed
            from rich.console import Console  # for the report anyway)

            console = Console()

        try:
            results = run_checks(path, target, limits=limits, tolerances=tolerances, early=early)
        except (CheckError, SubmissionError) as error:
            raise CheckFailed(str(error)) from None
    finally:
        if early is not None:
            early.stop()  # (a no-op when run_checks used it: it stopped it already)
        if adopting:
            orphans.end_adopted()
    for line in render_checks(results, str(path), width=console.width, verbose=verbose):
        # Text objects: nothing in a learner's message, a case label or a diagnosis is ever
        # read as rich markup; lines are already wrapped to the width, so no_wrap keeps them.
        console.print(line, no_wrap=True, overflow="fold", highlight=False)
    from nnlab.selfcheck import find_checks_dir

    answers = (path if path.is_dir() else path.parent) / "answers.yml"
    catalogue = find_checks_dir(path).parent / "questions.json" if answers.is_file() else None
    if catalogue is not None and catalogue.is_file():
        import json

        from rich.text import Text

        from nnlab.questions import answers_form

        for line in answers_form(answers, json.loads(catalogue.read_text(encoding="utf-8"))):
            console.print(Text(line), highlight=False)


def check_isolation_warning(level) -> str:
    """The one warning `nnlab check` prints where it cannot isolate the code it runs."""
    who = ("under a private uid, but it can read every file that uid can read" if os.geteuid() == 0
           else "as you: it can read and change your files (~/.ssh included), use your network "
           "access and start processes")
    return textwrap.fill(
        f"nnlab check: WARNING: this machine cannot isolate the code it checks (sandbox level "
        f"{level.name}: {level.reason}). That code runs {who}. Check only code you wrote "
        f"yourself. To isolate it, install bubblewrap (apt-get install bubblewrap) or allow "
        f"unprivileged user namespaces.", width=79, break_on_hyphens=False)


_STATUS = {"pass": ("pass", "green"), "fail": ("FAIL", "red"), "todo": ("not implemented yet", "yellow"),
           "import": ("not checked", "red"), "skipped": ("not checked here", "yellow")}


def _wrapped(text: str, width: int, indent: str, style: str = "") -> list:
    """`text` wrapped to `width` columns with a hanging `indent`, as rich Text lines (plain
    strings never parsed as markup)."""
    from rich.text import Text

    from nnlab.reports.text import clean

    lines = []
    for paragraph in clean(text).splitlines() or [""]:  # no escape sequence reaches the terminal
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
    from nnlab.outcome import Outcome
    from rich.text import Text

    from nnlab.selfcheck import fix_first_note

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
    skipped = [r for r in results if r.status == "skipped"]
    if skipped:  # every function the public checks cannot hold, named with the reason
        lines.append(Text(""))
        lines += _wrapped("Not checked here (no public case):", width, "")
        for why in dict.fromkeys(r.not_checked for r in skipped):
            names = ", ".join(r.qualname for r in skipped if r.not_checked == why)
            lines += _wrapped(f"{names}: {why}.", width, "  ", "yellow")
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
        if result.fix_first:  # its failure may follow from another function's
            lines += _wrapped(fix_first_note(result).capitalize() + ".", width, "  ", "yellow")
        for group in result.groups:
            if group.outcome is Outcome.NOT_IMPLEMENTED:
                lines.append(Text(f"  not implemented yet: {'; '.join(group.cases)}", style="yellow"))
                continue
            shown = list(zip(group.cases, group.messages)) if verbose else \
                [(group.cases[0], (group.brief or group.message) if group.diagnosis else group.message)]
            for label, message in shown:
                lines += _wrapped(f"[{label}] {message}", width, "  ")
            if len(group.cases) > 1 and not verbose:
                hidden = True
                what = "diagnosis" if group.diagnosis else "problem"
                lines += _wrapped(f"Same {what} in: {'; '.join(group.cases[1:])}", width, "  ",
                                  "dim")
    notes = [note for r in results for note in r.notes]
    if notes:  # which of several accepted answers a function matched
        lines.append(Text(""))
        lines += [line for note in notes for line in _wrapped(f"Note: {note}", width, "")]
    done = sum(r.status == "pass" for r in results)
    todo = sum(r.status == "todo" for r in results)
    unchecked = sum(r.status == "import" for r in results)
    checked = len(results) - len(skipped)
    lines.append(Text(""))
    summary = (f"{done} of {checked} functions pass their public checks"
               f"{f', {todo} not implemented yet' if todo else ''}"
               f"{f', {unchecked} not checked' if unchecked else ''}"
               f"{f'; {len(skipped)} more {_has(len(skipped))} no public case (named above)' if skipped else ''}."
               + (" The hidden graders test more cases than these."
                  if done and done + todo + unchecked == checked else "")
               + (" --verbose shows every failing case in full." if hidden else ""))
    lines += [Text(line) for line in textwrap.wrap(summary, width=max(20, width))]
    return lines


def _has(count: int) -> str:
    return "has" if count == 1 else "have"


def _first(results: list, module: str):
    return next(r for r in results if r.module == module)
