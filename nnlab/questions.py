"""A learner's concept questions (questions/): their variant's text, and their answers judged.

The questions live in the course (`questions/<module>.py`, answers from `reference/`); this
module finds a learner's variants with the course's public salt, reads an answers file
(`answers.yml`: question id -> answer) and judges each answer, naming the misconception that
gives a wrong answer where one does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnlab.course import Course
from nnlab.grading.submission import ANSWERS_FILE, MAX_ANSWERS_BYTES

KINDS = ("number", "integer", "shape", "choice")


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
    looks_like: str = ""  # what the class summary counts the misconception as


def answer_in_kind(kind: str, raw: Any, choices: tuple = ()) -> Any:
    """`raw` (as YAML gives it) as an answer of `kind`: a finite float, an int ("13,002" too),
    a tuple of ints ("(30, 30, 32)", "30,30,32" or a list), or one of `choices` (any text when
    none are given); ValueError saying what form is expected otherwise."""
    try:
        return _in_kind(kind, raw, choices)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"expected {_form(kind, choices)}, got {raw!r}"[:200]) from None


def _in_kind(kind: str, raw: Any, choices: tuple) -> Any:
    if isinstance(raw, bool) or raw is None or isinstance(raw, (dict, set)):
        raise ValueError("not a plain answer")
    if kind == "number":
        value = float(raw.strip() if isinstance(raw, str) else raw)
        if not math.isfinite(value):
            raise ValueError("not finite")
        return value
    if kind == "integer":
        value = float(raw.strip().replace(",", "").replace("_", "") if isinstance(raw, str) else raw)
        if not value.is_integer():
            raise ValueError("not whole")
        return int(value)
    if kind == "shape":
        if isinstance(raw, str):
            raw = [part for part in raw.strip().strip("()[]").replace(" ", "").split(",") if part]
        if not isinstance(raw, (list, tuple)) or not raw:
            raise ValueError("not a shape")
        return tuple(_in_kind("integer", part, ()) for part in raw)
    text = str(raw).strip()
    if (choices and text not in choices) or not text:
        raise ValueError("not a choice")
    return text


def _form(kind: str, choices: tuple) -> str:
    return {"number": "a number", "integer": "a whole number", "shape": "a shape such as (30, 30, 32)",
            "choice": "one of " + ", ".join(map(str, choices)) if choices else "one of the choices"}[kind]


def form_words(kind: str) -> str:
    """How an answer of `kind` is written, in words for a learner."""
    return {"choice": "one of the choices shown"}.get(kind) or _form(kind, ())


def learner_variants(course: Course, learner: str, modules: list[str] | None = None) -> list:
    """(question, variant) for each of the course's questions of `modules` (default: all);
    CourseError where the course has no questions/ (a learner's handout)."""
    from nnlab.course import CourseError

    if not (course.root / "questions" / "__init__.py").is_file():
        raise CourseError(f"{course.root} has no questions/: answers are judged when your work is "
                          f"graded; `nnlab check` says whether each has the right form")
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
                question.points if correct else 0.0, question.points,
                verdict.looks_like if verdict else ""))
        return out


QUESTION_TEST = " (question): concept question"  # a question's test name after its id


def question_test_name(question_id: str) -> str:
    """The test name of a concept question in results: "lstm.params (question): concept
    question". Its `function` ("lstm.params (question)") is never a contract function's, so a
    question is its own item in the class summary and never adds to a function's grade cell."""
    return question_id + QUESTION_TEST


def question_of(test_name: str) -> str | None:
    """The question id of a concept question's test name, None for a code test."""
    return test_name[:-len(QUESTION_TEST)] if test_name.endswith(QUESTION_TEST) else None


