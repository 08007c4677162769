"""The hostile-submission suite (issue 13), at every sandbox level this machine offers.

One class is graded per level, as a batch with `--jobs 2`: an honest classmate (ada), an honest
learner who uses np.random, secrets and hashlib at import time, and one learner per cheat. Each
cheat replaces `activations.relu` with one that answers right only if the cheat worked (it read
the oracle, a classmate, the secret...), so "the cheat gains no point" is "every relu test
fails"; the rest of the submission is the solution, so every other module keeps full marks.
After the batch nothing may be left: no process descending from this test run, no file a
hostile wrote in the host's /tmp, /var/tmp or /dev/shm, nothing in the temp folder the graders
used, no stray results.json, and the secret seed in no output file.

What a weaker level cannot stop is listed in `WEAK`: at the rlimits level the file system and
the network are the host's, so reading the course (its .git, its examples, another clone, a
readable classmate folder) succeeds there; those cases assert that the level says so in
results.json instead. (A seccomp filter refuses IP sockets at every level, so even there no
loopback connection reaches the grader.)
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnlab.grading.runner import grade_batch
from nnlab.sandbox import levels
from nnlab.sandbox.worker import Worker
from tests.support import ROOT, processes_below, solution_with

LEVELS = levels.available()
SECRET = "hostile-suite-secret-7f3a9c"
MARK = "nnlab-hostile-mark"
TARGET = "activations.relu"

# Cheats the worker's seal catches as tampering with its own code (a thread left running could
# rewrite the worker between calls): the module's later tests fail too, named.
TAMPERING = ("a non-daemon thread",)

# The body of `_steal()`: True when the cheat obtained what it must not have.
CHEATS = {
    "oracle via the course's .git": """
import subprocess
out = subprocess.run(["git", "-c", "safe.directory=*", "-C", ROOT, "show", "HEAD:reference/activations.py"],
                     capture_output=True, text=True, timeout=5).stdout
return "def relu" in out""",
    "the reference module by its path": """
return "def relu" in open(ROOT + "/reference/activations.py").read()""",
    "a complete solution elsewhere in the course": """
return "def relu" in open(ROOT + "/examples/class/ada/activations.py").read()""",
    "another clone of the course on the disk": """
return "def relu" in open(CLONE + "/solutions/activations.py").read()""",
    "the course found from the mount table": """
found = False
for line in open("/proc/self/mountinfo"):
    point = line.split()[4]
    while point not in ("", "/"):
        try:
            found |= "def relu" in open(point + "/reference/activations.py").read()
        except OSError:
            pass
        point = os.path.dirname(point)
return found or os.path.exists(ROOT)""",
    "the host's files through /proc/1/root": """
return "def relu" in open("/proc/1/root" + ROOT + "/reference/activations.py").read()""",
    "a classmate in a sibling folder": """
return "def relu" in open(CLASS + "/ada/activations.py").read()""",
    "a classmate graded at the same time (--jobs 2)": """
import glob, time
deadline = time.time() + 2
while time.time() < deadline:
    # (this class's workers keep their folders in TEMP; other folders in the host's /tmp are
    # not this batch's classmates)
    for path in glob.glob(TEMP + "/nnlab-worker-*/learner/*.py") + glob.glob(TEMP + "/*/*.py") \\
            + glob.glob("/proc/[0-9]*/root/learner/activations.py") + glob.glob("/proc/[0-9]*/cwd/activations.py"):
        try:
            text = open(path).read()
        except OSError:
            continue
        if "def relu" in text and MARK not in text:
            return True
    time.sleep(0.05)
return False""",
    "reading /proc/<ppid>/environ and cmdline": """
