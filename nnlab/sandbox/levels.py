"""How strongly this machine can isolate a worker, decided once per process.

Three levels, strongest first:

- ``bwrap``: bubblewrap builds the worker a file system of its own from an allow-list (a
  read-only Python and NumPy, the worker's code, the learner's files, private size-capped
  /tmp, /var/tmp and /dev/shm, a minimal /dev and /proc) in fresh user, mount, PID, network,
  IPC and UTS namespaces; it dies with its parent.
- ``namespaces``: the same file system and namespaces, built by the worker itself with
  unshare(2), mount(2) and pivot_root(2) (no bubblewrap installed, unprivileged user
  namespaces allowed).
- ``rlimits``: no namespaces at all. The worker runs under its own uid with rlimits, but the
  host's file system stays readable wherever file modes allow: a loud warning says so. As root
  (Gradescope, Docker, CI) that uid is a private one with no groups, so the wall holds where
  the course, the class and the results are not readable by other users; nnlab.sandbox.wall
  checks that live, and grading a class refuses where it does not hold (or without root)
  unless the instructor passes --allow-weak-sandbox.

Below them, for `nnlab check` alone (`choose(own_code=True)`: the learner's own code on the
learner's own machine): ``unsandboxed``, where none of the three exists (macOS, Windows, Linux
without the `resource` module or prctl). The learner's code still runs in a separate process
with the same wall-clock limits, so a hang or a crash costs only that check; a note says once
that it runs unsandboxed. Grading never uses it: `choose()` without `own_code` refuses.

`choose()` probes once and caches; `choose(own_code=True)` also keeps the bwrap and namespaces
probes in the user's cache, keyed by everything they depend on (`_machine_key`), so `nnlab
check` does not run bubblewrap twice before each check. ``NNLAB_SANDBOX=<level>`` forces a level (an unavailable
one is an error), so the test suite can run at every level this machine offers.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("bwrap", "namespaces", "rlimits")
UNSANDBOXED = "unsandboxed"  # `nnlab check` only: see the module's docstring
FORCE_ENV = "NNLAB_SANDBOX"
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x00020000, 0x20000000, 0x40000000
FILESYSTEM_WARNING = ("nnlab sandbox: WARNING: only rlimits isolate learner code on this machine; the "
                      "file system is NOT isolated (learner code can read every file its uid can "
                      "read, e.g. another clone of the course). Install bubblewrap "
                      "(`apt-get install bubblewrap`) or allow unprivileged user namespaces.")


UNSANDBOXED_NOTE = ("nnlab: no sandbox on this machine ({reason}), so your own code runs "
                    "unsandboxed, in a separate process with the same time limits; the verdicts "
                    "are the same. (Grading always runs in the sandbox.)")


def euid() -> int | None:
    """The effective uid; None where there is none (Windows)."""
    return os.geteuid() if hasattr(os, "geteuid") else None


def is_root() -> bool:
    return euid() == 0


def _linux_lacks() -> str:
    """Why the Linux levels cannot work in this Python ("" when they can)."""
    if not sys.platform.startswith("linux"):
        return f"{sys.platform} is not Linux"
    missing = [name for name in ("fork", "memfd_create", "geteuid", "killpg") if not hasattr(os, name)]
    if missing:
        return f"this Python has no os.{missing[0]}"
    try:
        import resource  # noqa: F401
    except ImportError:
        return "this Python has no resource module"
    try:
        ctypes.CDLL(None, use_errno=True).prctl  # noqa: B018
    except (OSError, TypeError, AttributeError):
        return "the C library's prctl cannot be loaded"
    return ""


class SandboxUnavailable(RuntimeError):
    """A level was forced that this machine does not offer."""


@dataclass(frozen=True)
class Level:
    name: str
    available: bool
    reason: str

    @property
    def filesystem_isolated(self) -> bool:
        return self.name in ("bwrap", "namespaces")


# ------------------------------------------------------------------------------------------
# Probes
# ------------------------------------------------------------------------------------------

_PROBED: dict[str, Level] = {}
_PROBING = threading.Lock()  # workers start from several threads at once


def probe(name: str, remembered: bool = False) -> Level:
    """Whether `name` works here, and why (kept for the process). With `remembered` (`nnlab
    check` only), the bwrap and namespaces probes (a bubblewrap run, a fork) are also kept in
    the user's cache for this exact machine (`_machine_key`) and read back from it."""
    with _PROBING:
        if name not in _PROBED:
            lacks = _linux_lacks()
            if lacks:
                _PROBED[name] = Level(name, False, f"{lacks} (the {name} level needs Linux)")
                return _PROBED[name]
            probes = {"bwrap": _probe_bwrap, "namespaces": _probe_namespaces, "rlimits": _probe_rlimits}
            if remembered and name in ("bwrap", "namespaces"):
                _PROBED[name] = _remembered_probe(name, probes[name])
            else:
                _PROBED[name] = probes[name]()
        return _PROBED[name]


