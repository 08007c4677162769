"""Nothing the learner's code started outlives `nnlab check` on a learner's own machine.

Without root there is no private uid to kill by (the rlimits level runs learner code as the
learner), so a process that learner code detached (a double fork and setsid) would live on.
`adopt_orphans()` makes this process a child subreaper: such orphans come back to it instead of
init, and `end_adopted()` kills every child it still has (its workers are stopped by then).
Only for a process whose children are all workers (`nnlab check`), never for a class run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Become a subreaper (Linux); False where the kernel refuses."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children() -> list[int]:
    """This process's live children, as /proc lists them."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == me:
            found.append(int(entry))
    return found


def end_adopted(seconds: float = 2.0) -> list[int]:
    """Kill every child left (adopted orphans and their descendants, which come back here in
    turn) and reap them; returns the pids that were killed."""
    killed: list[int] = []
    deadline = time.monotonic() + seconds
    while True:
        left = children()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if not left or time.monotonic() > deadline:
            return killed
        time.sleep(0.05)
