"""The sandboxed worker: the only process that ever runs learner code.

Started by `nnlab.sandbox.worker.Worker` as `python -I -B worker_main.py CONFIG_JSON`. Before any
learner code is imported it locks itself down, as far as the OS allows:

1. rlimits: CPU seconds, address space, file size, open files (and processes, once it runs
   under its own uid);
2. a new network namespace (no interfaces but a downed loopback) and a new mount namespace in
   which the course's hidden folders (reference/, graders/, solutions/, other submissions, the
   output folder) and the forbidden libraries' folders are covered by empty read-only tmpfs;
3. when started as root, a private uid/gid with no supplementary groups.

Then it serves requests from the parent over a private pipe. Learner prints go to stdout/stderr,
which the parent drains and caps; they never mix with replies. Replies carry only plain data
(see `protocol.py`); every other value stays here behind a handle.

This file needs only the standard library, NumPy and the sibling protocol.py, loaded by path:
the nnlab package itself is not importable from the sandbox.
"""

import ctypes
import importlib
import importlib.abc
import importlib.util
import inspect
import json
import os
import resource
import sys
import traceback
import warnings

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 1, 2, 4, 0x4000, 1 << 18
MAX_HANDLES = 256
PRELOADED_STDLIB = ("math", "cmath", "random", "functools", "itertools", "collections",
                    "collections.abc", "typing", "dataclasses", "copy", "statistics", "operator",
                    "numbers", "decimal", "fractions", "string", "re", "time", "enum", "heapq",
                    "bisect", "contextlib", "textwrap", "pprint", "unittest", "difflib",
                    "platform", "gc", "sysconfig", "pathlib", "glob", "fnmatch", "shutil",
                    "subprocess", "numpy.testing", "numpy.random", "secrets", "hashlib", "hmac",
                    "json", "base64", "struct", "array", "datetime", "inspect", "warnings",
                    "abc", "io", "csv", "queue", "threading", "weakref", "traceback", "uuid")


