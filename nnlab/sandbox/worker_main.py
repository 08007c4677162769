"""The sandboxed worker: the only process that ever runs learner code.

Started by `nnlab.sandbox.worker.Worker` as `python -I -S -B worker_main.py CONFIG_JSON`, at the
level `nnlab.sandbox.levels` chose. Before any learner code is imported it locks itself down:

- ``bwrap``: bubblewrap has already built its file system (a read-only Python and NumPy, this
  code in /opt/nnlab/worker, private /learner, /tmp, /var/tmp, /dev/shm, minimal /dev and /proc)
  and its namespaces; the worker only writes the learner's files and sets rlimits.
- ``namespaces``: the worker builds the same thing itself: it opens the folders it needs while
  it still may, takes its private uid, unshares user, mount, PID, network, IPC and UTS
  namespaces, builds the allow-listed root on a tmpfs and pivots into it. The first process in
  the new PID namespace only reaps; the server runs as its child with no capabilities, so when
  either dies the kernel kills everything in the namespace.
- ``rlimits``: a supervisor that keeps root forks the server under the private uid; when the
  server ends, or the grader dies (parent-death signal), it kills every process of that uid
  and removes the worker's folder.

The learner's files arrive in a memfd (never on the host's disk at sandboxed levels). Then it
serves requests from the parent over a private pipe. Learner prints go to stdout/stderr, which
the parent drains and caps; they never mix with replies. Replies carry only plain data (see
`protocol.py`); every other value stays here behind a handle.

This file needs only the standard library, NumPy and the sibling protocol.py, loaded by path:
the nnlab package itself is not importable from the sandbox.
"""

import ctypes
import importlib
import importlib.util
import inspect
import json
import mmap
import os
import shutil
import signal
import socket
import struct
import sys
import traceback
import warnings

try:
    import resource
except ImportError:  # Windows: only the unsandboxed level, which sets no rlimits
    resource = None

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 0x4000, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
MAX_HANDLES = 256
DEVICES = ("null", "zero", "full", "random", "urandom")

try:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
except (OSError, TypeError, AttributeError):  # Windows, macOS: only the unsandboxed level needs none
    libc = None


