"""The nbgrader course end to end with the real nbgrader (0.9.x) and real kernels.

One assignment (a2, losses) goes through generate_assignment, validate, nbgrader autograde and
export, and `nnlab nbgrader autograde`; every other assignment is checked structurally
(generate_assignment succeeds, the release holds no solution and no hidden test).
"""

from __future__ import annotations

import copy
import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.grading.runner import grade_submission
from nnlab.nbgrader.course import build_course
from nnlab.nbgrader.extract import module_sources
from nnlab.questions import learner_variants, question_test_name

ROOT = Path(__file__).resolve().parents[2]
SEED = "20261201"


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")  # the kernel's nnlab
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # alembic
    env["NNLAB_SECRET_SEED"] = SEED
    return env


def nbgrader(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, env=_env(),
                          capture_output=True, text=True, timeout=600)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


def api_for(folder: Path):
    """nbgrader's own Python API on the course, configured by its nbgrader_config.py (the CLI
    costs an interpreter and nbgrader's imports, seconds each, per command)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    config.CourseDirectory.root = str(folder)
    return NbGraderAPI(CourseDirectory(config=config), config=config), config


@pytest.fixture(scope="module")
def built(tmp_path_factory, course, monkeypatch_module):
    for key, value in _env().items():  # in-process kernels inherit these
        monkeypatch_module.setenv(key, value)
    folder = tmp_path_factory.mktemp("nbgrader-course")
    build_course(course, folder)
    api, _ = api_for(folder)
    for assignment in ("a1", "a2", "a5"):
        done = api.generate_assignment(assignment, force=True)
        assert done["success"], done.get("error") or done.get("log")
    return folder


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_config_and_structure(built, course):
    config = (built / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.course_id = {course.course!r}" in config
    assert "c.Execute.timeout" in config
    for assignment in ("a1", "a2", "a5"):
        release = (built / "release" / assignment / f"{assignment}.ipynb").read_text()
        source = nbformat.read(built / "source" / assignment / f"{assignment}.ipynb", 4)
        assert "BEGIN SOLUTION" not in release and "BEGIN HIDDEN TESTS" not in release
        assert "lab.hidden(" not in release and "raise NotImplementedError" in release
        grades = [c for c in source.cells if (c.metadata.get("nbgrader") or {}).get("grade")]
        assert grades and all(c.metadata["nnlab"]["function"].removesuffix(" (question)") in c.source
                              for c in grades)


def test_every_assignment_is_worth_what_nnlab_grade_gives(built, course):
    """Per assignment, the source notebook's grade cells add up to `nnlab grade`'s full marks
    on the solutions, and each graded name (a1's AND_GATE, OR_GATE, NAND_GATE too) has its own
    grade cell worth that name's points."""
    for assignment in course.assignments:
        path = built / "source" / assignment.id / f"{assignment.id}.ipynb"
        assert path.is_file(), f"{assignment.id} has no nbgrader notebook"
        result = grade_submission(ROOT / "solutions", course, assignment=assignment.id,
                                  warn_seed=False)
        by_name = {}
        for test in result.tests:
            by_name[test.function] = by_name.get(test.function, 0.0) + test.points
        source = nbformat.read(path, 4)
        cells = {c.metadata["nnlab"]["function"]: c.metadata["nbgrader"]["points"]
                 for c in source.cells if (c.metadata.get("nbgrader") or {}).get("grade")}
        # each concept question of the assignment has its grade cell, worth its points
        asked = {question_test_name(q.id).split(":")[0]: q.points
                 for q, _ in learner_variants(course, "x", list(assignment.modules))}
        assert {f: p for f, p in cells.items() if f in asked} == pytest.approx(asked), assignment.id
        code = {f: p for f, p in cells.items() if f not in asked}
        assert code == pytest.approx(by_name), assignment.id
        assert sum(code.values()) == pytest.approx(result.max_score), assignment.id
    a1 = nbformat.read(built / "source" / "a1" / "a1.ipynb", 4)
    graded = {c.metadata["nnlab"]["function"] for c in a1.cells
              if (c.metadata.get("nbgrader") or {}).get("grade")}
    assert {"perceptron.AND_GATE", "perceptron.OR_GATE", "perceptron.NAND_GATE"} <= graded


def _answered(nb, course, student, wrong=()):
    """`nb` with every answer cell answered on `student`'s numbers (the questions in `wrong`
    with their first misconception's answer)."""
    nb = copy.deepcopy(nb)
    variants = {q.id: v for q, v in learner_variants(course, student, ["losses", "gradient_descent"])}
    for cell in nb.cells:
        qid = (cell.metadata.get("nnlab") or {}).get("question")
        if qid:
            value = variants[qid].misconceptions[0].answer if qid in wrong else variants[qid].answer
            cell.source = f"answer = {value!r}\nlab.answer({qid!r}, answer)"
    return nb


def _answers_yml(course, student, wrong=()):
    import yaml

    return yaml.safe_dump({q.id: (v.misconceptions[0].answer if q.id in wrong else v.answer)
                           for q, v in learner_variants(course, student, ["losses", "gradient_descent"])})


def _partial(built):
    """The release with mse and half_sse solved, mse_grad wrong and the rest untouched."""
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    nb = nbformat.read(built / "release" / "a2" / "a2.ipynb", 4)
    for gid in ("losses-mse", "losses-half_sse"):
        _cell(nb, gid).source = _cell(source, gid).source
    _cell(nb, "losses-mse_grad").source = (
        "def mse_grad(y_true, y_pred):\n    return y_pred - y_true  # missing the 2 / size\n")
    return nb


def _tamper(built):
    """Honest mse, and every trick a kernel allows: nnlab's grading functions redefined, NumPy
    patched, a grade cell edited and its points raised, outputs forged."""
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    nb = nbformat.read(built / "release" / "a2" / "a2.ipynb", 4)
    _cell(nb, "losses-mse").source = _cell(source, "losses-mse").source + (
        "\nimport numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n")
    trick = nbformat.v4.new_code_cell("lab.hidden = lambda *a, **k: None\nlab.verdict = lambda q: 1000.0\n"
                                      "import numpy as np\nnp.isclose = lambda *a, **k: True")
    nb.cells.insert(nb.cells.index(_cell(nb, "losses-mse")) + 1, trick)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("grade"):
            meta["points"] = 1000
            cell.source = "1000"
            cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1000"},
                                                   execution_count=1)]
    return nb


