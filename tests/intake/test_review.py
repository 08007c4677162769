"""nnlab/intake/review.py: the forbidden-import flag names only what the learner added."""

from pathlib import Path

from nnlab.grading.submission import Submission
from nnlab.intake.review import ALLOWED_IMPORTS, released_imports, review_flags
from tests.support import ROOT

EXERCISES = ROOT / "exercises"


def flags_for(files):
    submission = Submission("ada", Path("."), {name: text.encode() for name, text in files.items()})
    return review_flags(submission, ["conv", "lstm", "activations"], released_imports(EXERCISES))


def test_every_released_stub_handed_back_unchanged_raises_no_flag():
    stubs = {path.name: path.read_text() for path in sorted(EXERCISES.glob("*.py"))}
    # the premise: some stubs import beyond ALLOWED_IMPORTS for their demo cells
    assert any(released_imports(EXERCISES)[name] - ALLOWED_IMPORTS for name in stubs)
    assert flags_for(stubs) == []


def test_an_import_the_learner_added_is_still_flagged():
    conv = (EXERCISES / "conv.py").read_text() + "\nimport os\n"
    assert flags_for({"conv.py": conv}) == ["forbidden import in conv.py: os"]


def test_a_stub_import_counts_only_for_its_own_module():
    """sklearn comes with conv.py's demo cell; in activations.py the learner put it there."""
    activations = (EXERCISES / "activations.py").read_text() + "\nimport sklearn\n"
    assert flags_for({"activations.py": activations}) == [
        "forbidden import in activations.py: sklearn"]


def test_without_the_released_stubs_the_flag_is_as_before():
    submission = Submission("ada", Path("."), {"conv.py": b"import matplotlib.pyplot as plt\n"})
    assert review_flags(submission, ["conv"]) == ["forbidden import in conv.py: matplotlib"]
