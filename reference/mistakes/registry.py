"""The registry of catalogued mistakes: `Mistake`, the `@mistake` decorator, `mistakes_for`.

Each curriculum module's entries live in `reference/mistakes/<module>.py`; importing the package
imports them all, in curriculum order, so `MISTAKES` is the whole catalogue.

A same-signature entry can also be written out as learner code: `Mistake.graft_source()` gives
the entry renamed to its target function, with the source of every helper it uses (from
`helpers.py`) and the imports it needs, and `Mistake.graft(solution)` appends that to a solution
file, which is how `nnlab verify` builds a wrong submission.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import textwrap
import types
from dataclasses import dataclass
from typing import Callable

from reference.mistakes import helpers

# What a grafted entry may refer to besides builtins and helpers: the imports its graft carries.
GRAFT_IMPORTS = {"math": "import math", "np": "import numpy as np"}


@dataclass(frozen=True)
class Mistake:
    """One known-wrong variant of a curriculum function."""

    target: str
    name: str
    looks_like: str
    why: str
    fn: Callable
    same_signature: bool = True

    @property
    def function(self) -> str:
        return self.target.split(".", 1)[1]

    def message(self) -> str:
        return f"your {self.function} looks like {self.looks_like}: {self.why}"

    def helpers_used(self) -> list[Callable]:
        """The helpers the entry calls, directly or through other helpers, in helpers.py order.

        Raises ValueError if the entry (or a helper) refers to any other global name of its
        file, since a grafted copy would not find it."""
        found: dict[str, Callable] = {}
        pending = [self.fn]
        while pending:
            fn = pending.pop()
            for name in sorted(_global_names(fn.__code__)):
                if name in GRAFT_IMPORTS or name in found:
                    continue
                value = fn.__globals__.get(name, getattr(builtins, name, None))
                if inspect.isfunction(value) and value.__module__ == helpers.__name__:
                    found[name] = value
                    pending.append(value)
                elif name in fn.__globals__ or not hasattr(builtins, name):
                    raise ValueError(
                        f"{self.name}: {fn.__name__} uses {name!r}, which is neither np, math, "
                        f"a builtin nor a helper of reference/mistakes/helpers.py")
        order = list(vars(helpers))
        return sorted(found.values(), key=lambda f: order.index(f.__name__))

    @property
    def forward(self) -> str | None:
        """For a backward-pass entry (`same_signature=False`, target `*_backward`, taking the
        upstream gradients then the forward's arguments): the forward function's name."""
        if self.same_signature or not self.function.endswith("_backward"):
            return None
        return self.function[: -len("_backward")] + "_forward"

    @property
    def graftable(self) -> bool:
        """Can `graft` write this entry into a solution as a learner would have?"""
        return "." not in self.function and (self.same_signature or self.forward is not None)

    def graft_source(self) -> str:
        """Self-contained learner code: `import math`, `import numpy as np`, the helpers the
        entry uses, and the entry itself as `def <target function>(...)` without its decorator.

        A backward-pass entry is written under a private name, and the forward and backward
        functions are wrapped so the forward's cache holds its own arguments and the backward
        hands them, after the upstream gradients, to the entry: the learner's forward stays
        correct and only the backward is the catalogued mistake."""
        if not self.graftable:
            raise ValueError(f"{self.name} is neither a same-signature entry nor a backward-pass "
                             f"entry of a module-level function, so it cannot be grafted")
        parts = ["\n".join(GRAFT_IMPORTS.values())]
        parts += [_plain_source(h, h.__name__) for h in self.helpers_used()]
        if self.same_signature:
            parts.append(_plain_source(self.fn, self.function))
        else:
            mistaken = f"_nnlab_mistaken_{self.function}"
            parts.append(_plain_source(self.fn, mistaken))
            parts.append(BACKWARD_GRAFT.format(forward=self.forward, backward=self.function,
                                               mistaken=mistaken))
        return "\n\n\n".join(parts) + "\n"

    def graft(self, solution_text: str) -> str:
        """The solution with the target function replaced by this entry (defined last, so it is
        the one the module exports; everything else stays the solution's).

        Raises ValueError if a helper the graft brings would replace a name the solution
        defines."""
        source = self.graft_source()
        defined = _top_level_names(solution_text)
        clash = sorted(defined & {h.__name__ for h in self.helpers_used()})
        if clash:
            raise ValueError(f"grafting {self.name} would replace the solution's {clash}")
        return (f"{solution_text.rstrip()}\n\n\n# nnlab verify: {self.target} replaced by the "
                f"catalogued mistake {self.name!r}\n{source}")


# How a backward-pass entry is grafted: the correct forward keeps its outputs and caches its own
# arguments; the backward passes the upstream gradients and those arguments to the entry.
BACKWARD_GRAFT = '''_nnlab_correct_{forward} = {forward}


def {forward}(*args, **kwargs):
    outputs = _nnlab_correct_{forward}(*args, **kwargs)
    return (*outputs[:-1], (args, kwargs))


def {backward}(*upstream_and_cache):
    *upstream, (args, kwargs) = upstream_and_cache
    return {mistaken}(*upstream, *args, **kwargs)'''


def _global_names(code: types.CodeType) -> set[str]:
    """Every global or builtin name `code` and its nested code objects (comprehensions,
    lambdas, inner functions) load."""
    names = set()
    for instruction in _instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            names.add(instruction.argval)
    return names


def _instructions(code: types.CodeType):
    yield from dis.get_instructions(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _instructions(const)


def _plain_source(fn: Callable, name: str) -> str:
    """The function's source as `def name(...)`, without decorators (ast.unparse drops
    comments)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    function.decorator_list = []
    function.name = name
    return ast.unparse(function)


def _top_level_names(source: str) -> set[str]:
    """Names a module's source binds at top level (functions, classes, assignments, imports)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


MISTAKES: list[Mistake] = []


def mistake(target: str, *, looks_like: str, why: str, same_signature: bool = True):
    """Register the decorated function as a known-wrong variant of `target`."""

    def register(fn: Callable) -> Callable:
        MISTAKES.append(Mistake(target, fn.__name__, looks_like, why, fn, same_signature))
        return fn

    return register


def mistakes_for(target: str) -> list[Mistake]:
    """Every registered mistake for "module.function", in catalogue order."""
    return [m for m in MISTAKES if m.target == target]
