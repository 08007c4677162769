"""The rules that cost points cannot be rewritten by learner code (issue 21, item 4), at every
sandbox level this machine offers.

A rule-breaking activations.py (relu changes its argument in place, sigmoid overflows) is
graded plain, then with an attack added:

- the rewrap: four lines that wrap the worker's own `Server.call` to report no changes and no
  warnings (once 81 -> 92/92). The worker's seal sees its code replaced and says so: the
  module's tests fail, named, so the attack costs points instead of gaining them;
- the hijack: learner code that takes over the worker's whole request loop (nothing of the
  worker's code replaced, so no seal can see it) and answers every request with "no changes,
  no warnings". The arguments' data are measured by the parent on memory it shares with the
  worker, so relu still loses its points for the change in place.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.course import Limits
from nnlab.outcome import LearnerFailure
from nnlab.sandbox import levels
from nnlab.sandbox.worker import Worker
from tests.support import grade_cleanly, learner_folder, solution_with

LEVELS = levels.available()
FUNCTIONS = {"activations.relu", "activations.sigmoid"}

RULE_BREAKING = """
def relu(x):
    np.maximum(x, 0, out=x)  # in place: the caller's array changes
    return x

def sigmoid(x):
    return 1 / (1 + np.exp(-x))  # overflows for large negative x
"""

REWRAP = """
import sys as _sys
_Server = _sys.modules["__main__"].Server
_call = _Server.call
def _quiet(self, *args, **kwargs):
    reply = _call(self, *args, **kwargs)
    reply["mutated"], reply["warnings"] = [], []
    return reply
_Server.call = _quiet
"""

HIJACK = """
import sys as _sys

def _take_over():
    frame = _sys._getframe()
    while frame is not None and type(frame.f_locals.get("self")).__name__ != "Server":
        frame = frame.f_back
    server = frame.f_locals["self"]
    p = server.p
    p.write_message(server.rep_fd, {"ok": True, "value": None}, [])  # "imported"
    while True:
        try:
            header, blobs = p.read_message(server.req_fd)
        except EOFError:
            _sys.exit(0)
        out = []
        try:
            reply = server.handle(header, blobs, out)
        except BaseException as error:
            reply, out = {"ok": False, "error": server.describe(error)}, []
        reply["mutated"], reply["warnings"] = [], []
        _sys.stdout.flush()
        p.write_message(server.rep_fd, reply, out)

_take_over()
"""


def grade(tmp_path, name, course, extra):
    folder = learner_folder(tmp_path / name, "activations",
                            solution_with("activations", RULE_BREAKING + extra))
    return grade_cleanly(folder, course, functions=FUNCTIONS)


@pytest.mark.parametrize("level", LEVELS)
def test_the_rewrap_attack_gains_nothing(tmp_path, monkeypatch, fast_course, level):
    monkeypatch.setenv(levels.FORCE_ENV, level)
    plain = grade(tmp_path, "plain", fast_course, "")
    in_place = [t for t in plain.tests if t.function == "activations.relu" and not t.passed]
    overflow = [t for t in plain.tests if "without overflow" in t.name]
    assert in_place and all("in place" in t.output for t in in_place)
    assert overflow and not any(t.passed for t in overflow)
    assert all("NumPy warned" in t.output for t in overflow)
    assert 0 < plain.score < plain.max_score

    rewrapped = grade(tmp_path, "rewrap", fast_course, REWRAP)
    assert rewrapped.score <= plain.score, "the rewrap gained points"
    assert rewrapped.max_score == plain.max_score
    assert all("changed the grading sandbox's own code" in t.output and "Server.call" in t.output
               for t in rewrapped.tests if not t.passed)
    assert rewrapped.score == 0  # caught at import: no test of the module is graded
    assert "Server.call" in rewrapped.isolation["tampered"]["activations"]
    assert any(f.startswith("tampered with the grading sandbox") for f in rewrapped.flags)
    assert "tampered" not in plain.isolation and not any("tampered" in f for f in plain.flags)


@pytest.mark.parametrize("level", LEVELS)
def test_a_hijacked_request_loop_still_loses_the_in_place_points(tmp_path, monkeypatch, fast_course, level):
    monkeypatch.setenv(levels.FORCE_ENV, level)
    hijacked = grade(tmp_path, "hijack", fast_course, HIJACK)
    relu = [t for t in hijacked.tests if t.function == "activations.relu"]
    assert relu and not any(t.passed for t in relu), [t.output[:200] for t in relu]
    assert all("modified its argument x in place" in t.output for t in relu)


TAMPERING = b"""
import sys, threading, time
import numpy as np

