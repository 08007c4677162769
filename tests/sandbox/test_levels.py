"""Choosing the sandbox level, leasing worker uids, bounding replies, and `nnlab doctor`."""

import os

import pytest

from tests.support import ROOT

from nnlab.sandbox import levels
from nnlab.sandbox.worker import REPLY_FLOOR, reply_limit


def test_the_strongest_available_level_is_chosen(monkeypatch):
    monkeypatch.delenv(levels.FORCE_ENV, raising=False)
    offered = levels.available()
    assert offered and offered[-1] == "rlimits"  # rlimits always works
    assert levels.choose().name == offered[0]
    for name in levels.LEVELS:
        assert levels.probe(name).reason  # every level says why it is (not) offered


def test_a_forced_level_must_exist_and_work(monkeypatch):
    monkeypatch.setenv(levels.FORCE_ENV, "chroot")
    with pytest.raises(levels.SandboxUnavailable, match="the levels are bwrap, namespaces, rlimits"):
        levels.choose()
    for name in levels.available():
        monkeypatch.setenv(levels.FORCE_ENV, name)
        assert levels.choose().name == name and "forced" in levels.choose().reason


@pytest.mark.skipif(os.geteuid() != 0, reason="private uids need root")
def test_live_workers_never_share_a_uid():
    leases = [levels.UidLease(b"same hint") for _ in range(20)]
    try:
        uids = [lease.uid for lease in leases]
        assert len(set(uids)) == 20 and all(levels.UID_BASE <= u < levels.UID_BASE + levels.UID_SPAN for u in uids)
        leases[0].release()
        again = levels.UidLease(b"same hint")
        assert again.uid == uids[0]  # freed, so leased again
        leases[0] = again
    finally:
        for lease in leases:
            lease.release()
    assert not any((levels.UID_LOCKS / str(u)).exists() for u in uids)  # no lock files pile up


def test_replies_are_bounded_by_the_request():
    assert reply_limit(10) == REPLY_FLOOR
    assert reply_limit(10 * REPLY_FLOOR) == 16 * 10 * REPLY_FLOOR
    assert reply_limit(1000) < 500 * 1024 * 1024  # a 500 MB reply to a small call is refused


def test_doctor_reports_the_level_and_a_live_check(monkeypatch):
    from typer.testing import CliRunner

    from nnlab.cli import app

    import os

    # The project's checkout is readable by every user (mode 755): the rlimits level cannot
    # hide it, and doctor says so and fails; the namespaced levels hide it.
    assert levels.reachable(str(ROOT / "graders" / "test_activations.py"))
    for name in levels.available():
        monkeypatch.setenv(levels.FORCE_ENV, name)
        result = CliRunner().invoke(app, ["doctor"], terminal_width=200)
        assert f"sandbox level: {name}" in result.output
        assert "imported numpy, numpy.random, secrets and hashlib" in result.output
        assert "network: none" in result.output
        if name == "rlimits":
            assert result.exit_code == 1, result.output
            assert "learner code can read" in result.output
            assert ("chmod 700" in result.output) == (os.geteuid() == 0)
        else:
            assert result.exit_code == 0, result.output
            assert "invisible to learner code" in result.output


STDLIB_PROBE = b'''
import importlib, sys

def importable(names):
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as error:
            failed.append(name + ": " + type(error).__name__)
    return failed
'''
SIDE_EFFECTS = {"antigravity", "this", "__main__", "idlelib", "turtledemo"}


@pytest.mark.parametrize("level", levels.available())
def test_the_whole_standard_library_imports_as_outside(monkeypatch, level):
    """Honest code at every level: each stdlib module that imports outside the sandbox (an
    interpreter run as the worker runs it) imports inside, wherever Python is installed."""
    import subprocess
    import sys

    from nnlab.course import Limits
    from nnlab.sandbox.worker import Worker

    names = sorted(n for n in sys.stdlib_module_names if n not in SIDE_EFFECTS and not n.startswith("_"))
    outside = subprocess.run([sys.executable, "-I", "-S", "-c", STDLIB_PROBE.decode()
                              + f"\nprint('\\n'.join(importable({names!r})))"],
                             capture_output=True, text=True, timeout=60).stdout.split("\n")
    broken_outside = {line.split(":")[0] for line in outside if line}
    monkeypatch.setenv(levels.FORCE_ENV, level)
    with Worker("probe", {"probe.py": STDLIB_PROBE}, Limits(seconds_per_test=60, seconds_per_import=30)) as worker:
        inside = worker.call("importable", ([n for n in names if n not in broken_outside],)).value
    assert inside == [], f"stdlib modules that do not import at {level}: {inside}"