def question_results(course: Course, learner: str, answers: bytes, modules: list[str],
                     problem: str = "", where: str = ANSWERS_FILE) -> list:
    """The concept questions of `modules` as test results, judged from answers.yml's bytes
    (`where` names the file, or the notebook's answer cells, in what the learner reads); when
    the answers could not be taken or read (`problem`), every question fails saying why. A
    wrong answer that a misconception gives carries it as structure (`diagnosis`, and
    `misconception` for the class summary), as the comparator's diagnosis does for code."""
    from nnlab.grading.compare import DIAGNOSIS
    from nnlab.grading.results import TestResult
    from nnlab.outcome import Outcome

    if not (course.root / "questions" / "__init__.py").is_file():
        return []  # a course without concept questions: nothing to judge the answers against
    try:
        given = {} if problem else parse_answers(answers, where)
    except ValueError as error:
        given, problem = {}, str(error)
    results = []
    for item in judge_answers(course, learner, given, modules):
        if item.correct:
            lines = []
        elif problem or item.given is None:
            lines = [problem or f"no answer to {item.id} in {where}"]
        elif item.misconception:
            lines = [f"your answer {item.given!r} is not right", f"  {DIAGNOSIS}{item.misconception}."]
        else:
            lines = [f"your answer {item.given!r}: {item.message}"]
        if not item.correct:
            lines.append(item.explanation)
        named = bool(item.misconception) and not item.correct
        results.append(TestResult(name=question_test_name(item.id), points=item.max_points,
                                  score=item.points, output="\n".join(lines),
                                  outcome=Outcome.PASSED if item.correct else Outcome.FAILED,
                                  oracle="reference",
                                  diagnosis=item.misconception if named else "",
                                  misconception=(item.looks_like or item.misconception) if named else ""))
    return results


def question_catalogue(course: Course) -> dict[str, Any]:
    """What a learner may know of the questions before grading: each id, module, kind and
    points, no numbers and no answers (nnlab build writes it to exercises/questions.json
    for `nnlab check`)."""
    with course.importable():
        from questions import all_questions

        listed = []
        for question in all_questions(course.graded_modules()):
            kind = question.generate(__import__("random").Random(0)).kind
            listed.append({"id": question.id, "module": question.module, "kind": kind,
                           "points": question.points})
    return {"format": 1, "questions": listed}


def answers_form(answers: Path, catalogue: dict[str, Any]) -> list[str]:
    """One line per problem with the form of a learner's answers file (unknown ids, answers
    not of their question's kind), or one line saying it is well formed. Says nothing of
    whether an answer is right."""
    try:
        given = read_answers(answers)
    except (ValueError, OSError) as error:
        return [str(error)]
    kinds = {q["id"]: q["kind"] for q in catalogue.get("questions", [])}
    problems = []
    for question, raw in given.items():
        if question not in kinds:
            problems.append(f"{question}: not a question of this course")
            continue
        if raw is None:  # left empty (the handout's template): not answered yet
            continue
        try:
            answer_in_kind(kinds[question], raw)
        except ValueError as error:
            problems.append(f"{question}: {error}")
    answered = {q: a for q, a in given.items() if a is not None}
    missing = [q for q in kinds if q not in answered and q.split(".")[0] in {k.split(".")[0] for k in given}]
    if problems:
        return problems
    note = f"; no answer yet to {', '.join(missing)}" if missing else ""
    return [f"{answers.name}: {len(answered)} answer(s), each of the right form (right or wrong is "
            f"told after grading){note}"]


# -- answers in a lab notebook's answer cells -------------------------------------------------

ANSWER_NAME = "answer"  # an answer cell sets it: `answer = 0.105`
NOTEBOOK_CELLS = "the notebook's answer cells"  # where, in a message, notebook answers come from


