"""A class after the deadline: parallel equals alone, Dask equals local, a killed run resumes
byte-identically, faults are never scores, and the run's own failures are one line, exit 2.

Grading is limited to two functions (`functions=`): these properties are about the batch."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nnlab.grading.batch import BatchError, grade_batch
from nnlab.grading.results import SubmissionResult, TestResult
from nnlab.reports.publish import Publisher
from nnlab.outcome import Outcome
from tests.support import ROOT

FUNCTIONS = {"activations.sigmoid", "activations.relu"}
VARIANTS = [ROOT / "solutions" / "activations.py", ROOT / "examples/class/ben/activations.py",
            ROOT / "exercises" / "activations.py"]


def make_class(folder, n):
    for i in range(n):
        learner = folder / f"s{i:02d}"
        learner.mkdir(parents=True)
        (learner / "activations.py").write_bytes(VARIANTS[i % len(VARIANTS)].read_bytes())
    return folder


def comparable(result):
    return (result.learner, result.status, result.score, result.max_score,
            [(t.name, t.score, t.outcome, t.output, t.detail) for t in result.tests])


@pytest.mark.slow
def test_forty_learners_in_parallel_equal_each_graded_alone(tmp_path, course):
    klass = make_class(tmp_path / "class", 40)
    together = grade_batch([klass], course, tmp_path / "out", jobs=2, functions=FUNCTIONS)
    assert len(together) == 40
    for result in together[::13]:  # alone: a fresh batch of one, in this process
        alone = grade_batch([klass / result.learner], course, tmp_path / f"alone-{result.learner}",
                            functions=FUNCTIONS)
        assert comparable(alone[0]) == comparable(result)
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert len(rows) == 40 and {r["status"] for r in rows} == {"graded"}


def test_the_dask_local_cluster_gives_the_same_grades_csv(tmp_path, course):
    distributed = pytest.importorskip("distributed", reason="Dask is the optional extra nnlab[dask]")
    klass = make_class(tmp_path / "class", 6)
    local = grade_batch([klass], course, tmp_path / "local", jobs=1, functions=FUNCTIONS)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = grade_batch([klass], course, tmp_path / "dask", scheduler=cluster.scheduler_address,
                             functions=FUNCTIONS)
    assert (tmp_path / "dask" / "grades.csv").read_bytes() == (tmp_path / "local" / "grades.csv").read_bytes()
    # each failure's structure crossed the Dask worker boundary whole
    assert sorted(map(comparable, remote)) == sorted(map(comparable, local))
    assert any(t.detail is not None and t.detail.call and t.detail.shapes
               for r in remote for t in r.tests if not t.passed)


DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from nnlab.course import load_course
    from nnlab.grading.batch import grade_batch
    course = load_course(sys.argv[3])
    grade_batch([Path(sys.argv[1])], course, Path(sys.argv[2]), jobs=1,
                functions={"activations.sigmoid", "activations.relu"},
                on_result=lambda r, reused: print(r.learner, reused, flush=True))
""")


def test_sigkill_halfway_then_rerun_is_byte_identical_and_grades_nothing_twice(tmp_path, course):
    klass = make_class(tmp_path / "class", 8)
    grade_batch([klass], course, tmp_path / "whole", functions=FUNCTIONS)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(klass), str(out),
                                str(ROOT / "course.yml")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    for _ in range(4):
        assert process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    assert 4 <= len(finished) < 8
    seen = []
    grade_batch([klass], course, out, functions=FUNCTIONS,
                on_result=lambda r, reused: seen.append((r.learner, reused)))
    assert {l for l, reused in seen if reused} == set(finished)
    assert all(out.joinpath(l, "results.json").stat().st_mtime_ns == t for l, t in finished.items())
    assert (out / "grades.csv").read_bytes() == (tmp_path / "whole" / "grades.csv").read_bytes()


def test_regrading_one_learner_keeps_everyone_in_grades_csv(tmp_path, course):
    klass = make_class(tmp_path / "class", 3)
    out = tmp_path / "out"
    grade_batch([klass], course, out, functions=FUNCTIONS)
    grade_batch([klass / "s01"], course, out, force=True, functions=FUNCTIONS)
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["learner"] for r in rows] == ["s00", "s01", "s02"]
    assert any(h.startswith("activations (") for h in rows[0])  # the maximum in the header


