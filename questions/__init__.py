"""Concept questions from the lectures, with numbers that vary per learner.

Each `questions/<module>.py` lists `QUESTIONS`: small generators that, given a learner's random
source, return a `Variant`: the question's text (markdown, this variant's numbers), the kind of
answer (a number within a relative tolerance, an integer, a shape, a choice), the answer itself
worked out with `reference/`, the wrong answers that known misconceptions give (named in the
words the code feedback uses), a sentence of explanation shown after grading, and, for shapes
and parameter counts, the Keras model the answer is proven against (tests/questions/).

A learner's variant follows from their learner id and the course's public question salt
(course.yml `questions.salt`): it can be printed in a handout or a notebook before grading,
without the secret seed, and the grader works it out again from the id.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from nnlab.questions import KINDS, answer_in_kind  # noqa: F401 (KINDS: the kinds, for callers)

MODULES = ("perceptron", "activations", "losses", "gradient_descent", "backprop", "xor", "mlp",
           "conv", "rnn", "lstm")


@dataclass(frozen=True)
class Misconception:
    answer: Any  # the answer this misconception gives
    says: str  # what it is, in the course's words
    # What the class summary counts it as (TestResult.misconception): the catalogue's
    # `looks_like` where the code feedback names the same mistake, else `says` itself.
    looks_like: str = ""


@dataclass(frozen=True)
class Variant:
    question: str  # the question's id, "<module>.<name>"
    text: str  # markdown, with this variant's numbers
    kind: str  # one of KINDS
    answer: Any  # float, int, tuple of ints, or one of `choices`
    explanation: str
    tolerance: float = 1e-3  # relative, for numbers
    choices: tuple = ()
    misconceptions: tuple[Misconception, ...] = ()
    keras: dict | None = None  # {"input": shape, "layers": [(class name, kwargs), ...], "check": "params"|"shape"}


@dataclass(frozen=True)
class Question:
    id: str  # "<module>.<name>"
    deck: str  # the lecture it comes from: "000", "001" or "002"
    generate: Callable[[random.Random], Variant]
    points: float = 1.0

    @property
    def module(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Judgement:
    correct: bool
    message: str  # one line for the learner
    misconception: str | None = None  # the misconception's words (`says`)
    looks_like: str = ""  # what the class summary counts (Misconception.looks_like or says)


def all_questions(modules: tuple[str, ...] | list[str] = MODULES) -> list[Question]:
    """Every question of the given modules, in the course's order."""
    found = []
    for module in modules:
        try:
            found += importlib.import_module(f"questions.{module}").QUESTIONS
        except ModuleNotFoundError as error:
            if error.name != f"questions.{module}":
                raise
    return found


def variant_random(salt: str, learner: str, question: str) -> random.Random:
    """The random source of one learner's variant of one question: HMAC-SHA256 of the salt
    over the learner id and the question id (so two questions of one learner vary apart)."""
    digest = hmac.new(salt.encode(), f"{learner}\0{question}".encode(), hashlib.sha256).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def variant_for(question: Question, learner: str, salt: str) -> Variant:
    return question.generate(variant_random(salt, learner, question.id))


def parse_answer(variant: Variant, raw: Any) -> Any:
    """A learner's answer in the variant's kind, or ValueError saying what form is expected."""
    return answer_in_kind(variant.kind, raw, variant.choices)


def _same(variant: Variant, a: Any, b: Any) -> bool:
    if variant.kind == "number":
        return math.isclose(a, b, rel_tol=variant.tolerance, abs_tol=variant.tolerance * 1e-3)
    return a == b


def judge(variant: Variant, raw: Any) -> Judgement:
    """Whether `raw` answers the variant, and, when it is a misconception's answer, which."""
    try:
        answer = parse_answer(variant, raw)
    except (ValueError, TypeError) as error:
        return Judgement(False, f"not an answer of the right form: {error}")
    if _same(variant, answer, variant.answer):
        return Judgement(True, "correct")
    for wrong in variant.misconceptions:
        if not _same(variant, wrong.answer, variant.answer) and _same(variant, answer, wrong.answer):
            return Judgement(False, f"that is the answer {wrong.says} gives", wrong.says,
                             wrong.looks_like or wrong.says)
    return Judgement(False, "not the answer")


def shown(value: Any) -> str:
    """An answer as the text shows it: shapes as (a, b), numbers to 4 significant digits."""
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ")"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
