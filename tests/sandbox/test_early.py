"""`nnlab check` starts its worker while the checks load, and uses it only for the same files."""

import shutil

from nnlab.sandbox.early import early_worker
from nnlab.selfcheck import run_checks
from tests.support import ROOT


def test_an_early_worker_is_used_for_the_same_files_and_only_them(tmp_path, course):
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(ROOT / "solutions" / "activations.py", folder / "activations.py")
    checks = ROOT / "exercises" / "checks"
    early = early_worker(folder, "activations.sigmoid", course.limits)
    assert early is not None and early.process is not None and early.module == "activations"
    results = run_checks(folder, "activations.sigmoid", limits=course.limits, checks_dir=checks, early=early)
    assert [r.status for r in results] == ["pass"]
    assert "worker_uid" in early.isolation and early.process is None  # it ran the checks, then stopped

    early = early_worker(folder, "activations", course.limits)
    shutil.copy(ROOT / "exercises" / "activations.py", folder / "activations.py")  # changed meanwhile
    results = run_checks(folder, "activations", limits=course.limits, checks_dir=checks, early=early)
    assert {r.status for r in results} == {"todo"}  # the stub, as read now
    assert "worker_uid" not in early.isolation and early.process is None  # not used, stopped

    assert early_worker(folder, None, course.limits) is None  # every module: no early start
    assert early_worker(folder, "nope", course.limits) is None
