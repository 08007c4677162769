"""`nnlab check`'s fast door (nnlab.entry) and what it reuses between runs.

A plain `nnlab check ...` is answered before typer is built, with course.yml's validated limits
and the sandbox probes read back from the user's cache. These tests show that the fast door
says exactly what the typer command says (report, errors, exit codes), that it imports neither
typer nor pydantic once the cache is warm, that the cache is keyed so a changed course.yml or
machine is validated or probed again, and that a damaged cache is ignored. Nothing is timed
here (benchmarks/learner_speed.py measures it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnlab import check_settings
from nnlab.course import CourseError, load_course
from nnlab.entry import parse_check
from nnlab.sandbox import levels
from tests.support import ROOT

FAST = [sys.executable, "-m", "nnlab"]          # nnlab.entry, as the `nnlab` script runs it
TYPER = [sys.executable, "-m", "nnlab.cli"]     # the typer app, always


@pytest.mark.parametrize("args, parsed", [
    (["activations"], {"target": "activations"}),
    ([], {}),
    (["losses.mse", "-v", "--trust"], {"target": "losses.mse", "verbose": True, "trust": True}),
    (["--path", "my work", "--course=c/course.yml", "conv"],
     {"path": "my work", "course": "c/course.yml", "target": "conv"}),
    (["--help"], None), (["-h"], None), (["a", "b"], None), (["--path"], None),
    (["--path", "--verbose"], None), (["--path="], None), (["--path", "a", "--path", "b"], None),
    (["--unknown"], None), (["-vx"], None), (["--", "activations"], None),
])
def test_only_what_nnlab_check_takes_is_parsed_before_typer(args, parsed):
    assert parse_check(args) == parsed


@pytest.fixture
def learner(tmp_path):
    """A learner's folder as the handout lays it out: course.yml, exercises/ with the stubs,
    checks and one module of their own (solutions' activations, a broken losses)."""
    folder = tmp_path / "course"
    (folder / "exercises").mkdir(parents=True)
    shutil.copy(ROOT / "course.yml", folder / "course.yml")
    shutil.copytree(ROOT / "exercises" / "checks", folder / "exercises" / "checks")
    for module in ("activations", "losses", "conv"):
        shutil.copy(ROOT / "exercises" / f"{module}.py", folder / "exercises")
    shutil.copy(ROOT / "solutions" / "activations.py", folder / "exercises")
    losses = (ROOT / "solutions" / "losses.py").read_text()
    (folder / "exercises" / "losses.py").write_text(losses.replace("np.mean(", "np.sum(", 1))
    return folder


def _run(command, folder, cache, *extra, env=None):
    return subprocess.run([*command, *extra], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={**os.environ, check_settings.CACHE_ENV: str(cache),
                                            "COLUMNS": "80", **(env or {})})


@pytest.mark.parametrize("args", [["activations"], ["losses", "-v"], ["conv.conv2d_forward"],
                                  ["nothere"], ["--course", "missing.yml", "activations"],
                                  ["activations.nothere"]])
def test_the_fast_door_says_what_the_typer_command_says(learner, tmp_path, args):
    fast = _run(FAST, learner, tmp_path / "cache", "check", *args)
    typer = _run(TYPER, learner, tmp_path / "cache", "check", *args)
    assert (fast.returncode, fast.stdout, fast.stderr) == (typer.returncode, typer.stdout, typer.stderr)
    assert fast.stdout or fast.stderr.startswith("nnlab: ")


def test_help_and_other_commands_still_go_to_typer(learner, tmp_path):
    run = _run(FAST, learner, tmp_path / "cache", "check", "--help")
    assert run.returncode == 0 and "nnlab check [OPTIONS] [target]" in run.stdout
    assert "--trust" in run.stdout
    run = _run(FAST, learner, tmp_path / "cache", "check", "--nonsense")
    assert run.returncode == 2 and "No such option: --nonsense" in run.stderr
    assert "Commands:" in _run(FAST, learner, tmp_path / "cache", "--help").stdout


def _imported(run) -> set[str]:
    return {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_a_warm_check_imports_neither_typer_nor_pydantic(learner, tmp_path):
    cache = tmp_path / "cache"
    cold = _run([sys.executable, "-X", "importtime", "-m", "nnlab"], learner, cache,
                "check", "activations")
    assert cold.returncode == 0 and "17 of 17 functions pass" in cold.stdout
    assert "pydantic" in _imported(cold)  # the first run validates course.yml ...
    assert len(list(cache.glob("check-settings-*.json"))) == 1
    warm = _run([sys.executable, "-X", "importtime", "-m", "nnlab"], learner, cache,
                "check", "activations")
    assert warm.returncode == 0 and warm.stdout == cold.stdout
    imported = _imported(warm)  # ... later runs read it back
    assert "numpy" in imported and "nnlab" in imported
    assert not imported & {"typer", "pydantic", "pydantic_core", "yaml", "click"}, imported


def test_settings_come_back_as_validated_and_follow_course_yml(tmp_path, monkeypatch):
    monkeypatch.setenv(check_settings.CACHE_ENV, str(tmp_path / "cache"))
    course_file = tmp_path / "course.yml"
    text = (ROOT / "course.yml").read_text()
    course_file.write_text(text + "\n")
    loaded = load_course(course_file)
    for attempt in ("validated", "cached"):
        limits, tolerances = check_settings.check_settings(course_file)
        for name, value in loaded.limits.model_dump(exclude={"modules"}).items():
            assert getattr(limits, name) == value, (attempt, name)
        for module in ("activations", "conv", "lstm"):
            raised = loaded.limits.for_module(module).model_dump(exclude={"modules"})
            assert {n: getattr(limits.for_module(module), n) for n in raised} == raised
        assert tolerances.float32.rtol == loaded.tolerances.float32.rtol
        assert tolerances.float64.atol == loaded.tolerances.float64.atol
    assert len(list((tmp_path / "cache").glob("check-settings-*.json"))) == 1
    # Another course.yml (other bytes) is validated again: an invalid one fails with its line.
    course_file.write_text(text.replace("limits:", "limits:\n  seconds_per_test: -1", 1))
    with pytest.raises(CourseError, match=r"course.yml line \d+: limits.seconds_per_test"):
        check_settings.check_settings(course_file)
    assert len(list((tmp_path / "cache").glob("check-settings-*.json"))) == 1  # never cached
    # A damaged cache file is ignored and written again; no course.yml: the defaults.
    course_file.write_text(text + "\n")
    for file in (tmp_path / "cache").glob("check-settings-*.json"):
        file.write_text(json.dumps({"limits": {"seconds_per_test": "ten"}}))
    assert check_settings.check_settings(course_file)[0].seconds_per_test == \
        loaded.limits.seconds_per_test
    from nnlab.course import Limits

    assert check_settings.check_settings(None)[0].worker_memory_mb == Limits().worker_memory_mb


def test_a_probe_is_read_back_only_for_the_same_machine(tmp_path, monkeypatch):
    if levels._linux_lacks():
        pytest.skip("the bwrap and namespaces levels need Linux")
    monkeypatch.setenv(check_settings.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(levels, "_PROBED", {})
    real = levels.probe("namespaces", remembered=True)
    file = tmp_path / "sandbox-probe-namespaces.json"
    assert json.loads(file.read_text())["available"] == real.available
    # Read back (the probe is not run again) while the machine is the same ...
    monkeypatch.setattr(levels, "_PROBED", {})
    monkeypatch.setattr(levels, "_probe_namespaces", lambda: pytest.fail("probed again"))
    assert levels.probe("namespaces", remembered=True) == real
    # ... and probed again when anything it depends on differs (here: the user).
    monkeypatch.setattr(levels, "_PROBED", {})
    monkeypatch.setattr(levels, "euid", lambda: 4242)
    monkeypatch.setattr(levels, "_probe_namespaces",
                        lambda: levels.Level("namespaces", False, "probed again"))
    assert levels.probe("namespaces", remembered=True).reason == "probed again"
    # Grading never reads the cache.
    monkeypatch.setattr(levels, "_PROBED", {})
    monkeypatch.setattr(levels, "_probe_namespaces", lambda: levels.Level("namespaces", True, "live"))
    assert levels.probe("namespaces").reason == "live"
