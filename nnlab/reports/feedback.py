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
from nnlab.outcome import Outcome

if TYPE_CHECKING:  # pragma: no cover
    from nnlab.grading.results import SubmissionResult

_DIAGNOSIS_LINE = re.compile(r"^\s*" + re.escape(DIAGNOSIS), re.M)
_RAISED = re.compile(r"\) raised (.*)", re.S)
_RETURNED = re.compile(r"\) returned a value that ((?:should be|is None|has shape|has \w+ values|"
                       r"has dtype|has a Python float).*)", re.S)


# ------------------------------------------------------------------------------------------
# Grouping failures (shared with `nnlab check`)
# ------------------------------------------------------------------------------------------


def split_diagnosis(message: str) -> tuple[str, str]:
    """(what happened, the catalogued misconception) of a failure message; the second is ""
    when no catalogued mistake matched."""
    found = _DIAGNOSIS_LINE.search(message)
    if not found:
        return message, ""
    rest = message[found.end():]
    diagnosis = rest.split("\n  Note: ", 1)[0].strip()
    return message[:found.start()].rstrip(), diagnosis


def failure_key(message: str, outcome: Outcome | None = None) -> str:
    """What makes two failures "the same problem": the misconception they were diagnosed with,
    the exception raised (whatever the inputs), a stub's NotImplementedError, a value of the
    wrong kind, shape or dtype (whatever the inputs' shapes), or else the whole message (two
    different wrong values are two problems)."""
    if outcome is Outcome.NOT_IMPLEMENTED:
        return "not implemented"
    _, diagnosis = split_diagnosis(message)
    if diagnosis:
        return "diagnosis: " + diagnosis
    raised = _RAISED.search(message)
    if raised and outcome is not Outcome.PASSED:
        return "raised: " + raised.group(1)
    returned = _RETURNED.search(message)
    if returned:  # the same wrong kind of value, whatever the inputs' shapes
        return "returned: " + returned.group(1)
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


def group_failures(failures: Iterable[tuple[str, str, Outcome | None]]) -> list[Group]:
    """Group (case name, message, outcome) triples by `failure_key`, in order of first sight."""
    groups: dict[str, Group] = {}
    for name, message, outcome in failures:
        key = failure_key(message, outcome)
        group = groups.setdefault(key, Group(key, message, outcome))
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
    flat = _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
    return _LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else
                           f"{m.group(2)}\\{m.group(3)}", flat)


def md_code(text: str) -> str:
    """Inline code showing `text` literally (one line), fenced by more backticks than it holds."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str) -> str:
    """A fenced block showing `text` literally, whatever it holds (its fence is longer than any
    backtick run inside, so no line of it can close the block)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}\n"


# ------------------------------------------------------------------------------------------
# feedback.md
# ------------------------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:g}"


def feedback_markdown(result: "SubmissionResult") -> str:
    """feedback.md for one learner: the score per module, each module's tests
    (failures first, grouped per function by problem, then the passed ones), then the figures."""
    out = io.StringIO()
    out.write(f"# Feedback for {md_text(result.learner)}\n\n**{md_text(result.summary())}**\n\n")
    if result.grader_errors:
        out.write("> Some tests hit a problem in the grader itself, not in your code; your "
                  "instructor has been told. They are listed below.\n\n")
    if result.ignored_files:
        out.write("Files not graded (only the course's module files are): "
                  f"{', '.join(md_code(f) for f in result.ignored_files)}.\n\n")
    for module, (got, total) in result.module_scores().items():
        tests = [t for t in result.tests if t.module == module]
        out.write(f"## {md_text(module)}.py: {_num(got)} / {_num(total)}\n\n")
        failed = [t for t in tests if not t.passed]
        if tests and failed and all(t.outcome is Outcome.NOT_IMPLEMENTED for t in failed) and \
                not any(t.passed for t in tests):
            out.write("Nothing here is implemented yet: every function still raises "
                      "NotImplementedError.\n\n")
            continue
        import_failed = [t for t in failed if t.outcome in (Outcome.IMPORT_ERROR, Outcome.MISSING)]
        if import_failed and len(import_failed) == len(tests):
            out.write(f"None of the {len(tests)} tests could run:\n\n")
            out.write(md_block(import_failed[0].output))
            out.write("\n")
            continue
        functions = list(dict.fromkeys(t.function for t in failed))
        for function in functions:
            mine = [t for t in failed if t.function == function]
            lost = sum(t.points - t.score for t in mine)
            out.write(f"### {md_code(function)}: {len(mine)} test{'s' * (len(mine) > 1)} failed "
                      f"({_num(lost)} point{'s' * (lost != 1)} lost)\n\n")
            for group in group_failures((t.name, t.output, t.outcome) for t in mine):
                _write_group(out, group, {t.name: t for t in mine})
        passed = [t for t in tests if t.passed]
        if passed:
            out.write(f"Passed ({len(passed)} of {len(tests)} tests):\n\n")
            for test in passed:
                out.write(f"- {md_code(test.name)} ({_num(test.points)}/{_num(test.points)}; "
                          f"compared with: {test.compared_with})\n")
                if test.output:  # a passed test's note, e.g. which accepted convention matched
                    out.write(f"  {md_text(test.output)}\n")
            out.write("\n")
    if result.figures:
        out.write("## Figures\n\n")
        for figure in result.figures:
            out.write(f"![{md_text(figure.title)}](figures/{figure.filename})\n\n")
    return out.getvalue()


def _write_group(out: io.StringIO, group: Group, tests: dict) -> None:
    if group.outcome is Outcome.NOT_IMPLEMENTED:
        names = ", ".join(md_code(n) for n in group.cases)
        out.write(f"Not implemented yet (it raises NotImplementedError): {names}.\n\n")
        return
    if len(group.cases) == 1:
        test = tests[group.cases[0]]
        out.write(f"- {md_code(test.name)} (0/{_num(test.points)}; compared with: "
                  f"{test.compared_with})\n\n")
        out.write(md_block(group.message))
        out.write("\n")
        return
    head, diagnosis = split_diagnosis(group.message)
    what = "the same diagnosis" if diagnosis else "the same problem"
    out.write(f"{len(group.cases)} tests failed with {what}:\n\n")
    for name in group.cases:
        out.write(f"- {md_code(name)} (0/{_num(tests[name].points)}; compared with: "
                  f"{tests[name].compared_with})\n")
    out.write("\nThe first of them:\n\n")
    out.write(md_block(group.message))
    out.write("\n")
