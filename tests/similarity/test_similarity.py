"""Similar submissions: planted disguised copies are found, independent learners are not, the
stub counts for nothing, and a notebook is compared on its exercise cells."""

import json
import random
import subprocess
import sys

import pytest

from tests.support import ROOT
from tests.similarity.generated_class import disguised_copy, generated_class, independent_learner

pytest.importorskip("copydetect")

from nnlab.similarity import find_similar, released_stubs, similar_submissions, written_code  # noqa: E402

SEEDS = range(5)


@pytest.fixture(scope="module")
def stubs(course):
    return released_stubs(course)


def similar(course, stubs, sources, threshold=None):
    settings = course.similarity
    return find_similar(sources, stubs, settings.threshold if threshold is None else threshold,
                        settings.min_characters, settings.common_fraction)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_planted_copy_is_flagged_and_no_independent_pair_is(course, stubs, seed):
    """40 learners who each wrote activations.py their own way, 4 disguised copies of some of
    them (two of one source): at the default threshold the report holds exactly the planted
    pairs, and the three learners who share one source are one group. (Measured over seeds
    0-39: every planted pair at 0.86 or more, every independent pair at 0.72 or less.)"""
    sources, planted = generated_class(seed)
    report = similar(course, stubs, sources)
    flagged = {frozenset(pair.learners) for pair in report.pairs}
    assert flagged == planted, (sorted(map(sorted, flagged - planted)), sorted(map(sorted, planted - flagged)))
    assert len(report.groups) == 3 and sorted(len(g.learners) for g in report.groups) == [2, 2, 3]
    assert report.compared["activations"] >= 40


def test_each_disguise_alone_keeps_the_copy_whole(course, stubs):
    original = independent_learner(random.Random(7))
    renamed = original
    for old, new in (("out", "zz_out"), ("result", "zz_res"), ("tmp", "zz_tmp")):
        renamed = renamed.replace(old, new)
    functions = original.split("\ndef ")
    reordered = "\ndef ".join([functions[0], *reversed(functions[1:])])
    respaced = "\n\n".join(line + "  # mine" if line.startswith("    return") else line
                           for line in original.split("\n"))
    for disguise in (renamed, reordered, respaced, disguised_copy(original, random.Random(3))):
        report = similar(course, stubs, {"a": {"activations": original}, "b": {"activations": disguise}})
        assert [p.learners for p in report.pairs] == [("a", "b")]
        assert report.pairs[0].share >= 0.95


def test_the_stub_counts_for_nothing(course, stubs):
    """Learners who hand the stub back, or the stub with one function filled in, are not
    alike by the stub's scaffolding; the same filled-in function is found as it should be."""
    stub = (ROOT / "exercises" / "activations.py").read_text()
    sources = {f"stub{i}": {"activations": stub} for i in range(4)}
    report = similar(course, stubs, sources, threshold=0.01)
    assert report.pairs == [] and report.compared["activations"] == 0
    body = ("    z = np.asarray(x, dtype=float)\n    pos = z >= 0\n    e = np.exp(-np.abs(z))\n"
            "    out = np.where(pos, 1.0 / (1.0 + e), e / (1.0 + e))\n    return out.astype(np.asarray(x).dtype)\n")
    filled = stub.replace("def sigmoid(x):", "def sigmoid(x):\n" + body + "\n\ndef _old_sigmoid(x):", 1)
    report = similar(course, stubs, {"p": {"activations": filled}, "q": {"activations": filled},
                                     "r": {"activations": stub}}, threshold=0.5)
    assert [p.learners for p in report.pairs] == [("p", "q")]


def test_written_code_drops_docstrings_comments_layout_and_order():
    a = 'import numpy as np\n\ndef g(x):\n    """doc"""\n    return  x*2  # twice\n\n\ndef f(x):\n    return x\n'
    b = "import numpy as np\ndef f(x):\n    return x\ndef g(x):\n    # two\n    return x * 2\n"
    assert written_code(a) == written_code(b)
    assert written_code("def broken(:\n") == "def broken(:\n"  # compared as written


def _notebook_with(functions: dict[str, str]):
    """exercises/notebooks/a1.ipynb with the activations exercise cells holding `functions`."""
    notebook = json.loads((ROOT / "exercises" / "notebooks" / "a1.ipynb").read_text())
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        name = grade_id.split("-", 1)[-1]
        if grade_id.startswith("activations-") and name in functions:
            cell["source"] = functions[name]
    return json.dumps(notebook)


def test_a_notebook_and_a_py_file_of_the_same_code_are_alike(course, tmp_path):
    pytest.importorskip("nnlab.nbgrader.extract")
    code = independent_learner(random.Random(11))
    functions = {chunk.split("(", 1)[0]: "def " + chunk.rstrip() + "\n"
                 for chunk in code.split("\ndef ")[1:]}
    klass = tmp_path / "class"
    (klass / "nbuser").mkdir(parents=True)
    (klass / "nbuser" / "a1.ipynb").write_text(_notebook_with(functions))
    (klass / "pyuser").mkdir()
    (klass / "pyuser" / "activations.py").write_text(code)
    (klass / "other").mkdir()
    (klass / "other" / "activations.py").write_text(independent_learner(random.Random(12)))
    report, notes = similar_submissions([klass], course)
    assert [p.learners for p in report.pairs] == [("nbuser", "pyuser")], notes
    assert report.pairs[0].modules == ["activations"] and report.pairs[0].share >= 0.95


def test_the_command_lists_the_example_class_groups_at_80_columns():
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "similar", "examples/class"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={"COLUMNS": "80",
                                                                          "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "gus ~ hal" in done.stdout and "ada ~ cleo" in done.stdout
    assert "Flags only: no score changes" in done.stdout
    # learners who handed in the stub or nothing of a module are not in any pair
    assert "eli" not in done.stdout.split("Similar submissions")[1]
