"""Turn a solution file into the learner's stub, with nbgrader's solution-region semantics.

Every region from a line `### BEGIN SOLUTION` to a line `### END SOLUTION` is replaced by
`# YOUR CODE HERE` and a `raise NotImplementedError(...)` at the region's indentation; everything
outside the regions (imports, signatures, docstrings, comments, lesson cells) is kept as it is.
Lines `# HINT: ...` inside a region survive into the stub and into the error's message.
"""

from __future__ import annotations

import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "# HINT:"
DEF = re.compile(r"^(\s*)(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)")


class BuildError(Exception):
    """A solution file cannot be turned into a stub; the message names the file and line."""


def make_stub(source: str, filename: str) -> str:
    """The stub text for one solution file's text."""
    lines = source.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise BuildError(f"{filename} line {i + 1}: {END} without a {BEGIN} before it")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        start = i
        hints: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != END:
            if lines[i].strip() == BEGIN:
                raise BuildError(f"{filename} line {i + 1}: {BEGIN} inside another solution region")
            if lines[i].strip().startswith(HINT):
                hints.append(lines[i].strip()[len(HINT):].strip())
            i += 1
        if i == len(lines):
            raise BuildError(f"{filename} line {start + 1}: {BEGIN} without an {END}")
        name = _enclosing_name(lines, start, indent)
        message = f"{name} is not implemented yet."
        if hints:
            message += " Hint: " + " ".join(hints)
        out.append(f"{indent}# YOUR CODE HERE")
        out.extend(f"{indent}{HINT} {hint}" for hint in hints)
        out.append(f"{indent}raise NotImplementedError({message!r})")
        i += 1  # skip the END line
    text = "\n".join(out) + ("\n" if source.endswith("\n") else "")
    try:
        compile(text, filename, "exec")
    except SyntaxError as error:
        raise BuildError(f"{filename}: the generated stub is not valid Python (line {error.lineno}: "
                         f"{error.msg}); check the solution regions' indentation") from None
    return text


def _enclosing_name(lines: list[str], index: int, indent: str) -> str:
    """The function (or class) a region sits in: the nearest def above with less indentation."""
    for j in range(index - 1, -1, -1):
        match = DEF.match(lines[j])
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return "this part"