PROBE_CACHE_FORMAT = "nnlab-sandbox-probes-1"


def _machine_key() -> str:
    """What a probe's answer depends on: this Python, the user, the kernel and its namespace
    settings, the namespaces this process is in (a container is not its host), and the
    bubblewrap binary (path, size, times, owner and mode: an upgrade or a setuid change)."""
    facts = [PROBE_CACHE_FORMAT, sys.version, os.path.realpath(sys.executable), str(euid()),
             " ".join(os.uname())]
    for name in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces",
                 "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"):
        try:
            facts.append(f"{name}={Path(name).read_text().strip()}")
        except OSError:
            facts.append(f"{name}: none")
    for namespace in ("user", "mnt", "pid", "net"):
        try:
            facts.append(f"{namespace}:{os.stat(f'/proc/self/ns/{namespace}').st_ino}")
        except OSError:
            facts.append(f"{namespace}: none")
    path = bwrap_path()
    if path:
        info = os.stat(path)
        facts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_mode}:"
                     f"{info.st_uid}:{info.st_ino}")
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()


def _remembered_probe(name: str, run) -> Level:
    """`run()`'s answer, from the user's cache when this machine's key matches (see
    nnlab.check_settings for where the cache lives); the answer is cached otherwise."""
    from nnlab.check_settings import read_cache, write_cache

    key = _machine_key()
    file = f"sandbox-probe-{name}.json"
    cached = read_cache(file)
    if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("reason"), str) \
            and isinstance(cached.get("available"), bool):
        return Level(name, cached["available"], cached["reason"])
    level = run()
    write_cache(file, {"key": key, "available": level.available, "reason": level.reason})
    return level


def bwrap_path() -> str | None:
    return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin:" + os.environ.get("PATH", ""))


def _probe_bwrap() -> Level:
    path = bwrap_path()
    if not path:
        return Level("bwrap", False, "bubblewrap is not installed (apt-get install bubblewrap)")
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        run = subprocess.run([path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                              "--proc", "/proc", "--dev", "/dev", "true"],
                             capture_output=True, text=True, timeout=10, **_as_nobody())
    except (OSError, subprocess.SubprocessError) as error:
        return Level("bwrap", False, f"{path} could not run: {error}")
    if run.returncode != 0:
        return Level("bwrap", False, f"{path} cannot create namespaces here: "
                     f"{(run.stderr or run.stdout).strip()[:200]}")
    return Level("bwrap", True, f"{version or 'bubblewrap'} at {path} can create user, mount, PID "
                 "and network namespaces")


def _probe_namespaces() -> Level:
    libc = ctypes.CDLL(None, use_errno=True)  # (loaded before the fork: the child only calls it)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit status
        try:
            if is_root():
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET
            os._exit(0 if libc.unshare(flags) == 0 else 10 + ctypes.get_errno() % 100)
        except BaseException:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return Level("namespaces", True, "unprivileged user, mount, PID and network namespaces "
                     "are allowed (unshare(2))")
    errno_text = os.strerror(code - 10) if 10 <= code < 110 else f"status {code}"
    return Level("namespaces", False, f"unshare(2) of user, mount, PID and network namespaces "
                 f"failed: {errno_text}")


def _probe_rlimits() -> Level:
    if is_root():
        return Level("rlimits", True, "rlimits and a private uid per worker; the file system is "
                     "NOT isolated")
    return Level("rlimits", True, "rlimits only, under your own uid (not root: no private uid); "
                 "the file system is NOT isolated and detached children can outlive grading")


