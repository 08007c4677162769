"""graders/test_conv.py grades fairly: the solution and a plain-loop implementation score full
marks, fay's typical mistakes lose points with each misconception named, and a learner whose
code is too slow is told which call ran out of time and how long it was given.

(Every catalogued conv mistake, backward passes included, is grafted and graded in
tests/grading/test_mistakes_named.py.)
"""

import time

import pytest

from reference.mistakes import mistakes_for
from tests.support import ROOT, grade_cleanly, learner_folder

SOLUTION = (ROOT / "solutions" / "conv.py").read_text()
LOOPS = (ROOT / "tests" / "graders" / "loop_conv.py").read_text()
FAY = (ROOT / "examples" / "class" / "fay" / "conv.py").read_text()


def grade(course, tmp_path, source, name="learner", functions=None):
    folder = learner_folder(tmp_path / name, "conv", source)
    started = time.perf_counter()
    result = grade_cleanly(folder, course, functions)
    return result, time.perf_counter() - started


def lost(result):
    return [f"{t.name}: {t.output}" for t in result.tests if not t.passed]


def test_solution_scores_full_marks(course, tmp_path):
    result, seconds = grade(course, tmp_path, SOLUTION)
    assert result.tests and result.score == result.max_score, lost(result)
    print(f"solution: {result.score:g}/{result.max_score:g} in {seconds:.2f} s")


def test_plain_loop_implementation_scores_full_marks(course, tmp_path):
    """Four nested loops per convolution pass and a scan of every pooling window pass every test
    inside the course's time limits."""
    result, seconds = grade(course, tmp_path, LOOPS)
    assert result.score == result.max_score, lost(result)
    functions = {t.function for t in result.tests}
    assert {"conv.conv2d_forward", "conv.conv2d_backward", "conv.maxpool2d_forward",
            "conv.maxpool2d_backward"} <= functions
    # (how much room the loops leave under the per-call limit is measured, not asserted:
    # benchmarks/plain_loop_headroom.py)
    print(f"loops: {result.score:g}/{result.max_score:g} in {seconds:.2f} s")


FAY_MISCONCEPTIONS = {
    "conv.conv2d_output_size": "conv2d_output_size_missing_plus_one",
    "conv.conv2d_forward": "conv2d_forward_same_pad_split_evenly",
    "conv.conv2d_backward": "conv2d_backward_batch_averaged",
    "conv.maxpool2d_forward": "maxpool2d_forward_same_zero_pad",
    "conv.maxpool2d_backward": "maxpool2d_backward_every_tied_maximum",
    "conv.flatten_forward": "flatten_forward_channels_first",
    "conv.cnn_forward": "cnn_forward_channels_first_flatten",
}


def test_fay_loses_points_with_each_misconception_named(course, tmp_path):
    result, _ = grade(course, tmp_path, FAY, name="fay")
    assert 0 < result.score < result.max_score
    for target, name in FAY_MISCONCEPTIONS.items():
        mistake = next(m for m in mistakes_for(target) if m.name == name)
        failed = [t for t in result.tests if t.function == target and not t.passed]
        assert failed, f"fay lost no points on {target}"
        assert any(mistake.message() in t.output for t in failed), (target, [t.output for t in failed])
    # the one thing fay gets right
    assert all(t.passed for t in result.tests if t.function == "conv.flatten_backward")


# A learner whose forward pass is right and whose backward pass is a catalogued mistake: the
# forward keeps its arguments as the cache, the backward hands them to the mistaken gradient.
SLOW_ON_FLOAT32 = '''

_right_cnn_forward = cnn_forward


def cnn_forward(x, weights):
    if x.dtype == np.float32:  # far too slow, but only here
        while True:
            pass
    return _right_cnn_forward(x, weights)
'''


def test_too_slow_call_is_named_with_its_time_limit(fast_course, tmp_path):
    result, _ = grade(fast_course, tmp_path, SOLUTION + SLOW_ON_FLOAT32,
                      functions={"conv.cnn_forward"})
    slow = [t for t in result.tests if not t.passed]
    assert [t.name for t in slow] == ["conv.cnn_forward: float32 stays float32"]
    limit = fast_course.limits.seconds_per_test
    assert slow[0].outcome == "timeout"
    assert f"conv.cnn_forward did not finish within {limit:g} s" in slow[0].output, slow[0].output
    # the worker is restarted for the next test: the other tests still pass
    assert sum(t.passed for t in result.tests) == len(result.tests) - 1