def _submit(built, student, nb=None, raw=None, name="a2.ipynb"):
    folder = built / "submitted" / student / "a2"
    folder.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        (folder / name).write_text(raw, encoding="utf-8")
    else:
        nbformat.write(nb, folder / name)
    return folder / name


def _gradebook_scores(built, course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{built / 'gradebook.db'}", course.course) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions("a2")}


def test_validate_fails_the_release(built):
    from nbgrader.validator import Validator

    _, config = api_for(built)
    verdict = Validator(config=config).validate(str(built / "release" / "a2" / "a2.ipynb"))
    assert verdict.get("failed"), verdict
    assert any("does not pass its public checks" in str(f) for f in verdict["failed"]), verdict["failed"][:1]


@pytest.mark.slow
def test_nbgrader_autograde_and_export_then_nnlab_autograde(built, course, tmp_path):
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    _submit(built, "solved", _answered(source, course, "solved"))
    _submit(built, "released", nbformat.read(built / "release" / "a2" / "a2.ipynb", 4))
    # partial: some code, the concept questions answered, one with a misconception's number
    partial = _submit(built, "partial", _answered(_partial(built), course, "partial", {"losses.mse"}))
    done = nbgrader(built, "autograde", "a2", "--force")  # the command line, as an instructor runs it
    assert done.returncode == 0, done.stderr[-3000:]
    by_nbgrader = _gradebook_scores(built, course)
    full = float(sum(c.metadata["nbgrader"]["points"] for c in source.cells
                     if (c.metadata.get("nbgrader") or {}).get("grade")))
    # What `nnlab grade` gives the same code.
    folder = tmp_path / "partial"
    folder.mkdir()
    for module, text in module_sources(partial, release=built / "source" / "a2" / "a2.ipynb").items():
        (folder / f"{module}.py").write_text(text)
    (folder / "answers.yml").write_text(_answers_yml(course, "partial", {"losses.mse"}))
    expected = grade_submission(folder, course, assignment="a2", warn_seed=False).score
    assert 0 < expected < full
    assert by_nbgrader["solved"] == pytest.approx(full)
    assert by_nbgrader["released"] == 0
    assert by_nbgrader["partial"] == pytest.approx(expected)

    # The secure path: the same numbers into the gradebook, and tampering gains nothing.
    _submit(built, "tamper", _tamper(built))
    honest = copy.deepcopy(nbformat.read(built / "release" / "a2" / "a2.ipynb", 4))
    _cell(honest, "losses-mse").source = _cell(source, "losses-mse").source
    folder = tmp_path / "honest"
    folder.mkdir()
    honest_path = tmp_path / "a2.ipynb"
    nbformat.write(honest, honest_path)
    for module, text in module_sources(honest_path, release=built / "source" / "a2" / "a2.ipynb").items():
        (folder / f"{module}.py").write_text(text)
    honest_score = grade_submission(folder, course, assignment="a2", warn_seed=False).score
    _submit(built, "badjson", raw='{"cells": [')
    dup = copy.deepcopy(source)
    dup.cells.insert(0, copy.deepcopy(_cell(source, "losses-mse")))
    _submit(built, "duplicated", dup)
    _submit(built, "renamed", source, name="my_work.ipynb")
    result = CliRunner().invoke(app, ["nbgrader", "autograde", "a2", "--course", str(built),
                                      "--nnlab-course", str(ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    scores = _gradebook_scores(built, course)
    assert scores["solved"] == pytest.approx(full)
    assert scores["released"] == 0
    assert scores["partial"] == pytest.approx(expected)
    assert scores["tamper"] == pytest.approx(honest_score) and honest_score < full
    assert scores["badjson"] == scores["duplicated"] == scores["renamed"] == 0
    assert "invalid JSON" in result.output and "appears twice" in result.output
    assert "my_work.ipynb; rename it" in result.output
    # formgrader's tools read it unchanged: export (nbgrader's and nnlab's numbers agree, so
    # its CSV holds both) and generate_feedback.
    done = nbgrader(built, "export")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader((built / "grades.csv").open()) if r["assignment"] == "a2"}
    assert float(rows["solved"]["score"]) == pytest.approx(full) == float(rows["solved"]["max_score"])
    assert float(rows["released"]["score"]) == 0
    assert float(rows["partial"]["score"]) == pytest.approx(expected)
    assert float(rows["tamper"]["score"]) == pytest.approx(honest_score)
    api, _ = api_for(built)
    done = api.generate_feedback("a2", "partial", force=True)
    assert done["success"], done.get("error") or done.get("log")
    html = next((built / "feedback" / "partial" / "a2").glob("*.html")).read_text()
    assert "mse_grad" in html
    # the question answered with a misconception's number is named in its answer cell's comment
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{built / 'gradebook.db'}", course.course) as gb:
        comment = gb.find_comment("answer-losses-mse", "a2", "a2", "partial").auto_comment
        grade = gb.find_grade("test-question-losses-mse", "a2", "a2", "partial")
        assert grade.auto_score == 0 and grade.max_score == 1
        assert gb.find_grade("test-question-losses-bce", "a2", "a2", "partial").auto_score == 1
    assert "Diagnosis: the sum of squared errors, not their mean" in comment


@pytest.mark.slow
def test_plain_nbgrader_autograde_keeps_the_seed_out_of_the_kernel(built, course):
    """A learner cell printing the kernel's whole environment (and /proc/self/environ) under
    plain `nbgrader autograde`: the secret seed is in neither the autograded notebook nor its
    feedback page, the kernel had the student's own seeds instead, the grades are unchanged,
    and the grade cells name no path of the instructor's machine."""
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    leaky = _answered(source, course, "leaky")
    spy = nbformat.v4.new_code_cell("import os\nprint('ENV', dict(os.environ))\n"
                                    "print('PROC', open('/proc/self/environ', 'rb').read())")
    leaky.cells.insert(leaky.cells.index(_cell(leaky, "losses-mse")) + 1, spy)
    _submit(built, "leaky", leaky)
    done = nbgrader(built, "autograde", "a2", "--student", "leaky", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    done = nbgrader(built, "generate_feedback", "a2", "--student", "leaky", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    graded = (built / "autograded" / "leaky" / "a2" / "a2.ipynb").read_text()
    feedback = "".join(p.read_text() for p in (built / "feedback" / "leaky" / "a2").glob("*.html"))
    assert "ENV" in graded and "NNLAB_LEARNER_SEEDS" in graded  # the spy ran, with derived seeds
    for text in (graded, feedback, done.stdout, done.stderr):
        assert SEED not in text and "NNLAB_SECRET_SEED" not in text
    full = float(sum(c.metadata["nbgrader"]["points"] for c in source.cells
                     if (c.metadata.get("nbgrader") or {}).get("grade")))
    assert _gradebook_scores(built, course)["leaky"] == pytest.approx(full)
    cells = nbformat.reads(graded, 4).cells
    hidden = [c.source for c in cells if (c.metadata.get("nbgrader") or {}).get("grade")]
    assert hidden and all("lab.hidden" in h and "/" not in h for h in hidden), hidden[:1]


def test_nnlab_autograde_grades_every_other_student_when_one_fails(built, course):
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    for student in ("zoë", "bob smith", "carl"):
        _submit(built, student, _answered(source, course, student))
    result = CliRunner().invoke(app, ["nbgrader", "autograde", "a2", "--course", str(built),
                                      "--nnlab-course", str(ROOT / "course.yml"),
                                      "--student", "zoë", "--student", "bob smith",
                                      "--student", "carl"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("bob smith: ") for line in lines) == 1
    full = float(sum(c.metadata["nbgrader"]["points"] for c in source.cells
                     if (c.metadata.get("nbgrader") or {}).get("grade")))
    scores = _gradebook_scores(built, course)
    assert scores["zoë"] == pytest.approx(full) and scores["carl"] == pytest.approx(full)


HOSTILE_NAME = "<img src=x onerror=alert(document.cookie)>.ipynb"


def test_a_hostile_file_name_stays_text_in_nbgrader_feedback(built, course):
    """A notebook handed in under a name that is HTML: nbgrader's generated feedback page (its
    comment and nnlab's note, both rendered from markdown) shows the name as words."""
    from tests.browser import parse

    _submit(built, "imgname", nbformat.read(built / "source" / "a2" / "a2.ipynb", 4),
            name=HOSTILE_NAME)
    from nnlab.nbgrader.autograde import autograde

    (score,) = autograde(course, built, "a2", ["imgname"])
    assert score.score == 0 and HOSTILE_NAME in score.error
    api, _ = api_for(built)
    done = api.generate_feedback("a2", "imgname", force=True)
    assert done["success"], done.get("error") or done.get("log")
    page = next((built / "feedback" / "imgname" / "a2").glob("*.html")).read_text()
    dom = parse(page)
    assert not [a for t, a in dom.elements if "onerror" in a or (t == "img" and a.get("src") == "x")]
    assert HOSTILE_NAME in dom.text


def test_forging_messages_stay_text_in_nbgrader_feedback_in_chromium(built, course):
    """A learner whose mse prints and raises the forging payload (markdown headings, a fake
    score, fake passed tests, a Diagnosis line, live HTML, control characters), autograded by
    nnlab into the gradebook: nbgrader's generated feedback page, opened in headless Chromium,
    has no element or handler from that text, and shows it as words."""
    from tests.browser import open_page
    from tests.reports.test_hostile_outputs import PAYLOAD

    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    forger = copy.deepcopy(source)
    cell = _cell(forger, "losses-mse")
    cell.source += (f"\n\ndef mse(y_true, y_pred):\n    print({PAYLOAD!r})\n"
                    f"    raise ValueError({PAYLOAD!r})\n")
    _submit(built, "forger", forger)
    from nnlab.nbgrader.autograde import autograde

    (score,) = autograde(course, built, "a2", ["forger"])
    assert not score.error and not score.needs_manual
    api, _ = api_for(built)
    done = api.generate_feedback("a2", "forger", force=True)
    assert done["success"], done.get("error") or done.get("log")
    page = next((built / "feedback" / "forger" / "a2").glob("*.html"))
    dom, _ = open_page(page)
    handlers = [(t, a) for t, a in dom.elements if any(k.startswith("on") for k in a)]
    assert handlers == []
    assert not [a for t, a in dom.elements if t == "img" and a.get("src") == "x"]
    assert not any("alert(" in text for text, around in dom.texts
                   if any(tag == "script" for tag, _ in around))
    # The comment shows the message as words: the forged lines are text, not headings or items.
    assert "<script>alert(1)</script>" in dom.text and "**92 of 92 points**" in dom.text
    # nnlab's comment quotes the whole message in a <pre>, as words
    assert "losses.mse raised ValueError: # Feedback for x\n**92 of 92 points**" in \
        dom.text_inside("pre")
    headings = {text.strip() for text, around in dom.texts
                if any(tag in ("h1", "h2", "h3") for tag, _ in around)}
    assert not any("Feedback for x" in h for h in headings)
    assert not any("activations.sigmoid passed" in text for text, around in dom.texts
                   if any(tag == "li" for tag, _ in around))


def test_a_grader_fault_needs_manual_grading_in_the_gradebook(built, course, tmp_path):
    """A grader that breaks on losses.mse (a bug, not the learner's fault): its grade cell needs
    manual grading with no score, never a zero; the other cells keep their scores."""
    from nbgrader.api import Gradebook

    from nnlab.course import load_course
    from nnlab.nbgrader.autograde import autograde
    from tests.support import copy_course

    broken = load_course(copy_course(tmp_path) / "course.yml")
    with (broken.root / "graders" / "test_losses.py").open("a") as handle:
        handle.write('\n\n@pytest.mark.points(1)\ndef test_broken_grader(learner):\n'
                     '    """losses.mse: a grader with a bug"""\n'
                     '    raise RuntimeError("a bug in the grader")\n')
    source = nbformat.read(built / "source" / "a2" / "a2.ipynb", 4)
    _submit(built, "faulty", _answered(source, course, "faulty"))
    (score,) = autograde(broken, built, "a2", ["faulty"])
    assert score.needs_manual and not score.error
    mse = next(c.metadata["nbgrader"]["grade_id"] for c in source.cells
               if (c.metadata.get("nnlab") or {}).get("function") == "losses.mse"
               and (c.metadata.get("nbgrader") or {}).get("grade"))
    with Gradebook(f"sqlite:///{built / 'gradebook.db'}", broken.course) as gb:
        grades = {g.cell.name: g for g in gb.find_submission_notebook("a2", "a2", "faulty").grades}
        assert grades[mse].needs_manual_grade and grades[mse].auto_score is None
        others = [g for name, g in grades.items() if name != mse]
        assert others and all(not g.needs_manual_grade and g.auto_score == g.max_score
                              for g in others)
    result = CliRunner().invoke(app, ["nbgrader", "autograde", "a2", "--course", str(built),
                                      "--nnlab-course", str(broken.root / "course.yml"),
                                      "--student", "faulty"])
    assert result.exit_code == 0 and "needs manual grading" in result.output


def test_one_release_shows_each_student_their_own_numbers(built, course, tmp_path, monkeypatch):
    """With students in the gradebook, the build writes their question texts beside the source
    notebook, generate_assignment releases them with it, and each student's copy of the one
    release shows that student's numbers (by their JupyterHub user, nbgrader's student id)."""
    import shutil

    from nbgrader.api import Gradebook

    from nnlab.nbgrader import lab

    with Gradebook(f"sqlite:///{built / 'gradebook.db'}", course.course) as gb:
        for student in ("ana", "bo"):
            gb.update_or_create_student(student)
    build_course(course, built)
    api, _ = api_for(built)
    done = api.generate_assignment("a2", force=True)
    assert done["success"], done.get("error") or done.get("log")
    texts = (built / "release" / "a2" / "question_texts.json").read_text()
    assert '"ana"' not in texts and "explanation" not in texts
    monkeypatch.delenv("NNLAB_LEARNER", raising=False)
    monkeypatch.delenv("NNLAB_LEARNER_SEEDS", raising=False)
    saved = dict(lab._state)
    try:
        for student in ("ana", "bo"):
            home = tmp_path / student / "a2"  # where `nbgrader fetch_assignment` puts it
            shutil.copytree(built / "release" / "a2", home)
            monkeypatch.chdir(home)
            monkeypatch.setenv("JUPYTERHUB_USER", student)
            lab.start("a2")
            mine = {q.id: v.text for q, v in learner_variants(course, student, ["losses"])}
            assert mine["losses.mse"] in lab.question("losses.mse")._repr_markdown_()
    finally:
        lab._state.clear()
        lab._state.update(saved)
