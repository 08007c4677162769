"""A learner's concept questions (questions/): their variant's text, and their answers judged.

The questions live in the course (`questions/<module>.py`, answers from `reference/`); this
module finds a learner's variants with the course's public salt, reads an answers file
(`answers.yml`: question id -> answer) and judges each answer, naming the misconception that
gives a wrong answer where one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnlab.course import Course

MAX_ANSWERS_BYTES = 64 * 1024


@dataclass
class AnsweredQuestion:
    id: str
    text: str
    given: Any  # the learner's answer as written, or None
    correct: bool
    message: str
    misconception: str | None
    explanation: str
    points: float
    max_points: float


def learner_variants(course: Course, learner: str, modules: list[str] | None = None) -> list:
    """(question, variant) for each of the course's questions of `modules` (default: all)."""
    with course.importable():
        from questions import all_questions, variant_for

        wanted = modules or course.graded_modules()
        return [(q, variant_for(q, learner, course.questions.salt)) for q in all_questions(wanted)]


def read_answers(path: Path) -> dict[str, Any]:
    """The answers file as plain data: a mapping of question id to answer, or ValueError."""
    import yaml

    data = path.read_bytes()
    if len(data) > MAX_ANSWERS_BYTES:
        raise ValueError(f"{path}: over the {MAX_ANSWERS_BYTES} byte limit for an answers file")
    try:
        answers = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a YAML mapping of question ids to answers "
                         f"({str(error).splitlines()[0]})") from None
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise ValueError(f"{path}: not a YAML mapping of question ids to answers")
    return answers


def judge_answers(course: Course, learner: str, answers: dict[str, Any],
                  modules: list[str] | None = None) -> list[AnsweredQuestion]:
    """Each of the learner's questions with their answer judged (a missing answer scores 0)."""
    with course.importable():
        from questions import judge

        out = []
        for question, variant in learner_variants(course, learner, modules):
            given = answers.get(question.id)
            verdict = judge(variant, given) if given is not None else None
            correct = bool(verdict and verdict.correct)
            out.append(AnsweredQuestion(
                question.id, variant.text, given, correct,
                verdict.message if verdict else "no answer given",
                verdict.misconception if verdict else None, variant.explanation,
                question.points if correct else 0.0, question.points))
        return out
