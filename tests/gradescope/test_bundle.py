"""The Gradescope bundle, run against a fake /autograder tree laid out as Gradescope's (source/,
submission/, results/, submission_metadata.json), at every sandbox level this machine offers, as
root (what Gradescope gives) and as an ordinary user.

The fake tree is a world-readable folder of the host's /tmp, so at the rlimits level the wall
(the tree made unreadable to the private uid learner code runs as) is nnlab's own doing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from nnlab.course import load_course
from nnlab.gradescope import build_bundle
from nnlab.sandbox import levels
from tests.support import ROOT

jsonschema = pytest.importorskip("jsonschema")
LEVELS = levels.available()
SECRET = "gradescope-test-secret-b2c4"
NOBODY = 65534
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



@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """autograder.zip of a1 (and one allowing a weak sandbox), built with the secret seed set."""
    folder = tmp_path_factory.mktemp("bundles")
    saved = os.environ.get("NNLAB_SECRET_SEED")
    os.environ["NNLAB_SECRET_SEED"] = SECRET
    try:
        course = load_course(ROOT)
        made = {"a1": build_bundle(course, folder / "a1.zip", "a1"),
                "a1-weak": build_bundle(course, folder / "a1-weak.zip", "a1", allow_weak_sandbox=True)}
    finally:
        os.environ.pop("NNLAB_SECRET_SEED") if saved is None else os.environ.__setitem__("NNLAB_SECRET_SEED", saved)
    return made


def run_bundle(bundle, files, level=None, email="ana@example.edu", user=None, folder=""):
    """Unpack `bundle` into a fake /autograder (world-readable, in /tmp), hand in `files`
    (name -> path or text) under submission/`folder`, run run_autograder (as `user`, a uid, or
    root) without the secret seed in its environment; (process, results.json, root)."""
    root = Path(tempfile.mkdtemp(prefix="autograder-", dir="/tmp"))
    os.chmod(root, 0o755)
    (root / "source").mkdir()
    (root / "submission" / folder).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name, content in files.items():
        target = root / "submission" / folder / name
        if callable(content):  # text that names the tree's own path
            content = content(root)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)
    metadata = {"id": 1, "users": [{"email": email, "name": "Ana", "sid": "s-1"}] if email else [],
                "assignment": {"title": "A1"}}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if user is not None:
            os.chown(path, user, user)
    env = {k: v for k, v in os.environ.items() if k != "NNLAB_SECRET_SEED"}
    env.update({"NNLAB_AUTOGRADER": str(root), "NNLAB_PYTHON": sys.executable,
                "PYTHONPATH": str(root / "source" / "nnlab_src"), "HOME": str(root)})
    env.pop(levels.FORCE_ENV, None)
    if level:
        env[levels.FORCE_ENV] = level
    extra = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, cwd="/",
                          capture_output=True, text=True, timeout=300, **extra)
    data = json.loads((root / "results" / "results.json").read_text())
    return done, data, root


@pytest.fixture
def cleanup():
    roots = []
    yield roots
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


def graded(bundle, files, cleanup, **options):
    done, data, root = run_bundle(bundle, files, **options)
    cleanup.append(root)
    return done, data


def scores(data, module):
    return sum(t.get("score", 0) for t in data["tests"] if t["name"].startswith(module + ".")
               and t["visibility"] == "after_due_date")


def test_bundle_grades_a_submission_into_valid_results(bundles, cleanup):
    done, data = graded(bundles["a1"], {"activations.py": ROOT / "examples/class/ben/activations.py"},
                        cleanup)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(data, SCHEMA)
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert visible and all("public checks" in t["name"] for t in visible)
    assert hidden and all(t["max_score"] > 0 for t in hidden)
    assert 0 < data["score"] < data["max_score"]
    extra = data["extra_data"]
    assert extra["learner"] == "ana@example.edu" and extra["assignment"] == "a1"
    assert extra["modules"] == ["perceptron", "activations"]
    assert extra["seed"]["source"] == "secret" and extra["sandbox"]["level"] in LEVELS


def test_bundle_holds_its_assignment_and_keys_never_the_seed(bundles):
    with zipfile.ZipFile(bundles["a1"]) as archive:
        names = set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        everything = b"".join(archive.read(n) for n in names)
        keys = json.loads(archive.read("seed_keys.json"))
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "course.yml", "nnlab_src/pyproject.toml", "questions/__init__.py",
            "nnlab_src/nnlab/cli.py", "graders/test_activations.py", "graders/test_perceptron.py",
            "exercises/checks/activations.json", "nnlab-bundle.json", "seed_keys.json"} <= names
    assert "graders/test_losses.py" not in names and "exercises/checks/losses.json" not in names
    assert "secret_seed" not in names and SECRET.encode() not in everything
    assert sorted(keys["keys"]) == ["activations", "perceptron"]
    assert "apt-get install -y -qq bubblewrap" in setup
    done = subprocess.run(["bash", "-n", "-c", setup])
    assert done.returncode == 0


def test_an_a2_hand_in_scores_nothing_on_a1(bundles, cleanup):
    done, data = graded(bundles["a1"], {"losses.py": ROOT / "solutions/losses.py",
                                        "gradient_descent.py": ROOT / "solutions/gradient_descent.py"},
                        cleanup)
    assert done.returncode == 0, done.stderr
    assert data["score"] == 0
    assert not any(t["name"].startswith(("losses.", "gradient_descent.")) for t in data["tests"])
    assert "no file of assignment a1 was handed in" in data["output"]


def test_an_upload_inside_one_folder_grades_as_at_the_top(bundles, cleanup):
    files = {"activations.py": ROOT / "examples/class/ben/activations.py",
             "perceptron.py": ROOT / "solutions/perceptron.py"}
    _, top = graded(bundles["a1"], files, cleanup)
    done, nested = graded(bundles["a1"], files, cleanup, folder="hw1")
    assert done.returncode == 0, done.stderr
    assert [(t["name"], t.get("score"), t["output"]) for t in nested["tests"]] == \
           [(t["name"], t.get("score"), t["output"]) for t in top["tests"]]
    assert 0 < nested["score"] < nested["max_score"]


@pytest.mark.slow
def test_a_notebook_submission_gets_the_same_public_checks(bundles, cleanup, tmp_path):
    from nnlab.authoring.notebooks import make_lab_notebook

    from nnlab.questions import learner_variants

    course = load_course(ROOT)
    notebook = make_lab_notebook(course, "a1", solutions=True)
    answers = {q.id: v.answer for q, v in learner_variants(course, "ana@example.edu", ["perceptron", "activations"])}
    for cell in notebook.cells:  # the concept questions answered in their cells, on ana's numbers
        if "question" in (cell.metadata.get("nnlab") or {}):
            qid = cell.metadata["nnlab"]["question"]
            cell.source = f"answer = {answers[qid]!r}\nlab.answer({qid!r}, answer)"
    nbformat.write(notebook, tmp_path / "a1.ipynb")
    _, as_notebook = graded(bundles["a1"], {"a1.ipynb": tmp_path / "a1.ipynb"}, cleanup)
    _, as_modules = graded(bundles["a1"], {"activations.py": ROOT / "solutions/activations.py",
                                           "perceptron.py": ROOT / "solutions/perceptron.py"}, cleanup)
    public = [t for t in as_notebook["tests"] if t["visibility"] == "visible"]
    assert public and [(t["name"], t["status"]) for t in public] == \
           [(t["name"], t["status"]) for t in as_modules["tests"] if t["visibility"] == "visible"]
    assert as_notebook["score"] == as_notebook["max_score"] > 0


def test_an_uploaded_answers_yml_is_graded_in_the_same_pass(bundles, cleanup):
    """answers.yml beside the module files: its form is checked at once (visible, no points),
    each question is a hidden test on the uploader's own numbers, and a misconception's number
    is named."""
    import yaml

    from nnlab.questions import learner_variants

    course = load_course(ROOT)
    mine = {q.id: v for q, v in learner_variants(course, "ana@example.edu", ["perceptron", "activations"])}
    answers = {qid: list(v.answer) if isinstance(v.answer, tuple) else v.answer for qid, v in mine.items()}
    answers["perceptron.multi_output_params"] = mine["perceptron.multi_output_params"].misconceptions[0].answer
    done, data = graded(bundles["a1"], {"activations.py": ROOT / "solutions/activations.py",
                                        "perceptron.py": ROOT / "solutions/perceptron.py",
                                        "answers.yml": yaml.safe_dump(answers)}, cleanup)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(data, SCHEMA)
    asked = {t["name"]: t for t in data["tests"] if "(question)" in t["name"]}
    assert len(asked) == len(mine) and all(t["visibility"] == "after_due_date" for t in asked.values())
    wrong = asked["perceptron.multi_output_params (question): concept question"]
    assert wrong["score"] == 0 and "Diagnosis: a parameter count without the biases." in wrong["output"]
    assert data["score"] == data["max_score"] - 1
    form = next(t for t in data["tests"] if t["name"] == "answers.yml: the form of each answer")
    assert form["visibility"] == "visible" and form["status"] == "passed" and form["max_score"] == 0


def test_each_learner_is_graded_under_their_own_id_as_nnlab_grade_does(bundles, cleanup, tmp_path):
    """The hidden cases follow the Gradescope email: two learners draw different ones, and a
    learner's are those `nnlab grade` draws for a folder of that name with the same secret."""
    from nnlab.grading.batch import grade_batch

    printing = ("import numpy as np\n\ndef relu(x):\n    print('inputs sum to', float(np.sum(x)))\n"
                "    return np.asarray(x) * 0 - 1\n")
    _, ana = graded(bundles["a1"], {"activations.py": printing}, cleanup, email="ana@example.edu")
    _, bob = graded(bundles["a1"], {"activations.py": printing}, cleanup, email="bob@example.edu")
    relu = lambda data: [t["output"] for t in data["tests"] if "inputs sum to" in t["output"]]
    assert relu(ana) and relu(ana) != relu(bob)
    (tmp_path / "class" / "ana@example.edu").mkdir(parents=True)
    (tmp_path / "class" / "ana@example.edu" / "activations.py").write_text(printing)
    saved = os.environ.get("NNLAB_SECRET_SEED")
    os.environ["NNLAB_SECRET_SEED"] = SECRET
    try:
        local = grade_batch([tmp_path / "class"], load_course(ROOT), tmp_path / "out", assignment="a1")
    finally:
        os.environ.pop("NNLAB_SECRET_SEED") if saved is None else os.environ.__setitem__("NNLAB_SECRET_SEED", saved)
    from nnlab.reports.publish import test_output

    assert [test_output(t) for t in local[0].tests if "inputs sum to" in t.printed] == relu(ana)


