"""`nnlab doctor`: which sandbox level this machine gives learner code, why, and a live check.

The level is what every worker of a grading run starts at (`nnlab.sandbox.levels.choose()`) and
what each results.json records under `extra_data.sandbox`. The live check starts one worker at
that level with an honest module that uses np.random, secrets and hashlib at import time, and
asks it what it can see: the course folder (it tries to read its graders, reference, solutions
and course.yml, and fails naming the fix when it can: at the rlimits level as root, `chmod 700`
the course), the network, the processes around it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nnlab.course import Limits
from nnlab.sandbox import levels
from nnlab.sandbox.worker import Worker

PROBE = b'''
import hashlib, os, secrets, socket
import numpy as np

_DRAWN = np.random.default_rng(0).normal(size=2)
_TOKEN = hashlib.sha256(secrets.token_bytes(4)).hexdigest()


def sees(path):
    return os.path.exists(path)


def reads(paths):
    """The paths this code can read (a folder: list)."""
    got = []
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as handle:
                    handle.read(1)
            got.append(path)
        except OSError:
            pass
    return got


def processes():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())


def network():
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=0.5).close()
        return "loopback reachable"
    except ConnectionRefusedError:
        return "loopback reachable (nothing listens on port 9)"
    except OSError as error:
        return "none: " + type(error).__name__ + ": " + (error.strerror or str(error))
'''


def _course_secrets(course_root: str) -> list[str]:
    """The course's parts learner code must not read, and the first files inside each."""
    from pathlib import Path

    from nnlab.sandbox.wall import course_paths

    found = []
    for part in course_paths(Path(course_root)):
        found.append(str(part))
        if part.is_dir():
            found += [str(p) for p in sorted(part.glob("*.py"))[:3]]
    return found


def _remedy(course_root: str) -> str:
    import os

    if os.geteuid() != 0:
        return ("without root or namespaces learner code runs under your own uid; install "
                "bubblewrap or allow unprivileged user namespaces (grading a class refuses "
                "without --allow-weak-sandbox)")
    return (f"run `chmod 700 {course_root}` so the private uid learner code runs as cannot read "
            f"it (grading a class refuses until then, without --allow-weak-sandbox)")


@dataclass
class Report:
    level: levels.Level | None
    error: str = ""
    probes: list[levels.Level] = field(default_factory=list)
    checks: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.level is not None and not self.error and all(ok for ok, _ in self.checks)


def diagnose(course_root: str | None = None) -> Report:
    """Probe every level, choose one, and check a live worker at it."""
    probes = [levels.probe(name) for name in levels.LEVELS]
    try:
        level = levels.choose()
    except levels.SandboxUnavailable as error:
        return Report(None, str(error), probes)
    report = Report(level, "", probes)
    started = time.perf_counter()
    with Worker("nnlab_probe", {"nnlab_probe.py": PROBE}, Limits(seconds_per_import=30)) as worker:
        worker.start()
        seconds = time.perf_counter() - started
        if worker.import_failure is not None:
            report.error = f"an honest module could not be imported: {worker.import_failure.message}"
            return report
        report.checks.append((True, f"a worker started in {seconds:.2f} s and imported numpy, "
                                    f"numpy.random, secrets and hashlib"))
        isolated = level.filesystem_isolated
        if course_root:
            visible = worker.call("sees", (course_root,)).value
            secrets = _course_secrets(course_root)
            readable = worker.call("reads", (secrets,)).value if secrets else []
            if readable:
                report.checks.append((False, f"learner code can read {readable[0]} (and "
                                      f"{len(readable) - 1} more of the course): {_remedy(course_root)}"))
            else:
                report.checks.append((True, f"the course folder {course_root} is "
                                      f"{'visible but unreadable' if visible else 'invisible'} to "
                                      f"learner code (graders, reference, solutions, course.yml)"))
        network = worker.call("network").value
        report.checks.append((network.startswith("none"), f"network: {network}"))
        pids = worker.call("processes").value
        report.checks.append(((len(pids) <= 3) == isolated,
                              f"learner code sees {len(pids)} process(es)"
                              + (" (its own PID namespace)" if len(pids) <= 3 else " (the host's)")))
        report.checks.append((True, f"worker uid {worker.isolation.get('worker_uid')}"
                                    f"{' (private, leased)' if worker.isolation.get('private_uid') else ''}"))
    return report
