"""Every catalogued mistake, written into a learner's file, loses points on its function and
the feedback names the misconception."""

import pytest

from nnlab.course import load_course
from tests.support import ROOT
from nnlab.grading.runner import grade_submission
from nnlab.verify import mistake_submission_source
from reference.mistakes import MISTAKES

GRADED = tuple(m for m in load_course(ROOT / "course.yml").graded_modules())
CASES = [m for m in MISTAKES if m.graftable and m.target.split(".")[0] in GRADED]


def test_each_graded_module_names_at_least_four_misconceptions():
    """Every graded module catalogues at least four misconceptions over two or more functions
    (backward-pass entries included: their graders call them explicitly)."""
    for module in GRADED:
        own = [m for m in MISTAKES if m.target.startswith(module + ".")]
        assert len(own) >= 4 and len({m.target for m in own}) >= 2, module


@pytest.mark.slow
@pytest.mark.parametrize("mistake", CASES, ids=[f"{m.target}:{m.name}" for m in CASES])
def test_mistake_loses_points_and_is_named(course, tmp_path, mistake):
    module = mistake.target.split(".")[0]
    folder = tmp_path / "learner"
    folder.mkdir()
    solution = (ROOT / "solutions" / f"{module}.py").read_text()
    (folder / f"{module}.py").write_text(mistake_submission_source(solution, mistake))
    result = grade_submission(folder, course, warn_seed=False, functions={mistake.target})
    assert not result.error and not result.grader_errors
    lost = [t for t in result.tests if t.function == mistake.target and not t.passed]
    assert lost, f"{mistake.name} passed every test of {mistake.target}"
    # named as structure (what `nnlab verify` and the class summary read) and in the feedback
    assert any(t.diagnosis == mistake.message() and mistake.message() in t.output for t in lost), \
        [(t.diagnosis, t.output) for t in lost]
