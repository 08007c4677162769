"""The Gradescope bundle, run against a fake /autograder tree, writes schema-valid results.json."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from nnlab.gradescope import build_bundle
from tests.support import ROOT

jsonschema = pytest.importorskip("jsonschema")

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
# Gradescope's documented results.json format (gradescope-autograders.readthedocs.io,
# "Autograder Specifications"), written out as a JSON schema.
SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"},
        "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                           "number": {"type": "string"}, "output": {"type": "string"},
                           "tags": {"type": "array", "items": {"type": "string"}},
                           "visibility": VISIBILITY, "extra_data": {"type": "object"}},
            "additionalProperties": False}},
        "leaderboard": {"type": "array"},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "additionalProperties": False,
}


def run_bundle(tmp_path, submission_files):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    bundle = build_bundle(__import__("nnlab.course", fromlist=["load_course"]).load_course(ROOT),
                          tmp_path / "autograder.zip")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name, source in submission_files.items():
        shutil.copy(source, root / "submission" / name)
    env = {**os.environ, "NNLAB_AUTOGRADER": str(root), "NNLAB_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source" / "nnlab_src")}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    return done, json.loads((root / "results" / "results.json").read_text())


def test_bundle_grades_a_submission_into_valid_results(tmp_path):
    done, data = run_bundle(tmp_path, {"activations.py": ROOT / "examples/class/ben/activations.py"})
    assert done.returncode == 0, done.stderr
    jsonschema.validate(data, SCHEMA)
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert visible and all("public checks" in t["name"] for t in visible)
    assert hidden and all(t["max_score"] > 0 for t in hidden)
    assert 0 < data["score"] < data["max_score"]


def test_bundle_holds_the_scripts_and_the_course(tmp_path):
    from nnlab.course import load_course

    with zipfile.ZipFile(build_bundle(load_course(ROOT), tmp_path / "a.zip")) as archive:
        names = set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
    assert {"setup.sh", "run_autograder", "course.yml", "nnlab_src/pyproject.toml",
            "nnlab_src/nnlab/cli.py", "graders/test_activations.py"} <= names