def honest(x):
    return x * 2

def shadow_the_method():
    server = sys._getframe(1).f_locals["self"]
    server.call = lambda *a, **k: {"ok": True, "value": 0, "mutated": [], "warnings": []}
    return 1

def replace_a_protocol_function():
    sys.modules["_nnlab_protocol"].encode = lambda *a, **k: 0
    return 1

def patch_numpy_errstate():
    np.errstate = lambda **k: __import__("contextlib").nullcontext()
    return 1

def leave_a_thread():
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    return 1

def patch_a_builtin():
    import builtins
    builtins.isinstance = lambda a, b: False
    return 1
"""

HONEST_AT_IMPORT = b"""
import warnings
import numpy as np
np.seterr(all="ignore")
warnings.filterwarnings("ignore")
warnings.simplefilter("ignore", RuntimeWarning)

def overflow(x):
    return np.exp(x)

def inplace(x):
    x += 1
    return x

def keep(x):
    return x.copy()
"""


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name, label", [
    ("shadow_the_method", "the server's attributes"),
    ("replace_a_protocol_function", "protocol.encode"),
    ("patch_numpy_errstate", "numpy.errstate"),
    ("leave_a_thread", "a thread of learner code"),
    ("patch_a_builtin", "builtins.isinstance"),
])
def test_tampering_with_the_worker_is_flagged_and_ends_its_grading(monkeypatch, level, name, label):
    monkeypatch.setenv(levels.FORCE_ENV, level)
    with Worker("learner", {"learner.py": TAMPERING}, Limits(seconds_per_test=10)) as worker:
        assert worker.call("honest", (2,)).value == 4
        with pytest.raises(LearnerFailure, match="changed the grading sandbox's own code") as failure:
            worker.call(name)
        assert label in failure.value.message
        assert any(label in t for t in worker.tampered)
        with pytest.raises(LearnerFailure, match="no further test of learner.py is graded"):
            worker.call("honest", (2,))


@pytest.mark.parametrize("level", LEVELS)
def test_honest_code_that_silences_warnings_at_import_is_not_tampering(monkeypatch, level):
    """np.seterr and warnings filters at import change settings, not the worker's code: no flag,
    and the worker still sees NumPy's warnings (it restores NumPy's defaults for each call)."""
    monkeypatch.setenv(levels.FORCE_ENV, level)
    with Worker("learner", {"learner.py": HONEST_AT_IMPORT}, Limits(seconds_per_test=10)) as worker:
        result = worker.call("overflow", (np.array([1000.0]),))
        assert result.warnings and "overflow" in result.warnings[0]
        changed = worker.call("inplace", (np.ones(3),), {})
        assert changed.mutated == ["x"] and changed.mutated_at == [0]
        nested = worker.call("inplace", (), {"x": np.zeros(2)})
        assert nested.mutated == ["x"] and nested.mutated_at == ["x"]
        assert worker.call("keep", (np.ones(3),)).mutated == []
        assert worker.tampered == []


# -- memory across a worker's children (issue 21, item 5) ---------------------------------------

FORKING = b"""
import os, time
import numpy as np

def children_holding(count, mb):
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            hoard = np.ones(mb * 1024 * 1024 // 8)  # touched: really resident
            time.sleep(1.5)  # all of them at once
            os._exit(0 if hoard.sum() > 0 else 1)
        pids.append(pid)
    return sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0 for pid in pids)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_a_workers_children_share_one_memory_bound(monkeypatch, level):
    """Each child stays under RLIMIT_AS (512 MB) with 300 MB; four of them are 1.2 GB, over the
    worker's 512 MB. Where a memory cgroup is offered, they cannot all hold it."""
    from nnlab.sandbox.cgroup import MemoryCgroup

    probe = MemoryCgroup.create(512)
    if probe is None:
        pytest.skip("no memory cgroup on this machine: RLIMIT_AS x RLIMIT_NPROC is the bound")
    probe.remove()
    monkeypatch.setenv(levels.FORCE_ENV, level)
    with Worker("learner", {"learner.py": FORKING}, Limits(seconds_per_test=30, worker_memory_mb=512)) as worker:
        assert worker.call("children_holding", (1, 50)).value == 1  # honest forking works
        assert "children together (a memory cgroup)" in worker.isolation["memory"]
        try:
            held = worker.call("children_holding", (4, 300)).value
        except LearnerFailure as failure:  # the worker itself was the one the kernel ended
            assert failure.outcome == "crash", failure.message
        else:
            assert held < 4, "four children held 1.2 GB in a worker bounded to 512 MB"
