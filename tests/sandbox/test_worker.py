"""The sandboxed worker, driven directly: containment, limits, isolation, plain data only."""

import os

import numpy as np
import pytest

from nnlab.sandbox.protocol import Opaque
from nnlab.course import Limits
from nnlab.outcome import LearnerFailure
from nnlab.sandbox.worker import Worker
from tests.support import ROOT

LIMITS = Limits(seconds_per_test=2, seconds_per_import=5, worker_memory_mb=1024, output_kb=2)

LEARNER = b'''
import os, sys, time
import numpy as np
print("imported")

def double(x):
    return 2 * x

def shout(x):
    print("hello from the learner")
    return x

def flood(x):
    for _ in range(200000):
        print("spam " * 20)
    return x

def spin(x):
    while True:
        pass

def nap(x):
    time.sleep(60)

def leave(x):
    sys.exit(0)

def vanish(x):
    os._exit(7)

def hog(x):
    blocks = []
    while True:
        blocks.append(np.ones(10**7))

def inplace(x):
    x *= 2
    return x

def liar(x):
    class Always:
        def __eq__(self, other):
            return True
    return Always()

def fake_array(x):
    class Fake(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), bool)
    return np.zeros(3).view(Fake)

def forward(x):
    class Cache:
        pass
    cache = Cache()
    cache.x = x
    return 3 * x, cache

def backward(dout, cache):
    return dout * cache.x

def banned():
    import sklearn

def connect():
    import socket
    socket.create_connection(("127.0.0.1", 9), timeout=1)

def look(path):
    return sorted(os.listdir(path))

def identity():
    return [os.getuid(), os.environ.get("HOME"), os.environ.get("OPENBLAS_NUM_THREADS"),
            sorted(k for k in os.environ if k.startswith("NNLAB"))]

def write_big(n):
    with open(os.path.join(os.environ["HOME"], "big"), "wb") as f:
        f.write(b"x" * n)
    return n

def apply(f, x):
    return f(x)
'''


@pytest.fixture
def worker():
    with Worker("learner", {"learner.py": LEARNER}, LIMITS) as w:
        w.start()
        assert w.import_failure is None
        yield w


def test_calls_return_plain_data(worker):
    result = worker.call("double", (np.arange(3.0),))
    assert isinstance(result.value, np.ndarray) and result.value.tolist() == [0, 2, 4]
    assert worker.call("double", (np.float32(1.5),)).value == np.float32(3.0)


def test_prints_are_captured_per_call_and_capped(worker):
    assert worker.call("shout", (1,)).stdout == "hello from the learner\n"
    for _ in range(50):  # each call's prints belong to that call, never to the next one
        assert worker.call("shout", (1,)).stdout == "hello from the learner\n"
        assert worker.call("double", (1,)).stdout == ""
    flood = worker.call("flood", (1,))
    assert flood.value == 1
    assert len(flood.stdout) < 3000 and "more bytes of output dropped" in flood.stdout
    assert worker.call("double", (1,)).stdout == ""


@pytest.mark.parametrize("name, kind, words", [
    ("spin", "timeout", "did not finish within 2 s"),
    ("nap", "timeout", "did not finish within 2 s"),
    ("vanish", "crash", "exited with status 7"),
    ("leave", "failed", "raised SystemExit"),
])
def test_runaway_calls_are_contained_and_the_next_call_works(worker, name, kind, words):
    with pytest.raises(LearnerFailure) as failure:
        worker.call(name, (1,))
    assert failure.value.outcome == kind and words in failure.value.message
    assert worker.call("double", (2,)).value == 4  # a fresh worker if the old one died


def test_memory_bomb_hits_the_address_space_limit():
    with Worker("learner", {"learner.py": LEARNER}, Limits(seconds_per_test=30, worker_memory_mb=512)) as w:
        with pytest.raises(LearnerFailure) as failure:
            w.call("hog", (1,))
        assert failure.value.outcome == "failed" and "MemoryError" in failure.value.message
        assert "the sandbox allows 512 MB" in failure.value.message
        assert w.call("double", (2,)).value == 4


