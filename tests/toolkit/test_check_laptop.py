"""`nnlab check` on a learner's own machine (issue 21, item 8): where it cannot isolate the code
it runs it says so, loudly and once, and it checks only the folder it is run from unless told
`--trust`; what learner code detaches does not outlive it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from nnlab.sandbox import levels
from tests.support import ROOT

NNLAB = [sys.executable, "-m", "nnlab.cli"]
WEAK = "rlimits"  # the level every machine offers, and the one that isolates no file


def check(cwd, *args, level=WEAK):
    env = {**os.environ, levels.FORCE_ENV: level, "COLUMNS": "80"}
    return subprocess.run([*NNLAB, "check", *args, "--course", str(ROOT / "course.yml")], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def learner(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "losses.py").write_bytes((ROOT / "solutions" / "losses.py").read_bytes())
    (folder / "checks").mkdir()  # the public checks, as a learner's copy of exercises/ has them
    (folder / "checks" / "losses.json").write_bytes((ROOT / "exercises" / "checks" / "losses.json").read_bytes())
    (tmp_path / "elsewhere").mkdir()
    return folder


def test_a_weak_level_is_announced_once_and_the_own_folder_checked(learner):
    done = check(learner, "losses.mse", "--path", ".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("WARNING") == 1, done.stderr
    assert "cannot isolate the code it checks" in done.stderr
    assert all(len(line) <= 80 for line in done.stderr.splitlines())
    assert "pass" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_a_folder_outside_the_current_one_needs_trust(learner):
    outside = learner.parent / "elsewhere"
    refused = check(outside, "losses.mse", "--path", str(learner))
    assert refused.returncode == 2
    assert "outside the current folder" in refused.stderr and "--trust" in refused.stderr
    assert "Traceback" not in refused.stderr
    trusted = check(outside, "losses.mse", "--path", str(learner), "--trust")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "pass" in trusted.stdout


def test_a_link_out_of_the_folder_is_not_inside_it(learner):
    os.symlink(learner, learner.parent / "elsewhere" / "link")
    refused = check(learner.parent / "elsewhere", "losses.mse", "--path", "link")
    assert refused.returncode == 2 and "outside the current folder" in refused.stderr


@pytest.mark.parametrize("level", [name for name in levels.available() if name != WEAK])
def test_an_isolating_level_says_nothing_and_checks_anywhere(learner, level):
    done = check(learner.parent / "elsewhere", "losses.mse", "--path", str(learner), level=level)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr


DETACHING = textwrap.dedent("""
    import os, sys, time
    from nnlab.sandbox import orphans

    orphans.adopt_orphans()
    child = os.fork()
    if child == 0:  # learner code: a detached grandchild, then gone
        if os.fork() == 0:
            os.setsid()
            time.sleep(60)
            os._exit(0)
        os._exit(0)
    os.waitpid(child, 0)
    time.sleep(0.3)
    adopted = orphans.children()
    killed = orphans.end_adopted()
    print(len(adopted), len(killed), len(orphans.children()))
""")


def test_a_detached_grandchild_is_adopted_and_ended():
    done = subprocess.run([sys.executable, "-c", DETACHING], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "0"]


def test_the_warning_says_what_the_code_can_reach_without_root(monkeypatch):
    from nnlab.cli import check_isolation_warning

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    text = check_isolation_warning(levels.probe(WEAK))
    assert "runs as you" in text and "~/.ssh" in text and "bubblewrap" in text
    assert all(len(line) <= 79 for line in text.splitlines())
