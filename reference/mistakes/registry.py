"""The registry of catalogued mistakes: `Mistake`, the `@mistake` decorator, `mistakes_for`.

Each curriculum module's entries live in `reference/mistakes/<module>.py`; importing the package
imports them all, in curriculum order, so `MISTAKES` is the whole catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


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
