"""A memory cgroup per worker, where the machine offers one: RLIMIT_AS bounds each process, but
a worker's children each get their own; the cgroup bounds the worker and all its children
together (the kernel's OOM killer ends one of them past it: a crash of that test).

Offered when nnlab may create a child of its own memory cgroup: cgroup v1 (a writable `memory`
hierarchy, as root), or cgroup v2 where the memory controller is already delegated to the
children of nnlab's cgroup. Elsewhere (no root, no delegation) `MemoryCgroup.create` returns
None and RLIMIT_AS with RLIMIT_NPROC is the bound (at most `processes x memory`); the worker's
isolation facts say which.

The worker joins its cgroup before anything else runs: its command is wrapped in
`/bin/sh -c 'echo $$ > cgroup.procs && exec ...'`, so every process it starts is inside.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup/memory")
V2_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


def _own_cgroup() -> tuple[str, Path] | None:
    """("v1" or "v2", the folder of this process's memory cgroup), if one can be found."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(",") and V1_ROOT.is_dir():
            return "v1", V1_ROOT / path.lstrip("/")
    for line in lines:
        if line.startswith("0::") and (V2_ROOT / "cgroup.controllers").is_file():
            return "v2", V2_ROOT / line[3:].lstrip("/")
    return None


class MemoryCgroup:
    """One worker's memory cgroup: `wrap(argv)` starts a command inside it; `remove()` once
    the worker's processes are gone."""

    def __init__(self, kind: str, folder: Path):
        self.kind, self.folder = kind, folder

    @classmethod
    def create(cls, limit_mb: int, uid: int | None = None) -> "MemoryCgroup | None":
        """A new cgroup limited to `limit_mb` for the worker and its children, joinable by
        `uid` (the worker's private uid), or None where the machine offers none."""
        own = _own_cgroup()
        if own is None:
            return None
        kind, parent = own
        if kind == "v2":
            try:
                delegated = "memory" in (parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                delegated = False
            if not delegated:
                return None
        folder = parent / f"nnlab-worker-{os.getpid()}-{next(_counter)}"
        try:
            folder.mkdir()
        except OSError:
            return None
        group = cls(kind, folder)
        limit = str(limit_mb * 1024 * 1024)
        try:
            if kind == "v1":
                (folder / "memory.limit_in_bytes").write_text(limit)
                swap = folder / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    try:
                        swap.write_text(limit)  # memory and swap together: no escape into swap
                    except OSError:
                        pass
            else:
                (folder / "memory.max").write_text(limit)
                if (folder / "memory.swap.max").exists():
                    (folder / "memory.swap.max").write_text("0")
            if uid is not None:
                os.chown(folder / "cgroup.procs", uid, uid)
        except OSError:
            group.remove()
            return None
        return group

    def wrap(self, argv: list[str]) -> list[str]:
        """`argv`, started inside this cgroup (the shell joins it, then becomes the command)."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.folder / "cgroup.procs"), *argv]

    def remove(self) -> None:
        """Kill whatever is still in the cgroup, then remove it (a process takes a moment to
        leave it once dead)."""
        for attempt in range(100):
            try:
                for pid in (self.folder / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, PermissionError, ValueError):
                        pass
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # (busy: polled at 1, 2, 4 ... 20 ms, about 2 s in all)
                time.sleep(min(0.02, 0.001 * 2 ** attempt))

    @property
    def usage_limit_mb(self) -> int | None:
        name = "memory.limit_in_bytes" if self.kind == "v1" else "memory.max"
        try:
            return int((self.folder / name).read_text().strip()) // (1024 * 1024)
        except (OSError, ValueError):
            return None
