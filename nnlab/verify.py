"""`nnlab verify`: the release gate an instructor runs before handing out an assignment.

1. solutions/ scores full marks (so the graders, the reference and the solutions agree);
2. the generated stubs in exercises/ score zero, every test saying "not implemented yet";
3. every graftable entry of reference/mistakes/ (same-signature and backward-pass), grafted onto
   the solution as a learner would have written it, loses points on its function, and the
   feedback names it;
4. reference/ agrees with the Keras outputs recorded in graders/baselines/;
5. null learners (nnlab.null_learners: zeros of the right shape, a constant, the input echoed,
   random values, the stub, a memorising model, for every contract function) earn nothing
   beyond the documented exceptions;
6. per module, how many points rest on each oracle (what the tests compare with: the reference
   implementation, Keras 3 recorded outputs, a numerical gradient, scikit-learn's score); a
   module whose graders give no points to Keras fails, since the course promises both;
6. every concept question (questions/), over 50 learners' variants: the reference's answer
   scores and each misconception's answer is named.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from nnlab.course import Course
from nnlab.grading.results import ORACLES, TestResult
from nnlab.grading.runner import grade_submission


@dataclass
class Verdict:
    check: str
    ok: bool
    detail: str


def mistake_submission_source(solution_text: str, mistake) -> str:
    """The solution with the target function replaced by the mistake, written out as a learner
    would have written it (its helpers and imports included): see `Mistake.graft`."""
    return mistake.graft(solution_text)


def points_by_oracle(tests: list[TestResult]) -> dict[str, dict[str, float]]:
    """{module: {oracle: points}} over `tests`, oracles in `ORACLES` order (only those used)."""
    by_module: dict[str, dict[str, float]] = {}
    for test in tests:
        by_module.setdefault(test.module, {}).setdefault(test.oracle, 0.0)
        by_module[test.module][test.oracle] += test.points
    order = list(ORACLES)
    return {module: dict(sorted(points.items(), key=lambda kv: (order.index(kv[0])
                                                               if kv[0] in order else len(order))))
            for module, points in by_module.items()}


def oracle_verdicts(tests: list[TestResult]) -> Iterator[Verdict]:
    """One verdict per module: the points resting on each oracle; it fails when none rests on
    Keras's recorded outputs."""
    for module, points in points_by_oracle(tests).items():
        total = sum(points.values())
        detail = ", ".join(f"{ORACLES.get(o, o)} {p:g}" for o, p in points.items())
        keras = points.get("keras", 0.0)
        yield Verdict(f"{module} points by oracle", keras > 0,
                      f"{detail} (of {total:g})"
                      + ("" if keras > 0 else "; no test compares with a recorded Keras output"))


def _grade_folder_copy(course: Course, folder: str, modules: list[str], tmp: Path,
                       record_calls: dict | None = None):
    """Grade a copy of the course's `folder` (solutions/ or exercises/), those modules only."""
    copy = tmp / folder
    copy.mkdir()
    for module in modules:
        shutil.copy(course.root / folder / f"{module}.py", copy / f"{module}.py")
    return grade_submission(copy, course, learner=folder, warn_seed=False, modules=modules,
                            record_calls=record_calls)


def null_learner_verdict(course: Course, modules: list[str], solutions, calls) -> Verdict:
    """Every generated null learner (nnlab.null_learners) earns nothing on its function's
    tests, beyond the documented exceptions, and none meets a grader error."""
    from nnlab.null_learners import describe, earning, null_learner_points

    points, results = null_learner_points(course, modules, solutions=solutions, calls=calls)
    bad = earning(points)
    faults = [f"{r.learner}: {t.name}" for r in results for t in r.tests if t.outcome == "grader_error"]
    faults += [f"{r.learner}: {r.error}" for r in results if r.error]
    detail = (f"{len(points)} null learners over {len(results)} gradings; none earns a point"
              if not bad and not faults else "; ".join(
                  [f"{describe(r)} earns {p:g}" for r, p in bad[:8]] + faults[:3]))
    return Verdict("null learners earn nothing (zeros, a constant, the input echoed, random "
                   "values, the stub, a memorising model)", not bad and not faults, detail)


