"""`nnlab check` where no sandbox exists: the learner's own code runs unsandboxed, in a separate
process with the same time limits, and every verdict is the one the sandbox gives.

The platforms are simulated in a fresh Python: Windows-like (no `resource`, no `fcntl`, no
os.fork, os.memfd_create, os.geteuid, os.killpg, no C library through ctypes, in the checker
and in the worker alike), and a real non-root user (nobody) at the rlimits level, with no
bubblewrap and no namespaces. Each runs the public checks on every module for the solutions,
the stubs and every catalogued mistake that grafts, and the verdicts are compared, message for
message, with the sandboxed run of this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from nnlab.sandbox import levels
from nnlab.sandbox.worker import WORKER_MAIN, Worker
from nnlab.selfcheck import run_checks
from tests.support import ROOT

pytestmark = pytest.mark.slow

WINDOWSISH = r'''
import os, sys
for name in ("resource", "fcntl"):
    sys.modules[name] = None
for attr in ("fork", "memfd_create", "geteuid", "getuid", "killpg", "setresuid"):
    if hasattr(os, attr):
        delattr(os, attr)
import ctypes
def _no_libc(*args, **kwargs):
    raise OSError("no C library through ctypes here")
ctypes.CDLL = _no_libc
'''

# The worker as a Windows-like Python runs it: the real worker_main.py, after the same removals.
WORKER_SHIM = WINDOWSISH + r'''
import runpy
sys.argv = [{real!r}, *sys.argv[1:]]
runpy.run_path({real!r}, run_name="__main__")
'''

# Runs the public checks on each (label, folder, target) of a JSON list and prints the verdicts.
CHECKER = r'''
import json, sys
spec = json.load(open(sys.argv[1]))
if spec["windowsish"]:
    exec(spec["windowsish"])
import nnlab.sandbox.worker as worker
from pathlib import Path
if spec["shim"]:
    worker.WORKER_MAIN = Path(spec["shim"])
sys.path.insert(0, spec["tests"])
from test_unsandboxed import verdicts
out = {label: verdicts(folder, target, spec["checks"]) for label, folder, target in spec["runs"]}
from nnlab.sandbox import levels
out["__levels__"] = sorted({levels.choose(own_code=True).name})
print(json.dumps(out))
'''


def verdicts(folder, target, checks):
    """What `nnlab check` decides, as plain data: per function its status, counts, and each
    failure's label, message and outcome; the module's problem; the notes."""
    results = run_checks(Path(folder), target, checks_dir=Path(checks))
    return [[r.qualname, r.status, r.passed, r.total, r.module_problem, r.notes,
             [[f.label, f.message, f.outcome.name if f.outcome else None] for f in r.failures]]
            for r in results]


def _runs(course, base: Path) -> list[tuple[str, str, str | None]]:
    """Every module's solutions and stubs, and every graftable mistake grafted onto its solution
    (mistakes of different functions of one module share a file, so a module needs as many
    runs as its most-mistaken function has mistakes)."""
    from nnlab.verify import iter_mistakes

    runs = []
    checked = sorted(p.stem for p in (ROOT / "exercises" / "checks").glob("*.json"))
    for kind in ("solutions", "exercises"):
        folder = base / kind
        folder.mkdir()
        for module in checked:
            shutil.copy(ROOT / kind / f"{module}.py", folder / f"{module}.py")
            runs.append((f"{kind}:{module}", str(folder), module))
    layers: dict[tuple[str, int], str] = {}
    taken: set[tuple[str, int]] = set()  # (function, layer): one mistake per function per file
    with course.importable():
        for mistake in iter_mistakes(course, checked):
            module = mistake.target.split(".")[0]
            solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
            layer = 0
            while True:
                if (mistake.target, layer) not in taken:
                    try:  # (its helpers may clash with another mistake's: then a later file)
                        layers[(module, layer)] = mistake.graft(layers.get((module, layer), solution))
                        taken.add((mistake.target, layer))
                        break
                    except ValueError:
                        if (module, layer) not in layers:
                            raise  # it does not graft even onto the plain solution
                layer += 1
    for (module, layer), text in sorted(layers.items()):
        folder = base / f"mistakes-{module}-{layer}"
        folder.mkdir()
        (folder / f"{module}.py").write_text(text, encoding="utf-8")
        runs.append((f"mistakes:{module}:{layer}", str(folder), module))
    return runs


@pytest.fixture(scope="module")
def cases(course):
    base = Path(tempfile.mkdtemp(prefix="nnlab-unsandboxed-"))
    try:
        (base / "checks").mkdir()
        for path in (ROOT / "exercises" / "checks").glob("*.json"):
            shutil.copy(path, base / "checks" / path.name)
        runs = _runs(course, base)
        shutil.copy(Path(__file__), base / "test_unsandboxed.py")
        for root, dirs, files in os.walk(base):  # readable by another user (nobody)
            os.chmod(root, 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        yield base, runs
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def sandboxed(cases):
    base, runs = cases
    level = levels.choose().name
    assert level in levels.LEVELS
    return {label: verdicts(folder, target, str(base / "checks")) for label, folder, target in runs}


def _simulate(base: Path, runs, *, windowsish: bool, user: int | None = None, env=None,
              prelude: str = ""):
    shim = ""
    if windowsish:
        shim = str(base / "worker_shim.py")
        Path(shim).write_text(WORKER_SHIM.format(real=str(WORKER_MAIN)))
        os.chmod(shim, 0o644)
    spec = base / f"spec-{windowsish}-{user}.json"
    spec.write_text(json.dumps({"windowsish": WINDOWSISH if windowsish else prelude, "shim": shim,
                                "tests": str(base), "checks": str(base / "checks"), "runs": runs}))
    os.chmod(spec, 0o644)
    extra = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    run = subprocess.run([sys.executable, "-B", "-c", CHECKER, str(spec)], capture_output=True,
                         text=True, cwd=str(base), timeout=900,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(base), **(env or {})},
                         **extra)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1]), run.stderr


def _same(sandboxed, got):
    labels = [label for label in sandboxed if sandboxed[label] != got.get(label)]
    assert not labels, (labels[:3], [(sandboxed[l], got.get(l)) for l in labels[:1]])


def test_windows_like_python_checks_unsandboxed_with_the_same_verdicts(cases, sandboxed):
    base, runs = cases
    got, stderr = _simulate(base, runs, windowsish=True, env={levels.FORCE_ENV: ""})
    assert got.pop("__levels__") == [levels.UNSANDBOXED]
    _same(sandboxed, got)
    # Said once for the whole run, not once per module; and the verdicts are real ones.
    assert stderr.count("runs unsandboxed") == 1, stderr[-2000:]
    assert "has no os.fork" in stderr
    statuses = {r[1] for v in got.values() for r in v}
    assert {"pass", "todo", "fail"} <= statuses


NOT_ROOT = "import os\nos.geteuid = lambda: 1000\n"


def test_not_root_without_bubblewrap_or_namespaces_gives_the_same_verdicts(cases, sandboxed):
    """As the user nobody where this Python and checkout are readable by it; else as a Python
    that says it is not root (no private uid, no RLIMIT_NPROC: the rlimits level's own path)."""
    base, runs = cases
    some = [r for r in runs if r[0].startswith(("solutions:", "exercises:", "mistakes:activations"))]
    really = levels.is_root() and all(levels.reachable(os.path.realpath(p)) for p in
                                      (sys.executable, str(ROOT / "nnlab"), sys.base_prefix))
    got, _ = _simulate(base, some, windowsish=False, user=levels.NOBODY if really else None,
                       env={levels.FORCE_ENV: "rlimits"}, prelude="" if really else NOT_ROOT)
    assert got.pop("__levels__") == ["rlimits"]
    _same({label: sandboxed[label] for label, _, _ in some}, got)


def test_grading_never_runs_unsandboxed(monkeypatch):
    monkeypatch.setenv(levels.FORCE_ENV, levels.UNSANDBOXED)
    with pytest.raises(levels.SandboxUnavailable, match="never grading"):
        levels.choose()
    assert levels.choose(own_code=True).name == levels.UNSANDBOXED
    monkeypatch.setattr(levels, "_PROBED", {name: levels.Level(name, False, "simulated: absent")
                                            for name in levels.LEVELS})
    monkeypatch.delenv(levels.FORCE_ENV)
    with pytest.raises(levels.SandboxUnavailable, match="grading learner code needs Linux"):
        levels.choose()
    assert levels.choose(own_code=True).name == levels.UNSANDBOXED


def test_unsandboxed_worker_keeps_its_time_limit_and_prints_apart(monkeypatch, course):
    """A hang is stopped at the limit, a print is the call's output (not a reply), an import
    error is said once: the unsandboxed level's pipes and threads."""
    monkeypatch.setenv(levels.FORCE_ENV, levels.UNSANDBOXED)
    limits = course.limits.model_copy(update={"seconds_per_test": 1.0, "seconds_per_import": 5})
    source = b"import time\ndef hang():\n    while True: time.sleep(0.01)\n" \
             b"def talk(x):\n    print('hello' * 3000)\n    return x + 1\n" \
             b"def say(i):\n    print(i)\n    return i\n"
    with Worker("m", {"m.py": source}, limits, own_code=True) as worker:
        worker.start()
        assert worker.level.name == levels.UNSANDBOXED and worker.import_failure is None
        result = worker.call("talk", (41,))
        assert result.value == 42 and result.stdout.startswith("hello") and "more bytes" in result.stdout
        for i in range(30):  # each call's prints, and only its own (they travel on another pipe)
            said = worker.call("say", (i,))
            assert (said.value, said.stdout) == (i, f"{i}\n")
        from nnlab.outcome import LearnerFailure, Outcome

        with pytest.raises(LearnerFailure) as failure:
            worker.call("hang")
        assert failure.value.outcome is Outcome.TIMEOUT
        assert worker.call("talk", (1,)).value == 2  # a fresh worker after the kill
    with Worker("m", {"m.py": b"1/0\n"}, limits, own_code=True) as worker:
        worker.start()
        assert worker.import_failure is not None and "ZeroDivisionError" in worker.import_failure.message


def test_nnlab_grade_refuses_to_run_unsandboxed_in_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "nnlab", "grade", str(ROOT / "solutions"), "--out",
                          str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, levels.FORCE_ENV: levels.UNSANDBOXED, "COLUMNS": "300"})
    assert run.returncode == 2 and "never grading" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
