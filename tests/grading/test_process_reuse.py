"""What one process keeps between learners (a batch's pool process grades many), and what it
must never keep: grader modules and recorded baselines are reused only while their files are
unchanged and belong to the course being graded; workers started in the background are
stopped even when no test used them."""

import os
import subprocess
import sys

import numpy as np

from nnlab.baselines import recorded_call
from nnlab.baselines.recorded import load_family
from nnlab.baselines.store import read_npz, write_npz
from nnlab.grading.baseline_checks import recorded_cases
from nnlab.grading.compare import Comparator
from nnlab.grading.learner import LearnerProxy
from nnlab.grading.runner import grade_submission
from nnlab.grading.submission import read_submission
from tests.support import ROOT, copy_course

ADDED_TEST = '''

@pytest.mark.points(1)
def test_added_after_the_first_grading(learner):
    """activations.relu: a test added while the process was running"""
    assert learner.activations.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
'''


def _course_copy(tmp_path):
    from nnlab.course import load_course

    (tmp_path / "course").mkdir()
    return load_course(copy_course(tmp_path / "course") / "course.yml")


def _names(result):
    return {t.name for t in result.tests}


def test_grader_modules_are_reused_while_unchanged_and_reimported_once_edited(tmp_path, make_submission):
    folder = make_submission("kim", modules=["activations"])
    copy = _course_copy(tmp_path)
    first = grade_submission(folder, copy, warn_seed=False, modules=["activations"])
    kept = sys.modules.get("test_activations")
    assert kept is not None and kept.__file__.startswith(str(tmp_path / "course"))
    again = grade_submission(folder, copy, warn_seed=False, modules=["activations"])
    assert sys.modules.get("test_activations") is kept  # not imported again for the next learner
    assert [(t.name, t.score) for t in again.tests] == [(t.name, t.score) for t in first.tests]

    grader = tmp_path / "course" / "graders" / "test_activations.py"
    grader.write_text(grader.read_text() + ADDED_TEST)
    edited = grade_submission(folder, copy, warn_seed=False, modules=["activations"])
    added = _names(edited) - _names(first)
    assert len(added) == 1 and "a test added while the process was running" in added.pop()
    assert edited.score == edited.max_score == first.max_score + 1


def test_another_course_folder_never_runs_the_kept_graders(tmp_path, course, make_submission):
    folder = make_submission("lee", modules=["activations"])
    copy = _course_copy(tmp_path)
    grader = tmp_path / "course" / "graders" / "test_activations.py"
    grader.write_text(grader.read_text() + ADDED_TEST)
    in_copy = grade_submission(folder, copy, warn_seed=False, modules=["activations"])
    in_course = grade_submission(folder, course, warn_seed=False, modules=["activations"])
    assert _names(in_copy) - _names(in_course)  # the copy's added test ran in the copy only
    assert sys.modules["test_activations"].__file__ == str(ROOT / "graders" / "test_activations.py")


def test_a_recorded_family_is_read_once_and_again_when_its_file_changes(tmp_path):
    original = ROOT / "graders" / "baselines" / "activations.npz"
    copy = tmp_path / "activations.npz"
    copy.write_bytes(original.read_bytes())
    first = load_family(tmp_path, "activations")
    second = load_family(tmp_path, "activations")
    assert [c.name for c in first] == [c.name for c in second]
    assert first[0].arrays is second[0].arrays  # the same read, shared
    assert not first[0].arrays[next(iter(first[0].arrays))].flags.writeable

    arrays = read_npz(copy)
    case = first[0]
    output = next(iter(case.config["outputs"]))
    arrays[f"{case.name}/{output}"] = arrays[f"{case.name}/{output}"] + 1.0
    write_npz(copy, arrays)
    os.utime(copy, ns=(1, 1))  # a rewrite within the same clock tick still counts as a change
    changed = load_family(tmp_path, "activations")
    assert np.array_equal(changed[0][output], case[output] + 1.0)


def test_the_cases_that_call_a_function_follow_a_re_recorded_file(tmp_path):
    copy = tmp_path / "activations.npz"
    copy.write_bytes((ROOT / "graders" / "baselines" / "activations.npz").read_bytes())
    case = recorded_cases("activations.sigmoid", folder=tmp_path)[0]
    output = recorded_call(case, "activations.sigmoid").output
    assert recorded_cases("activations.sigmoid", folder=tmp_path)[0] is case  # worked out once

    arrays = read_npz(copy)
    arrays[f"{case.name}/{output}"] = arrays[f"{case.name}/{output}"] + 1.0
    write_npz(copy, arrays)
    os.utime(copy, ns=(1, 1))
    again = next(c for c in recorded_cases("activations.sigmoid", folder=tmp_path) if c.name == case.name)
    assert np.array_equal(again[output], case[output] + 1.0)


def test_workers_started_in_the_background_are_stopped_though_no_test_used_them(course):
    submission = read_submission(ROOT / "solutions", course.modules)
    started = []

    class Recording(LearnerProxy):
        def _new_worker(self, module):
            worker = super()._new_worker(module)
            started.append(worker)
            return worker

    proxy = Recording(submission, course.limits, Comparator(course.tolerances))
    proxy.start(["activations", "losses"], wait=False)
    proxy.close()  # waits for the starts, then stops them
    assert sorted(w.module for w in started) == ["activations", "losses"]
    assert all(w.isolation and w.import_failure is None for w in started)  # they really started
    assert all(w.process is None for w in started)  # and were stopped


def test_grading_never_imports_the_authoring_tools():
    """nbformat's schema validator takes about a second to import: graders import
    nnlab.authoring.public_case, which must not pull in jupytext or nbformat."""
    code = ("import sys; from nnlab.course import load_course; "
            "from nnlab.grading.runner import grade_submission; "
            f"c = load_course({str(ROOT / 'course.yml')!r}); "
            f"r = grade_submission({str(ROOT / 'solutions')!r}, c, warn_seed=False, "
            "modules=['losses']); assert r.score == r.max_score > 0, r.summary(); "
            "print(sorted(m for m in ('jupytext', 'nbformat', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
