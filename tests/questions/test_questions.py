"""Concept questions: per-learner variants, answers from the reference proven against Keras,
wrong answers that name the misconception."""

import itertools
import subprocess
import sys

import pytest

from tests.support import ROOT

KERAS_VARIANTS = 200


@pytest.fixture(scope="module")
def questions(course):
    with course.importable():
        import questions as package

        yield package


def test_at_least_thirty_questions_over_every_module_and_deck(questions):
    found = questions.all_questions()
    assert len(found) >= 30
    assert {q.module for q in found} == set(questions.MODULES)
    assert {q.deck for q in found} == {"000", "001", "002"}
    assert len({q.id for q in found}) == len(found)


def test_each_variant_is_well_formed_its_answer_scores_and_each_misconception_is_named(questions):
    for question in questions.all_questions():
        for learner in (f"learner{i}" for i in range(60)):
            variant = questions.variant_for(question, learner, "salt")
            assert variant.question == question.id and variant.kind in questions.KINDS
            assert variant.text and variant.explanation
            assert questions.judge(variant, variant.answer).correct, (question.id, variant.text)
            if variant.kind == "choice":
                assert variant.answer in variant.choices
            for wrong in variant.misconceptions:
                verdict = questions.judge(variant, wrong.answer)
                if verdict.correct:  # this variant's numbers make the mistake harmless
                    continue
                # named: this misconception, or an earlier one that gives the same number here
                assert verdict.misconception in [m.says for m in variant.misconceptions], \
                    (question.id, variant.text, wrong)
                assert verdict.misconception in verdict.message


def test_answers_in_the_forms_people_write_them(questions):
    shape = questions.Variant("q", "t", "shape", (30, 30, 32), "e")
    for written in ((30, 30, 32), [30, 30, 32], "(30, 30, 32)", "30,30,32", "[30 , 30, 32]"):
        assert questions.judge(shape, written).correct, written
    integer = questions.Variant("q", "t", "integer", 13002, "e")
    assert questions.judge(integer, "13,002").correct and questions.judge(integer, 13002.0).correct
    number = questions.Variant("q", "t", "number", 0.19661193, "e")
    assert questions.judge(number, 0.1966).correct and not questions.judge(number, 0.21).correct
    for bad, kind in (("x", integer), (12.5, integer), (None, number), ("nan", number), (True, number),
                      ({"a": 1}, shape), ("1e400", number)):
        verdict = questions.judge(kind, bad)
        assert not verdict.correct and verdict.message.startswith("not an answer of the right form: expected")


def test_two_learners_get_different_numbers_and_the_grader_finds_each_again(questions, course):
    found = questions.all_questions()
    learners = [f"s{i:03d}" for i in range(100)]
    texts = {learner: tuple(questions.variant_for(q, learner, course.questions.salt).text for q in found)
             for learner in learners}
    assert len(set(texts.values())) == len(learners)  # no two of 100 learners share every variant
    shared = [sum(a == b for a, b in zip(texts[x], texts[y])) for x, y in itertools.combinations(learners, 2)]
    assert max(shared) < len(found) / 2  # and no pair shares even half of them
    assert sum(shared) / len(shared) < len(found) / 5
    for question in found:
        distinct = {texts[learner][found.index(question)] for learner in learners}
        assert len(distinct) >= 8, question.id
    again = [questions.variant_for(q, "s007", course.questions.salt).text for q in found]
    assert tuple(again) == texts["s007"]  # recomputed from the id alone
    other_salt = [questions.variant_for(q, "s007", "another course").text for q in found]
    assert sum(a != b for a, b in zip(other_salt, again)) > len(found) / 2


def test_the_command_judges_an_answers_file_and_names_the_misconception(course, tmp_path):
    from nnlab.questions import learner_variants

    variants = dict(learner_variants(course, "ada", ["conv", "lstm"]))
    answers, expected = {}, {}
    for question, variant in variants.items():
        if question.id == "lstm.params":  # answer with a misconception's number
            wrong = variant.misconceptions[0]
            answers[question.id], expected[question.id] = wrong.answer, wrong.says
        elif question.id != "conv.params":  # left unanswered
            answers[question.id] = list(variant.answer) if isinstance(variant.answer, tuple) else variant.answer
    import yaml

    (tmp_path / "answers.yml").write_text(yaml.safe_dump(answers))
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "questions", "ada", "--answers",
                           str(tmp_path / "answers.yml")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("fail lstm.params") for line in lines)
    assert f"Diagnosis: {expected['lstm.params']}." in done.stdout
    assert any(line.startswith("fail conv.params") and "no answer given" in line for line in lines)
    assert any(line.startswith("pass conv.output_shape") for line in lines)
    (tmp_path / "bad.yml").write_text("- just\n- a list\n")
    bad = subprocess.run([sys.executable, "-m", "nnlab.cli", "questions", "ada", "--answers",
                          str(tmp_path / "bad.yml")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "not a YAML mapping of question ids to answers" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.keras
@pytest.mark.slow
def test_shapes_and_parameter_counts_agree_with_keras(questions):
    """Every shape and parameter-count question, for 200 learners' variants: the model the
    question describes, built in Keras, has the answer's count_params() or output shape."""
    keras = pytest.importorskip("keras")
    built = {}
    checked = 0
    for question in questions.all_questions():
        variants = [questions.variant_for(question, f"k{i}", "keras") for i in range(KERAS_VARIANTS)]
        if variants[0].keras is None:
            continue
        for variant in variants:
            spec = variant.keras
            key = repr(spec)
            if key not in built:
                layers = [getattr(keras.layers, name)(**kwargs) for name, kwargs in spec["layers"]]
                model = keras.Sequential([keras.Input(shape=spec["input"], batch_size=spec.get("batch")), *layers])
                shape = tuple(model.output_shape[1:])
                built[key] = {"params": model.count_params(), "shape": shape,
                              "size": int(__import__("math").prod(shape))}
            got = built[key][spec["check"]]
            expected = variant.answer[-len(got):] if spec["check"] == "shape" and spec.get("batch") is None \
                else variant.answer
            if spec["check"] == "shape" and spec.get("batch") is not None:
                got = (spec["batch"], *got)
            assert got == expected, (question.id, variant.text, got)
            checked += 1
    assert checked >= 10 * KERAS_VARIANTS
