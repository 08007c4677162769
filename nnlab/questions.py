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

from nnlab.grading.submission import MAX_ANSWERS_BYTES


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
    return parse_answers(path.read_bytes(), str(path))


def parse_answers(data: bytes, where: str = "answers.yml") -> dict[str, Any]:
    """answers.yml's bytes as a mapping of question id to answer (YAML's safe loader: plain
    data only), or ValueError naming `where` and what is wrong."""
    import yaml

    if len(data) > MAX_ANSWERS_BYTES:
        raise ValueError(f"{where}: over the {MAX_ANSWERS_BYTES} byte limit for an answers file")
    try:
        answers = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ValueError(f"{where}: not a YAML mapping of question ids to answers "
                         f"({str(error).splitlines()[0]})") from None
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise ValueError(f"{where}: not a YAML mapping of question ids to answers")
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


def question_results(course: Course, learner: str, answers: bytes, modules: list[str],
                     problem: str = "") -> list:
    """The concept questions of `modules` as test results, judged from answers.yml's bytes;
    when the file could not be taken or read (`problem`), every question fails saying why."""
    from nnlab.grading.results import TestResult
    from nnlab.outcome import Outcome

    try:
        given = {} if problem else parse_answers(answers)
    except ValueError as error:
        given, problem = {}, str(error)
    results = []
    for item in judge_answers(course, learner, given, modules):
        if item.correct:
            lines = []
        elif problem or item.given is None:
            lines = [problem or f"no answer to {item.id} in answers.yml"]
        elif item.misconception:
            lines = [f"your answer {item.given!r} is not right"]
        else:
            lines = [f"your answer {item.given!r}: {item.message}"]
        if item.misconception:
            lines.append(f"Diagnosis: {item.misconception}.")
        if not item.correct:
            lines.append(item.explanation)
        results.append(TestResult(name=f"{item.id}: concept question", points=item.max_points,
                                  score=item.points, output="\n".join(lines),
                                  outcome=Outcome.PASSED if item.correct else Outcome.FAILED,
                                  oracle="reference"))
    return results
