"""Whether learner code can read the course: the wall at each sandbox level, checked live.

At the bwrap and namespaces levels the worker's file system is an allow-list, so nothing of the
course is there to read. At the rlimits level there are no namespaces: as root (Gradescope,
Docker, CI) the worker runs under a private uid with no groups, so it reads exactly what file
modes give "other users". The wall holds when the course (graders, reference, solutions,
course.yml and whatever holds the seed), the class's hand-ins and the results are not readable
by such a uid, which `exposed()` checks for real: a child process under an unused private uid
tries to open every file. Without root the worker runs under the instructor's own uid and
cannot be kept out at all.

`refusal()` is the one rule the grading commands apply: a level that cannot hide the course
refuses to grade a class unless the instructor passes --allow-weak-sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path

from nnlab.sandbox import levels

ALLOW_FLAG = "--allow-weak-sandbox"
MAX_FILES = 5000  # files tried per check (a class of 300 learners with 10 modules each fits)
COURSE_PARTS = ("course.yml", "graders", "reference", "solutions")


def course_paths(course_root: Path) -> list[Path]:
    """What of a course learner code must never read."""
    return [course_root / part for part in COURSE_PARTS if (course_root / part).exists()]


def _files(paths: list[Path]) -> list[str]:
    found: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_file():
            found.append(str(path))
        elif path.is_dir():
            found.append(str(path))  # a readable folder lists its files
            for folder, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if d not in ("__pycache__", ".git")]
                found += [os.path.join(folder, f) for f in files]
                if len(found) > MAX_FILES:
                    return found[:MAX_FILES]
    return found


def exposed(paths: list[Path]) -> list[str]:
    """The files and folders under `paths` that a private, group-less uid can read (root only;
    the check runs as such a uid, in a child process). [] when none is."""
    if os.geteuid() != 0:
        raise PermissionError("only root can check what another uid can read")
    files = _files(paths)
    if not files:
        return []
    lease = levels.UidLease(f"wall:{os.getpid()}".encode())
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - reports through the pipe
            try:
                os.close(read_end)
                os.setgroups([])
                os.setresgid(lease.uid, lease.uid, lease.uid)
                os.setresuid(lease.uid, lease.uid, lease.uid)
                readable = []
                for name in files:
                    try:
                        if os.path.isdir(name):
                            os.listdir(name)
                        else:
                            with open(name, "rb") as handle:
                                handle.read(1)
                        readable.append(name)
                    except OSError:
                        pass
                os.write(write_end, "\0".join(readable[:50]).encode("utf-8", "surrogateescape"))
                os._exit(0)
            except BaseException:
                os._exit(99)
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("the check of what learner code can read failed to run")
    finally:
        os.close(read_end)
        lease.release()
    text = b"".join(chunks).decode("utf-8", "surrogateescape")
    return text.split("\0") if text else []


def hide(path: Path) -> None:
    """Take group and other users' access from `path` (a folder nnlab owns, as /autograder is
    in a Gradescope container): nothing under it is then reachable by a private uid."""
    mode = os.stat(path).st_mode & 0o7777
    os.chmod(path, mode & ~0o077)


def refusal(course_root: Path, others: list[Path] = (), allow_weak: bool = False,
            level: levels.Level | None = None) -> str:
    """"" when learner code cannot read the course, `others` (the class, the results) or the
    seed at the level workers start at here; else one line saying why grading is refused and
    what to do. With `allow_weak` it is always "" (the instructor accepted the risk)."""
    if allow_weak:
        return ""
    level = level or levels.choose()
    if level.filesystem_isolated:
        return ""
    if os.geteuid() != 0:
        return (f"the {level.name} sandbox level cannot hide the course from learner code here "
                f"(no namespaces, and without root it runs under your own uid); install bubblewrap "
                f"or allow unprivileged user namespaces, or pass {ALLOW_FLAG} to grade anyway")
    readable = exposed([*course_paths(Path(course_root)), *map(Path, others)])
    if not readable:
        return ""
    first = Path(readable[0])
    roots = [Path(course_root), *map(Path, others)]
    top = next((r for r in roots if first == r or r in first.parents), first)
    return (f"learner code (a private uid at the {level.name} level) could read {first}: file "
            f"modes let other users in; run `chmod 700 {top}`, or pass {ALLOW_FLAG} to grade "
            f"anyway")
