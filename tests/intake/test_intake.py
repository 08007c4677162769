"""Intake: folders, zips (with every cap), nbgrader trees, odd ids; a bad hand-in costs one learner."""

import os
import zipfile

import pytest

from nnlab.grading.submission import SubmissionError
from nnlab.intake import Entry, ZipLimits, discover, load
from tests.support import ROOT

MODULES = ["activations", "losses", "conv"]
SOURCE = (ROOT / "solutions" / "activations.py").read_bytes()


def make_zip(path, members, mode=0o100644):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def test_a_class_folder_mixes_folders_zips_and_reports_what_it_passes_over(tmp_path):
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "activations.py").write_bytes(SOURCE)
    make_zip(tmp_path / "ben.zip", {"ben/activations.py": SOURCE})
    (tmp_path / ".DS_Store").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    entries, notes = discover([tmp_path], MODULES)
    assert [(e.learner, e.kind) for e in entries] == [("ada", "folder"), ("ben", "zip")]
    assert any(".DS_Store" in n and "dot" in n for n in notes)
    assert any("notes.txt" in n for n in notes)
    ben = load(entries[1], MODULES)
    assert ben.files == {"activations.py": SOURCE}  # the zipped folder's name is stripped


def test_a_non_ascii_id_is_normalised_and_graded(tmp_path):
    decomposed = "zoe\u0308"  # 'zoë' as e + combining diaeresis (what macOS writes)
    (tmp_path / decomposed).mkdir()
    (tmp_path / decomposed / "activations.py").write_bytes(SOURCE)
    (entry,), _ = discover([tmp_path], MODULES)
    assert entry.learner == "zo\u00eb"
    assert load(entry, MODULES).learner == "zo\u00eb"


def test_an_unusable_id_is_an_error_not_a_silence(tmp_path):
    folder = tmp_path / "bad name!"
    folder.mkdir()
    (folder / "activations.py").write_bytes(SOURCE)
    with pytest.raises(SubmissionError, match="not usable as a learner id"):
        load(Entry("bad name!", folder, "folder"), MODULES)


@pytest.mark.parametrize("members, mode, words", [
    ({"../evil.py": b"x"}, 0o100644, "outside the archive"),
    ({"/etc/activations.py": b"x"}, 0o100644, "absolute path"),
    ({"activations.py": b"target"}, 0o120777, "is a link"),
    ({"activations.py": b""}, 0o020644, "device or special file"),
])
def test_hostile_zips_are_refused_with_one_line(tmp_path, members, mode, words):
    path = make_zip(tmp_path / "eve.zip", members, mode)
    with pytest.raises(SubmissionError) as caught:
        load(Entry("eve", path, "zip"), MODULES)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_zip_bomb_is_refused_while_reading(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"activations.py": b"0" * (20 * 1024 * 1024)})
    assert path.stat().st_size < 100_000
    with pytest.raises(SubmissionError, match="zip bomb|inflates"):
        load(Entry("bomb", path, "zip"), MODULES)


def test_zip_member_count_and_garbage_are_refused(tmp_path):
    many = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(30)})
    with pytest.raises(SubmissionError, match="members"):
        load(Entry("many", many, "zip"), MODULES, ZipLimits(max_members=20))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(SubmissionError, match="not a readable .zip"):
        load(Entry("junk", junk, "zip"), MODULES)


def test_a_symlinked_module_is_a_problem_for_that_module_only(tmp_path):
    folder = tmp_path / "sam"
    folder.mkdir()
    (tmp_path / "elsewhere.py").write_bytes(SOURCE)
    os.symlink(tmp_path / "elsewhere.py", folder / "activations.py")
    (folder / "losses.py").write_bytes((ROOT / "solutions" / "losses.py").read_bytes())
    submission = load(Entry("sam", folder, "folder"), MODULES)
    assert "link" in submission.problems["activations"]
    assert list(submission.files) == ["losses.py"]


def test_an_nbgrader_submitted_tree_is_one_learner_per_student(tmp_path):
    for student, assignment, module in [("ada", "a1", "activations"), ("ada", "a2", "losses"),
                                        ("ben", "a1", "activations")]:
        folder = tmp_path / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{module}.py").write_bytes((ROOT / "solutions" / f"{module}.py").read_bytes())
    entries, _ = discover([tmp_path], MODULES)
    assert [(e.learner, e.kind) for e in entries] == [("ada", "nbgrader"), ("ben", "nbgrader")]
    assert sorted(load(entries[0], MODULES).files) == ["activations.py", "losses.py"]


def test_a_notebook_submission_goes_through_nbgrader_extract(tmp_path):
    pytest.importorskip("nnlab.nbgrader.extract",
                        reason="nnlab.nbgrader.extract (notebook intake) is not on this branch yet")
    from nnlab.nbgrader.extract import module_sources  # noqa: F401

    folder = tmp_path / "nia"
    folder.mkdir()
    notebooks = sorted((ROOT / "exercises" / "notebooks").glob("*.ipynb"))
    (folder / notebooks[0].name).write_bytes(notebooks[0].read_bytes())
    submission = load(Entry("nia", folder, "notebooks"), MODULES)
    assert submission.files
