"""When a result is reused, and when it must not be: the digest covers everything that can
change a grade, another seed never overwrites results, every class file follows a regrade,
files keep the usual umask, and nnlab.grading imports nothing from nnlab.reports.

Grading is limited to one function (`functions=`): these properties are about the batch."""

from __future__ import annotations

import ast
import csv
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.course import load_course
from nnlab.grading.batch import BatchError, grade_batch
from tests.support import ROOT, copy_course

FUNCTIONS = {"activations.sigmoid"}
SEED = "NNLAB_SECRET_SEED"


def _class(folder: Path, variants: dict[str, Path]) -> Path:
    for learner, source in variants.items():
        (folder / learner).mkdir(parents=True)
        (folder / learner / "activations.py").write_bytes(source.read_bytes())
    return folder


@pytest.fixture
def course_copy(tmp_path):
    (tmp_path / "course").mkdir()
    return load_course(copy_course(tmp_path / "course") / "course.yml")


@pytest.fixture
def klass(tmp_path):
    return _class(tmp_path / "class", {"ada": ROOT / "solutions" / "activations.py",
                                       "ben": ROOT / "examples" / "class" / "ben" / "activations.py"})


def _reused(klass, course, out, **options):
    seen = {}
    grade_batch([klass], course, out, functions=FUNCTIONS,
                on_result=lambda r, reused: seen.__setitem__(r.learner, reused), **options)
    return seen


@pytest.mark.parametrize("change", [
    "reference/mistakes/activations.py",  # a new misconception
    "graders/baselines/activations.npz",  # a re-recorded Keras baseline
    "graders/recurrent.py",               # a grader helper no test file names
    "graders/public/activations.py",      # the public cases
])
def test_a_changed_grading_input_regrades_without_force(klass, course_copy, tmp_path, change,
                                                         monkeypatch):
    monkeypatch.setenv(SEED, "a seed")
    out = tmp_path / "out"
    assert _reused(klass, course_copy, out) == {"ada": False, "ben": False}
    assert _reused(klass, course_copy, out) == {"ada": True, "ben": True}
    path = course_copy.root / change
    with path.open("ab") as handle:  # appended bytes: a .py comment, or trailing npz bytes
        handle.write(b"\n# changed\n" if path.suffix == ".py" else b"\0")
    assert _reused(klass, course_copy, out) == {"ada": False, "ben": False}


def test_changed_limits_or_tolerances_regrade(klass, course_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(SEED, "a seed")
    out = tmp_path / "out"
    _reused(klass, course_copy, out)
    looser = course_copy.model_copy(update={"tolerances": course_copy.tolerances.model_copy(
        update={"float64": course_copy.tolerances.float64.model_copy(update={"rtol": 1e-5})})})
    assert _reused(klass, looser, out) == {"ada": False, "ben": False}
    slower = looser.model_copy(update={"limits": looser.limits.model_copy(
        update={"seconds_per_test": looser.limits.seconds_per_test + 1})})
    assert _reused(klass, slower, out) == {"ada": False, "ben": False}
    assert _reused(klass, slower, out) == {"ada": True, "ben": True}


def test_a_run_with_another_seed_does_not_overwrite_results(klass, course, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv(SEED, "the real secret")
    grade_batch([klass], course, out, functions=FUNCTIONS)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    monkeypatch.delenv(SEED)  # a shell that forgot it: the development seed
    with pytest.raises(BatchError) as refused:
        grade_batch([klass], course, out, functions=FUNCTIONS)
    message = str(refused.value)
    assert "\n" not in message and "another seed" in message and "--force" in message
    assert "the real secret" not in message
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    # The command line: one line, exit 2, nothing written.
    done = CliRunner().invoke(app, ["grade", str(klass), "--out", str(out), "--course",
                                    str(ROOT / "course.yml"), "-j", "1"])
    assert done.exit_code == 2 and "another seed" in done.output
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    # Told to: regraded with this seed.
    assert _reused(klass, course, out, force=True) == {"ada": False, "ben": False}
    monkeypatch.setenv(SEED, "the real secret")
    with pytest.raises(BatchError):
        grade_batch([klass], course, out, functions=FUNCTIONS)


def test_every_class_file_follows_a_regrade_of_one_learner(klass, course, tmp_path, monkeypatch):
    monkeypatch.setenv(SEED, "a seed")
    out = tmp_path / "out"
    grade_batch([klass], course, out, functions=FUNCTIONS)
    # ben fixes his sigmoid; only he is regraded, on his own.
    (klass / "ben" / "activations.py").write_bytes((ROOT / "solutions" / "activations.py").read_bytes())
    grade_batch([klass / "ben"], course, out, functions=FUNCTIONS)
    rows = {r["learner"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {"ada", "ben"} and rows["ben"]["total"] == rows["ben"]["maximum"]
    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")}
    assert set(suites) == {"ada", "ben"} and suites["ben"].get("failures") == "0"
    summary = (out / "summary.html").read_text()
    assert "2 learners; 2 with a score" in summary and "mean 100.0%" in summary


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_outputs_keep_the_usual_umask(klass, course, tmp_path, monkeypatch, umask, mode):
    """Files as a plain open() would make them under the umask (a teaching assistant in the
    instructor's group reads them under 027), never forced to 0600; folders likewise."""
    monkeypatch.setenv(SEED, "a seed")
    old = os.umask(umask)
    try:
        out = tmp_path / "out"
        grade_batch([klass], course, out, functions=FUNCTIONS)
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"results.json", "feedback.md", "feedback.html", "grades.csv", "junit.xml",
            "summary.html"} <= {p.name for p in files}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}
    folders = [p for p in out.rglob("*") if p.is_dir()]
    assert folders and {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o777 & ~umask}


def test_grading_imports_nothing_from_reports():
    for path in sorted((ROOT / "nnlab" / "grading").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.ImportFrom) and node.module == "nnlab":
                names += [f"nnlab.{a.name}" for a in node.names]  # from nnlab import reports
            assert not any(n == "nnlab.reports" or n.startswith("nnlab.reports.") for n in names), \
                f"{path.name} imports {names}"
    # and at run time: importing every grading module loads nothing of nnlab.reports
    import subprocess
    import sys

    modules = [f"nnlab.grading.{p.stem}" for p in sorted((ROOT / "nnlab" / "grading").glob("*.py"))
               if p.stem != "__init__"]
    probe = ("import importlib, sys\n"
             f"for name in {modules!r}:\n    importlib.import_module(name)\n"
             "print(sorted(m for m in sys.modules if m.startswith('nnlab.reports')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
