"""The course's handout, built once per session (the wheel from this checkout included)."""

import shutil
import tempfile
from pathlib import Path

import pytest

from nnlab.handout import build_handout, build_wheel


@pytest.fixture(scope="session")
def wheel():
    folder = Path(tempfile.mkdtemp(prefix="nnlab-wheel-"))
    try:
        yield build_wheel(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def handout(course, wheel):
    """The whole course's handout: out/nnlab-intro-handout/ and its .zip."""
    out = Path(tempfile.mkdtemp(prefix="nnlab-handout-"))
    try:
        yield build_handout(course, out, wheel=wheel)
    finally:
        shutil.rmtree(out, ignore_errors=True)