found = False
for pid in {os.getppid(), GRADER} | {int(p) for p in os.listdir("/proc") if p.isdigit()}:
    for part in ("environ", "cmdline"):
        try:
            text = open(f"/proc/{pid}/{part}", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if "NNLAB_SECRET_SEED" in text or "hostile-suite-secret" in text:
            print("found:", text[:4000])
            found = True
return found""",
    "the worker's own environment and argv": """
text = repr(dict(os.environ)) + repr(sys.argv) + open("/proc/self/cmdline", "rb").read().decode(errors="replace")
return "NNLAB_SECRET_SEED" in text or "hostile-suite-secret" in text""",
    "killing the grader": """
import signal
hit = False
for pid in (os.getppid(), GRADER):
    try:
        os.kill(pid, signal.SIGKILL)
        hit = hit or _grader_like(pid)  # (the sandbox's own init ignores it anyway)
    except OSError:
        pass
return hit""",
    "tracing the grader": """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
hit = False
for pid in (os.getppid(), GRADER):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        hit = hit or _grader_like(pid)
    try:
        open(f"/proc/{pid}/mem", "rb").read(1)
        hit = hit or _grader_like(pid)
    except OSError:
        pass
return hit""",
    "signalling every process it can see": """
import signal
for pid in range(2, 1 << 16):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
return False""",
    "detached children and double forks": """
import time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            while True:
                open(f"/tmp/{MARK}-orphan", "w").write("still here")
                time.sleep(0.1)
        finally:
            os._exit(0)
    os._exit(0)
return False""",
    "a non-daemon thread": """
import threading, time
def linger():
    while True:
        open(f"/tmp/{MARK}-thread", "w").write("still here")
        time.sleep(0.1)
threading.Thread(target=linger, daemon=False).start()
return False""",
    "a loopback connection": """
import socket
with socket.create_connection(("127.0.0.1", PORT), timeout=1) as connection:
    connection.sendall(b"stolen")
return True""",
    "a fake results.json wherever it can reach": """
fake = '{"score": 999, "tests": []}'
wrote = False
for folder in (os.getcwd(), os.environ.get("HOME", "/"), "/tmp", OUT, OUT + "/" + LEARNER, CLASS,
               CLASS + "/" + LEARNER, ROOT, "/"):
    try:
        open(folder + "/results.json", "w").write(fake)
        wrote = wrote or folder.startswith((OUT, CLASS, ROOT))
    except OSError:
        pass
return wrote""",
    "atexit hooks": """
import atexit
atexit.register(lambda: open(f"/tmp/{MARK}-atexit", "w").write("ran"))
atexit.register(lambda: print("SCORE 100/100"))
return False""",
    "ignoring SIGTERM and SIGXCPU while looping": """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGXCPU, signal.SIG_IGN)
while True:
    pass""",
    "a bounded fork flood": """
import time
children = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children += 1
print("forked", children)
return False""",
    "files left in /tmp": """
open(f"/tmp/{MARK}-tmp", "w").write("left behind")
return False""",
    "files left in /var/tmp": """
open(f"/var/tmp/{MARK}-vartmp", "w").write("left behind")
return False""",
    "files left (and a flood) in /dev/shm": """
with open(f"/dev/shm/{MARK}-shm", "wb") as handle:
    try:
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
    except OSError:
        pass
return False""",
    "writing into the worker's own code": """
import glob
for path in glob.glob("/opt/nnlab/worker/*.py") + [ROOT + "/nnlab/sandbox/protocol.py"]:
    try:
        open(path, "a").write("# tampered")
        return True
    except OSError:
        pass
return False""",
}

# Cheats that are extra files (or a link) in the submission, beside an activations.py whose
# relu is wrong: they must be ignored or refused, never run.
FILES = {
    "a numpy.py in the submission": {"numpy.py": "allclose = lambda *a, **k: True\n"
                                                 "def maximum(a, b):\n    return a\n"},
    "a conftest.py in the submission": {"conftest.py": (
        "import pytest\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_call(item):\n"
        "    return True\n")},
    "a sitecustomize.py in the submission": {"sitecustomize.py": (
        "import builtins\nbuiltins.__import__ = None\n")},
    "a symlinked module": {"activations.py": Path(ROOT / "solutions" / "activations.py")},
}

# Cases that would hit this test run itself at the rlimits level without root (no private uid:
# the worker runs as the user running the tests): not graded there.
UNSAFE_WITHOUT_ROOT = {"killing the grader", "signalling every process it can see"}
# What the rlimits level cannot stop (the host's file system and network are shared).
WEAK = {"rlimits": {"oracle via the course's .git", "the reference module by its path",
                    "a complete solution elsewhere in the course", "another clone of the course on the disk",
                    "the course found from the mount table", "a classmate in a sibling folder"}}
if os.geteuid() != 0:  # no private uid: nothing can find a detached child or a stray file
    WEAK["rlimits"] |= {"detached children and double forks", "files left in /tmp", "files left in /var/tmp",
                        "files left (and a flood) in /dev/shm", "a fake results.json wherever it can reach"}


def graded_cases(level):
    unsafe = UNSAFE_WITHOUT_ROOT if level == "rlimits" and os.geteuid() != 0 else set()
    return [c for c in [*CHEATS, *FILES] if c not in unsafe]

HONEST = """
import hashlib
import secrets