def test_in_place_changes_are_reported(worker):
    result = worker.call("inplace", (np.ones(2),))
    assert result.mutated == ["x"]
    assert worker.call("double", (np.ones(2),)).mutated == []


def test_objects_never_cross_only_handles(worker):
    liar = worker.call("liar", (1,)).value
    assert isinstance(liar, Opaque) and liar.type_name == "Always"
    fake = worker.call("fake_array", (1,)).value
    assert type(fake) is np.ndarray and not (fake == np.ones(3)).all()
    out, cache = worker.call("forward", (np.array([1.0, 2.0]),)).value
    assert isinstance(cache, Opaque) and out.tolist() == [3, 6]
    assert worker.call("backward", (np.array([1.0, 1.0]), cache)).value.tolist() == [1, 2]


def test_learner_functions_can_be_passed_by_name(worker):
    from nnlab.sandbox.protocol import FunctionRef

    assert worker.call("apply", (FunctionRef("learner.double"), 5)).value == 10


def test_banned_libraries_fail_with_a_clear_message(worker):
    with pytest.raises(LearnerFailure, match="may not import sklearn: the course asks for NumPy only"):
        worker.call("banned")


def test_isolation_where_the_os_allows(worker):
    if not worker.isolation.get("network"):
        pytest.skip("this OS does not allow a private network namespace")
    with pytest.raises(LearnerFailure) as failure:
        worker.call("connect")
    assert "Permission denied" in failure.value.message  # (seccomp: no IP sockets at any level)
    reference = str(ROOT / "reference")
    assert os.listdir(reference)  # the parent sees the oracle...
    if worker.isolation["pid_namespace"]:
        with pytest.raises(LearnerFailure, match="FileNotFoundError"):
            worker.call("look", (reference,))  # ...the learner does not
    uid, home, threads, nnlab_vars = worker.call("identity").value
    assert threads == "1" and nnlab_vars == [] and home.endswith("tmp")
    if os.geteuid() == 0:
        assert uid == worker.isolation["worker_uid"] != 0


def test_file_size_limit(worker):
    assert worker.call("write_big", (1000,)).value == 1000
    with pytest.raises(LearnerFailure) as failure:
        worker.call("write_big", (LIMITS.worker_file_mb * 1024 * 1024 + 1,))
    assert failure.value.outcome in ("crash", "failed")


def test_import_failures_are_remembered_and_explained():
    cases = {
        b"def f(:\n    pass\n": "SyntaxError",
        b"import os\nos._exit(3)\n": "exited with status 3",
        b"raise SystemExit(1)\n": "SystemExit",
        b"while True:\n    pass\n": "code at the top level of the file runs at import",
        b"import tensorflow\n": "may not import tensorflow",
    }
    for source, words in cases.items():
        with Worker("learner", {"learner.py": source}, Limits(seconds_per_import=2)) as w:
            w.start()
            assert w.import_failure is not None and words in w.import_failure.message, source
            with pytest.raises(LearnerFailure, match="could not be imported|did not finish"):
                w.call("f")
            assert w.starts == 1  # not restarted for every call


def test_learner_proxy_calls_methods_of_learner_objects():
    """Objects a learner makes (a model, say) stay in the worker; graders call their methods."""
    from nnlab.grading.compare import Comparator
    from nnlab.grading.learner import LearnerProxy
    from nnlab.grading.submission import Submission

    source = b'''
class Counter:
    def __init__(self, start):
        self.count_ = start
    def add(self, n):
        self.count_ += n
        return self
'''
    submission = Submission(learner="ada", path=".", files={"model.py": source})
    proxy = LearnerProxy(submission, LIMITS, Comparator())
    try:
        counter = proxy.model.Counter(3)
        assert isinstance(counter, Opaque) and counter.type_name == "Counter"
        again = proxy.method(counter, "add", 4)
        assert isinstance(again, Opaque)
        assert proxy.attribute(counter, "count_") == 7
        with pytest.raises(LearnerFailure, match="losses.py is not in this submission"):
            proxy.losses.mse(1, 2)
        with pytest.raises(LearnerFailure, match="raised AttributeError"):
            proxy.attribute(counter, "missing")
    finally:
        proxy.close()


