"""`nnlab doctor`: which sandbox level this machine gives learner code, why, and a live check.

The level is what every worker of a grading run starts at (`nnlab.sandbox.levels.choose()`) and
what each results.json records under `extra_data.sandbox`. The live check starts one worker at
that level with an honest module that uses np.random, secrets and hashlib at import time, and
asks it what it can see: the course folder, the network, the processes around it.
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
            report.checks.append((visible != isolated,
                                  f"the course folder {course_root} is "
                                  f"{'visible' if visible else 'invisible'} to learner code"))
        network = worker.call("network").value
        report.checks.append((network.startswith("none"), f"network: {network}"))
        pids = worker.call("processes").value
        report.checks.append(((len(pids) <= 3) == isolated,
                              f"learner code sees {len(pids)} process(es)"
                              + (" (its own PID namespace)" if len(pids) <= 3 else " (the host's)")))
        report.checks.append((True, f"worker uid {worker.isolation.get('worker_uid')}"
                                    f"{' (private, leased)' if worker.isolation.get('private_uid') else ''}"))
    return report
