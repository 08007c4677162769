"""Concept questions graded like code: answers.yml beside the module files becomes one test
per question in results.json, with the misconception named and the explanation shown."""

import zipfile

import yaml

from tests.support import ROOT
from nnlab.grading.runner import grade_submission
from nnlab.intake import Entry, load
from nnlab.questions import learner_variants, question_of


def answers_for(course, learner, modules, change=None):
    out = {}
    for question, variant in learner_variants(course, learner, modules):
        out[question.id] = list(variant.answer) if isinstance(variant.answer, tuple) else variant.answer
        if change and question.id in change:
            out[question.id] = change[question.id](variant)
    return out


def questions_of(result):
    return {question_of(t.name): t for t in result.tests if question_of(t.name)}


def test_answers_become_tests_and_a_misconception_is_named(course, tmp_path):
    folder = tmp_path / "lin"
    folder.mkdir()
    (folder / "lstm.py").write_text((ROOT / "solutions" / "lstm.py").read_text())
    answers = answers_for(course, "lin", ["lstm"],
                          {"lstm.params": lambda v: v.misconceptions[0].answer})
    del answers["lstm.hidden_state"]
    (folder / "answers.yml").write_text(yaml.safe_dump(answers))
    result = grade_submission(folder, course, modules=["lstm"])
    asked = questions_of(result)
    assert sorted(asked) == ["lstm.cell_state", "lstm.hidden_state", "lstm.params"]
    assert asked["lstm.cell_state"].passed and asked["lstm.cell_state"].score == 1
    wrong = asked["lstm.params"]
    assert not wrong.passed and "Diagnosis: one gate's parameters instead of four blocks." in wrong.output
    assert "Four blocks" in wrong.output  # the explanation, after grading
    assert "no answer to lstm.hidden_state in answers.yml" in asked["lstm.hidden_state"].output
    assert wrong.diagnosis == "one gate's parameters instead of four blocks" == wrong.misconception
    assert wrong.function == "lstm.params (question)" and wrong.module == "lstm"
    code = [t for t in result.tests if not question_of(t.name)]
    assert code and all(t.passed for t in code)
    assert result.score == result.max_score - 2


def test_another_learner_is_graded_on_their_own_numbers(course, tmp_path):
    """The same answers file is right for one learner and wrong for another with other numbers."""
    answers = answers_for(course, "ana", ["conv"])
    results = {}
    for learner in ("ana", "bo"):
        folder = tmp_path / learner
        folder.mkdir()
        (folder / "conv.py").write_text((ROOT / "solutions" / "conv.py").read_text())
        (folder / "answers.yml").write_text(yaml.safe_dump(answers))
        results[learner] = questions_of(grade_submission(folder, course, modules=["conv"],
                                                         functions={"conv.conv2d_output_size"}))
    assert all(t.passed for t in results["ana"].values())
    assert not all(t.passed for t in results["bo"].values())


def test_an_unreadable_or_linked_answers_file_fails_its_questions_saying_why(course, tmp_path):
    folder = tmp_path / "kim"
    folder.mkdir()
    (folder / "rnn.py").write_text((ROOT / "solutions" / "rnn.py").read_text())
    (folder / "answers.yml").write_text("rnn.params: [unclosed\n")
    asked = questions_of(grade_submission(folder, course, modules=["rnn"], functions={"rnn.rnn_step_forward"}))
    assert asked and all(not t.passed and "not a YAML mapping" in t.output for t in asked.values())
    (folder / "answers.yml").unlink()
    (tmp_path / "elsewhere.yml").write_text(yaml.safe_dump(answers_for(course, "kim", ["rnn"])))
    (folder / "answers.yml").symlink_to(tmp_path / "elsewhere.yml")
    asked = questions_of(grade_submission(folder, course, modules=["rnn"], functions={"rnn.rnn_step_forward"}))
    assert asked and all(not t.passed and "is a link" in t.output for t in asked.values())


def test_a_zip_hand_in_carries_its_answers(course, tmp_path):
    answers = yaml.safe_dump(answers_for(course, "pat", ["xor"]))
    with zipfile.ZipFile(tmp_path / "pat.zip", "w") as archive:
        archive.writestr("pat-work/xor.py", (ROOT / "solutions" / "xor.py").read_text())
        archive.writestr("pat-work/answers.yml", answers)
    submission = load(Entry("pat", tmp_path / "pat.zip", "zip"), course.modules)
    assert submission.answers == answers.encode()
    asked = questions_of(grade_submission(submission, course, modules=["xor"], functions={"xor.xor_forward"}))
    assert len(asked) == 3 and all(t.passed for t in asked.values())


def test_no_answers_file_grades_as_before(course, tmp_path):
    folder = tmp_path / "max"
    folder.mkdir()
    (folder / "rnn.py").write_text((ROOT / "solutions" / "rnn.py").read_text())
    result = grade_submission(folder, course, modules=["rnn"], functions={"rnn.rnn_step_forward"})
    assert not questions_of(result) and result.score == result.max_score


