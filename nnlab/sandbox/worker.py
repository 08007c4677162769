"""The parent's side of the sandbox: start a worker, call into it, stop it.

One `Worker` serves one learner module of one submission, at the isolation level
`nnlab.sandbox.levels.choose()` picked for this process (bubblewrap, namespaces, or rlimits
only). The worker process (`worker_main.py`) gets the learner's files in a memfd, runs under a
uid leased to it alone (when nnlab runs as root), and dies with the grader however the grader
dies. Every call has a wall-clock limit; past it the worker's whole process tree is killed (its
PID namespace at the sandboxed levels, its uid otherwise). A crashed or killed worker is
replaced by a fresh one on the next call; an import that fails is remembered and fails every
later call at once, so a broken module costs its own tests quickly.

The parent stays bounded: a reply larger than `reply_limit(request)` bytes is refused from its
8-byte length, before anything is read or decoded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnlab.outcome import LearnerFailure, Outcome
from nnlab.sandbox import levels
from nnlab.sandbox.cgroup import MemoryCgroup

if TYPE_CHECKING:  # (or nnlab.check_settings.PlainLimits: `nnlab check` does without pydantic)
    from nnlab.course import Limits



class _LazyProtocol:
    """nnlab.sandbox.protocol, imported at its first use: it imports NumPy, and `nnlab check`
    launches its worker before NumPy has loaded here (see early.py), so both load at once."""

    def __getattr__(self, name: str) -> Any:
        from nnlab.sandbox import protocol as module

        return getattr(module, name)


protocol = _LazyProtocol()
WORKER_MAIN = Path(__file__).with_name("worker_main.py")
WORKER_DIR = WORKER_MAIN.parent
WORKER_FILES = ("worker_main.py", "protocol.py")  # all the worker process loads of nnlab


def compiled_main(main: Path) -> str:
    """The file under `main`'s folder a worker's Python runs, relative to it: worker_main's own
    bytecode when it is there and matches the source as the import system checks it (magic
    number, the source's mtime and size; pip writes it when it installs nnlab's wheel), else
    the source itself. Running the bytecode spares compiling 800 lines at every worker start."""
    cached = Path(importlib.util.cache_from_source(str(main)))
    try:
        header = cached.read_bytes()[:16]
        source = main.stat()
    except (OSError, NotImplementedError):
        return main.name
    fresh = (len(header) == 16 and header[:4] == importlib.util.MAGIC_NUMBER
             and int.from_bytes(header[4:8], "little") == 0  # (a hash-checked one: the source)
             and int.from_bytes(header[8:12], "little") == int(source.st_mtime) & 0xFFFFFFFF
             and int.from_bytes(header[12:16], "little") == source.st_size & 0xFFFFFFFF)
    return cached.relative_to(main.parent).as_posix() if fresh else main.name


def reachable_worker_dir() -> Path:
    """A folder holding the worker's own code that a private uid can read: nnlab's own when it
    is reachable, else a copy under /var/cache/nnlab (nnlab unpacked into a private folder, as a
    Gradescope bundle is under a test's 0700 temporary folder)."""
    if levels.reachable(str(WORKER_DIR)):
        return WORKER_DIR
    digest = hashlib.sha256(b"".join((WORKER_DIR / f).read_bytes() for f in WORKER_FILES))
    folder = Path("/var/cache/nnlab") / f"worker-{digest.hexdigest()[:16]}"
    if not all((folder / f).is_file() for f in WORKER_FILES):
        staging = Path(tempfile.mkdtemp(prefix="worker-", dir=folder.parent if folder.parent.is_dir()
                                        else _make_cache(folder.parent)))
        for name in WORKER_FILES:
            shutil.copyfile(WORKER_DIR / name, staging / name)
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        try:
            os.replace(staging, folder)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _make_cache(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o755)
    return path
FORBIDDEN_IMPORTS = ("tensorflow", "keras", "torch", "jax", "scipy", "sklearn")
# Inside the sandbox (bwrap and namespaces levels): where the allow-listed pieces appear.
INSIDE_SITE, INSIDE_WORKER, INSIDE_LEARNER = "/opt/nnlab/site", "/opt/nnlab/worker", "/learner"
SYSTEM_LIBS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32")
# Replies: never more than this many times the request, and at least this many bytes.
REPLY_FACTOR, REPLY_FLOOR = 16, 4 * 1024 * 1024  # (graders' largest reply today: 15 kB)
CONTROL_REPLY = 1024 * 1024  # the ready message, an import


@dataclass
class CallResult:
    """What one learner call produced, as plain data.

    `mutated` names the arguments the call changed in place; `mutated_at` says which they are,
    in the same order (a position, or a keyword's name). Changes to an argument's data are
    measured by this process on memory it shares with the worker, so learner code cannot hide
    them; `warnings` can only be seen inside the worker (whose own code is sealed)."""

    value: Any
    mutated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stdout: str = ""
    mutated_at: list[int | str] = field(default_factory=list)


def reply_limit(request_bytes: int) -> int:
    """The largest reply the parent reads for a request of this size: graders' expected
    outputs are at most a small multiple of their inputs (a forward pass, a gradient)."""
    return max(REPLY_FLOOR, REPLY_FACTOR * request_bytes)


class Worker:
    """A sandboxed process that imports one learner module and runs calls into it."""

    def __init__(self, module: str, files: dict[str, bytes], limits: Limits, own_code: bool = False):
        # No list of places to hide: the sandbox is an allow-list (see levels.py).
        self.module = module
        self.own_code = own_code  # `nnlab check`: may run unsandboxed where no sandbox exists
        self._pipes: _PipeReaders | None = None  # the unsandboxed level's portable reading
        self._handshake_due = False  # started with wait=False, not yet ready
        self.files = files
        self.limits = limits
        self.process: subprocess.Popen | None = None
        self.import_failure: LearnerFailure | None = None
        self.isolation: dict = {}
        self.starts = 0
        self.level: levels.Level | None = None
        self._tmp: str | None = None
        self._lease: levels.UidLease | None = None
        self._cgroup: MemoryCgroup | None = None
        self._output = bytearray()
        self._dropped = 0
        self._out: int | None = None  # the worker's stdout+stderr, read while waiting for replies
        self._req = self._rep = -1
        self.seconds_per_call: float | None = None  # overrides limits.seconds_per_test when set
        self.expected_reply_bytes: int | None = None  # a grader's bound for the next reply
        self.tampered: list[str] = []  # what learner code changed of the worker's own code

    # -- life cycle ------------------------------------------------------------------------
    def start(self, wait: bool = True) -> None:
        """Start a fresh worker process and import the module (or remember why it failed).
        With `wait=False` only the process starts; its readiness and the import are awaited at
        the first call, so the caller can work meanwhile (`nnlab check` loads its checks)."""
        self.stop()
        self.starts += 1
        self.level = levels.choose(own_code=self.own_code)
        if self.level.name == levels.UNSANDBOXED:
            self._start_unsandboxed()
        else:
            self._launch_sandboxed()
        self._handshake_due = True
        if wait:
            self.finish_start()

    def finish_start(self) -> None:
        """Wait for a worker started with `wait=False` to be ready and to import the module."""
        if self._handshake_due:
            self._handshake_due = False
            self._handshake()

    def _launch_sandboxed(self) -> None:
        uid = None
        if levels.is_root():
            self._lease = levels.UidLease(f"{os.getpid()}:{id(self)}:{self.starts}:{time.time_ns()}".encode())
            uid = self._lease.uid
        # Requests go over a Unix socket (a call's arguments travel as a memfd beside them),
        # replies over a pipe.
        req_w_end, req_r_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        req_r, req_w = req_r_end.detach(), req_w_end.detach()
        rep_r, rep_w = os.pipe()
        files_fd = _files_memfd(self.files)
        config = {"level": self.level.name, "uid": uid, "grader": os.getpid(), "req_fd": req_r, "rep_fd": rep_w,
                  "files_fd": files_fd, "forbidden": list(FORBIDDEN_IMPORTS),
                  "limits": {"cpu_seconds": self.limits.worker_cpu_seconds,
                             "memory_mb": self.limits.worker_memory_mb,
                             "file_mb": self.limits.worker_file_mb,
                             "open_files": self.limits.worker_open_files,
                             "processes": self.limits.worker_processes}}
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
        mount_fds: list[int] = []
        try:
            argv, extra = self._command(config, env, mount_fds)
            # The worker and all its children share one memory bound, where the machine offers
            # a cgroup (RLIMIT_AS alone is per process: each child would get its own).
            self._cgroup = MemoryCgroup.create(self.limits.worker_memory_mb, uid)
            if self._cgroup is not None:
                argv = self._cgroup.wrap(argv)
            self.process = _launch(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(req_r, rep_w, files_fd, *mount_fds), env=env, cwd="/",
                start_new_session=True, **extra)
        finally:
            for fd in (req_r, rep_w, files_fd, *mount_fds):
                os.close(fd)
        self._req, self._rep = req_w, rep_r
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._out, False)
        self._output.clear()
        self._dropped = 0
        self.isolation = self._facts(uid)
        processes = self.limits.worker_processes if uid is not None or self.level.name != "rlimits" else None
        self.isolation["memory"] = (
            f"{self.limits.worker_memory_mb} MB for the worker and its children together (a "
            f"memory cgroup)" if self._cgroup is not None else
            f"{self.limits.worker_memory_mb} MB per process (RLIMIT_AS; no memory cgroup here)"
            + (f", at most {processes} processes (RLIMIT_NPROC)" if processes else ""))

    def _start_unsandboxed(self) -> None:
        """The learner's own code where no sandbox exists (`nnlab check` on macOS or Windows):
        a plain child process of the same Python, requests on its stdin, replies on its stdout,
        its prints on stderr, read by threads (no select or non-blocking pipes there); the same
        import, calls and wall-clock limits as the sandboxed levels."""
        self._tmp = tempfile.mkdtemp(prefix="nnlab-check-")
        root = Path(self._tmp)
        for sub in ("learner", "tmp"):
            (root / sub).mkdir()
        for name, content in self.files.items():
            if "/" not in name and "\\" not in name and not name.startswith("."):
                (root / "learner" / name).write_bytes(content)
        runtime = levels.host_runtime()
        mark = f"\n<nnlab:{os.urandom(8).hex()}>\n".encode()  # ends each reply's prints
        config = {"level": self.level.name, "uid": None, "grader": os.getpid(), "files_fd": None,
                  "mark": mark.decode(),
                  "forbidden": list(FORBIDDEN_IMPORTS), "learner_dir": str(root / "learner"),
                  "tmp": str(root / "tmp"), "site": str(Path(runtime.numpy).parent),
                  "worker_dir": str(WORKER_DIR), "limits": {}}
        env = {"LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
        for name in ("PATH", "SYSTEMROOT", "WINDIR", "TEMP", "TMP"):  # Windows needs these to start
            if name in os.environ:
                env[name] = os.environ[name]
        self.process = _launch(
            [sys.executable, "-I", "-S", "-B", str(WORKER_MAIN.parent / compiled_main(WORKER_MAIN)),
             json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            cwd=str(root / "learner"), start_new_session=os.name == "posix")
        self._req = self.process.stdin.fileno()
        self._pipes = _PipeReaders(self.process.stdout, self.process.stderr, mark)
        self._rep, self._out = -1, None
        self._output.clear()
        self._dropped = 0
        self.isolation = {"level": self.level.name, "reason": self.level.reason,
                          "filesystem": "NOT isolated (the learner's own code on their own machine)",
                          "network": "host network", "pid_namespace": False, "private_uid": False,
                          "tmp_cap_mb": None}

    def _handshake(self) -> None:
        try:
            header, _ = self._receive(self.limits.seconds_per_import, "starting the sandbox", CONTROL_REPLY)
        except LearnerFailure as failure:
            # No learner code has run yet: this is nnlab's (or the machine's) fault.
            self.import_failure = LearnerFailure(
                Outcome.GRADER_ERROR, f"the sandbox for {self.module}.py could not start ({failure.message}); "
                f"its output: {failure.stdout[-800:]!r}", failure.stdout)
            return
        seen = header.get("ready") if isinstance(header.get("ready"), dict) else {}
        self.isolation["worker_uid"] = seen.get("uid")
        if not seen.get("seccomp"):  # (an architecture the filter does not know)
            self.isolation["network"] = self.isolation["network"].replace(", no IP sockets (seccomp)", "")
        try:
            self._request({"op": "import", "module": self.module}, [],
                          self.limits.seconds_per_import, f"importing {self.module}.py", CONTROL_REPLY)
        except LearnerFailure as failure:
            if self.tampered:  # (the import itself rewrote the worker: said as such)
                return
            self.import_failure = LearnerFailure(Outcome.IMPORT_ERROR, _import_message(self.module, failure),
                                                 failure.stdout)

    def _command(self, config: dict, env: dict, fds: list[int]) -> tuple[list[str], dict]:
        """The worker's argv (and Popen extras) at this level; fills config, env and the fds
        of the folders bind-mounted into the sandbox."""
        name = self.level.name
        size_mb = max(1, self.limits.worker_file_mb)
        if name == "rlimits":
            runtime = levels.shared_runtime()
            # Its folder must be reachable by its private uid: not under a private temp folder.
            parent = tempfile.gettempdir()
            if config["uid"] is not None and not levels.reachable(parent):
                parent = "/tmp"
            self._tmp = tempfile.mkdtemp(prefix="nnlab-worker-", dir=parent)
            root = Path(self._tmp)
            for sub in ("learner", "tmp"):
                (root / sub).mkdir(mode=0o700)
            if config["uid"] is not None:
                for path in (root, root / "learner", root / "tmp"):
                    os.chown(path, config["uid"], config["uid"])
            worker_dir = reachable_worker_dir() if config["uid"] is not None else WORKER_DIR
            config.update(folder=str(root), learner_dir=str(root / "learner"), tmp=str(root / "tmp"),
                          site=str(Path(runtime.numpy).parent), worker_dir=str(worker_dir))
            if runtime.library_dir:
                env["LD_LIBRARY_PATH"] = runtime.library_dir
            main = worker_dir / compiled_main(worker_dir / "worker_main.py")
            return [runtime.executable, "-I", "-S", "-B", str(main), json.dumps(config)], {}
        # The namespaces level opens its folders as root before dropping to its uid; bubblewrap
        # runs as that uid from the start, so it needs a Python that uid can reach.
        runtime = levels.host_runtime() if name == "namespaces" else levels.shared_runtime()
        if runtime.library_dir:
            env["LD_LIBRARY_PATH"] = runtime.library_dir
        config.update(learner_dir=INSIDE_LEARNER, tmp="/tmp", site=INSIDE_SITE, worker_dir=INSIDE_WORKER,
                      tmpfs_mb=size_mb)
        worker_dir = WORKER_DIR if name == "namespaces" else reachable_worker_dir()
        allowed = [(runtime.prefix, runtime.prefix), (runtime.numpy, f"{INSIDE_SITE}/numpy"),
                   (str(worker_dir), INSIDE_WORKER)]
        if runtime.numpy_libs:
            allowed.append((runtime.numpy_libs, f"{INSIDE_SITE}/numpy.libs"))
        if not runtime.executable.startswith(runtime.prefix + os.sep):
            allowed.append((runtime.executable, runtime.executable))
        symlinks = []
        for path in SYSTEM_LIBS:
            if os.path.islink(path):
                symlinks.append((os.readlink(path), path))
            elif os.path.isdir(path):
                allowed.append((path, path))
        if os.path.isfile("/etc/ld.so.cache"):
            allowed.append(("/etc/ld.so.cache", "/etc/ld.so.cache"))
        inside = [runtime.executable, "-I", "-S", "-B"]
        if name == "namespaces":
            config.update(binds=allowed, symlinks=symlinks)
            return [*inside, str(WORKER_MAIN.parent / compiled_main(WORKER_MAIN)),
                    json.dumps(config)], {}
        argv = [levels.bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
                "--hostname", "sandbox"]
        for source, target in allowed:
            argv += ["--ro-bind", source, target]
        for target, link in symlinks:
            argv += ["--symlink", target, link]
        argv += ["--dev", "/dev", "--proc", "/proc"]
        for folder in ("/tmp", "/var/tmp", "/dev/shm", INSIDE_LEARNER):
            argv += ["--size", str(size_mb * 1024 * 1024), "--perms", "0700", "--tmpfs", folder]
        argv += ["--remount-ro", "/", "--chdir", "/", "--",
                 *inside, f"{INSIDE_WORKER}/{compiled_main(worker_dir / 'worker_main.py')}",
                 json.dumps(config)]
        extra = {}
        if config["uid"] is not None:
            extra = {"user": config["uid"], "group": config["uid"], "extra_groups": []}
        return argv, extra

    def _facts(self, uid: int | None) -> dict:
        """What isolates this worker, for results.json (`extra_data.sandbox`)."""
        sandboxed = self.level.filesystem_isolated
        return {"level": self.level.name, "reason": self.level.reason,
                "filesystem": "allow-list (read-only Python and NumPy, private /tmp)" if sandboxed
                else "NOT isolated (host files readable where modes allow)",
                "network": ("none: own network namespace" if sandboxed else "host namespace")
                + ", no IP sockets (seccomp)",
                "pid_namespace": sandboxed, "private_uid": uid is not None,
                "tmp_cap_mb": self.limits.worker_file_mb if sandboxed else None}

    def stop(self) -> None:
        """Kill the worker and everything it started, and remove its folder."""
        process, self.process = self.process, None
        self._handshake_due = False
        if process is not None:
            _kill_group(process)
            if self._lease is not None and self.level is not None and self.level.name == "rlimits":
                from nnlab.sandbox.worker_main import kill_uid  # the supervisor's own

                kill_uid(self._lease.uid)  # children that left the process group
                self._lease.remove_files()  # and what they left in the shared /tmp
            self._drain()  # keep what it printed last, for the failure's message
            self._out = None
            if self._pipes is not None:  # the unsandboxed level: its pipes are Popen's own
                self._pipes.join()
                self._pipes = None
                for stream in (process.stdin, process.stdout, process.stderr):
                    try:
                        stream.close()
                    except OSError:
                        pass
                self._req = -1
            if process.stdout is not None and not process.stdout.closed:
                process.stdout.close()
            for fd in (self._req, self._rep):
                if fd < 0:
                    continue
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._req = self._rep = -1
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None

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
        self.finish_start()
        if self.import_failure is not None:
            raise self.import_failure
        if self.process is None or self.process.poll() is not None:
            self.start()
            if self.import_failure is not None:
                raise self.import_failure
        blobs: list[bytes] = []
        owners: list[int | str] = []  # the argument (position or keyword) each blob belongs to
        shared = None
        if args is not None:
            encoded = []
            for position, value in enumerate(args):
                start = len(blobs)
                encoded.append(protocol.encode(value, blobs))
                owners += [position] * (len(blobs) - start)
            pairs = []
            for name, value in dict(kwargs or {}).items():
                start = len(blobs)
                pairs.append([name, protocol.encode(value, blobs)])
                owners += [name] * (len(blobs) - start)
            header = dict(header, args=encoded, kwargs={"$dict": pairs})
            # (not at the unsandboxed level: no memfd or fd passing there, and the learner's
            # own code on their own machine; the worker's own comparison gives the verdict)
            if blobs and self.level.name != levels.UNSANDBOXED:
                shared = SharedArguments(blobs)
                header["shared"] = shared.layout
        seconds = self.seconds_per_call or self.limits.seconds_per_test
        limit = reply_limit(sum(map(len, blobs)) + 4096)
        if self.expected_reply_bytes is not None:
            limit = max(REPLY_FLOOR // 8, REPLY_FACTOR * self.expected_reply_bytes)
        header["reply_limit"] = limit - 64 * 1024  # (room for the header around the value)
        try:
            reply, stdout = self._request(header, [] if shared else blobs, seconds, what, limit, shared)
            changed = shared.changed() if shared else []
        finally:
            if shared:
                shared.close()
        # Measured here: an argument whose data changed. Reported by the worker (only it can
        # see them): containers and array shapes changed. Either one costs the points.
        at = [owners[index] for index in changed]
        at += [m for m in reply.get("mutated", []) if isinstance(m, (int, str)) and not isinstance(m, bool)]
        positions = list(dict.fromkeys(at))[:10]
        params = reply.get("params") if isinstance(reply.get("params"), list) else []
        return CallResult(value=reply["value"], mutated=[_argument_name(m, params) for m in positions],
                          warnings=[str(w)[:300] for w in reply.get("warnings", [])][:5], stdout=stdout,
                          mutated_at=positions)

    def _request(self, header: dict, blobs: list[bytes], seconds: float, what: str,
                 limit: int, shared: "SharedArguments | None" = None) -> tuple[dict, str]:
        self._drain()  # anything printed between calls is not this call's output
        self._output.clear()
        self._dropped = 0
        try:
            protocol.write_message(self._req, header, blobs)
            if shared is not None:
                channel = socket.socket(fileno=self._req)
                try:
                    socket.send_fds(channel, [b"A"], [shared.fd])
                finally:
                    channel.detach()
        except OSError:
            self._crashed(what)
        reply, reply_blobs = self._receive(seconds, what, limit)
        stdout = self._take_output()
        if isinstance(reply.get("tampered"), list):
            self.tampered = [str(label)[:120] for label in reply["tampered"]][:10]
            self.isolation["tampered"] = self.tampered
            self.stop()
            self.import_failure = LearnerFailure(Outcome.FAILED, _tampered_message(self.module, self.tampered),
                                                 stdout, problem=TAMPERED)
            raise self.import_failure
        if reply.get("ok") is True:
            try:
                reply["value"] = protocol.decode(reply.get("value"), reply_blobs)
            except (protocol.ProtocolError, RecursionError, TypeError) as error:
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
        # The problem without the call (whose shapes differ test to test): grouped as one.
        raise LearnerFailure(Outcome.FAILED, text, stdout, problem=text[len(what):].lstrip())

    def _receive(self, seconds: float, what: str, limit: int) -> tuple[dict, list[bytes]]:
        deadline = time.monotonic() + seconds
        try:
            size = int.from_bytes(self._read(8, deadline), "big")
            if size > min(limit, protocol.MAX_MESSAGE_BYTES):
                # Refused from its length alone: nothing of it is read, let alone decoded.
                raise protocol.ProtocolError(f"a reply of {size} bytes is over this call's limit of {limit} "
                                    f"bytes (far more than the expected result)")
            message = protocol.unpack(self._read(size, deadline))
            if self._pipes is not None:
                self._pipes.await_prints(deadline)
            return message
        except TimeoutError:
            self.stop()
            raise LearnerFailure(
                Outcome.TIMEOUT, f"{what} did not finish within {seconds:g} s (an endless loop, or far too "
                f"slow); the sandbox was stopped.", self._take_output()) from None
        except EOFError:
            self._crashed(what)
        except protocol.ProtocolError as error:
            self.stop()
            raise LearnerFailure(Outcome.BAD_REPLY, f"{what}: the sandbox sent a malformed reply ({error}).",
                                 self._take_output()) from None

    def _read(self, size: int, deadline: float) -> bytes:
        if self._pipes is not None:
            return self._pipes.read(size, deadline)
        buffer, got = bytearray(size), 0
        view = memoryview(buffer)
        while got < size:
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
            count = os.readv(self._rep, [view[got:got + (1 << 20)]])
            if not count:
                raise EOFError
            got += count
        return bytes(buffer) if size < (1 << 20) else buffer

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
        if code is not None and code > 128 and self.level is not None and self.level.name != "rlimits" \
                and code - 128 in signal.Signals._value2member_map_:
            code = -(code - 128)  # the sandbox's init reports a signal death as 128 + the signal
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
        if self._pipes is not None:
            chunk = self._pipes.take_output()
            room = max(0, cap - len(self._output))
            self._output += chunk[:room]
            self._dropped += max(0, len(chunk) - room)
            return
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


class SharedArguments:
    """A call's argument arrays in a memfd that this process writes and the worker maps: the
    learner's function gets views of it, so whatever it writes into an argument is here to be
    read back after the call, from memory learner code can change but not misreport. One per
    call (a forward pass's cache may keep its arguments, so their memory is never reused)."""

    ALIGN = 64  # .npy data starts 64-aligned in its blob, so arrays stay aligned

    def __init__(self, blobs: list[bytes]):
        self.blobs = blobs
        self.layout: list[list[int]] = []
        end = 0
        for blob in blobs:
            end = -(-end // self.ALIGN) * self.ALIGN
            self.layout.append([end, len(blob)])
            end += len(blob)
        self.fd = os.memfd_create("nnlab-call-arguments", os.MFD_CLOEXEC)
        try:
            os.ftruncate(self.fd, max(end, 1))
            for (offset, _), blob in zip(self.layout, blobs):
                view = memoryview(blob)
                while view:
                    written = os.pwrite(self.fd, view, offset)
                    offset, view = offset + written, view[written:]
        except BaseException:
            os.close(self.fd)
            raise

    def changed(self) -> list[int]:
        """The blobs whose array the call changed (the same values written back is no change,
        as NumPy's array_equal, nan equal to nan, sees it)."""
        import numpy as np

        changed = []
        for index, ((offset, size), blob) in enumerate(zip(self.layout, self.blobs)):
            after = os.pread(self.fd, size, offset)
            if after == blob:
                continue
            try:
                before_array = protocol._read_npy([blob], 0)
                after_array = protocol._read_npy([after], 0)
                same = before_array.shape == after_array.shape and np.array_equal(
                    before_array, after_array, equal_nan=before_array.dtype.kind in "fc")
            except protocol.ProtocolError:  # its header was overwritten
                same = False
            if not same:
                changed.append(index)
        return changed

    def close(self) -> None:
        os.close(self.fd)


def _argument_name(at: int | str, params: list) -> str:
    if isinstance(at, str):
        return at[:64]
    name = params[at] if 0 <= at < len(params) else None
    return name if isinstance(name, str) and name.isidentifier() else f"argument {at + 1}"


TAMPERED = "learner code changed the grading sandbox's own code"


def _tampered_message(module: str, labels: list[str]) -> str:
    return (f"{TAMPERED} ({', '.join(labels[:5])}); that is not allowed, so no further test of "
            f"{module}.py is graded.")


def _import_message(module: str, failure: LearnerFailure) -> str:
    if failure.outcome is Outcome.TIMEOUT:
        return f"importing {module}.py did not finish in time: code at the top level of the file " \
               f"runs at import (an endless loop or a long computation outside a function?)."
    if failure.outcome is Outcome.CRASH:
        reason = failure.message.split("the sandbox process ", 1)[-1]
        return f"{module}.py could not be imported: the sandbox process {reason}"
    text = failure.message.replace(f"importing {module}.py raised ", "")
    return f"{module}.py could not be imported: {text}"


def _files_memfd(files: dict[str, bytes]) -> int:
    """The learner's files in an anonymous memory file (length-prefixed records): they reach
    the worker without touching the host's disk."""
    fd = os.memfd_create("nnlab-learner-files")
    for name, content in files.items():
        encoded = name.encode()
        os.write(fd, struct.pack(">II", len(encoded), len(content)) + encoded)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# The kernel's parent-death signal fires when the *thread* that started a process ends, so
# workers are started from one thread that lives as long as this process (the main thread, or
# a launcher thread): a worker started from a short-lived pool thread would die with it.
_launch_queue: "queue.Queue | None" = None
_launch_lock = threading.Lock()


def _launch(argv: list[str], **kwargs: Any) -> subprocess.Popen:
    global _launch_queue
    if threading.current_thread() is threading.main_thread():
        return subprocess.Popen(argv, **kwargs)
    with _launch_lock:
        if _launch_queue is None:
            _launch_queue = queue.Queue()
            threading.Thread(target=_launcher, args=(_launch_queue,), name="nnlab-worker-launcher",
                             daemon=True).start()
    done: queue.Queue = queue.Queue(maxsize=1)
    _launch_queue.put((argv, kwargs, done))
    ok, value = done.get()
    if not ok:
        raise value
    return value


def _launcher(requests: "queue.Queue") -> None:
    while True:
        argv, kwargs, done = requests.get()
        try:
            done.put((True, subprocess.Popen(argv, **kwargs)))
        except BaseException as error:  # handed to the caller
            done.put((False, error))


def _kill_group(process: subprocess.Popen) -> None:
    if not hasattr(os, "killpg"):  # Windows: the worker alone (it starts no children of its own)
        try:
            process.kill()
        except OSError:
            pass
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _PipeReaders:
    """The unsandboxed worker's replies and prints, read by two threads: pipes cannot be
    select()ed or made non-blocking on Windows. Replies queue up as chunks for `read`; prints
    collect (capped) for `take_output`. Each thread ends when its pipe closes."""

    OUTPUT_CAP = 1 << 20  # prints kept between two takes; the Worker caps them further

    def __init__(self, replies, output, mark: bytes):
        self._chunks: queue.Queue = queue.Queue()
        self._pending = bytearray()
        self._output = bytearray()
        self._dropped = 0
        self._lock = threading.Condition()
        self._mark = mark  # the worker writes it on stderr before each reply
        self._marks_seen = self._marks_taken = 0
        self._closed = False
        self._threads = [threading.Thread(target=self._pump_replies, args=(replies,), daemon=True),
                         threading.Thread(target=self._pump_output, args=(output,), daemon=True)]
        for thread in self._threads:
            thread.start()

    def _pump_replies(self, stream) -> None:
        try:
            while True:
                chunk = stream.read1(1 << 20) if hasattr(stream, "read1") else stream.read(1 << 16)
                if not chunk:
                    break
                self._chunks.put(chunk)
        except (OSError, ValueError):
            pass
        self._chunks.put(b"")  # end of the pipe

    def _pump_output(self, stream) -> None:
        tail = bytearray()  # a mark may arrive split over two reads
        try:
            while True:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(4096)
                if not chunk:
                    break
                tail += chunk
                with self._lock:
                    while self._mark in tail:
                        before, _, rest = bytes(tail).partition(self._mark)
                        self._keep(before)
                        tail = bytearray(rest)
                        self._marks_seen += 1
                        self._lock.notify_all()
                    keep = len(self._mark) - 1
                    self._keep(bytes(tail[:-keep]) if len(tail) > keep else b"")
                    del tail[:max(0, len(tail) - keep)]
        except (OSError, ValueError):
            pass
        with self._lock:
            self._keep(bytes(tail))
            self._closed = True
            self._lock.notify_all()

    def _keep(self, data: bytes) -> None:
        room = max(0, self.OUTPUT_CAP - len(self._output))
        self._output += data[:room]

    def await_prints(self, deadline: float) -> None:
        """After a reply: wait (within the call's deadline, at most 2 s more) until the prints
        before it have been read."""
        self._marks_taken += 1
        limit = min(deadline, time.monotonic() + 2.0)
        with self._lock:
            while self._marks_seen < self._marks_taken and not self._closed:
                left = limit - time.monotonic()
                if left <= 0:
                    return
                self._lock.wait(left)

    def read(self, size: int, deadline: float) -> bytes:
        while len(self._pending) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                chunk = self._chunks.get(timeout=left)
            except queue.Empty:
                raise TimeoutError from None
            if not chunk:
                self._chunks.put(b"")  # stays at the end for any later read
                raise EOFError
            self._pending += chunk
        data = bytes(self._pending[:size])
        del self._pending[:size]
        return data

    def take_output(self) -> bytes:
        with self._lock:
            data = bytes(self._output)
            self._output.clear()
        return data

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=2)
