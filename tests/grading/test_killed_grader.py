"""Nothing outlives a killed grader (issue 21, item 7), at every sandbox level this machine offers.

`nnlab grade -j 2` runs for real on a class of slow learners; once both pool processes are
grading (their sandboxed workers are up), the command gets SIGKILL. A few seconds later no
process it started may be left: not the pool processes, not their workers, not what learner
code forked. This test process is a subreaper, so every orphan comes back here to be counted.
"""

from __future__ import annotations

import ctypes
import inspect
import os
import signal
import subprocess
import sys
import time

import pytest

from nnlab import cli
from nnlab.sandbox import levels
from tests.support import ROOT, processes_below, solution_with

LEVELS = levels.available()
SLOW = """
import time as _time
_relu = relu
def relu(x):
    _time.sleep(0.5)
    return _relu(x)
"""


@pytest.fixture
def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of the grader come back here
    yield
    libc.prctl(36, 0, 0, 0, 0)


@pytest.mark.parametrize("level", LEVELS)
def test_kill_9_of_a_parallel_grade_leaves_no_process(tmp_path, subreaper, level):
    classroom = tmp_path / "class"
    for learner in ("ada", "ben", "cleo", "dan"):
        folder = classroom / learner
        folder.mkdir(parents=True)
        (folder / "activations.py").write_text(solution_with("activations", SLOW))
    env = dict(os.environ, **{levels.FORCE_ENV: level, "TMPDIR": str(tmp_path)})
    command = [sys.executable, "-m", "nnlab", "grade", str(classroom), "-j", "2", "--out",
               str(tmp_path / "out"), "--course", str(ROOT / "course.yml")]
    if level == "rlimits" and "allow_weak_sandbox" in inspect.signature(cli.grade).parameters:
        command.append("--allow-weak-sandbox")  # (where nnlab refuses that level for a class)
    # What this test process already had below it (a resource tracker an earlier test's pool
    # left to this process, say) is not the grader's to clean up.
    earlier = {pid for pid, _ in processes_below(os.getpid())}
    grader = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              cwd=tmp_path)
    try:
        # Halfway: both pool processes grading, each with its sandboxed worker (a pool process
        # and at least one process of its worker's chain below it).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and grader.poll() is None:
            below = processes_below(grader.pid)
            pool = [pid for pid, cmd in below if "multiprocessing" in cmd and "resource_tracker" not in cmd]
            if len(pool) == 2 and all(processes_below(p) for p in pool):
                break
            time.sleep(0.2)
        assert grader.poll() is None, grader.stderr.read().decode()[-2000:]
        started = [p for p in processes_below(os.getpid()) if p[0] not in earlier]
        assert len(started) >= 5, started  # the grader, two pool processes, their workers
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 10
    left = [p for p in processes_below(os.getpid()) if p[0] not in earlier]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in processes_below(os.getpid()) if p[0] not in earlier]
    assert left == [], f"processes outlived the killed grader: {left}"