def choose(warn: bool = True, own_code: bool = False) -> Level:
    """The level workers start at: NNLAB_SANDBOX's, else the strongest that works. At a level
    that does not isolate the file system a warning is printed once (forced or not), unless
    `warn` is False (a caller that prints its own, such as `nnlab check`). With `own_code`
    (`nnlab check`: a learner checking their own code), the unsandboxed level where no sandbox
    works; without it, no sandbox is an error."""
    forced = os.environ.get(FORCE_ENV, "").strip()
    if forced == UNSANDBOXED:
        if not own_code:
            raise SandboxUnavailable(f"{FORCE_ENV}={UNSANDBOXED}: only `nnlab check` on a learner's "
                                     f"own code may run unsandboxed, never grading")
        return _unsandboxed(f"forced by {FORCE_ENV}")
    if forced:
        if forced not in LEVELS:
            raise SandboxUnavailable(f"{FORCE_ENV}={forced!r}: the levels are "
                                     f"{', '.join(LEVELS)} (and {UNSANDBOXED} for nnlab check)")
        level = probe(forced, remembered=own_code)
        if not level.available:
            raise SandboxUnavailable(f"{FORCE_ENV}={forced}: {level.reason}")
        if forced == "rlimits" and warn:
            _warn_once()
        return Level(forced, True, f"forced by {FORCE_ENV}; {level.reason}")
    for name in LEVELS:
        level = probe(name, remembered=own_code)
        if level.available:
            if name == "rlimits" and warn:
                _warn_once()
            return level
    why = probe("rlimits").reason
    if own_code:
        return _unsandboxed(why)
    raise SandboxUnavailable(f"no sandbox level works here ({why}): grading learner code needs "
                             f"Linux; `nnlab check` alone runs a learner's own code unsandboxed")


_noted = False


def _unsandboxed(reason: str) -> Level:
    global _noted
    if not _noted:  # said once per process (a notebook kernel: once per session)
        _noted = True
        print(UNSANDBOXED_NOTE.format(reason=reason), file=sys.stderr)
    return Level(UNSANDBOXED, True, f"{reason}; the learner's own code runs unsandboxed in a "
                 f"separate process with the course's time limits")


def available() -> list[str]:
    return [name for name in LEVELS if probe(name).available]


_warned = False


def _warn_once(text: str = FILESYSTEM_WARNING) -> None:
    global _warned
    if not _warned:
        _warned = True
        print(text, file=sys.stderr)
        warnings.warn(text, RuntimeWarning, stacklevel=3)


def warn_once(text: str) -> bool:
    """Print `text` as this process's one warning about a weak level (True if it was printed
    now; later calls, and choose()'s own warning, print nothing)."""
    global _warned
    if _warned:
        return False
    _warned = True
    print(text, file=sys.stderr)
    return True


# ------------------------------------------------------------------------------------------
# Private uids: one per live worker, leased with a lock file, so two workers never share one
# ------------------------------------------------------------------------------------------

NOBODY = 65534
UID_BASE, UID_SPAN = 600_000, 100_000
UID_LOCKS = Path("/run/nnlab-uids") if os.path.isdir("/run") else Path("/var/tmp/nnlab-uids")


def _as_nobody() -> dict:
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []} if is_root() else {}


class UidLease:
    """An exclusive lease on one uid from UID_BASE.. (an flock held while the worker lives; the
    kernel drops it if this process dies, however it dies). The lock file is removed on release
    while still locked, and a lock taken on a file that was meanwhile removed is retried, so two
    live workers never hold the same uid. (A grader killed outright leaves its empty, unlocked
    file behind; the next lease of that uid removes it.)"""

    def __init__(self, hint: bytes):
        import fcntl  # (Linux only, as leases are)

        UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
        start = int.from_bytes(hashlib.sha256(hint).digest()[:4], "big") % UID_SPAN
        self._fd: int | None = None
        for step in range(UID_SPAN):
            uid = UID_BASE + (start + step) % UID_SPAN
            path = UID_LOCKS / str(uid)
            fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fd).st_ino != os.stat(path).st_ino:
                    raise FileNotFoundError  # its holder released (and removed) it meanwhile
            except (BlockingIOError, FileNotFoundError):
                os.close(fd)
                continue
            self.uid, self._fd, self._path = uid, fd, path
            return
        raise RuntimeError("no free worker uid")  # pragma: no cover

    def remove_files(self) -> None:
        # The clean-up of a private uid's files in the host's shared temp folders is the worker
        # supervisor's own (worker_main.py needs only the standard library).
        from nnlab.sandbox.worker_main import remove_files_of

        remove_files_of(self.uid)

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.unlink(self._path)
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None


