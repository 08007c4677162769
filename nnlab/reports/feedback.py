"""feedback.md, what a learner reads after a grade, and the grouping `nnlab check` shares.

Every string that came from a learner (an exception message, printed output, the learner id), a
grader (a test title) or a diagnosis is shown literally: titles as inline code, messages in
fenced blocks whose fence is longer than any run of backticks inside, other text with markdown's
punctuation escaped. Learner text can therefore never add a heading, a link or a fake
"passed" line to the file.

Failing tests of one function are grouped by what went wrong: the cases that share one
diagnosis (or raised the same exception) are said once, with the number of tests and their
names, and the first of them shown in full.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from nnlab.grading.compare import DIAGNOSIS
from nnlab.grading.describe import PATTERN
from nnlab.outcome import Detail, Outcome
from nnlab.reports.text import clean

if TYPE_CHECKING:  # pragma: no cover
    from nnlab.grading.results import SubmissionResult


# ------------------------------------------------------------------------------------------
# Grouping failures (shared with `nnlab check`)
# ------------------------------------------------------------------------------------------


def failure_key(message: str, outcome: Outcome | None = None, diagnosis: str = "",
                problem: str = "") -> str:
    """What makes two failures "the same problem", from the failure's structure (set where it
    was judged; a message is never searched, so learner text inside one decides nothing): the
    misconception it was diagnosed with, a stub's NotImplementedError, its `problem` (the
    exception raised, or a value of the wrong kind, shape or dtype, whatever the inputs), or
    else the whole message (two different wrong values are two problems)."""
    if outcome is Outcome.NOT_IMPLEMENTED:
        return "not implemented"
    if diagnosis:
        return "diagnosis: " + diagnosis
    if problem:
        return "problem: " + problem
    return "message: " + message


@dataclass
class Group:
    """Failing cases of one function that share a problem: the first case's full message, and
    the names of all of them."""

    key: str
    message: str
    outcome: Outcome | None
    cases: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    diagnosis: str = ""
    brief: str = ""  # the first case's message less the tolerance count and nan/inf hint


    @property
    def diagnosed(self) -> bool:
        return self.key.startswith("diagnosis: ")


def group_failures(failures: Iterable[tuple]) -> list[Group]:
    """Group (case name, message, outcome[, diagnosis[, problem[, brief]]]) tuples by
    `failure_key`, in order of first sight."""
    groups: dict[str, Group] = {}
    for name, message, outcome, *rest in failures:
        diagnosis, problem, brief = (list(rest) + ["", "", ""])[:3]
        key = failure_key(message, outcome, diagnosis, problem)
        group = groups.setdefault(key, Group(key, message, outcome, diagnosis=diagnosis,
                                             brief=brief))
        group.cases.append(name)
        group.messages.append(message)
    return list(groups.values())


# ------------------------------------------------------------------------------------------
# Markdown that cannot be injected
# ------------------------------------------------------------------------------------------

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")


def md_text(text: str) -> str:
    """Plain text safe inline in markdown: one line, with markdown's inline punctuation
    escaped (and a leading character that could start a list or a heading underline)."""
    flat = _PUNCTUATION.sub(r"\\\1", " ".join(clean(str(text)).split()))
    return _LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else
                           f"{m.group(2)}\\{m.group(3)}", flat)


def md_code(text: str) -> str:
    """Inline code showing `text` literally (one line), fenced by more backticks than it holds."""
    text = " ".join(clean(str(text)).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str) -> str:
    """A fenced block showing `text` literally, whatever it holds (its fence is longer than any
    backtick run inside, so no line of it can close the block); control characters and ANSI
    escapes are removed."""
    text = clean(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}\n"


# ------------------------------------------------------------------------------------------
# The page, as structure: what feedback.md and feedback.html both show
# ------------------------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass
class TestLine:
    """One test as listed: its name, points earned of its maximum, what it compared with."""

    name: str
    score: float
    points: float
    compared_with: str
    note: str = ""  # a passed test's note (which accepted convention it matched)


@dataclass
class Problem:
    """Failing tests of one function that share a problem (a `Group`), shown once."""

    kind: str  # "not_implemented", "single" or "many"
    tests: list[TestLine]
    message: str = ""    # the first test's message (learner text inside: shown literally)
    diagnosis: str = ""  # the comparator's diagnosis, when it named a catalogued mistake
    printed: str = ""    # what the learner's code printed during the first test
    facts: list[tuple[str, str]] = field(default_factory=list)  # (what, plain text): `facts_of`
    returned: str = ""   # a short repr of what the first test's call returned (learner data)


@dataclass
class FunctionFailures:
    name: str
    failed: int
    lost: float
    problems: list[Problem]


@dataclass
class ModuleSection:
    name: str
    score: float
    points: float
    summary: str = ""       # one sentence instead of the tests (nothing implemented, ...)
    block: str = ""         # with `summary`: the import error every test shares
    functions: list[FunctionFailures] = field(default_factory=list)
    passed: list[TestLine] = field(default_factory=list)
    total: int = 0


@dataclass
class FeedbackPage:
    learner: str  # as given: each renderer escapes it for its format
    summary: str
    status: str
    grader_errors: bool
    ignored_files: list[str]
    modules: list[ModuleSection]
    figures: list[tuple[str, str]]  # (title, path relative to the learner's folder)


def _line(test) -> TestLine:
    return TestLine(test.name, test.score, test.points, test.compared_with,
                    test.output if test.passed else "")


def message_of(test) -> str:
    """A failed test's message without its diagnosis line (the page shows the diagnosis on its
    own), put together from the failure's structure where the comparator judged it: the
    finding, then how the values differ, then the grader's note. Where the message is not the
    one that structure makes (a grader added to it, or none was judged), the whole message."""
    detail = test.detail
    if detail is None or not detail.finding:
        return test.output
    lines = [detail.finding]
    if detail.pattern:
        lines.append(f"  {PATTERN}{detail.pattern}.")
    if detail.note:
        lines.append(f"  Note: {detail.note}")
    said = [*lines[:1], *([f"  {DIAGNOSIS}{test.diagnosis}."] if test.diagnosis else []),
            *lines[1:]]
    return "\n".join(lines) if "\n".join(said) == test.output else test.output


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def facts_of(detail: Detail | None) -> list[tuple[str, str]]:
    """A failure's structure as (what, plain text) rows, in the order a reader asks: what was
    called on which shapes, what came back, the largest error and where, the tolerance, the
    accepted alternative. Plain text: each format escapes it (it may hold learner data)."""
    if detail is None:
        return []
    rows = []
    if detail.call:
        rows.append(("called", detail.call))
    if detail.shapes:
        rows.append(("input shapes", ", ".join(f"{name} {_shape(shape)}"
                                               for name, shape in detail.shapes.items())))
    if detail.returned:
        what = f"its {detail.part}" if detail.part and not detail.part.startswith("[") else \
            f"output{detail.part}" if detail.part else "returned"
        rows.append((what, f"{detail.returned} (expected {detail.expected})"
                     if detail.expected else detail.returned))
    if detail.largest_error is not None:
        rows.append(("largest error", f"{detail.largest_error:.3g} at index "
                     f"{_shape(detail.index or [])}"))
    elif detail.index is not None and detail.outside is not None:
        rows.append(("first wrong entry", f"at index {_shape(detail.index)}"))
    if detail.index is not None and (detail.yours is not None or detail.wanted is not None):
        yours = "not finite" if detail.yours is None else f"{detail.yours:.6g}"
        wanted = "not finite" if detail.wanted is None else f"{detail.wanted:.6g}"
        rows.append(("there", f"yours {yours}, expected {wanted}"))
    if detail.outside is not None and detail.size:
        rows.append(("entries wrong", f"{detail.outside} of {detail.size}"))
    if detail.rtol is not None and detail.returned:
        rows.append(("tolerance", f"rtol {detail.rtol:g}, atol {detail.atol or 0:g}"))
    if detail.accepted:
        rows.append(("judged as", f"{detail.accepted} (accepted as correct)"))
    return rows


def feedback_page(result: "SubmissionResult") -> FeedbackPage:
    """What a learner reads, as structure: the score per module, each module's failing tests
    grouped per function by problem, then the passed ones, then the figures."""
    sections = []
    for module, (got, total) in result.module_scores().items():
        tests = [t for t in result.tests if t.module == module]
        section = ModuleSection(module, got, total, total=len(tests))
        sections.append(section)
        failed = [t for t in tests if not t.passed]
        if tests and failed and all(t.outcome is Outcome.NOT_IMPLEMENTED for t in failed) and \
                not any(t.passed for t in tests):
            section.summary = ("Nothing here is implemented yet: every function still raises "
                               "NotImplementedError.")
            continue
        import_failed = [t for t in failed if t.outcome in (Outcome.IMPORT_ERROR, Outcome.MISSING)]
        if import_failed and len(import_failed) == len(tests):
            section.summary = f"None of the {len(tests)} tests could run:"
            section.block = import_failed[0].output
            continue
        for function in dict.fromkeys(t.function for t in failed):
            mine = [t for t in failed if t.function == function]
            by_name = {t.name: t for t in mine}
            problems = []
            for group in group_failures((t.name, t.output, t.outcome, t.diagnosis, t.problem)
                                        for t in mine):
                lines = [_line(by_name[n]) for n in group.cases]
                first = by_name[group.cases[0]]
                kind = ("not_implemented" if group.outcome is Outcome.NOT_IMPLEMENTED else
                        "single" if len(lines) == 1 else "many")
                # The diagnosis is shown once, on its own: the message is put together again
                # from the failure's structure without it (never cut out of the text).
                problems.append(Problem(kind, lines, message_of(first), first.diagnosis,
                                        first.printed, facts_of(first.detail),
                                        first.detail.returned_repr if first.detail else ""))
            section.functions.append(FunctionFailures(
                function, len(mine), sum(t.points - t.score for t in mine), problems))
        section.passed = [_line(t) for t in tests if t.passed]
    return FeedbackPage(result.learner, result.summary(), result.status,
                        bool(result.grader_errors), list(result.ignored_files), sections,
                        [(f.title, f"figures/{f.filename}") for f in result.figures])


# ------------------------------------------------------------------------------------------
# feedback.md
# ------------------------------------------------------------------------------------------


def feedback_markdown(result: "SubmissionResult") -> str:
    """feedback.md for one learner (`feedback_page` written as markdown, every piece of text
    escaped or fenced)."""
    from nnlab.reports.text import visible

    page = feedback_page(result)
    out = io.StringIO()
    out.write(f"# Feedback for {md_text(visible(page.learner))}\n\n**{md_text(page.summary)}**\n\n")
    if page.grader_errors:
        out.write("> Some tests hit a problem in the grader itself, not in your code; your "
                  "instructor has been told. They are listed below.\n\n")
    if page.ignored_files:
        out.write("Files not graded (only the course's module files are): "
                  f"{', '.join(md_code(visible(f)) for f in page.ignored_files)}.\n\n")
    for section in page.modules:
        out.write(f"## {md_text(section.name)}.py: {_num(section.score)} / {_num(section.points)}\n\n")
        if section.summary:
            out.write(section.summary + "\n\n")
            if section.block:
                out.write(md_block(section.block) + "\n")
            continue
        for function in section.functions:
            out.write(f"### {md_code(function.name)}: {function.failed} test"
                      f"{'s' * (function.failed > 1)} failed ({_num(function.lost)} point"
                      f"{'s' * (function.lost != 1)} lost)\n\n")
            for problem in function.problems:
                _write_problem(out, problem)
        if section.passed:
            out.write(f"Passed ({len(section.passed)} of {section.total} tests):\n\n")
            for test in section.passed:
                out.write(f"- {md_code(test.name)} ({_num(test.points)}/{_num(test.points)}; "
                          f"compared with: {test.compared_with})\n")
                if test.note:  # a passed test's note, e.g. which accepted convention matched
                    out.write(f"  {md_text(test.note)}\n")
            out.write("\n")
    if page.figures:
        out.write("## Figures\n\n")
        for title, path in page.figures:
            out.write(f"![{md_text(title)}]({path})\n\n")
    return out.getvalue()


def _write_problem(out: io.StringIO, problem: Problem) -> None:
    if problem.kind == "not_implemented":
        names = ", ".join(md_code(t.name) for t in problem.tests)
        out.write(f"Not implemented yet (it raises NotImplementedError): {names}.\n\n")
        return
    if problem.kind == "single":
        test = problem.tests[0]
        out.write(f"- {md_code(test.name)} (0/{_num(test.points)}; compared with: "
                  f"{test.compared_with})\n\n")
    else:
        what = "the same diagnosis" if problem.diagnosis else "the same problem"
        out.write(f"{len(problem.tests)} tests failed with {what}:\n\n")
        for test in problem.tests:
            out.write(f"- {md_code(test.name)} (0/{_num(test.points)}; compared with: "
                      f"{test.compared_with})\n")
        out.write("\nThe first of them:\n\n")
    out.write(md_block(problem.message))
    if problem.facts:
        out.write("\n" + "".join(f"- {md_text(what)}: {md_code(text)}\n"
                                 for what, text in problem.facts))
    if problem.returned:
        out.write("\nWhat your code returned:\n\n" + md_block(problem.returned))
    if problem.diagnosis:
        out.write(f"\n> **Diagnosis:** {md_text(problem.diagnosis)}\n")
    if problem.printed:
        out.write("\nYour code printed:\n\n" + md_block(problem.printed))
    out.write("\n")