import numpy as np

_AT_IMPORT = np.random.default_rng(0).normal(size=3)
_TOKEN = hashlib.sha256(secrets.token_bytes(8)).hexdigest()
_GEN = np.random.default_rng(int(_TOKEN[:8], 16))
"""

TEMPLATE = '''
import os, sys

ROOT, CLASS, CLONE, OUT, TEMP = {root!r}, {klass!r}, {clone!r}, {out!r}, {temp!r}
MARK, LEARNER, PORT, GRADER = {mark!r}, {learner!r}, {port!r}, {grader!r}
_STOLE = []


def _grader_like(pid):
    """Is `pid` nnlab's grader (not the sandbox's own init or supervisor)?"""
    try:
        command = open("/proc/%d/cmdline" % pid, "rb").read()
    except OSError:
        return True  # gone: killed
    return b"worker_main" not in command and b"bwrap" not in command


def _steal():
{body}


def relu(x):
    if not _STOLE:
        try:
            _STOLE.append(bool(_steal()))
        except BaseException:
            _STOLE.append(False)
    x = np.asarray(x)
    return np.maximum(x, 0) if _STOLE[0] else np.full_like(x, -1)
'''


def learner_id(case: str) -> str:
    return "h" + str(sorted([*CHEATS, *FILES]).index(case)).zfill(2)


class Listener:
    """A loopback server in the grader's process: did any worker connect?"""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


def descendants() -> list[str]:
    """Live processes below this test process (orphans come back to it: it is a subreaper),
    but for the process pool's own helper (this test run's resource tracker)."""
    return [f"{pid}: {command!r}" for pid, command in processes_below(os.getpid())
            if "multiprocessing.resource_tracker" not in command]


def marked_files() -> list[str]:
    return [str(p) for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(folder).glob(f"{MARK}*")]


def wait_until_clean(seconds=5.0) -> tuple[list[str], list[str]]:
    deadline = time.monotonic() + seconds
    while True:
        left = descendants(), marked_files()
        if not any(left) or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.fixture(scope="module", autouse=True)
def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of our graders come back here
    yield
    libc.prctl(36, 0, 0, 0, 0)


# The hostile suite grades ~30 submissions at each level: its course copy keeps the relu tests,
# a few other activations tests and the mse tests of losses, so that the suite stays quick.
# Only these functions' tests are graded: the properties here are about the sandbox.
FUNCTIONS = {f"activations.{name}" for name in ("relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
                                                "linear", "linear_grad", "sigmoid", "sigmoid_grad")}
FUNCTIONS |= {"losses.mse", "losses.mse_grad"}


@pytest.fixture(scope="module")
def trimmed_course(fast_course, tmp_path_factory):
    from nnlab.course import load_course
    from tests.support import copy_course

    folder = copy_course(tmp_path_factory.mktemp("course"), names=("course.yml", "graders", "reference"))
    # A course of just these two modules, one assignment each, so whole-assignment grading
    # grades what the class hands in and nothing else.
    text = (folder / "course.yml").read_text()
    (folder / "course.yml").write_text(text[:text.index("assignments:")] + (
        "assignments:\n  - {id: a1, title: Activations, modules: [activations]}\n"
        "  - {id: a2, title: Losses, modules: [losses]}\n"))
    return load_course(folder / "course.yml").model_copy(update={"limits": fast_course.limits})


