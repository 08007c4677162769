"""Behaviour an instructor should review, flagged in the table, grades.csv and summary.html.

Flags never change a score: they point a person at a submission. From the hand-in: a planted
file (`conftest.py`, `sitecustomize.py`, ...), imports beyond what the course allows, calls that
try to end or signal a process. From the grading: timeouts, crashes (an exit or a kill),
replies that could not cross the sandbox boundary (spoofed return objects) and learner code
that rewrote the worker's own code (its seal broke).
"""

from __future__ import annotations

import ast
from pathlib import Path

from nnlab.outcome import Outcome

# What learner modules may import: NumPy and the standard library's harmless corners.
ALLOWED_IMPORTS = {"numpy", "math", "random", "typing", "functools", "itertools", "collections",
                   "dataclasses", "__future__", "abc", "warnings", "time", "copy", "operator",
                   "numbers", "enum", "statistics", "string", "re", "fractions", "decimal"}
PLANTED = ("conftest.py", "sitecustomize.py", "usercustomize.py", "pytest.ini", "setup.cfg",
           "tox.ini", "pyproject.toml", "__init__.py", ".pth")
ESCAPES = {("os", "_exit"), ("os", "kill"), ("os", "killpg"), ("sys", "exit"), ("os", "abort"),
           ("signal", "signal"), ("os", "fork"), ("os", "system"), ("subprocess", "Popen"),
           ("subprocess", "run"), ("ctypes", "CDLL")}
OUTCOME_FLAGS = {Outcome.TIMEOUT: "timeout", Outcome.CRASH: "crash (exit or kill)",
                 Outcome.BAD_REPLY: "spoofed or unsendable return value"}


def imports_of(source: str | bytes) -> set[str]:
    """The top-level package names a module's source imports anywhere in it (empty when it does
    not parse)."""
    try:
        tree = ast.parse(source.decode("utf-8", "replace") if isinstance(source, bytes) else source)
    except (SyntaxError, ValueError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def released_imports(exercises: Path) -> dict[str, set[str]]:
    """{"conv.py": {"numpy", "pathlib", "sklearn", "matplotlib"}}: what each released stub in
    `exercises` (the course's exercises/ folder) imports itself, for its demo cells say. A
    learner who hands the stub back with those imports added nothing, so nothing is flagged."""
    return {path.name: imports_of(path.read_bytes()) for path in sorted(exercises.glob("*.py"))}


def review_flags(submission, modules: list[str] | None = None,
                 released: dict[str, set[str]] | None = None) -> list[str]:
    """Flags from the hand-in itself (`submission`: an nnlab Submission). `released` (see
    `released_imports`) lists what the course's own stubs import: only imports the learner
    added beyond those and `ALLOWED_IMPORTS` are flagged."""
    flags = []
    released = released or {}
    planted = [n for n in submission.ignored if n.rsplit("/", 1)[-1] in PLANTED or n.endswith(".pth")]
    if planted:
        flags.append("planted file: " + ", ".join(sorted(planted)))
    for name, content in sorted(submission.files.items()):
        try:
            tree = ast.parse(content.decode("utf-8", "replace"))
        except (SyntaxError, ValueError):
            continue  # a syntax error is the import's failure, graded as such
        imports, escapes = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imports.add(node.module.split(".")[0])
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in ESCAPES:
                escapes.add(f"{node.value.id}.{node.attr}")
            elif isinstance(node, ast.Name) and node.id in ("exit", "quit", "__import__", "exec", "eval"):
                escapes.add(node.id)
        course_modules = set(modules or ())
        given = released.get(name.rsplit("/", 1)[-1], set())
        forbidden = sorted(i for i in imports if i not in ALLOWED_IMPORTS
                           and i not in course_modules and i not in given)
        if forbidden:
            flags.append(f"forbidden import in {name}: {', '.join(forbidden)}")
        if escapes:
            flags.append(f"exit/kill/escape attempt in {name}: {', '.join(sorted(escapes))}")
    return flags


def outcome_flags(tests) -> list[str]:
    from nnlab.sandbox.worker import TAMPERED

    counts: dict[str, int] = {}
    for test in tests:
        flag = OUTCOME_FLAGS.get(test.outcome)
        # the worker's seal broke: learner code rewrote the sandbox (the failure's `problem`,
        # set where the worker saw it; learner text quoting the words flags nothing)
        if test.problem == TAMPERED:
            flag = "tampered with the grading sandbox"
        if flag:
            counts[flag] = counts.get(flag, 0) + 1
    return [f"{flag} in {n} test(s)" for flag, n in counts.items()]


def merge_flags(*groups: list[str]) -> list[str]:
    seen: list[str] = []
    for group in groups:
        seen.extend(f for f in group if f not in seen)
    return seen
