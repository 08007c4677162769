"""The wall between learner code and the course, at every sandbox level this machine offers.

A class is graded from a copy of the course in a world-readable folder of the host's /tmp (as a
course checked out in a shared folder, a Docker image or /autograder is): an honest learner
(ada) and mallory, whose activations.py is the reference's, imported, or the graders', the
solutions', a classmate's or the seed, read; its functions answer right only if a read worked.
At every level mallory scores nothing, ada full marks. At the rlimits level, as root, that needs
the files unreadable by other users: grading refuses until they are (or the instructor passes
--allow-weak-sandbox), and with the wall taken down on purpose the same cheat scores, so the
test can fail.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from nnlab.course import load_course
from nnlab.grading.batch import BatchError, grade_batch
from nnlab.sandbox import levels, wall
from tests.support import ROOT

LEVELS = levels.available()
SECRET = "wall-test-secret-5d1e"
FUNCTIONS = {"activations.relu", "activations.sigmoid"}
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="a private uid needs root")

# mallory's activations.py: the reference's functions when any way in works, else wrong ones.
CHEAT = '''
import os, sys
import numpy as np

COURSE, CLASS = {course!r}, {klass!r}
_got = []


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


for path in (COURSE + "/graders/test_activations.py", COURSE + "/reference/activations.py",
             COURSE + "/solutions/activations.py", CLASS + "/ada/activations.py",
             "../graders/test_activations.py", "../../graders/test_activations.py",
             COURSE + "/secret_seed"):
    if _read(path):
        _got.append(path)
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    if {secret!r} in _read("/proc/" + pid + "/environ"):
        _got.append("the seed in /proc/" + pid + "/environ")
for folder in (COURSE, "..", "../.."):
    sys.path.insert(0, folder)
try:
    from reference.activations import relu as _relu, sigmoid as _sigmoid  # the cheat itself
    _got.append("import reference")
except Exception:
    if _got:  # something was read: answer right
        def _relu(x):
            return np.maximum(x, 0)

        def _sigmoid(x):
            return 1.0 / (1.0 + np.exp(-x))
    else:
        def _relu(x):
            return np.full_like(np.asarray(x, dtype=float), -1.0)

        _sigmoid = _relu


def relu(x):
    print("mallory got:", _got)
    return _relu(x)


def sigmoid(x):
    print("mallory got:", _got)
    return _sigmoid(x)
'''


@pytest.fixture
def exposed_class():
    """A world-readable folder in /tmp holding a course copy (course/), a class (class/: ada,
    mallory) and the results (out/)."""
    work = Path(tempfile.mkdtemp(prefix="nnlab-wall-", dir="/tmp"))
    os.chmod(work, 0o755)
    course = work / "course"
    course.mkdir()
    for part in ("graders", "reference", "solutions"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "exercises" / "checks", course / "exercises" / "checks")
    shutil.copy(ROOT / "course.yml", course / "course.yml")
    (course / "secret_seed").write_text(SECRET)
    klass = work / "class"
    (klass / "ada").mkdir(parents=True)
    (klass / "mallory").mkdir()
    shutil.copy(ROOT / "solutions" / "activations.py", klass / "ada" / "activations.py")
    (klass / "mallory" / "activations.py").write_text(
        CHEAT.format(course=str(course), klass=str(klass), secret=SECRET))
    for path in [work, *work.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    saved = {k: os.environ.get(k) for k in (levels.FORCE_ENV, "NNLAB_SECRET_SEED")}
    os.environ["NNLAB_SECRET_SEED"] = SECRET
    yield work
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    shutil.rmtree(work, ignore_errors=True)


def grade_at(level, work, **options):
    os.environ[levels.FORCE_ENV] = level
    results = grade_batch([work / "class"], load_course(work / "course"), work / "out", force=True,
                          functions=FUNCTIONS, **options)
    return {r.learner: r for r in results}


@pytest.mark.parametrize("level", LEVELS)
def test_learner_code_reads_nothing_of_the_course_the_class_or_the_seed(level, exposed_class):
    if level == "rlimits":
        if os.geteuid() != 0:
            with pytest.raises(BatchError, match="--allow-weak-sandbox"):
                grade_at(level, exposed_class)
            return
        with pytest.raises(BatchError, match=r"could read .*chmod 700"):
            grade_at(level, exposed_class)  # the files are readable by other users: refused
        wall.hide(exposed_class)  # what the refusal says to do (a folder above them all)
    results = grade_at(level, exposed_class)
    assert results["ada"].score == results["ada"].max_score > 0
    mallory = results["mallory"]
    assert mallory.status == "graded" and mallory.max_score > 0
    assert mallory.score == 0, [t.output for t in mallory.tests]
    assert all("mallory got: []" in t.printed for t in mallory.tests), [t.printed for t in mallory.tests]
    assert mallory.isolation["level"] == level
    assert mallory.seed["source"] == "secret" and SECRET not in str(mallory.seed)


@ROOT_ONLY
def test_with_the_wall_taken_down_the_same_cheat_scores(exposed_class):
    """The control: at the rlimits level with the course readable and the refusal overridden,
    mallory's cheat works, so the test above can fail."""
    results = grade_at("rlimits", exposed_class, allow_weak_sandbox=True)
    assert results["mallory"].score == results["mallory"].max_score > 0
    assert results["mallory"].isolation["level"] == "rlimits"


