"""The parent's side of the sandbox: start a worker, call into it, stop it.

One `Worker` serves one learner module of one submission. It owns a temporary folder holding a
copy of the submission's allow-listed files, a private HOME, and the worker process
(`worker_main.py`), which it starts as `python -I -B` in a new session with a clean environment.
Every call has a wall-clock limit; past it the whole process group (and, when the worker runs
under its own uid, every process of that uid) is killed. A crashed or killed worker is replaced
by a fresh one on the next call; an import that fails is remembered and fails every later call
at once, so a broken module costs its own tests quickly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.course import Limits
from nnlab.outcome import LearnerFailure, Outcome
from nnlab.sandbox import protocol
from nnlab.sandbox.protocol import ProtocolError

WORKER_MAIN = Path(__file__).with_name("worker_main.py")
FORBIDDEN_IMPORTS = ("tensorflow", "keras", "torch", "jax", "scipy", "sklearn")
# Each worker started as root runs under its own uid from this range (no passwd entry needed).
UID_BASE, UID_SPAN = 600_000, 100_000


@dataclass
class CallResult:
    """What one learner call produced, as plain data."""

    value: Any
    mutated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stdout: str = ""


class Worker:
    """A sandboxed process that imports one learner module and runs calls into it."""

    def __init__(self, module: str, files: dict[str, bytes], limits: Limits,
                 hide: list[str] | None = None, course_root: str | None = None):
        self.module = module
        self.files = files
        self.limits = limits
        self.hide = [str(p) for p in (hide or [])] + _forbidden_package_dirs()
        self.course_root = course_root or ""
        self.process: subprocess.Popen | None = None
        self.import_failure: LearnerFailure | None = None
        self.isolation: dict = {}
        self.starts = 0
        self._tmp: str | None = None
        self._output = bytearray()
        self._dropped = 0
        self._out: int | None = None  # the worker's stdout+stderr, read while waiting for replies
        self._uid = None
        self.seconds_per_call: float | None = None  # overrides limits.seconds_per_test when set

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start a fresh worker process and import the module (or remember why it failed)."""
        self.stop()
        self.starts += 1
        self._tmp = tempfile.mkdtemp(prefix="nnlab-worker-")
        root = Path(self._tmp)
        learner_dir, home = root / "learner", root / "home"
        learner_dir.mkdir()
        (home / "tmp").mkdir(parents=True)
        for name, content in self.files.items():
            (learner_dir / name).write_bytes(content)
            os.chmod(learner_dir / name, 0o444)
        os.chmod(learner_dir, 0o555)
        os.chmod(root, 0o755)
        self._uid = self._pick_uid() if os.geteuid() == 0 else None
        if self._uid is not None:
            for path in (home, home / "tmp"):
                os.chown(path, self._uid, self._uid)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        config = {
            "learner_dir": str(learner_dir), "home": str(home),
            "req_fd": req_r, "rep_fd": rep_w, "uid": self._uid,
            "hide": self.hide, "course_root": self.course_root,
            "forbidden": list(FORBIDDEN_IMPORTS),
            "limits": {"cpu_seconds": self.limits.worker_cpu_seconds, "memory_mb": self.limits.worker_memory_mb,
                       "file_mb": self.limits.worker_file_mb, "open_files": self.limits.worker_open_files,
                       "processes": self.limits.worker_processes},
        }
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER_MAIN), json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(req_r, rep_w), env=env, cwd=str(learner_dir), start_new_session=True,
        )
        os.close(req_r)
        os.close(rep_w)
        self._req, self._rep = req_w, rep_r
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._out, False)
        self._output.clear()
        self._dropped = 0
        try:
            header, _ = self._receive(self.limits.seconds_per_import, "starting the sandbox")
        except LearnerFailure as failure:
            # No learner code has run yet: this is nnlab's (or the machine's) fault.
            self.import_failure = LearnerFailure(
                Outcome.GRADER_ERROR, f"the sandbox for {self.module}.py could not start ({failure.message}); "
                f"its output: {failure.stdout[-800:]!r}", failure.stdout)
            return
        self.isolation = header.get("ready", {}) if isinstance(header.get("ready"), dict) else {}
        try:
            self._request({"op": "import", "module": self.module}, [],
                          self.limits.seconds_per_import, f"importing {self.module}.py")
        except LearnerFailure as failure:
            self.import_failure = LearnerFailure(Outcome.IMPORT_ERROR, _import_message(self.module, failure),
                                                 failure.stdout)

    def stop(self) -> None:
        """Kill the worker and everything it started, and remove its folder."""
        process, self.process = self.process, None
        if process is not None:
            _kill_group(process)
            if self._uid is not None:
                _kill_uid(self._uid)
            self._drain()  # keep what it printed last, for the failure's message
            self._out = None
            if process.stdout is not None:
                process.stdout.close()
            for fd in (self._req, self._rep):
                try:
                    os.close(fd)
                except OSError:
                    pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- calls -----------------------------------------------------------------------------
    def call(self, name: str, args: tuple = (), kwargs: dict | None = None) -> CallResult:
        """Call `module.name(*args, **kwargs)` in the sandbox."""
        return self._call({"op": "call", "module": self.module, "name": name}, args, kwargs,
                          f"{self.module}.{name}")

    def call_method(self, handle: protocol.Opaque, name: str, args: tuple = (),
                    kwargs: dict | None = None) -> CallResult:
        """Call a method of an object that stayed in the worker (e.g. a learner's model)."""
        return self._call({"op": "method", "handle": handle.id, "name": name}, args, kwargs,
                          f"{handle.type_name}.{name}")

    def get(self, name: str) -> CallResult:
        """A module-level value of the learner module, e.g. `XOR_X`."""
        return self._call({"op": "getattr", "module": self.module, "name": name}, None, None,
                          f"{self.module}.{name}")

    def attribute(self, handle: protocol.Opaque, name: str) -> CallResult:
        """An attribute of an object that stayed in the worker (e.g. a model's `loss_curve_`)."""
        return self._call({"op": "attr", "handle": handle.id, "name": name}, None, None,
                          f"{handle.type_name}.{name}")

    def _call(self, header: dict, args: tuple | None, kwargs: dict | None, what: str) -> CallResult:
        if self.import_failure is not None:
            raise self.import_failure
        if self.process is None or self.process.poll() is not None:
            self.start()
            if self.import_failure is not None:
                raise self.import_failure
        blobs: list[bytes] = []
        if args is not None:
            header = dict(header, args=protocol.encode(list(args), blobs),
                          kwargs=protocol.encode(dict(kwargs or {}), blobs))
        seconds = self.seconds_per_call or self.limits.seconds_per_test
        reply, stdout = self._request(header, blobs, seconds, what)
        return CallResult(value=reply["value"], mutated=[str(m) for m in reply.get("mutated", [])][:10],
                          warnings=[str(w)[:300] for w in reply.get("warnings", [])][:5], stdout=stdout)

    def _request(self, header: dict, blobs: list[bytes], seconds: float, what: str) -> tuple[dict, str]:
        self._drain()  # anything printed between calls is not this call's output
        self._output.clear()
        self._dropped = 0
        try:
            protocol.write_message(self._req, header, blobs)
        except OSError:
            self._crashed(what)
        reply, reply_blobs = self._receive(seconds, what)
        stdout = self._take_output()
        if reply.get("ok") is True:
            try:
                reply["value"] = protocol.decode(reply.get("value"), reply_blobs)
            except (ProtocolError, RecursionError, TypeError) as error:
                self.stop()
                raise LearnerFailure(Outcome.BAD_REPLY, f"{what} returned data that cannot be graded: {error}",
                                     stdout) from None
            return reply, stdout
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        kind = str(error.get("type", "Exception"))
        message, where = str(error.get("message", "")), str(error.get("where", ""))
        if kind == "NotImplementedError":
            raise LearnerFailure(Outcome.NOT_IMPLEMENTED,
                                 f"{what} is not implemented yet (it raises NotImplementedError).", stdout)
        text = f"{what} raised {kind}: {message}" if message else f"{what} raised {kind}"
        if where:
            text += f"\n  at {where}"
        if kind == "MemoryError":
            text += f"\n  (the sandbox allows {self.limits.worker_memory_mb} MB)"
        raise LearnerFailure(Outcome.FAILED, text, stdout)

    def _receive(self, seconds: float, what: str) -> tuple[dict, list[bytes]]:
        deadline = time.monotonic() + seconds
        try:
            size_bytes = self._read(8, deadline)
            size = int.from_bytes(size_bytes, "big")
            if size > protocol.MAX_MESSAGE_BYTES:
                raise ProtocolError(f"a reply of {size} bytes is over the limit")
            return protocol.unpack(self._read(size, deadline))
        except TimeoutError:
            self.stop()
            raise LearnerFailure(
                Outcome.TIMEOUT, f"{what} did not finish within {seconds:g} s (an endless loop, or far too "
                f"slow); the sandbox was stopped.", self._take_output()) from None
        except EOFError:
            self._crashed(what)
        except ProtocolError as error:
            self.stop()
            raise LearnerFailure(Outcome.BAD_REPLY, f"{what}: the sandbox sent a malformed reply ({error}).",
                                 self._take_output()) from None

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            watched = [self._rep] if self._out is None else [self._rep, self._out]
            ready, _, _ = select.select(watched, [], [], left)
            if not ready:
                raise TimeoutError
            if self._out in ready:
                self._drain()
            if self._rep not in ready:
                continue
            chunk = os.read(self._rep, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _crashed(self, what: str):
        process = self.process
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        stdout = self._take_output()
        self.stop()
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            reason = f"was killed by {name}"
            if name == "SIGXCPU":
                reason += f" (over the CPU limit of {self.limits.worker_cpu_seconds} s)"
            if name in ("SIGKILL", "SIGSEGV"):
                reason += " (out of memory, or a crash in native code)"
            if name == "SIGXFSZ":
                reason += f" (it wrote a file over {self.limits.worker_file_mb} MB)"
        elif code is not None:
            reason = f"exited with status {code} (os._exit or sys.exit in learner code?)"
        else:
            reason = "stopped answering"
        raise LearnerFailure(Outcome.CRASH, f"during {what} the sandbox process {reason}.", stdout)

    # -- learner output --------------------------------------------------------------------
    def _drain(self) -> None:
        """Read whatever the worker has printed so far, keeping the first `output_kb`."""
        cap = self.limits.output_kb * 1024
        while self._out is not None:
            try:
                chunk = os.read(self._out, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:  # the worker closed its end (it exited)
                self._out = None
                return
            room = max(0, cap - len(self._output))
            self._output += chunk[:room]
            self._dropped += max(0, len(chunk) - room)

    def _take_output(self) -> str:
        # The worker flushes its prints before it replies, so they are in the pipe by now.
        self._drain()
        text = self._output.decode("utf-8", "replace")
        if self._dropped:
            text += f"\n... ({self._dropped} more bytes of output dropped)"
        self._output.clear()
        self._dropped = 0
        return text

    def _pick_uid(self) -> int:
        digest = hashlib.sha256(f"{os.getpid()}:{id(self)}:{self.starts}:{time.time_ns()}".encode())
        return UID_BASE + int.from_bytes(digest.digest()[:4], "big") % UID_SPAN


def _import_message(module: str, failure: LearnerFailure) -> str:
    if failure.outcome is Outcome.TIMEOUT:
        return f"importing {module}.py did not finish in time: code at the top level of the file " \
               f"runs at import (an endless loop or a long computation outside a function?)."
    if failure.outcome is Outcome.CRASH:
        reason = failure.message.split("the sandbox process ", 1)[-1]
        return f"{module}.py could not be imported: the sandbox process {reason}"
    text = failure.message.replace(f"importing {module}.py raised ", "")
    return f"{module}.py could not be imported: {text}"


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_uid(uid: int) -> None:
    """Kill every process of a worker's private uid (children that left the process group)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


_FORBIDDEN_DIRS: list[str] | None = None


def _forbidden_package_dirs() -> list[str]:
    """Install folders of the banned libraries, covered inside the sandbox where mounts work."""
    global _FORBIDDEN_DIRS
    if _FORBIDDEN_DIRS is None:
        found = []
        for name in FORBIDDEN_IMPORTS:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            for location in (spec.submodule_search_locations or []) if spec else []:
                if os.path.isdir(location):
                    found.append(location)
        _FORBIDDEN_DIRS = found
    return list(_FORBIDDEN_DIRS)
