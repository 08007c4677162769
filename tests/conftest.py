"""Shared fixtures: the course, a course with short limits, and submission folders; and the
order files run in."""

import atexit
import os
import shutil
import tempfile

import pytest

from nnlab.course import load_course
from tests.support import MODULES, ROOT

# `nnlab check` keeps validated course settings and sandbox probes in a per-user cache
# (nnlab.check_settings): the tests, and the processes they start, use a fresh one of their own.
_CACHE = tempfile.mkdtemp(prefix="nnlab-test-cache-")
os.environ["NNLAB_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


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
            if source.is_file():  # an example learner may not have done every module
                (folder / f"{module}.py").write_bytes(source.read_bytes())
        for name, content in (files or {}).items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return folder

    return make


def pytest_collection_modifyitems(config, items):
    """Files holding a test marked slow run first, the rest after, each in its own order.
    `make test` hands whole files to its workers in this order (pytest-xdist, --dist loadfile):
    the files of minutes start at once and the many short ones fill in beside them, where at the
    end of the list they would leave one worker running alone long after the other finished."""
    heavy = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in heavy)  # a stable sort: order kept within each
