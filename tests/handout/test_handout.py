"""`nnlab handout`: what learners get, and nothing hidden in it (folder, zip and wheel)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnlab.handout import (SHARED_WITH_NNLAB, build_handout, colab_cell, hidden_lines, leaks,
                           readme_colab_cell)
from tests.support import ROOT

CHECKED = sorted(p.stem for p in (ROOT / "exercises" / "checks").glob("*.json"))


def test_the_handout_holds_what_a_learner_needs(course, handout):
    folder = handout.folder
    assert folder.name == "nnlab-intro-handout" and handout.archive.name == "nnlab-intro-handout.zip"
    expected = {f"exercises/{m}.py" for m in course.modules} \
        | {f"exercises/checks/{m}.json" for m in CHECKED} \
        | {f"exercises/notebooks/{a.id}.ipynb" for a in course.assignments} \
        | {"exercises/data/digits.npz", "README.md", "course.yml", "requirements.txt",
           f"wheels/{handout.wheel.name}", "exercises/questions.json", "exercises/answers.yml"}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == expected == set(handout.files)
    for rel in expected - {"README.md", "course.yml", "requirements.txt", f"wheels/{handout.wheel.name}",
                           "exercises/answers.yml"}:
        # The same bytes `nnlab build` commits (exercises/ is checked up to date elsewhere).
        assert (folder / rel).read_bytes() == (ROOT / rel).read_bytes(), rel
    with zipfile.ZipFile(handout.archive) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{folder.name}/{rel}" for rel in expected)
        for rel in expected:
            assert archive.read(f"{folder.name}/{rel}") == (folder / rel).read_bytes()
    requirements = (folder / "requirements.txt").read_text()
    assert "--find-links wheels" in requirements and "nnlab==0.1.0" in requirements
    learner_course = (folder / "course.yml").read_text()
    assert "secret_seed_env" not in learner_course and "seconds_per_test" in learner_course
    from nnlab.course import load_course

    assert load_course(folder / "course.yml").limits == course.limits  # nnlab check's limits


def test_the_learner_readme_covers_set_up_check_notebooks_colab_and_submitting(handout):
    readme = (handout.folder / "README.md").read_text()
    assert "{{" not in readme
    for words in ("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt",
                  ".venv\\Scripts\\python -m pip install -r requirements.txt", "Windows", "macOS",
                  "nnlab check", "nnlab check --path exercises/notebooks/a1.ipynb", "Jupyter",
                  "Google Colab", "nnlab grade", "nbgrader submit", "Gradescope", "unsandboxed"):
        assert words in readme, words
    cell = readme_colab_cell(readme)
    assert cell == colab_cell("nnlab-intro-handout")
    compile(cell, "colab-cell", "exec")
    assert "http" not in cell  # nothing fetched but pip's own dependencies


def test_no_solution_region_or_hidden_file_is_in_the_handout(course, handout):
    lines = hidden_lines(course)
    # The scan knows the answers: lines of every solution file's regions and of every hidden file.
    sources = {where for where in lines.values()}
    for solution in (ROOT / "solutions").glob("*.py"):
        if "### BEGIN SOLUTION" in solution.read_text():
            assert f"a solution region of solutions/{solution.name}" in sources, solution.name
    for folder in ("graders", "reference"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            if any(len(line.strip()) > 60 for line in text.splitlines()):
                assert path.relative_to(ROOT).as_posix() in sources, path
    for where in (handout.folder, handout.archive, handout.wheel):
        assert leaks(course, where, lines) == [], where
    with zipfile.ZipFile(handout.wheel) as wheel:
        names = wheel.namelist()
    assert all(n.startswith(("nnlab/", "nnlab-0.1.0.dist-info/")) for n in names), names
    shipped = {n for n in names if n.startswith("nnlab/") and n.endswith(".py")}
    assert shipped == {p.relative_to(ROOT).as_posix() for p in (ROOT / "nnlab").rglob("*.py")}


def test_the_scan_finds_a_leak_in_the_folder_the_zip_and_the_wheel(course, handout, tmp_path):
    lines = hidden_lines(course)
    answer = next(line for line, where in lines.items() if where.endswith("activations.py")
                  and where.startswith("a solution region"))
    folder = tmp_path / "leaky"
    shutil.copytree(handout.folder, folder)
    stub = folder / "exercises" / "activations.py"
    stub.write_text(stub.read_text() + f"\n    {answer}\n")
    shutil.copy(ROOT / "graders" / "test_activations.py", folder / "exercises" / "notes.txt")
    found = leaks(course, folder, lines)
    assert any("exercises/activations.py has a line of a solution region" in f for f in found)
    assert any("exercises/notes.txt has a line of graders/test_activations.py" in f for f in found)
    # A notebook cell, inside a zip.
    notebook = json.loads((folder / "exercises/notebooks/a1.ipynb").read_text())
    notebook["cells"][-1]["source"] = f"x = 1\n{answer}\n"
    archive = tmp_path / "leaky.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("h/exercises/notebooks/a1.ipynb", json.dumps(notebook))
    assert any("a1.ipynb has a line of a solution region" in f for f in leaks(course, archive, lines))
    # A wheel holding the reference, or nnlab code with an answer in it.
    wheel = tmp_path / handout.wheel.name
    shutil.copy(handout.wheel, wheel)
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.write(ROOT / "reference" / "activations.py", "reference/activations.py")
    found = leaks(course, wheel, lines)
    assert any("holds reference/" in f for f in found)
    assert any("reference/activations.py has a line of reference/activations.py" in f for f in found)
    shared = next(iter(SHARED_WITH_NNLAB))
    assert leaks(course, handout.folder, {shared: "graders/x.py"}) == []  # reviewed, in nnlab/ only


def test_one_assignment_and_no_secret_seed(course, handout, tmp_path, monkeypatch):
    monkeypatch.setenv(course.secret_seed_env, "sentinel-secret-seed-4711")
    a1 = build_handout(course, tmp_path, assignment="a1", wheel=handout.wheel)
    assert a1.folder.name == "nnlab-intro-a1" and a1.modules == ["perceptron", "activations"]
    assert {f for f in a1.files if f.startswith("exercises/")} == {
        "exercises/perceptron.py", "exercises/activations.py", "exercises/checks/perceptron.json",
        "exercises/checks/activations.json", "exercises/notebooks/a1.ipynb",
        "exercises/questions.json", "exercises/answers.yml"}  # no data: a1 loads none
    for path in [*a1.folder.rglob("*"), a1.archive]:
        if path.is_file():
            assert b"sentinel-secret-seed-4711" not in path.read_bytes()
    a5 = build_handout(course, tmp_path, assignment="a5", wheel=handout.wheel)
    assert "exercises/data/digits.npz" in a5.files and "exercises/conv.py" in a5.files


def _check(cwd: Path, folder: Path, python=sys.executable) -> str:
    """`nnlab check --path folder` run from `cwd`, with no course package importable unless cwd
    holds it: the learner's side needs neither reference/ nor graders/."""
    code = ("import importlib.util, sys, os; "
            "here = os.path.isdir('reference'); "
            "assert here or importlib.util.find_spec('reference') is None, 'reference importable'; "
            "from nnlab.cli import app; sys.argv = ['nnlab', 'check', '--path', sys.argv[1]]; app()")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNLAB_SANDBOX")}
    env["COLUMNS"] = "100"
    run = subprocess.run([str(python), "-c", code, str(folder)], cwd=cwd, capture_output=True,
                         text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def learner_folders(course, base: Path) -> dict[str, Path]:
    """Solutions, stubs, and a module with a catalogued mistake grafted on, as learner folders."""
    from nnlab.verify import iter_mistakes

    folders = {}
    for kind in ("solutions", "exercises"):
        folders[kind] = base / kind
        folders[kind].mkdir()
        for module in CHECKED:
            shutil.copy(ROOT / kind / f"{module}.py", folders[kind] / f"{module}.py")
    with course.importable():
        mistake = next(m for m in iter_mistakes(course, ["activations"]) if m.target == "activations.sigmoid_grad")
        text = mistake.graft((ROOT / "solutions" / "activations.py").read_text())
    folders["mistake"] = base / "mistake"
    folders["mistake"].mkdir()
    (folders["mistake"] / "activations.py").write_text(text)
    return folders


@pytest.mark.slow
def test_handout_command_line(tmp_path, handout):
    nnlab = [sys.executable, "-m", "nnlab"]
    run = subprocess.run([*nnlab, "handout", "--out", str(tmp_path), "--assignment", "a9"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2 and "no assignment 'a9'" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run = subprocess.run([*nnlab, "handout", "--out", str(tmp_path), "--wheel", str(ROOT / "README.md")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2 and "not an nnlab-*.whl file" in run.stderr
    run = subprocess.run([*nnlab, "handout", "--out", str(tmp_path), "-a", "a2", "--wheel",
                          str(handout.wheel)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    assert "nnlab-intro-a2" in run.stdout and "nothing hidden found" in run.stdout
    assert (tmp_path / "nnlab-intro-a2.zip").is_file()


def test_the_wheel_carries_every_file_the_package_reads(wheel):
    """A wheel-installed nnlab (the handout's) writes feedback.html and the handout README from
    templates: every non-Python file under nnlab/ must be in the wheel, byte for byte."""
    package = ROOT / "nnlab"
    data = {p.relative_to(ROOT).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert any(name.endswith(".j2") for name in data)  # the templates are among them
    with zipfile.ZipFile(wheel) as archive:
        assert data <= set(archive.namelist()), sorted(data - set(archive.namelist()))
        for name in data:
            assert archive.read(name) == (ROOT / name).read_bytes(), name


def test_the_answers_template_and_each_learners_numbers(course, handout, tmp_path):
    """exercises/answers.yml lists every question with an empty answer and its form; `nnlab
    check` in the handout says a filled-in one is well formed; with a roster, `nnlab questions
    ID` in the handout shows that learner the numbers the grader will use, and no answer."""
    import yaml

    from nnlab.questions import learner_variants

    template = (handout.folder / "exercises" / "answers.yml").read_text()
    every = [q.id for q, _ in learner_variants(course, "x")]
    assert yaml.safe_load(template) == dict.fromkeys(every)
    assert "activations.sigmoid_grad:    # a number, 1 point" in template
    assert "nnlab questions" in template
    readme = (handout.folder / "README.md").read_text()
    for words in ("## Concept questions", "nnlab questions YOUR-ID", "exercises/answers.yml",
                  "perceptron.weighted_sum:    # a number, 1 point", "answer = 0.105"):
        assert words in readme, words

    a1 = build_handout(course, tmp_path / "out", assignment="a1", wheel=handout.wheel,
                       learners=["ada", "Ana María"])
    work = a1.folder / "exercises"
    filled = {q.id: v.answer for q, v in learner_variants(course, "ada", ["perceptron", "activations"])}
    filled["activations.elu"] = "minus one"
    (work / "answers.yml").write_text(yaml.safe_dump(filled))
    out = _check(a1.folder, work)
    assert "activations.elu: expected a number, got 'minus one'" in out
    del filled["activations.elu"]
    (work / "answers.yml").write_text(yaml.safe_dump(filled))
    assert "6 answer(s), each of the right form" in _check(a1.folder, work)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COLUMNS"] = "80"
    shown = subprocess.run([sys.executable, "-m", "nnlab", "questions", "Ana María"], cwd=a1.folder,
                           capture_output=True, text=True, env=env, timeout=300)
    assert shown.returncode == 0, shown.stderr
    for question, variant in learner_variants(course, "Ana María", ["perceptron", "activations"]):
        assert question.id in shown.stdout
        assert variant.text.split()[-1] in shown.stdout.replace("\n", " ")
    texts = (work / "question_texts.json").read_text()
    assert "Ana" not in texts and "ada" not in texts.replace("adam", "")  # ids only as digests
    assert "explanation" not in texts and "answer" not in texts
    stranger = subprocess.run([sys.executable, "-m", "nnlab", "questions", "zed"], cwd=a1.folder,
                              capture_output=True, text=True, env=env, timeout=300)
    assert stranger.returncode == 2 and "no numbers for learner 'zed'" in stranger.stderr