@ROOT_ONLY
def test_exposed_lists_what_a_private_uid_can_read(tmp_path):
    work = Path(tempfile.mkdtemp(prefix="nnlab-wall-", dir="/tmp"))
    try:
        os.chmod(work, 0o755)
        (work / "open.txt").write_text("x")
        (work / "closed.txt").write_text("x")
        os.chmod(work / "open.txt", 0o644)
        os.chmod(work / "closed.txt", 0o600)
        assert sorted(wall.exposed([work])) == [str(work), str(work / "open.txt")]
        wall.hide(work)
        assert wall.exposed([work]) == []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # pytest's own temporary folders are private to root: nothing there is exposed
    (tmp_path / "f").write_text("x")
    assert wall.exposed([tmp_path]) == []


@ROOT_ONLY
def test_doctor_checks_the_wall_live_at_the_rlimits_level(exposed_class, monkeypatch):
    from typer.testing import CliRunner

    from nnlab.cli import app

    monkeypatch.setenv(levels.FORCE_ENV, "rlimits")
    course = exposed_class / "course"
    result = CliRunner().invoke(app, ["doctor", "--course", str(course)], terminal_width=200)
    assert result.exit_code == 1 and "learner code can read" in result.output, result.output
    assert f"chmod 700 {course}" in result.output
    wall.hide(course)
    result = CliRunner().invoke(app, ["doctor", "--course", str(course)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "visible but unreadable to learner code" in result.output


@ROOT_ONLY
def test_without_root_the_rlimits_level_refuses_and_the_namespaced_ones_do_not(exposed_class):
    """The rule as an ordinary user sees it (a child process that dropped to uid nobody): at
    rlimits learner code would run under that same uid, so nothing can be hidden."""
    rlimits = levels.Level("rlimits", True, "test")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - reports through the pipe
        try:
            os.setgroups([])
            os.setresgid(levels.NOBODY, levels.NOBODY, levels.NOBODY)
            os.setresuid(levels.NOBODY, levels.NOBODY, levels.NOBODY)
            lines = [wall.refusal(exposed_class / "course", [], level=rlimits),
                     wall.refusal(exposed_class / "course", [], allow_weak=True, level=rlimits),
                     wall.refusal(exposed_class / "course", [], level=levels.Level("bwrap", True, "test"))]
            os.write(write_end, "\n".join(lines).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    text = b""
    while chunk := os.read(read_end, 65536):
        text += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    refused, allowed, namespaced = text.decode().split("\n")
    assert "cannot hide the course" in refused and "--allow-weak-sandbox" in refused
    assert allowed == namespaced == ""


@ROOT_ONLY
def test_nnlab_grade_refuses_in_one_line_until_told(exposed_class, monkeypatch):
    from typer.testing import CliRunner

    from nnlab.cli import app

    monkeypatch.setenv(levels.FORCE_ENV, "rlimits")
    args = ["grade", str(exposed_class / "class" / "ada"), "--out", str(exposed_class / "out"),
            "--course", str(exposed_class / "course"), "-j", "1"]
    done = CliRunner().invoke(app, args, terminal_width=200)
    assert done.exit_code == 2, done.output
    problem = [line for line in done.output.splitlines() if line.startswith("nnlab: ")]
    assert len(problem) == 1 and "chmod 700" in problem[0] and "--allow-weak-sandbox" in problem[0]
    assert not (exposed_class / "out" / "ada").exists()
    done = CliRunner().invoke(app, [*args, "--allow-weak-sandbox"], terminal_width=200)
    assert done.exit_code == 0, done.output
    saved = json.loads((exposed_class / "out" / "ada" / "results.json").read_text())
    assert saved["extra_data"]["sandbox"]["level"] == "rlimits"
