"""The handout as a learner uses it: a fresh virtual environment that installs nnlab from the
handout's wheel alone (pip reaches the registries for NumPy and the rest), where `nnlab check`
gives the course checkout's verdicts, the README's Colab set-up cell installs nnlab offline, and
every lab notebook runs top to bottom in a fresh kernel with the solutions pasted in: each check
cell shows its pass table, each plot cell draws, no cell fails. One venv for all of it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from nnlab.authoring.notebooks import make_lab_notebook
from nnlab.handout import readme_colab_cell
from tests.handout.test_handout import _check, learner_folders
from tests.support import ROOT

pytestmark = pytest.mark.slow

# Executes notebooks with nbclient in the venv's own Python (so the kernel is the venv's):
# argv[1] is a JSON list of [notebook path, working folder, extra environment].
RUNNER = r'''
import json, os, sys
import nbformat
from nbclient import NotebookClient
for path, cwd, env in json.load(open(sys.argv[1])):
    os.environ.update(env)
    nb = nbformat.read(path, 4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": cwd}}).execute()
    nbformat.write(nb, path)
    print("ran", path, flush=True)
'''


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


@pytest.fixture(scope="module")
def venv(handout, tmp_path_factory):
    """A fresh venv with nnlab from the handout's requirements.txt (its wheel), and a kernel."""
    venv = tmp_path_factory.mktemp("learner") / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    python = _bin(venv, "python")
    run = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r",
                          str(handout.folder / "requirements.txt"), "ipykernel", "nbclient"],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    where = subprocess.run([str(python), "-c", "import nnlab, importlib.util as u; print(nnlab.__file__); "
                            "print(u.find_spec('reference'), u.find_spec('graders'))"],
                           capture_output=True, text=True, cwd=str(venv.parent), check=True).stdout
    assert str(venv) in where and "None None" in where  # installed from the wheel, nothing else
    return venv


def test_nnlab_check_in_the_fresh_venv_gives_the_checkouts_verdicts(course, handout, venv, tmp_path):
    folders = learner_folders(course, tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNLAB_SANDBOX")}
    for kind, folder in folders.items():
        here = _check(ROOT, folder)
        assert _check(handout.folder, folder, python=_bin(venv, "python")) == here, kind
        # The `nnlab` command pip installed (nnlab.entry's fast door, not the typer app), run
        # as the README says, from the unpacked handout.
        run = subprocess.run([str(_bin(venv, "nnlab")), "check", "--path", str(folder)],
                             cwd=handout.folder, capture_output=True, text=True, timeout=600,
                             env={**env, "COLUMNS": "100"})
        assert (run.returncode, run.stdout) == (0, here), (kind, run.stderr[-2000:])
        if kind == "solutions":
            passing = re.search(r"(\d+) of (\d+) functions pass", here)
            assert passing and passing.group(1) == passing.group(2) and int(passing.group(1)) >= 55
        if kind == "mistake":
            assert "looks like" in here
        if kind == "exercises":
            assert "not implemented yet" in here


def _solved(course, stub: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner's notebook with the solution pasted into each exercise cell (by cell id)."""
    solution = make_lab_notebook(course, stub.metadata["nnlab"]["assignment"], solutions=True)
    answers = {c.id: c.source for c in solution.cells}
    for cell in stub.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[cell.id]
    return stub


def _problems(notebook) -> tuple[list[str], int, int]:
    """(problems, check tables, pictures) of an executed lab notebook."""
    problems, tables, pictures = [], 0, 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        role = cell.metadata.get("nnlab", {}).get("role")
        for output in outputs:
            if output.output_type == "error":
                problems.append(f"{cell.id}: {output.ename}: {output.evalue[:300]}")
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
        drawn = sum("image/png" in o.get("data", {}) for o in outputs)
        pictures += drawn
        if role == "check":
            if "<table" not in html or "could not run" in html or ">fail<" in html or "to do" in html:
                problems.append(f"{cell.id}: no passing table: {html[:300] or outputs}")
            tables += 1
        if role == "plot" and not drawn:
            problems.append(f"{cell.id}: drew nothing: {outputs}")
    return problems, tables, pictures


def test_colab_cell_then_every_lab_notebook_in_a_fresh_kernel(course, handout, venv, tmp_path):
    python = _bin(venv, "python")
    # Colab: a folder holding only the uploaded zip; nnlab not installed; no index (offline).
    subprocess.run([str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "nnlab"], check=True)
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(handout.archive, content / handout.archive.name)
    readme = (handout.folder / "README.md").read_text(encoding="utf-8")
    stub = nbformat.read(handout.folder / "exercises" / "notebooks" / "a1.ipynb", 4)
    colab = _solved(course, stub)
    colab.cells.insert(0, nbformat.v4.new_code_cell(readme_colab_cell(readme), id="colab-setup"))
    colab_path = tmp_path / "colab-a1.ipynb"  # as in Colab, the notebook file is not beside the kernel
    nbformat.write(colab, colab_path)
    offline = {"PIP_NO_INDEX": "1"}
    jobs = [[str(colab_path), str(content), offline]]
    # Jupyter: each lab notebook of the unpacked handout, solved, where it lies.
    notebooks = content / handout.folder.name / "exercises" / "notebooks"
    for assignment in [a.id for a in course.assignments]:
        jobs.append([str(notebooks / f"{assignment}.ipynb"), str(notebooks), {}])
    spec = tmp_path / "jobs.json"
    spec.write_text(json.dumps(jobs))
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)

    # The Colab notebook runs first (it unpacks the handout the others then run from): run the
    # runner twice, so the solved notebooks can be written once the folder exists.
    spec.write_text(json.dumps(jobs[:1]))
    run = subprocess.run([str(python), str(runner), str(spec)], capture_output=True, text=True,
                         timeout=1800, cwd=str(content))
    assert run.returncode == 0, run.stderr[-3000:]
    executed = nbformat.read(colab_path, 4)
    problems, tables, _ = _problems(executed)
    assert not problems, problems
    setup_output = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert "nnlab is installed; checks run on" in setup_output, executed.cells[0].outputs
    assert tables >= 2
    with zipfile.ZipFile(handout.archive) as archive:  # unpacked from the zip, nothing else
        assert (notebooks / "a1.ipynb").read_bytes() == archive.read(
            f"{handout.folder.name}/exercises/notebooks/a1.ipynb")

    for path, _, _ in jobs[1:]:
        nbformat.write(_solved(course, nbformat.read(path, 4)), path)
    spec.write_text(json.dumps(jobs[1:]))
    run = subprocess.run([str(python), str(runner), str(spec)], capture_output=True, text=True,
                         timeout=3000, cwd=str(notebooks))
    assert run.returncode == 0, run.stderr[-3000:]
    drawn = 0
    for path, _, _ in jobs[1:]:
        problems, tables, pictures = _problems(nbformat.read(path, 4))
        assert not problems, (path, problems)
        assert tables >= 2, path
        drawn += pictures
    assert drawn >= 4  # activations, the loss curve, the XOR boundary, conv's feature maps