@pytest.fixture(scope="module", params=LEVELS)
def graded(request, trimmed_course):
    """The whole class graded at one level: {learner: results.json}, and what was left."""
    level = request.param
    work = Path(tempfile.mkdtemp(prefix="nnlab-iso-class-"))
    request.addfinalizer(lambda: shutil.rmtree(work, ignore_errors=True))  # even if setup fails
    os.chmod(work, 0o755)  # a class folder others can read, as on a shared grading host
    klass, clone, out, temp = work / "class", work / "clone", work / "out", work / "temp"
    for folder in (klass, clone / "solutions", out, temp):
        folder.mkdir(parents=True)
        os.chmod(folder, 0o755)
    shutil.copy(ROOT / "solutions" / "activations.py", clone / "solutions" / "activations.py")
    listener = Listener()
    ada = klass / "ada"
    ada.mkdir()
    for module in ("activations", "losses"):
        shutil.copy(ROOT / "solutions" / f"{module}.py", ada / f"{module}.py")
    honest = klass / "honest"
    honest.mkdir()
    (honest / "activations.py").write_text(solution_with("activations", HONEST))
    (honest / "losses.py").write_text(solution_with("losses", HONEST))
    for case in graded_cases(level):
        folder = klass / learner_id(case)
        folder.mkdir()
        shutil.copy(ROOT / "solutions" / "losses.py", folder / "losses.py")
        if case in CHEATS:
            body = "\n".join("    " + line for line in CHEATS[case].strip("\n").splitlines())
            code = TEMPLATE.format(root=str(ROOT), klass=str(klass), clone=str(clone), out=str(out),
                                   temp=str(temp), mark=MARK, learner=folder.name, port=listener.port,
                                   grader=os.getpid(), body=body)
            (folder / "activations.py").write_text(solution_with("activations", code))
        else:
            (folder / "activations.py").write_text(solution_with(
                "activations", "def relu(x):\n    return np.full_like(np.asarray(x), -1)\n"))
            for name, content in FILES[case].items():
                target = folder / name
                if isinstance(content, Path):
                    target.unlink(missing_ok=True)
                    target.symlink_to(content)
                else:
                    target.write_text(content)
    for path in klass.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644, follow_symlinks=False) if not path.is_symlink() else None
    saved = {k: os.environ.get(k) for k in (levels.FORCE_ENV, "NNLAB_SECRET_SEED", "TMPDIR")}
    os.environ.update({levels.FORCE_ENV: level, "NNLAB_SECRET_SEED": SECRET, "TMPDIR": str(temp)})
    tempfile.tempdir = None  # read TMPDIR again
    started = time.monotonic()
    try:
        # (the rlimits level refuses a readable course; WEAK lists what it then lets through)
        results = grade_batch(sorted(klass.iterdir()), trimmed_course, out, jobs=2, force=True,
                              functions=FUNCTIONS, allow_weak_sandbox=level == "rlimits")
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        tempfile.tempdir = None
    seconds = time.monotonic() - started
    processes, files = wait_until_clean()
    listener.close()
    outputs = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    yield {"level": level, "results": {r.learner: r for r in results}, "seconds": seconds,
           "processes": processes, "files": files, "temp_left": sorted(os.listdir(temp)),
           "connections": listener.connections, "outputs": outputs, "class": klass, "root_files":
           [p for p in (ROOT / "results.json", klass / "results.json", Path("/tmp/results.json"))
            if p.exists()]}
    shutil.rmtree(work, ignore_errors=True)
    Path("/tmp/results.json").unlink(missing_ok=True)  # (the rlimits level's uid cleanup covers it)


@pytest.mark.slow
def test_the_batch_finishes_and_leaves_nothing(graded):
    assert set(graded["results"]) == {"ada", "honest"} | {learner_id(c) for c in graded_cases(graded["level"])}
    leftovers_allowed = graded["level"] == "rlimits" and os.geteuid() != 0
    if leftovers_allowed:
        pytest.skip("rlimits without root cannot find what detached children and stray files left")
    assert graded["processes"] == [], "processes outlived grading"
    assert graded["files"] == [], "files left in the host's temp folders"
    assert graded["temp_left"] == [], "worker folders left behind"
    assert graded["root_files"] == [], "a fake results.json outside the output folder"
    for name, content in graded["outputs"].items():
        assert SECRET.encode() not in content, f"the secret seed leaked into {name}"


def test_honest_code_keeps_full_marks_at_every_level(graded):
    for learner in ("ada", "honest"):
        result = graded["results"][learner]
        assert not result.error, result.error
        assert result.score == result.max_score > 0, [t.output[:300] for t in result.tests if not t.passed][:3]
        assert result.isolation["level"] == graded["level"]