def test_a_grader_fault_is_never_a_score_and_is_regraded(tmp_path, course):
    klass = make_class(tmp_path / "class", 1)
    out = tmp_path / "out"
    faulty = SubmissionResult(learner="s00", modules=["activations"], tests=[
        TestResult("activations.sigmoid: x", 2, 0, "nnlab grader error", Outcome.GRADER_ERROR)])
    Publisher().learner(out, faulty)
    data = json.loads((out / "s00" / "results.json").read_text())
    assert "score" not in data and "score" not in data["tests"][0]
    assert data["extra_data"]["status"] == "regrade"
    seen = []
    grade_batch([klass], course, out, functions=FUNCTIONS,
                on_result=lambda r, reused: seen.append((r.status, reused)))
    assert seen == [("graded", False)]


@pytest.mark.parametrize("make_out, words", [
    (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "is not a folder"),
    (lambda tmp: (tmp / "ro").mkdir() or os.chmod(tmp / "ro", 0o500) or tmp / "ro", "cannot write"),
    (lambda tmp: Path("/proc/self/nnlab-results"), "cannot write"),  # read-only even for root
])
def test_a_bad_output_folder_is_one_line_before_any_grading(tmp_path, course, make_out, words):
    out = make_out(tmp_path)
    if out.name == "ro" and os.geteuid() == 0:
        pytest.skip("root writes into a 0o500 folder; the /proc case covers root")
    klass = make_class(tmp_path / "class", 1)
    with pytest.raises(BatchError, match=words):
        grade_batch([klass], course, out, functions=FUNCTIONS)


def test_a_corrupt_earlier_results_json_names_itself_and_loses_nothing(tmp_path, course):
    klass = make_class(tmp_path / "class", 2)
    out = tmp_path / "out"
    (out / "zed").mkdir(parents=True)
    (out / "zed" / "results.json").write_text("[]")
    with pytest.raises(BatchError, match=r"zed/results.json: not an nnlab results file"):
        grade_batch([klass], course, out, functions=FUNCTIONS)
    assert (out / "zed" / "results.json").read_text() == "[]"  # nothing lost
    assert not (out / "s00").exists()  # and nothing graded before the run could be sure


def test_an_empty_or_undecodable_seed_is_one_line(tmp_path, course, monkeypatch):
    klass = make_class(tmp_path / "class", 1)
    monkeypatch.setenv("NNLAB_SECRET_SEED", "")
    with pytest.raises(BatchError, match="set but empty"):
        grade_batch([klass], course, tmp_path / "out", functions=FUNCTIONS)
    monkeypatch.setitem(os.environb, b"NNLAB_SECRET_SEED", b"\xff\xfe")
    with pytest.raises(BatchError, match="not UTF-8"):
        grade_batch([klass], course, tmp_path / "out", functions=FUNCTIONS)


def test_a_hanging_function_costs_one_time_limit_not_one_per_test(tmp_path, fast_course):
    folder = tmp_path / "class" / "hang"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text((ROOT / "solutions/activations.py").read_text()
                                           + "\n\ndef sigmoid(x):\n    while True:\n        pass\n")
    (result,) = grade_batch([folder], fast_course, tmp_path / "out", functions={"activations.sigmoid"})
    timeouts = [t for t in result.tests if t.outcome is Outcome.TIMEOUT]
    waited = [t for t in timeouts if "not run again" not in t.output]
    # one call waited for the limit; every later test of the same function was failed at once
    assert len(timeouts) >= 2 and len(waited) == 1, [t.output for t in timeouts]
    assert any("timeout" in f for f in result.flags)


@pytest.mark.slow
def test_the_cli_grades_the_example_class_with_flags_and_reports(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", "examples/class", "--out",
                           str(tmp_path), "--jobs", "2", "--format", "junit"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {r["learner"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert {"ada", "ben", "mallory", "zo\u00eb", "eli", "gus", "hal"} <= set(rows)
    assert "conftest.py" in rows["mallory"]["flags"] and "tensorflow" in rows["mallory"]["flags"]
    assert rows["eli"]["status"] == "refused" and rows["ada"]["percent"] == "100.0"
    assert float(rows["hal"]["total"]) < float(rows["hal"]["maximum"])  # losses missing counts
    for name in ("summary.html", "junit.xml", "ada/feedback.html"):
        assert (tmp_path / name).is_file()


def test_cli_run_failures_are_one_line_and_exit_2(tmp_path):
    (tmp_path / "file").write_text("x")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "grade", "examples/class/ada",
                           "--out", str(tmp_path / "file")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "is not a folder" in done.stderr and "Traceback" not in done.stderr
