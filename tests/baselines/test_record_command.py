"""`nnlab baselines record` writes the .npz files and checks the reference against them."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def test_record_writes_baselines_and_reports_agreement(tmp_path):
    pytest.importorskip("tensorflow")
    shutil.copy(ROOT / "course.yml", tmp_path / "course.yml")
    shutil.copytree(ROOT / "reference", tmp_path / "reference")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "baselines", "record", "-f", "losses",
                           "--course", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "recorded  graders/baselines/losses.npz" in done.stdout and "agrees with every case" in done.stdout
    fresh = np.load(tmp_path / "graders" / "baselines" / "losses.npz", allow_pickle=False)
    committed = np.load(ROOT / "graders" / "baselines" / "losses.npz", allow_pickle=False)
    assert sorted(fresh.files) == sorted(committed.files)


def test_unknown_family_is_one_clear_line(tmp_path):
    shutil.copy(ROOT / "course.yml", tmp_path / "course.yml")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "baselines", "record", "-f", "nope",
                           "--course", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "nope" in done.stderr
