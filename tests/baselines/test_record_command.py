"""`nnlab baselines record` writes the .npz files and checks the reference against them."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def this_nnlab():
    """The environment for a subprocess run outside the checkout: this checkout's nnlab first,
    not whichever one the virtualenv has installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


def test_record_writes_baselines_and_reports_agreement(tmp_path):
    pytest.importorskip("tensorflow")
    shutil.copy(ROOT / "course.yml", tmp_path / "course.yml")
    shutil.copytree(ROOT / "reference", tmp_path / "reference")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "baselines", "record", "-f", "losses",
                           "-f", "activations",
                           "--course", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=this_nnlab())
    assert done.returncode == 0, done.stderr
    assert "agrees with every case" in done.stdout
    for family in ("losses", "activations"):
        assert f"recorded  graders/baselines/{family}.npz" in done.stdout
        fresh = np.load(tmp_path / "graders" / "baselines" / f"{family}.npz", allow_pickle=False)
        committed = np.load(ROOT / "graders" / "baselines" / f"{family}.npz", allow_pickle=False)
        assert sorted(fresh.files) == sorted(committed.files)


def test_unknown_family_is_one_clear_line(tmp_path):
    shutil.copy(ROOT / "course.yml", tmp_path / "course.yml")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "baselines", "record", "-f", "nope",
                           "--course", str(tmp_path)], capture_output=True, text=True, timeout=300,
                          env=this_nnlab())
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "nope" in done.stderr
