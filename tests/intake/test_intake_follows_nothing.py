"""Intake follows nothing and drops no one (issue 21, item 6): graded for real, as a class.

- a learner folder holding a link to a classmate's a2.ipynb is refused, with one line (it
  once scored the classmate's 110/110), and so is an oversized notebook, before it is parsed;
- "Ana Maria" (LMS exports have spaces) and "zoë" are graded, their results in folders of
  those names, shown as given;
- a class folder holding learner folders and an nbgrader `submitted/` tree grades both.
"""

from __future__ import annotations

import csv
import json
import os

import pytest

from nnlab.grading.batch import grade_batch
from nnlab.grading.submission import MAX_FILE_BYTES, SubmissionError, usable_learner_id
from nnlab.intake import Entry, discover, load
from tests.support import ROOT

MODULES = ["perceptron", "activations", "losses", "gradient_descent"]
RELU = {"activations.relu"}
NOTEBOOK = ROOT / "exercises" / "notebooks" / "a2.ipynb"


def solution(folder, module="activations"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_bytes((ROOT / "solutions" / f"{module}.py").read_bytes())
    return folder


def by_learner(results):
    return {r.learner: r for r in results}


def test_a_linked_notebook_is_refused_on_the_folder_path(tmp_path, fast_course):
    ada = tmp_path / "class" / "ada"
    ada.mkdir(parents=True)
    (ada / "a2.ipynb").write_bytes(NOTEBOOK.read_bytes())
    mallory = tmp_path / "class" / "mallory"
    mallory.mkdir()
    os.symlink(ada / "a2.ipynb", mallory / "a2.ipynb")
    entries, _ = discover([tmp_path / "class"], fast_course.modules)
    with pytest.raises(SubmissionError, match="a2.ipynb is a link") as refused:
        load(next(e for e in entries if e.learner == "mallory"), fast_course.modules)
    assert "\n" not in str(refused.value)
    results = by_learner(grade_batch([tmp_path / "class"], fast_course, tmp_path / "out",
                                     functions={"losses.mse"}))
    assert "is a link" in results["mallory"].error and not results["mallory"].tests
    assert results["ada"].tests and not results["ada"].error


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_an_oversized_notebook_is_refused_before_it_is_read(tmp_path, kind):
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as handle:  # not even JSON (it must never be parsed), and not compressible
        handle.write(b"{" + os.urandom(MAX_FILE_BYTES + 1))
    if kind == "folder":
        folder = tmp_path / "bo"
        folder.mkdir()
        os.replace(big, folder / "a2.ipynb")
        entry = Entry("bo", folder, "folder")
    else:
        import zipfile

        path = tmp_path / "bo.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(big, "a2.ipynb")
        entry = Entry("bo", path, "zip")
    with pytest.raises(SubmissionError, match="over the 1048576 byte limit"):
        load(entry, MODULES)


@pytest.mark.parametrize("name, usable", [
    ("Ana Maria", True), ("zoë", True), ("O'Brien", True), ("李雷", True), ("ada.b-c_d+e@x", True),
    (" ana", False), ("ana ", False), ("Ana  Maria", False), ("bad name!", False), (".hidden", False),
    ("a/b", False), ("tab\there", False), ("new\nline", False), ("zoe\u0308", False), ("", False),
])
def test_learner_ids(name, usable):
    assert usable_learner_id(name) is usable


def test_ana_maria_and_zoe_are_graded_and_shown_as_given(tmp_path, fast_course):
    for name in ("Ana Maria", "zoe\u0308"):  # (the second as macOS writes it)
        solution(tmp_path / "class" / name)
    out = tmp_path / "out"
    results = by_learner(grade_batch([tmp_path / "class"], fast_course, out, functions=RELU))
    assert set(results) == {"Ana Maria", "zo\u00eb"}
    for learner, result in results.items():
        assert not result.error and result.score == result.max_score > 0
        written = json.loads((out / learner / "results.json").read_text(encoding="utf-8"))
        assert learner in json.dumps(written, ensure_ascii=False)
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert {row[0] for row in rows[1:]} >= {"Ana Maria", "zo\u00eb"}


def test_a_class_folder_with_learner_folders_and_a_submitted_tree_grades_both(tmp_path, fast_course):
    classroom = tmp_path / "class"
    for learner in ("ada", "ben"):
        solution(classroom / learner)
    for student in ("cleo", "dan"):
        solution(classroom / "submitted" / student / "a1")
    solution(classroom / "source" / "a1")  # nbgrader's own folder: not a learner
    entries, notes = discover([classroom], fast_course.modules)
    assert [(e.learner, e.kind) for e in entries] == [
        ("ada", "folder"), ("ben", "folder"), ("cleo", "nbgrader"), ("dan", "nbgrader")]
    assert any("source" in n and "nbgrader's own folder" in n for n in notes)
    results = by_learner(grade_batch([classroom], fast_course, tmp_path / "out", functions=RELU))
    assert set(results) == {"ada", "ben", "cleo", "dan"}
    assert all(r.score == r.max_score > 0 for r in results.values())


def test_a_link_inside_an_nbgrader_tree_is_passed_over_with_a_note(tmp_path):
    tree = tmp_path / "submitted"
    solution(tree / "ada" / "a1")
    solution(tmp_path / "elsewhere" / "a1")
    os.symlink(tmp_path / "elsewhere" / "a1", tree / "ada" / "a2")
    entries, notes = discover([tree], MODULES)
    assert [p.name for p in entries[0].parts] == ["a1"]
    assert any("a2" in n and "a link" in n for n in notes)