def world_readable(folder):
    """Can any user list `folder` and pass through each folder above it?"""
    path = os.path.abspath(folder)
    if not os.stat(path).st_mode & 0o004:
        return False
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def load_protocol():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protocol.py")
    spec = importlib.util.spec_from_file_location("_nnlab_protocol", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------
# Lock-down (runs before any learner code)
# ------------------------------------------------------------------------------------------


def set_limits(limits):
    def cap(which, value):
        if value is None:
            return
        soft, hard = resource.getrlimit(which)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    cap(resource.RLIMIT_AS, limits.get("memory_mb") and limits["memory_mb"] * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.get("file_mb") and limits["file_mb"] * 1024 * 1024)
    cap(resource.RLIMIT_NOFILE, limits.get("open_files"))
    cap(resource.RLIMIT_CORE, 0)


def isolate(hide, uid, nproc):
    """Namespaces, hidden folders and a private uid; returns what was achieved."""
    achieved = {"network": False, "hidden": False, "uid": None}
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:
        achieved["network"] = True
    if hide and libc.unshare(CLONE_NEWNS) == 0:
        if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0:
            covered = 0
            for path in hide:
                if os.path.isdir(path) and libc.mount(
                    b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k"
                ) == 0:
                    covered += 1
            achieved["hidden"] = covered == len([p for p in hide if os.path.isdir(p)])
    if uid is not None and os.geteuid() == 0:
        if nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        achieved["uid"] = uid
    return achieved


class ForbiddenImports(importlib.abc.MetaPathFinder):
    """Refuse the libraries the curriculum bans from learner modules, with a clear message."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(
                f"learner modules may not import {fullname.split('.')[0]}: the course asks for "
                f"NumPy only (numpy and math are fine)")
        return None


class UnavailableStdlib(importlib.abc.MetaPathFinder):
    """Last on the path: a standard-library module the sandbox cannot load gets a clear error."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in sys.stdlib_module_names:
            raise ImportError(f"the sandbox does not offer the standard library module "
                              f"{fullname!r}; learner modules need only numpy and math")
        return None


# ------------------------------------------------------------------------------------------
# Serving calls
# ------------------------------------------------------------------------------------------


class Server:
    def __init__(self, protocol, learner_dir, req_fd, rep_fd):
        import numpy

        self.np = numpy
        self.p = protocol
        self.learner_dir = learner_dir
        self.req_fd, self.rep_fd = req_fd, rep_fd
        self.handles = {}
        self.next_handle = 1

    # -- handles ---------------------------------------------------------------------------
    def keep(self, value):
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = value
        if len(self.handles) > MAX_HANDLES:
            self.handles.pop(next(iter(self.handles)))
        return handle

    def resolve(self, kind, payload):
        if kind == "opaque":
            if payload not in self.handles:
                raise LookupError("a value from an earlier call is no longer available")
            return self.handles[payload]
        module_name, _, name = payload.partition(".")
        return getattr(importlib.import_module(module_name), name)

    # -- the loop --------------------------------------------------------------------------
    def serve(self):
        while True:
            try:
                header, blobs = self.p.read_message(self.req_fd)
            except EOFError:
                return
            reply_blobs = []
            try:
                reply = self.handle(header, blobs, reply_blobs)
            except BaseException as error:  # learner code raised (or tried to exit)
                reply_blobs = []
                reply = {"ok": False, "error": self.describe(error)}
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                self.p.write_message(self.rep_fd, reply, reply_blobs)
            except self.p.ProtocolError as error:
                self.p.write_message(self.rep_fd, {"ok": False, "error": {
                    "type": "ProtocolError", "message": str(error), "where": ""}}, [])

    def handle(self, header, blobs, reply_blobs):
        op = header.get("op")
        if op == "ping":
            return {"ok": True, "value": None}
        if op == "import":
            importlib.import_module(header["module"])
            return {"ok": True, "value": None}
        if op == "getattr":
            value = getattr(importlib.import_module(header["module"]), header["name"])
            return {"ok": True, "value": self.p.encode(value, reply_blobs, self.keep)}
        if op in ("call", "method"):
            args = self.p.decode(header.get("args", []), blobs, self.resolve)
            kwargs = dict(self.p.decode(header.get("kwargs", {"$dict": []}), blobs, self.resolve))
            if op == "call":
                target = getattr(importlib.import_module(header["module"]), header["name"])
            else:
                target = getattr(self.resolve("opaque", header["handle"]), header["name"])
            return self.call(target, args, kwargs, reply_blobs)
        if op == "attr":
            value = getattr(self.resolve("opaque", header["handle"]), header["name"])
            return {"ok": True, "value": self.p.encode(value, reply_blobs, self.keep)}
        raise ValueError(f"unknown request {op!r}")

    def call(self, target, args, kwargs, reply_blobs):
        np = self.np
        before = [self.snapshot(a) for a in args]
        before_kw = {k: self.snapshot(v) for k, v in kwargs.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # NumPy's own defaults, restored: learner code may have silenced them.
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                value = target(*args, **kwargs)
        mutated = [self.arg_name(target, i) for i, a in enumerate(args) if self.changed(before[i], a)]
        mutated += [k for k, v in kwargs.items() if self.changed(before_kw[k], v)]
        messages = []
        for w in caught[:5]:
            messages.append(f"{w.category.__name__}: {w.message}")
        return {"ok": True, "value": self.p.encode(value, reply_blobs, self.keep),
                "mutated": mutated, "warnings": messages}

    def snapshot(self, value):
        np = self.np
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, (list, tuple)):
            return type(value)(self.snapshot(v) for v in value)
        if isinstance(value, dict):
            return {k: self.snapshot(v) for k, v in value.items()}
        return None

    def changed(self, before, after):
        np = self.np
        if isinstance(before, np.ndarray):
            return not (before.shape == np.shape(after)
                        and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        if isinstance(before, (list, tuple)):
            return (not isinstance(after, (list, tuple)) or len(before) != len(after)
                    or any(self.changed(b, a) for b, a in zip(before, after)))
        if isinstance(before, dict):
            return (not isinstance(after, dict) or set(before) != set(after)
                    or any(self.changed(before[k], after[k]) for k in before))
        return False

    @staticmethod
    def arg_name(target, index):
        try:
            return list(inspect.signature(target).parameters)[index]
        except Exception:
            return f"argument {index + 1}"

    def describe(self, error):
        """The learner-facing facts of an exception: type, message, and the learner's line."""
        where = ""
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.startswith(self.learner_dir):
                where = f"{os.path.basename(frame.filename)} line {frame.lineno}"
                if frame.line:
                    where += f": {frame.line.strip()[:120]}"
                break
        syntax = isinstance(error, SyntaxError) and error.filename and \
            error.filename.startswith(self.learner_dir)
        if syntax:
            # The file, the line, the line itself and a caret under the column Python points
            # at: what an editor would show, not a traceback.
            where = f"{os.path.basename(error.filename)} line {error.lineno}"
            text = (error.text or "").rstrip("\r\n").expandtabs()
            if text.strip():
                code = text.lstrip()
                column = max(0, min(len(code), (error.offset or 1) - 1 - (len(text) - len(code))))
                if len(code) > 120:  # keep the caret's neighbourhood of a very long line
                    start = max(0, column - 60)
                    code, column = code[start:start + 120], column - start
                where += f":\n    {code}\n    {' ' * column}^"
        try:
            message = (error.msg if syntax else str(error))[:500]
        except BaseException:
            message = "(the exception's message could not be shown)"
        return {"type": type(error).__name__[:80], "message": message, "where": where}


def main():
    config = json.loads(sys.argv[1])
    protocol = load_protocol()
    import numpy  # noqa: F401  (loaded with the parent's rights, before the lock-down)

    if config.get("uid") is not None and not world_readable(os.path.dirname(os.__file__)):
        # Under a private uid the interpreter's own library may be unreadable (a Python
        # installed under /root, say): load what learner code may reasonably use now.
        for name in PRELOADED_STDLIB:
            try:
                importlib.import_module(name)
            except ImportError:
                pass

    set_limits(config["limits"])
    achieved = isolate(config.get("hide", []), config.get("uid"), config["limits"].get("processes"))
    os.environ["HOME"] = config["home"]
    os.environ["TMPDIR"] = os.path.join(config["home"], "tmp")
    learner_dir = config["learner_dir"]
    hidden_roots = set(config.get("hide", [])) | {config.get("course_root", "")}
    sys.path[:] = [learner_dir] + [p for p in sys.path if p and p not in hidden_roots]
    os.chdir(learner_dir)

    sys.meta_path.insert(0, ForbiddenImports(config.get("forbidden", [])))
    sys.meta_path.append(UnavailableStdlib())
    req_fd, rep_fd = config["req_fd"], config["rep_fd"]
    protocol.write_message(rep_fd, {"ok": True, "ready": achieved}, [])
    Server(protocol, learner_dir, req_fd, rep_fd).serve()


if __name__ == "__main__":
    main()