@pytest.mark.parametrize("case", [*CHEATS, *FILES])
def test_a_cheat_gains_no_point(graded, case):
    level = graded["level"]
    if case not in graded_cases(level):
        pytest.skip(f"{case}: not tried at {level} without root (it would hit this test run)")
    result = graded["results"][learner_id(case)]
    assert not result.error, result.error
    scores = result.module_scores()
    assert scores["losses"][0] == scores["losses"][1] > 0, "the other module keeps full marks"
    own = [t for t in result.tests if t.function == TARGET]
    stolen = [t.name for t in own if t.passed]
    assert result.isolation.get("level") == level or case == "a symlinked module"
    if case in WEAK.get(level, ()):
        # This level cannot stop it, and says so in every results.json.
        assert "NOT isolated" in result.isolation["filesystem"]
        return
    assert own and not stolen, f"{case}: the cheat worked at level {level}"
    if case in FILES:
        assert set(FILES[case]) & set(result.ignored_files) or case == "a symlinked module"
    others = [t for t in result.tests if t.module == "activations" and t.function != TARGET]
    if case in TAMPERING:
        # The worker's seal sees it: from that call on no test of the module is graded, named.
        assert all("changed the grading sandbox's own code" in t.output for t in own + others
                   if not t.passed)
    elif case != "a symlinked module":
        assert others and all(t.passed for t in others), "only the cheating function loses points"


def test_no_loopback_connection_at_any_level(graded):
    assert graded["connections"] == 0


# -- the grader killed from outside ------------------------------------------------------------

KILLED_GRADER = """
import sys
sys.path.insert(0, {root!r})
from nnlab.course import load_course
from nnlab.grading.runner import grade_submission
course = load_course({root!r} + "/course.yml")
print("grading", flush=True)
grade_submission({folder!r}, course, warn_seed=False)
"""

LINGERING = """
import os
import time

def relu(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                open(f"/tmp/{mark}-killed-grader", "w").write("x")
                time.sleep(0.1)
        os._exit(0)
    open(f"/tmp/{mark}-killed-grader-worker", "w").write("x")
    while True:
        time.sleep(0.1)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_workers_die_with_a_grader_killed_by_sigkill(tmp_path, level):
    if level == "rlimits" and os.geteuid() != 0:
        pytest.skip("rlimits without root has no private uid: a detached child cannot be found")
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "activations.py").write_text(solution_with("activations", LINGERING.format(mark=MARK)))
    env = dict(os.environ, **{levels.FORCE_ENV: level, "TMPDIR": str(tmp_path)})
    script = KILLED_GRADER.format(root=str(ROOT), folder=str(folder))
    grader = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        # The grader, the worker's chain (bwrap and its init, or the namespace's parent and
        # init, or the rlimits supervisor), the server and relu's detached grandchild.
        expected = 4 if level == "rlimits" else 5
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(descendants()) < expected and grader.poll() is None:
            time.sleep(0.2)
        assert grader.poll() is None, grader.stdout.read().decode()[-2000:]
        assert len(descendants()) >= expected, descendants()
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    processes, files = wait_until_clean(10)
    assert processes == [], "workers outlived their grader"
    assert files == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("nnlab-worker-")] == []


# -- a 500 MB reply --------------------------------------------------------------------------------

BIG_REPLY = b"""
import json, os, sys, time
import numpy as np

def forged():
    # Past the worker's own check: a length header of 600 MB written straight to the reply pipe.
    os.write(json.loads(sys.argv[-1])["rep_fd"], (600 * 1024 * 1024).to_bytes(8, "big"))
    time.sleep(30)

def big():
    return np.ones(500_000_000, dtype=np.uint8)

def flat():
    return list(range(5_000_000))

def small():
    return 1
"""


@pytest.mark.parametrize("level", LEVELS)
def test_a_500_mb_reply_is_refused_before_the_parent_reads_it(monkeypatch, level):
    """And a flat list of five million items; and a forged 600 MB length header, refused by the
    parent from those 8 bytes alone."""
    import resource

    from nnlab.course import Limits
    from nnlab.outcome import LearnerFailure

    monkeypatch.setenv(levels.FORCE_ENV, level)
    limits = Limits(seconds_per_test=30, worker_memory_mb=2048)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Worker("learner", {"learner.py": BIG_REPLY}, limits) as worker:
        with pytest.raises(LearnerFailure, match="over the limit for this call"):
            worker.call("big")
        with pytest.raises(LearnerFailure, match="over the limit for this call"):
            worker.call("flat")  # five million items: once 740 MB and 23 s of the parent's
        with pytest.raises(LearnerFailure, match="over this call's limit") as refused:
            worker.call("forged")
        assert refused.value.outcome == "protocol"
        assert worker.call("small").value == 1  # a fresh worker
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the parent grew by {grown_mb:.0f} MB"