def iter_mistakes(course: Course, modules: list[str]):
    """The catalogued mistakes of `modules` that can be grafted onto a solution (same-signature
    and backward-pass entries), inside `course.importable()`."""
    from reference.mistakes import MISTAKES

    for mistake in MISTAKES:
        if mistake.graftable and mistake.target.split(".")[0] in modules:
            yield mistake


def verify(course: Course, modules: list[str] | None = None) -> Iterator[Verdict]:
    """Yield a verdict per check, as each finishes."""
    with course.importable():
        yield from _verdicts(course, modules)


def _verdicts(course: Course, modules: list[str] | None) -> Iterator[Verdict]:
    baselines = course.root / "graders" / "baselines"
    if baselines.is_dir() and any(baselines.glob("*.npz")):
        from nnlab.baselines import compare_reference
        disagreements = compare_reference(baselines)
        yield Verdict("reference agrees with the recorded Keras baselines", not disagreements,
                      f"{len(list(baselines.glob('*.npz')))} files" if not disagreements
                      else "; ".join(disagreements[:5]))
    modules = [m for m in (modules or course.graded_modules()) if m in course.graded_modules()]
    with tempfile.TemporaryDirectory(prefix="nnlab-verify-") as tmp:
        calls: dict[str, set[str]] = {}
        result = solutions = _grade_folder_copy(course, "solutions", modules, Path(tmp), calls)
        lost = [t for t in result.tests if not t.passed]
        yield Verdict("solutions score full marks", not lost and not result.error and bool(result.tests),
                      result.error or (f"{result.score:g}/{result.max_score:g}" + "".join(
                          f"\n  {t.name}: {t.output}" for t in lost[:5])))
        yield from oracle_verdicts(result.tests)

        result = _grade_folder_copy(course, "exercises", modules, Path(tmp))
        scored = [t for t in result.tests if t.passed or t.outcome != "not_implemented"]
        yield Verdict("stubs score zero, each test 'not implemented yet'",
                      not scored and not result.error and result.score == 0,
                      result.error or (f"{result.score:g}/{result.max_score:g}" + "".join(
                          f"\n  {t.name}: {t.outcome}" for t in scored[:5])))

        for mistake in iter_mistakes(course, modules):
            folder = Path(tmp) / f"mistake-{mistake.target.replace('.', '-')}-{mistake.name}"
            folder.mkdir()
            module = mistake.target.split(".")[0]
            solution = (course.root / "solutions" / f"{module}.py").read_text(encoding="utf-8")
            (folder / f"{module}.py").write_text(mistake_submission_source(solution, mistake), encoding="utf-8")
            result = grade_submission(folder, course, learner=folder.name, warn_seed=False,
                                      functions={mistake.target})
            own = [t for t in result.tests if t.function == mistake.target and not t.passed]
            named = any(t.diagnosis == mistake.message() for t in own)  # as structure
            detail = (f"lost {sum(t.points for t in own):g} points on {mistake.target}"
                      + ("" if named else "; no feedback names it"))
            if result.error:
                detail = result.error
            yield Verdict(f"mistake {mistake.name} ({mistake.target}) loses points and is named",
                          bool(own) and named and not result.error, detail)

        if solutions.tests and not solutions.error:
            yield null_learner_verdict(course, modules, solutions, calls)
    yield from question_verdicts(course, modules)


QUESTION_LEARNERS = 50  # variants checked per question


def question_verdicts(course: Course, modules: list[str] | None) -> Iterator[Verdict]:
    """One verdict per concept question of `modules`: over 50 learners' variants, the
    reference's answer scores and every misconception's answer (where it differs) is named."""
    with course.importable():
        from questions import all_questions, judge, variant_for

        for question in all_questions(modules or course.graded_modules()):
            wrong = []
            for number in range(QUESTION_LEARNERS):
                variant = variant_for(question, f"verify{number}", course.questions.salt)
                if not judge(variant, variant.answer).correct:
                    wrong.append(f"the answer {variant.answer!r} does not score")
                for misconception in variant.misconceptions:
                    verdict = judge(variant, misconception.answer)
                    if not verdict.correct and verdict.misconception is None:
                        wrong.append(f"{misconception.says!r} is not named")
            yield Verdict(f"question {question.id}: answers score, misconceptions named", not wrong,
                          wrong[0] if wrong else f"{QUESTION_LEARNERS} variants")