def cell_answer(source: str) -> Any:
    """The answer an answer cell's text gives, read without running it (the cell is learner
    code): the value of its last top-level `answer = ...` (else of a `lab.answer(id, value)`
    call, else of a lone expression), as plain data: a number, a string, a list of them, or a
    number worked out with + - * / // % ** (`answer = 784 * 16 + 16`). None when there is no
    answer yet (`...`, the stub's `raise NotImplementedError()`, nothing); the expression's own
    text when it is anything else (`np.sqrt(2)`), so the judge says which form is expected."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source.strip()[:200] or None
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == ANSWER_NAME
                                                for t in node.targets):
            found = node.value
    if found is None:
        for node in tree.body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                    and getattr(node.value.func, "attr", getattr(node.value.func, "id", "")) == "answer" \
                    and len(node.value.args) == 2 and not isinstance(node.value.args[1], ast.Name):
                found = node.value.args[1]
    if found is None and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        found = tree.body[0].value
    if found is None:
        return None
    try:
        value = _plain(found)
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return (ast.get_source_segment(source, found) or "")[:200] or "?"
    return None if value is Ellipsis else value


def _plain(node) -> Any:
    """Plain data of an expression: literals, lists and tuples of them, arithmetic on numbers
    (a power's exponent at most 64, numbers at most 1e300: no expression takes long)."""
    import ast
    import operator

    if isinstance(node, ast.Constant) and (node.value is Ellipsis or type(node.value) in (int, float, str)):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) <= 16:
        return [_plain(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _number(_plain(node.operand))
        return -value if isinstance(node.op, ast.USub) else value
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
    if isinstance(node, ast.BinOp) and type(node.op) in ops:
        left, right = _number(_plain(node.left)), _number(_plain(node.right))
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("too large a power")
        value = ops[type(node.op)](left, right)
        if isinstance(value, complex) or abs(value) > 1e300:
            raise ValueError("not a plain number")
        return value
    raise ValueError("not plain data")


def _number(value: Any) -> int | float:
    if type(value) not in (int, float):
        raise TypeError("not a number")
    return value


# -- a learner's texts without the course (handouts, released notebooks) ---------------------

TEXTS_FILE = "question_texts.json"


def learner_key(salt: str, learner: str) -> str:
    """The key of a learner's texts in question_texts.json: a digest of the id with the salt,
    so the file names no learner of the roster."""
    import hashlib
    import hmac

    return hmac.new(salt.encode(), learner.encode(), hashlib.sha256).hexdigest()[:24]


def question_texts(course: Course, learners: list[str], modules: list[str] | None = None) -> dict:
    """question_texts.json: for each learner of a roster (keyed by `learner_key`), each
    question's text with their numbers, kind, choices and points: what a learner needs to
    answer, where the course's questions/ and reference/ are not (a handout, a released
    notebook). No answer, no misconception and no explanation is in it."""
    texts = {}
    for learner in learners:
        texts[learner_key(course.questions.salt, learner)] = {
            question.id: {"text": variant.text, "kind": variant.kind, "choices": list(variant.choices),
                          "points": question.points}
            for question, variant in learner_variants(course, learner, modules)}
    return {"format": 1, "salt": course.questions.salt, "learners": texts}


def texts_for(texts: dict, learner: str) -> dict[str, dict] | None:
    """One learner's questions from a question_texts.json, or None when the roster lacks them."""
    return (texts.get("learners") or {}).get(learner_key(str(texts.get("salt", "")), learner))


def shown_questions(course: Course, learner: str, modules: list[str] | None = None) -> dict[str, dict]:
    """id -> {text, kind, choices, points} of a learner's questions: from the course's
    questions/ where it is (an instructor's checkout), else from a handout's
    exercises/question_texts.json; CourseError saying where to get them otherwise."""
    import json

    from nnlab.course import CourseError

    if (course.root / "questions" / "__init__.py").is_file():
        return {q.id: {"text": v.text, "kind": v.kind, "choices": list(v.choices), "points": q.points}
                for q, v in learner_variants(course, learner, modules)}
    path = course.root / "exercises" / TEXTS_FILE
    mine = texts_for(json.loads(path.read_text(encoding="utf-8")), learner) if path.is_file() else None
    if mine is None:
        raise CourseError(f"no numbers for learner {learner!r} here ({path} "
                          f"{'lacks them' if path.is_file() else 'is missing'}): ask your instructor "
                          f"for your concept questions, and check the id is the one your course uses")
    wanted = set(modules) if modules else None
    return {qid: asked for qid, asked in mine.items() if wanted is None or qid.split(".")[0] in wanted}
