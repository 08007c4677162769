"""Shared fixtures: the course, a course with short limits, and submission folders."""

from pathlib import Path

import pytest

from nnlab.course import load_course

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("activations", "losses")


@pytest.fixture(scope="session")
def course():
    return load_course(ROOT / "course.yml")


@pytest.fixture(scope="session")
def fast_course(course):
    """The course with short limits, so runaway learner code costs the tests little time."""
    limits = course.limits.model_copy(update={"seconds_per_test": 1.5, "seconds_per_import": 3,
                                              "worker_memory_mb": 512})
    return course.model_copy(update={"limits": limits})


@pytest.fixture
def make_submission(tmp_path):
    """make_submission(learner, {"activations.py": text or bytes, ...}, base="solutions")."""

    def make(learner, files=None, base="solutions", modules=MODULES):
        folder = tmp_path / learner
        folder.mkdir()
        for module in modules:
            source = ROOT / base / f"{module}.py"
            (folder / f"{module}.py").write_bytes(source.read_bytes())
        for name, content in (files or {}).items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return folder

    return make


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


def copy_course(destination, names=("course.yml", "solutions", "graders", "reference", "exercises")):
    """A copy of the course's folders in `destination`, to break without touching the real one."""
    import shutil

    for name in names:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, destination / name)
    return destination