def check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def die_with_parent(sig=signal.SIGKILL, parent=None):
    """Be sent `sig` when the parent ends. Set again after every change of credentials (setuid
    clears it); with `parent`, end now if it already ended before we asked."""
    check(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if parent is not None and os.getppid() != parent:
        os._exit(137)


def load_protocol(folder):
    path = os.path.join(folder, "protocol.py")
    spec = importlib.util.spec_from_file_location("_nnlab_protocol", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def read_files(fd):
    """The learner's files from the parent's memfd: {name: bytes} (length-prefixed records)."""
    data = b""
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    files, offset = {}, 0
    while offset < len(data):
        name_len, size = struct.unpack_from(">II", data, offset)
        offset += 8
        name = data[offset:offset + name_len].decode()
        offset += name_len
        files[name] = data[offset:offset + size]
        offset += size
    return files


def write_files(folder, files):
    for name, content in files.items():
        if "/" in name or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(content)
        os.chmod(path, 0o444)
    os.chmod(folder, 0o555)


# ------------------------------------------------------------------------------------------
# Lock-down (runs before any learner code)
# ------------------------------------------------------------------------------------------


def set_limits(limits, nproc=True):
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
    if nproc:
        cap(resource.RLIMIT_NPROC, limits.get("processes"))


def drop_uid(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    # A change of uid makes the process undumpable, which leaves /proc/self owned by root (and
    # its uid_map unwritable): the new uid owns itself again.
    check(libc.prctl(4, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def drop_capabilities():
    """No capabilities left, and none to gain (the server after the namespaces are built)."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    for cap in range(64):  # the bounding set too, so nothing can come back through exec
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP (may fail for unknown caps: fine)
    check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def mount(source, target, fstype=None, flags=0, data=None):
    check(libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                     data and ctypes.c_char_p(data.encode())), f"mount {target}")


def make_target(path, is_dir):
    os.makedirs(path if is_dir else os.path.dirname(path), mode=0o755, exist_ok=True)
    if not is_dir and not os.path.exists(path):
        open(path, "wb").close()


def bind_readonly(source, target, is_dir):
    make_target(target, is_dir)
    mount(source, target, None, MS_BIND | MS_REC)
    locked = os.statvfs(target).f_flag & (os.ST_NOEXEC | os.ST_NOSUID | os.ST_NODEV)
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    if locked & os.ST_NOEXEC:
        flags |= MS_NOEXEC
    mount(None, target, None, flags)


def write_map(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def enter_namespaces(config):
    """Build the allow-listed root in new namespaces; returns in the server (pid 2 inside),
    under the private uid, with no capabilities. The processes above it only relay its exit
    status.

    Started as root, this process stays outside as the namespace's parent: it maps root and
    the private uid into the child's user namespace (two ids need root's CAP_SETUID, as
    newuidmap does), so the child can still read a Python under a mode-0700 home while it
    builds the root, and then becomes the private uid for good. Started as a normal user, the
    child maps only that user's own id.
    """
    uid = config.get("uid")
    privileged = uid is not None and os.geteuid() == 0
    die_with_parent(parent=config["grader"])
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    if privileged:
        unshared_r, unshared_w = os.pipe()
        mapped_r, mapped_w = os.pipe()
        child = os.fork()
        if child:
            os.close(unshared_w)
            os.close(mapped_r)
            if os.read(unshared_r, 1) == b"1":
                for kind in ("uid", "gid"):
                    write_map(f"/proc/{child}/{kind}_map", f"0 0 1\n{uid} {uid} 1\n")
                os.write(mapped_w, b"1")
            relay(child)
        die_with_parent()
        check(libc.unshare(flags), "unshare")
        os.write(unshared_w, b"1")
        if os.read(mapped_r, 1) != b"1":
            os._exit(70)
        for fd in (unshared_r, unshared_w, mapped_r, mapped_w):
            os.close(fd)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    else:
        me, group = os.geteuid(), os.getegid()
        check(libc.unshare(flags), "unshare")
        write_map("/proc/self/setgroups", "deny")
        write_map("/proc/self/uid_map", f"{me} {me} 1")
        write_map("/proc/self/gid_map", f"{group} {group} 1")
    init = os.fork()  # the first process of the new PID namespace
    if init:
        relay(init)
    die_with_parent()
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    size = f"{config['tmpfs_mb']}m"
    new_root = "/tmp"  # any folder will do as a mount point: nothing of the host's /tmp shows
    # Hold every source open first: the tmpfs hides the host's /tmp, and a Python or NumPy
    # installed under /tmp (a clone in a temporary folder) must still be bound from there.
    sources = [(os.open(source, os.O_PATH | os.O_CLOEXEC), os.path.isdir(source), target)
               for source, target in config["binds"]]
    mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m")
    for fd, is_dir, target in sources:
        bind_readonly(f"/proc/self/fd/{fd}", new_root + target, is_dir)
        os.close(fd)
    os.makedirs(new_root + "/dev", 0o755)
    mount("tmpfs", new_root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k")
    for device in DEVICES:
        make_target(new_root + f"/dev/{device}", False)
        mount(f"/dev/{device}", new_root + f"/dev/{device}", None, MS_BIND)
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/learner"):
        os.makedirs(new_root + folder, 0o755, exist_ok=True)
        mount("tmpfs", new_root + folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,size={size}")
        if privileged:
            os.chown(new_root + folder, uid, uid)
    os.makedirs(new_root + "/proc", 0o555)
    mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for target, link in config.get("symlinks", []):
        os.symlink(target, new_root + link)
    os.chdir(new_root)
    machine = os.uname().machine
    check(libc.syscall(SYS_PIVOT_ROOT.get(machine, 155), b".", b"."), "pivot_root")
    check(libc.umount2(b".", MNT_DETACH), "detach the host's root")
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    server = os.fork()
    if server:
        reap(server)
    die_with_parent()
    if privileged:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # (this also clears every capability)
    drop_capabilities()


AUDIT_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # (arch, socket's number)
IO_URING_SETUP = 425  # the same on both: io_uring could open sockets behind seccomp's back


def no_network_sockets():
    """A seccomp filter: socket(AF_INET | AF_INET6) fails with EACCES, and io_uring is refused.
    No network, loopback included, at every level (even rlimits, which shares the host's
    network namespace); Unix sockets and everything else are left alone."""
    machine = os.uname().machine
    if machine not in AUDIT_ARCH:
        return False
    arch, socket_nr = AUDIT_ARCH[machine]
    ld, jeq, ret = 0x20, 0x15, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
    program = [
        (ld, 0, 0, 4),                 # 0: the architecture
        (jeq, 0, 6, arch),             # 1: another one (a 32-bit call): allowed, see 8
        (ld, 0, 0, 0),                 # 2: the system call's number
        (jeq, 5, 0, IO_URING_SETUP),   # 3: io_uring_setup: denied
        (jeq, 0, 3, socket_nr),        # 4: not socket(): allowed
        (ld, 0, 0, 16),                # 5: socket's first argument, the address family
        (jeq, 2, 0, 2),                # 6: AF_INET: denied
        (jeq, 1, 0, 10),               # 7: AF_INET6: denied
        (ret, 0, 0, allow),            # 8
        (ret, 0, 0, deny),             # 9
    ]

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*row) for row in program])
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    check(libc.prctl(22, 2, ctypes.byref(Program(len(program), filters)), 0, 0),
          "prctl(PR_SET_SECCOMP)")  # SECCOMP_MODE_FILTER
    return True


def exit_like(status):
    """Exit as a child with this wait status did: its code, or 128 + the signal that killed it
    (which the parent reads back as that signal)."""
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


def relay(child):
    """The host-side process: wait for the namespace's first process and exit as it did."""
    while True:
        try:
            _, status = os.waitpid(child, 0)
            exit_like(status)
        except InterruptedError:
            continue


def reap(server):
    """PID 1 of the namespace: reap orphans until the server ends, then end (which kills every
    process left in the namespace)."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        if pid == server:
            exit_like(status)


def supervise(config):
    """rlimits level, started as root: fork the server under the private uid and stay behind to
    clean up after it (kill its uid, remove its folder) however it or the grader ends."""
    uid, folder = config["uid"], config["folder"]

    def clean(*_):
        kill_uid(uid)
        shutil.rmtree(folder, ignore_errors=True)
        remove_files_of(uid)

    supervisor = os.getpid()
    server = os.fork()
    if server == 0:
        drop_uid(uid)
        die_with_parent(parent=supervisor)
        return
    signal.signal(signal.SIGTERM, lambda *_: (clean(), os._exit(137)))
    die_with_parent(signal.SIGTERM, parent=config["grader"])
    while True:
        try:
            _, status = os.waitpid(server, 0)
            break
        except InterruptedError:
            continue
    clean()
    exit_like(status)


SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def remove_files_of(uid):
    """Whatever the private uid left in the host's shared temp folders (rlimits level only:
    elsewhere those folders are the sandbox's own). Used by this supervisor and, imported, by
    the host's `levels.UidLease.remove_files`."""
    for folder in SHARED_TEMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def kill_uid(uid):
    """Kill every process of the worker's private uid (children that left its process group).
    Used by this supervisor and, imported, by the host's `Worker.stop`."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def seal_points(server):
    """[(label, getter)]: what the worker's measurements rest on, read again after every
    request. Learner code runs in this process and could replace any of it (four lines that
    rewrap `Server.call` to report no warnings, say); honest code never touches it, so a value
    that is no longer the same object is tampering, and the worker says so instead of answering.

    Covered: this file's functions and classes (and their code objects), the `Server`
    instance's attributes, the protocol module, the modules and functions the measurements
    call (warnings, NumPy's error state and comparisons, json, os, struct), every builtin, and
    the import guard. (What the parent can measure itself, the arguments' data, it does: see
    `Worker._call`.)"""
    points = []
    # The getters below use these, never a global or builtin name learner code could rebind
    # (a fake `vars` must not be able to show the originals).
    _vars, _getattr, _type, _frozenset, _modules = vars, getattr, type, frozenset, sys.modules

    def watch(label, get):
        points.append((label, get))

    def watch_function(label, function):
        watch(f"{label}.__code__", lambda: _getattr(function, "__code__", None))
        watch(f"{label}.__defaults__", lambda: _getattr(function, "__defaults__", None))
        watch(f"{label}.__kwdefaults__", lambda: _getattr(function, "__kwdefaults__", None))

    here = globals()
    for name, value in list(here.items()):
        if inspect.isfunction(value) or inspect.ismodule(value) or \
                inspect.isclass(value) and value.__module__ == here["__name__"]:
            watch(name, lambda name=name: here.get(name))
        if inspect.isfunction(value):
            watch_function(name, value)
        if inspect.isclass(value) and value.__module__ == here["__name__"]:
            for attr, member in list(vars(value).items()):
                watch(f"{name}.{attr}", lambda cls=value, attr=attr: _vars(cls).get(attr))
                if inspect.isfunction(member):
                    watch_function(f"{name}.{attr}", member)
    watch("the server's class", lambda: _type(server))
    state = dict(_vars(server))
    for attr in state:
        if attr not in ("handles", "next_handle", "reply_limit"):
            watch(f"server.{attr}", lambda attr=attr: _vars(server).get(attr))
    # An instance attribute would shadow a method (`server.call = ...`): none may appear.
    names = frozenset(state)
    watch("the server's attributes", lambda: names if _frozenset(_vars(server)) == names else None)
    protocol = server.p
    for name, value in list(vars(protocol).items()):
        if inspect.isfunction(value) or inspect.isclass(value):
            watch(f"protocol.{name}", lambda name=name: _vars(protocol).get(name))
        if inspect.isfunction(value):
            watch_function(f"protocol.{name}", value)
    for module in ("warnings", "numpy", "json", "json.encoder", "os", "struct", "io", "inspect",
                   "traceback", "importlib", "socket", "mmap", "builtins", "sys", "_nnlab_protocol",
                   "__main__", here["__name__"]):
        watch(f"sys.modules[{module!r}]", lambda module=module, value=_modules.get(module):
              value if _modules.get(module) is value else None)
    np = server.np
    watched = {"warnings": ("catch_warnings", "simplefilter", "filterwarnings", "showwarning",
                            "_showwarnmsg", "_showwarnmsg_impl", "formatwarning", "warn",
                            "warn_explicit", "WarningMessage"),
               "numpy": ("errstate", "seterr", "geterr", "array_equal", "shape", "ndarray", "copy"),
               "json": ("dumps", "loads", "_default_encoder", "_default_decoder", "JSONEncoder"),
               "json.encoder": ("c_make_encoder", "encode_basestring", "encode_basestring_ascii"),
               "os": ("write", "read", "close"), "struct": ("pack", "unpack", "unpack_from"),
               "socket": ("recv_fds",)}
    for module, attrs in watched.items():
        for attr in attrs:
            owner = np if module == "numpy" else sys.modules[module]
            if hasattr(owner, attr):
                watch(f"{module}.{attr}", lambda owner=owner, attr=attr: _getattr(owner, attr, None))
    for cls, attrs in ((warnings.catch_warnings, ("__init__", "__enter__", "__exit__")),
                       (np.errstate, ("__init__", "__enter__", "__exit__")),
                       (json.JSONEncoder, ("encode", "iterencode", "default"))):
        for attr in attrs:
            watch(f"{cls.__name__}.{attr}", lambda cls=cls, attr=attr: _vars(cls).get(attr))
    builtins = sys.modules["builtins"]
    for name in list(vars(builtins)):
        watch(f"builtins.{name}", lambda name=name: _vars(builtins).get(name))
    guard = sys.meta_path[0] if sys.meta_path else None
    meta_path = sys.meta_path
    watch("the import guard", lambda: guard if meta_path and meta_path[0] is guard else None)
    watch("sys.meta_path", lambda: meta_path if _getattr(_modules.get("sys"), "meta_path", None) is meta_path
          else None)
    return points


class ForbiddenImports:
    """Refuse the libraries the curriculum bans from learner modules, with a clear message.
    (A meta path finder by its methods: importlib.abc would import importlib.resources, a
    tenth of a worker's start.)"""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(
                f"learner modules may not import {fullname.split('.')[0]}: the course asks for "
                f"NumPy only (numpy and math are fine)")
        return None

    def invalidate_caches(self):
        pass


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
        # The request channel is a Unix socket: a call's arguments come with a memfd (at the
        # unsandboxed level it is a plain pipe, and arguments come inline).
        try:
            self.req_sock = socket.socket(fileno=req_fd)
        except OSError:
            self.req_sock = None
        self.handles = {}
        self.next_handle = 1
        self.reply_limit = None

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
        if kind == "code":  # a grader's function, compiled here with the learner's rights
            namespace = {"np": self.np, "math": importlib.import_module("math")}
            exec(compile(payload.source, f"<grader function {payload.name}>", "exec"), namespace)
            return namespace[payload.name]
        module_name, _, name = payload.partition(".")
        return getattr(importlib.import_module(module_name), name)

    # -- the loop --------------------------------------------------------------------------
    def serve(self):
        """Answer requests until the parent closes the channel.

        Runs before any learner code is imported (the import is its first request), so the
        seal taken here, and everything this frame holds in local variables, is the worker's
        own: after every request the seal is checked, and a worker whose code learner code
        replaced says so instead of answering (see `seal_points`)."""
        read_message, write_message = self.p.read_message, self.p.write_message
        protocol_error, flush_out, flush_err = self.p.ProtocolError, sys.stdout.flush, sys.stderr.flush
        sealed = [(label, get, get()) for label, get in seal_points(self)]
        threads, gettrace, getprofile, count = sys._current_frames, sys.gettrace, sys.getprofile, len
        own_threads = count(threads())  # 1; 2 at the unsandboxed level (its parent watcher)
        while True:
            try:
                header, blobs = read_message(self.req_fd)
            except EOFError:
                return
            reply_blobs = []
            try:
                reply = self.handle(header, blobs, reply_blobs)
            except BaseException as error:  # learner code raised (or tried to exit)
                reply_blobs = []
                reply = {"ok": False, "error": self.describe(error)}
            broken = []
            for label, get, value in sealed:  # (no builtin in this loop: they are sealed too)
                try:
                    if get() is not value:
                        broken.append(label)
                except BaseException:
                    broken.append(label)
            if count(threads()) > own_threads:
                broken.append("a thread of learner code still running after the call")
            if gettrace() is not None or getprofile() is not None:
                broken.append("a trace or profile function set by learner code")
            if broken:
                reply_blobs = []
                reply = {"ok": False, "tampered": broken[:10], "error": {
                    "type": "SandboxTampered", "message": "learner code changed the sandbox's own "
                    "code: " + ", ".join(broken[:5]), "where": ""}}
            flush_out()
            flush_err()
            try:
                write_message(self.rep_fd, reply, reply_blobs)
            except protocol_error as error:
                write_message(self.rep_fd, {"ok": False, "error": {
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
        self.reply_limit = header.get("reply_limit")
        if op in ("call", "method"):
            if "shared" in header:
                blobs = self.shared_blobs(header["shared"])
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

    def shared_blobs(self, layout):
        """The call's argument blobs as views of the memfd the parent sent after the request:
        learner code works on that memory, and the parent reads it back after the call."""
        _, fds, _, _ = socket.recv_fds(self.req_sock, 1, 4)
        try:
            if len(fds) != 1:
                raise self.p.ProtocolError("a call's arguments came without their memory")
            end = max([offset + size for offset, size in layout] + [1])
            region = mmap.mmap(fds[0], end)  # shared, read and write
        finally:
            for fd in fds:
                os.close(fd)
        view = memoryview(region)
        return self.p.SharedBlobs(view[offset:offset + size] for offset, size in layout)

    def call(self, target, args, kwargs, reply_blobs):
        np = self.np
        before = [self.snapshot(a) for a in args]
        before_kw = {k: self.snapshot(v) for k, v in kwargs.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # NumPy's own defaults, restored: learner code may have silenced them.
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                value = target(*args, **kwargs)
        limit = self.reply_limit
        if limit and self.estimate(value, limit) > limit:
            # The parent refuses such a reply from its length anyway; saying so here spares
            # encoding it (the parent's bound does not rely on this).
            raise OverflowError(f"the result is over the limit for this call ({limit} bytes; "
                                f"far more than the expected result)")
        # What only this process can see (a container's items replaced, an array's shape or
        # dtype reassigned); the parent measures the arguments' data itself.
        mutated = [i for i, a in enumerate(args) if self.changed(before[i], a)]
        mutated += [k for k, v in kwargs.items() if self.changed(before_kw[k], v)]
        messages = []
        for w in caught[:5]:
            messages.append(f"{w.category.__name__}: {w.message}")
        return {"ok": True, "value": self.p.encode(value, reply_blobs, self.keep),
                "mutated": mutated, "params": self.param_names(target), "warnings": messages}

    def estimate(self, value, budget):
        """A quick lower bound of a value's size on the wire, stopping once over `budget`."""
        np = self.np
        if isinstance(value, np.ndarray):
            return value.nbytes
        if isinstance(value, str):
            return len(value)
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, (list, tuple)):
            total = 8 * len(value)
            for item in value:
                if total > budget:
                    break
                if isinstance(item, (list, tuple, dict, str, np.ndarray)):
                    total += self.estimate(item, budget - total)
            return total
        return 8

    def snapshot(self, value):
        return snapshot(value, self.np)

    def changed(self, before, after):
        return changed(before, after, self.np)

    @staticmethod
    def param_names(target):
        """The target's parameter names, to name an argument it changed (display only)."""
        try:
            return [str(name)[:64] for name in inspect.signature(target).parameters][:64]
        except Exception:
            return []

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


def own_process(config):
    """The unsandboxed level (`nnlab check` where no sandbox exists: macOS, Windows): requests
    arrive on stdin and replies leave on stdout, the only pipes every platform can hand a child;
    learner prints go to stderr, so they never mix with replies. The parent wrote the learner's
    files; the parent's wall clock is the only limit. When the parent dies this process ends:
    at its next request (the pipe closes), or within a second on POSIX (it is re-parented)."""
    config["req_fd"], config["rep_fd"] = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    grader = config["grader"]

    def watch():
        import time

        while True:
            time.sleep(0.5)
            if os.getppid() != grader:
                os._exit(137)

    import threading

    threading.Thread(target=watch, daemon=True).start()


def mark_replies(protocol, mark):
    """Write `mark` on stderr before each reply: whatever learner code printed for a call is
    ahead of it there, so the parent, which reads stderr and the replies in two threads, knows
    when it has all of a call's prints."""
    write = protocol.write_message

    def write_after_prints(fd, header, blobs):
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(2, mark)
        write(fd, header, blobs)

    protocol.write_message = write_after_prints


def main():
    config = json.loads(sys.argv[1])
    level = config["level"]
    if level == "unsandboxed":
        own_process(config)
    files = read_files(config["files_fd"]) if config.get("files_fd") is not None else {}
    uid = config.get("uid")
    if level == "namespaces":
        enter_namespaces(config)
    elif level == "rlimits" and uid is not None and os.geteuid() == 0:
        supervise(config)
    elif level == "rlimits":
        die_with_parent(parent=config["grader"])
    # (bwrap: bubblewrap built the file system and namespaces, and dies with the grader.)
    learner_dir = config["learner_dir"]
    sealed = False
    if level != "unsandboxed":
        write_files(learner_dir, files)
        set_limits(config["limits"], nproc=uid is not None or level != "rlimits")
        sealed = no_network_sockets()
    sys.path[:] = [learner_dir] + [p for p in sys.path if p] + [config["site"]]
    protocol = load_protocol(config["worker_dir"])
    if config.get("mark"):  # unsandboxed: prints and replies travel apart (see own_process)
        mark_replies(protocol, config["mark"].encode())
    import numpy  # noqa: F401  (before any learner code can shadow or patch it)

    os.environ["HOME"] = os.environ["TMPDIR"] = config["tmp"]
    os.chdir(learner_dir)
    sys.meta_path.insert(0, ForbiddenImports(config.get("forbidden", [])))
    seen = {"uid": os.getuid() if hasattr(os, "getuid") else None, "pid": os.getpid(), "seccomp": sealed}
    req_fd, rep_fd = config["req_fd"], config["rep_fd"]
    protocol.write_message(rep_fd, {"ok": True, "ready": seen}, [])
    Server(protocol, learner_dir, req_fd, rep_fd).serve()


def snapshot(value, np):
    """A copy of every array inside `value` (nested lists, tuples and dicts kept), to compare
    with after a call: `changed` then says whether the call wrote into its arguments. Also the
    trusted parent's (grading/proof.py), which passes its own NumPy."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v, np) for v in value)
    if isinstance(value, dict):
        return {k: snapshot(v, np) for k, v in value.items()}
    return None


def changed(before, after, np):
    """Whether `after` differs from the `snapshot` taken `before` (an array's shape or values,
    a container's length or keys)."""
    if isinstance(before, np.ndarray):
        return not (before.shape == np.shape(after)
                    and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)):
        return (not isinstance(after, (list, tuple)) or len(before) != len(after)
                or any(changed(b, a, np) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return (not isinstance(after, dict) or set(before) != set(after)
                or any(changed(before[k], after[k], np) for k in before))
    return False


if __name__ == "__main__":
    main()