# ------------------------------------------------------------------------------------------
# The Python a worker runs: the real interpreter where a private uid can read it, else a copy
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Runtime:
    executable: str      # the interpreter binary (no venv: the worker runs with -S)
    prefix: str          # its installation prefix (bound read-only at sandboxed levels)
    numpy: str           # the numpy package folder
    numpy_libs: str      # numpy's bundled shared libraries ("" if none)
    library_dir: str = ""  # LD_LIBRARY_PATH for a copied interpreter's libpython


def host_runtime() -> Runtime:
    import importlib.util

    # Found, not imported: `nnlab check` launches its worker before NumPy loads here.
    package = str(Path(importlib.util.find_spec("numpy").origin).resolve().parent)
    libs = os.path.join(os.path.dirname(package), "numpy.libs")
    return Runtime(executable=os.path.realpath(sys.executable), prefix=os.path.realpath(sys.base_prefix),
                   numpy=package, numpy_libs=libs if os.path.isdir(libs) else "")


def reachable(path: str) -> bool:
    """Can any uid read `path` and pass through every folder above it?"""
    path = os.path.abspath(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if not mode & stat.S_IROTH or (stat.S_ISDIR(mode) and not mode & stat.S_IXOTH):
        return False
    parent = os.path.dirname(path)
    while parent != path:
        path, parent = parent, os.path.dirname(parent)
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
    return True


_SKIPPED = {"site-packages", "dist-packages"}  # the whole standard library is copied, no more


def shared_runtime() -> Runtime:
    """A Python that a private uid can read by path. At the rlimits level the worker reads
    Python under its private uid with no bind mounts, and bubblewrap (run as that uid) binds
    its sources by path: when the installation is not world-readable (a Python under a
    mode-0700 home), a world-readable copy of the interpreter, its standard library and NumPy
    is made once, in a root-owned cache, and used instead."""
    host = host_runtime()
    if not is_root() or all(reachable(p) for p in (host.executable, sysconfig.get_path("stdlib"),
                                                       host.numpy)):
        return host
    version = f"2|{sys.version}|{host.prefix}|{host.numpy}|{os.stat(host.numpy).st_mtime_ns}"
    cache = Path("/var/cache/nnlab") / f"runtime-{hashlib.sha256(version.encode()).hexdigest()[:16]}"
    done = cache / ".complete"
    if not done.exists():
        with _PROBING:  # one copy per process, not one per thread
            if not done.exists():
                _copy_runtime(host, cache)
    stdlib = Path(sysconfig.get_path("stdlib")).relative_to(host.prefix)
    executable = cache / Path(host.executable).relative_to(host.prefix)
    assert (cache / stdlib / "os.py").exists()
    return Runtime(executable=str(executable), prefix=str(cache), numpy=str(cache / "site" / "numpy"),
                   numpy_libs=str(cache / "site" / "numpy.libs") if host.numpy_libs else "",
                   library_dir=str(cache / "lib"))


def _copy_runtime(host: Runtime, cache: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(cache.parent, 0o755)
    building = Path(f"{cache}.{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    ignore = shutil.ignore_patterns(*_SKIPPED)
    prefix = Path(host.prefix)
    stdlib = Path(sysconfig.get_path("stdlib"))
    shutil.copytree(stdlib, building / stdlib.relative_to(prefix), ignore=ignore, symlinks=True)
    executable = Path(host.executable)
    (building / executable.relative_to(prefix)).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executable, building / executable.relative_to(prefix))
    libdir = prefix / "lib"
    for library in libdir.glob("libpython*.so*"):  # a shared-library build finds it by $ORIGIN/../lib
        shutil.copy2(library, building / "lib" / library.name, follow_symlinks=True)
    shutil.copytree(host.numpy, building / "site" / "numpy")
    if host.numpy_libs:
        shutil.copytree(host.numpy_libs, building / "site" / "numpy.libs")
    for root, dirs, files in os.walk(building):
        os.chmod(root, 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)
    (building / ".complete").write_text("ok\n")
    try:
        os.rename(building, cache)
    except OSError:  # another process finished first
        shutil.rmtree(building, ignore_errors=True)
