"""Helpers the tests share: the course root, solution variants, centred differences, course copies."""

from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
# Assignments 1 and 2 whole: `nnlab grade` grades every assignment a submission touches, whole,
# so a submission of activations and losses alone would be missing perceptron and
# gradient_descent.
MODULES = ("perceptron", "activations", "losses", "gradient_descent")


def solution_with(module, extra):
    """The solution of `module` with `extra` code appended (later definitions win)."""
    return (ROOT / "solutions" / f"{module}.py").read_text() + "\n\n" + extra + "\n"


def numeric_grad(f, a, eps=1e-6):
    """Centred differences of the scalar f() with respect to every entry of `a`, which f reads
    (each entry is nudged in place and restored)."""
    import numpy as np

    grad = np.zeros_like(a)
    flat, gflat = a.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + eps
        up = f()
        flat[k] = keep - eps
        down = f()
        flat[k] = keep
        gflat[k] = (up - down) / (2 * eps)
    return grad


def copy_course(destination, names=("course.yml", "solutions", "graders", "reference", "questions",
                                    "exercises")):
    """A copy of the course's folders in `destination`, to break without touching the real one."""
    import shutil

    for name in names:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination / name)
    return destination


def learner_folder(folder, module, source):
    """A new learner `folder` holding `source` (text) as `module`.py."""
    folder = Path(folder)
    folder.mkdir()
    (folder / f"{module}.py").write_text(source, encoding="utf-8")
    return folder


def grade_cleanly(folder, course, functions=None):
    """Grade exactly the modules in `folder` (see `submitted`); the grading itself must go
    through (no refusal, no grader error), whatever the learner scores."""
    from nnlab.grading.runner import grade_submission

    result = grade_submission(folder, course, warn_seed=False, modules=submitted(folder),
                              functions=functions)
    assert not result.error and not result.grader_errors, (result.error, result.grader_errors)
    return result


def submitted(folder):
    """The modules a test's submission folder holds: grade exactly those, not the whole
    assignments they belong to (what `nnlab grade` does for a learner)."""
    return sorted(p.stem for p in Path(folder).glob("*.py"))


def processes_below(pid: int) -> list[tuple[int, str]]:
    """Live processes below `pid` ((pid, command line with spaces for NULs)), after reaping any
    child of this process that came back (a subreaper's orphans) and died."""
    import os

    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if done == 0:
            break
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found = []
    for child in parents:
        walk = child
        while walk in parents and walk not in (0, 1):
            walk = parents[walk]
            if walk == pid:
                try:
                    command = open(f"/proc/{child}/cmdline", "rb").read().replace(b"\0", b" ").decode()
                except OSError:
                    command = "?"
                found.append((child, command[:200]))
                break
    return found
