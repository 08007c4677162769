"""`nnlab nbgrader build` and `nnlab nbgrader autograde` on the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.nbgrader.course import nnlab_course_of

ROOT = Path(__file__).resolve().parents[2]


def test_build_then_autograde_needs_generate_assignment(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_SECRET_SEED", "7")
    runner = CliRunner()
    done = runner.invoke(app, ["nbgrader", "build", str(tmp_path), "--course", str(ROOT / "course.yml")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "source" / "a2" / "a2.ipynb").is_file()
    assert (tmp_path / "source" / "a2" / "checks" / "losses.json").is_file()
    assert nnlab_course_of(tmp_path) == ROOT / "course.yml"
    done = runner.invoke(app, ["nbgrader", "autograde", "a2", "--course", str(tmp_path)])
    assert done.exit_code == 2
    assert "nbgrader generate_assignment a2" in done.output
    done = runner.invoke(app, ["nbgrader", "autograde", "a9", "--course", str(tmp_path)])
    assert done.exit_code == 2 and "no assignment 'a9'" in done.output
