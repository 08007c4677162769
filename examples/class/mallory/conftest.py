"""A rigged conftest: if graders ran it, every test would pass. nnlab never copies it."""
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    return True