# The red team as Gradescope meets it: the reference imported, the graders, the keys and the
# bundle's files read through every path a submission might try.
CHEAT = """
import os, sys
sys.path[:0] = ["{root}/source", "..", "../source", "/autograder/source"]
try:
    from reference.activations import *  # noqa: F401,F403 - the cheat
except Exception:
    import numpy as np

    def relu(x):
        return np.asarray(x) * 0 - 1
got = []
for path in ("{root}/source/seed_keys.json", "{root}/source/graders/test_activations.py",
             "../graders/test_activations.py", "{root}/source/reference/activations.py",
             "{root}/source/nnlab-bundle.json", "/autograder/source/seed_keys.json"):
    try:
        got.append(open(path).read()[:300])
    except OSError:
        pass
_relu = relu


def relu(x):
    print("got:", got)
    return _relu(x)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs the autograder as root")
@pytest.mark.parametrize("level", LEVELS)
def test_as_root_at_every_level_a_submission_reads_nothing_and_scores_nothing(level, bundles, cleanup):
    done, data, root = run_bundle(bundles["a1"], {"activations.py": lambda root: CHEAT.format(root=root)},
                                  level=level)
    cleanup.append(root)
    assert done.returncode == 0, done.stderr
    assert data["extra_data"]["sandbox"]["level"] == level
    assert data["extra_data"]["status"] == "graded"
    assert scores(data, "activations") == 0
    text = json.dumps(data)
    keys = json.loads((root / "source" / "seed_keys.json").read_text())["keys"]
    assert not any(key in text for key in keys.values())
    assert "got: []" in text and "def relu" not in text and "test_activations" not in text


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the bundle as another user")
@pytest.mark.skipif(not levels.reachable(os.path.realpath(sys.executable)),
                    reason="this Python (and its packages) cannot be run by another user here")
@pytest.mark.parametrize("level", LEVELS)
def test_as_an_ordinary_user(level, bundles, cleanup):
    """Not root: the namespaced levels grade as they do for root; the rlimits level cannot hide
    the course from code running under the same uid, so it refuses (a regrade, never a zero)
    unless the bundle allows a weak sandbox."""
    files = {"activations.py": ROOT / "examples/class/ben/activations.py"}
    done, data = graded(bundles["a1"], files, cleanup, level=level, user=NOBODY)
    if level == "rlimits":
        assert done.returncode == 1 and "score" not in data
        assert data["extra_data"]["status"] == "regrade"
        assert "--allow-weak-sandbox" in data["output"]
        done, data = graded(bundles["a1-weak"], files, cleanup, level=level, user=NOBODY)
    assert done.returncode == 0, done.stderr
    assert data["extra_data"]["sandbox"]["level"] == level
    assert 0 < data["score"] < data["max_score"]


def test_the_build_command_names_the_assignment(tmp_path):
    from typer.testing import CliRunner

    from nnlab.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["gradescope", "build", "--course", str(ROOT), "--out", str(tmp_path / "x.zip")])
    assert done.exit_code == 2 and "--assignment" in done.output
    done = runner.invoke(app, ["gradescope", "build", "-a", "a9", "--course", str(ROOT),
                               "--out", str(tmp_path / "x.zip")], terminal_width=200)
    assert done.exit_code != 0 and "no assignment 'a9' (it has a1, a2" in done.output
    done = runner.invoke(app, ["gradescope", "build", "-a", "a2", "--course", str(ROOT),
                               "--out", str(tmp_path / "a2.zip")])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(tmp_path / "a2.zip") as archive:
        assert json.loads(archive.read("nnlab-bundle.json"))["assignment"] == "a2"