HONEST_RANDOMNESS = """
import hashlib
import secrets

import numpy as np

_AT_IMPORT = np.random.default_rng(0).normal(size=3)
_TOKEN = hashlib.sha256(secrets.token_bytes(8)).hexdigest()


def draw(seed):
    return np.random.default_rng(seed).normal(size=4)
"""


def test_honest_code_may_use_numpy_random_secrets_and_hashlib():
    """The MLP and init exercises need np.random in the worker, at import time and in calls."""
    import numpy as np

    with Worker("activations", {"activations.py": HONEST_RANDOMNESS.encode()}, LIMITS) as w:
        w.start()
        assert w.import_failure is None, w.import_failure
        value = w.call("draw", (7,)).value
    np.testing.assert_array_equal(value, np.random.default_rng(7).normal(size=4))


GRADER_FUNCTIONS = b"""
import numpy as np


def descend(grad_fn, w0, lr, n_steps):
    w = np.array(w0, dtype=float)
    for _ in range(n_steps):
        w = w - lr * grad_fn(w)
    return w


def shuffled(n, rng):
    return rng.permutation(n), rng
"""


def test_grader_functions_and_generators_cross_into_the_worker():
    """A grader sends a function (compiled in the worker) and a Generator (by its state)."""
    from nnlab.sandbox.protocol import GraderFunction

    bowl = GraderFunction("bowl", "def bowl(w):\n    return np.array([10.0, 0.1]) * w\n")
    with Worker("learner", {"learner.py": GRADER_FUNCTIONS}, LIMITS) as w:
        w.start()
        assert w.import_failure is None, w.import_failure
        value = w.call("descend", (bowl, np.array([1.0, 1.0]), 0.05, 3)).value
        np.testing.assert_allclose(value, [0.125, 0.985074875])
        order, back = w.call("shuffled", (5, np.random.default_rng(7))).value
    np.testing.assert_array_equal(order, np.random.default_rng(7).permutation(5))
    assert isinstance(back, np.random.Generator)  # the worker's advanced generator, by value
    assert back.integers(1 << 30) == _advanced(7).integers(1 << 30)


def _advanced(seed):
    rng = np.random.default_rng(seed)
    rng.permutation(5)
    return rng


def test_a_worker_runs_worker_mains_bytecode_only_while_it_matches_the_source(tmp_path):
    """pip compiles nnlab's modules when it installs the wheel; a worker then runs
    worker_main's bytecode (no compiling at each start), never a stale one."""
    import py_compile

    from nnlab.sandbox.worker import WORKER_MAIN, compiled_main

    copy = tmp_path / "worker_main.py"
    copy.write_bytes(WORKER_MAIN.read_bytes())
    assert compiled_main(copy) == "worker_main.py"  # none compiled
    py_compile.compile(str(copy), doraise=True)
    assert compiled_main(copy).startswith("__pycache__/worker_main.") and compiled_main(copy).endswith(".pyc")
    copy.write_bytes(WORKER_MAIN.read_bytes() + b"# changed\n")  # another size: stale
    assert compiled_main(copy) == "worker_main.py"
    # The real worker, at this machine's level, from its compiled worker_main.
    py_compile.compile(str(WORKER_MAIN), doraise=True)
    assert compiled_main(WORKER_MAIN).endswith(".pyc")
    with Worker("learner", {"learner.py": LEARNER}, LIMITS) as worker:
        worker.start()
        assert any(str(arg).endswith(".pyc") for arg in worker.process.args)
        assert worker.call("double", (np.arange(3.0),)).value.tolist() == [0.0, 2.0, 4.0]