def test_check_says_whether_answers_are_well_formed_not_whether_they_are_right(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "ben"
    folder.mkdir()
    for name in ("activations.py", "answers.yml"):
        (folder / name).write_bytes((ROOT / "examples" / "class" / "ben" / name).read_bytes())
    run = lambda: subprocess.run([sys.executable, "-m", "nnlab.cli", "check", "activations.relu", "--path",  # noqa: E731
                                  str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                                 env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    done = run()
    assert done.returncode == 0, done.stderr
    # ben's answers hold two misconceptions: check says nothing of that, only that the forms are right
    assert "6 answer(s), each of the right form" in done.stdout and "losses.half_sse_grad" in done.stdout
    with (folder / "answers.yml").open("a") as extra:
        extra.write("activations.elu: abc\nlosses.bce: [1, 2]\nfoo.bar: 1\n")
    lines = run().stdout.splitlines()
    assert "activations.elu: expected a number, got 'abc'" in lines
    assert "losses.bce: expected a number, got [1, 2]" in lines
    assert "foo.bar: not a question of this course" in lines
    catalogue = (ROOT / "exercises" / "questions.json").read_text()
    assert "answer" not in catalogue.replace('"kind"', "")  # ids, kinds, points: no answers


def test_a_misconceptions_answer_is_counted_in_the_class_summary_like_a_code_mistake(course, tmp_path):
    """Two learners answer sigmoid_grad's question with the derivative taken at the output, one
    of them also codes it that way: the summary counts the question's misconception (the
    catalogue's own words, as structure) beside the code's."""
    from nnlab.reports.class_summary import misconceptions, summary_html

    solution = (ROOT / "solutions" / "activations.py").read_text()
    at_output = solution.replace("s = sigmoid(x)\n    return s * (1 - s)", "return x * (1 - x)")
    assert at_output != solution
    results = []
    for learner, code in (("ivy", solution), ("jon", at_output), ("kai", solution)):
        folder = tmp_path / learner
        folder.mkdir()
        (folder / "activations.py").write_text(code)
        change = {"activations.sigmoid_grad": lambda v: v.misconceptions[0].answer} if learner != "kai" else {}
        (folder / "answers.yml").write_text(yaml.safe_dump(answers_for(course, learner, ["activations"], change)))
        results.append(grade_submission(folder, course, modules=["activations"],
                                        functions={"activations.sigmoid_grad"}))
    asked = questions_of(results[0])["activations.sigmoid_grad"]
    assert asked.misconception == "x * (1 - x)" and not asked.passed
    assert asked.diagnosis == "your sigmoid_grad looks like x * (1 - x)"
    rows = {(function, looks): (n, d) for function, looks, n, d in misconceptions(results)}
    assert rows[("activations.sigmoid_grad (question)", "x * (1 - x)")] == (2, 3)
    assert rows[("activations.sigmoid_grad", "x * (1 - x)")] == (1, 3)
    page = summary_html(results, "questions")
    assert "activations.sigmoid_grad (question): x * (1 - x)" in page  # the frequency chart's bar


def test_a_notebook_hand_in_is_graded_on_its_answer_cells(course):
    """nia hands in the a2 lab notebook (examples/class): her answers are read from its answer
    cells, on her own numbers; one is a misconception's, one she left as `answer = ...`."""
    result = grade_submission(ROOT / "examples" / "class" / "nia", course,
                              modules=["losses", "gradient_descent"],
                              functions={"losses.mse", "gradient_descent.sgd_step"})
    asked = questions_of(result)
    assert sorted(asked) == ["gradient_descent.adam_first_step", "gradient_descent.momentum",
                             "gradient_descent.step", "losses.bce", "losses.half_sse_grad", "losses.mse"]
    assert [q for q, t in asked.items() if t.passed] == ["losses.bce", "losses.mse", "losses.half_sse_grad",
                                                        "gradient_descent.step"]
    assert asked["gradient_descent.momentum"].misconception == "a plain gradient step that forgets the velocity"
    assert "no answer to gradient_descent.adam_first_step in the notebook's answer cells" \
        in asked["gradient_descent.adam_first_step"].output


def test_the_example_class_answers_in_both_forms_and_the_demo_shows_them(tmp_path):
    """ada and ben hand in answers.yml, nia answers in her lab notebook's cells: `nnlab grade`
    (what `make demo` runs) shows each one's questions right of asked in its table at 80
    columns, and summary.html lists the questions as items and their misconceptions."""
    import shutil
    import subprocess
    import sys

    from tests.browser import open_page

    for learner in ("ada", "ben", "nia"):
        shutil.copytree(ROOT / "examples" / "class" / learner, tmp_path / "class" / learner)
    done = subprocess.run([sys.executable, "-m", "nnlab", "grade", str(tmp_path / "class"), "--out",
                           str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**{k: v for k, v in __import__("os").environ.items()}, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr[-2000:]
    table = {line.split()[0]: line for line in done.stdout.splitlines() if line.split()[:1] in (["ada"], ["ben"], ["nia"])}
    assert "quiz" in done.stdout and all(len(line) <= 80 for line in done.stdout.splitlines())
    assert "13/13" in table["ada"] and "4/13" in table["ben"] and "4/6" in table["nia"]
    page, errors = open_page(tmp_path / "out" / "summary.html")  # as an instructor sees it
    assert not errors
    assert "activations.sigmoid_grad (question)" in page.text
    assert "gradient_descent.momentum (question)" in page.text  # nia's misconception, from her notebook
    assert "a plain gradient step that forgets the velocity" in page.text
