"""Grading end to end: the CLI on solutions and stubs, results files, determinism, resuming."""

import csv
import json
import subprocess
import sys

import pytest

from tests.support import ROOT, copy_course
from nnlab.grading.runner import grade_batch, grade_submission
from nnlab.reports.publish import results_json

NNLAB = [sys.executable, "-m", "nnlab.cli"]


def run_nnlab(*args, cwd=ROOT):
    return subprocess.run([*NNLAB, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def read_results(out, learner):
    return json.loads((out / learner / "results.json").read_text())


@pytest.mark.slow
def test_grade_solutions_gives_full_marks(tmp_path, course):
    done = run_nnlab("grade", "solutions", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path, "solutions")
    assert results["max_score"] > 0 and results["score"] == results["max_score"]
    assert {t["status"] for t in results["tests"]} == {"passed"}
    assert results["extra_data"]["modules"] == course.graded_modules()
    assert "solutions" in done.stdout and f"{results['score']:g}/{results['max_score']:g}" in done.stdout


def test_grade_exercises_gives_zero_with_not_implemented_feedback(tmp_path):
    done = run_nnlab("grade", "exercises", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path, "exercises")
    assert results["score"] == 0 and results["max_score"] > 0
    assert all("is not implemented yet" in t["output"] for t in results["tests"])
    feedback = (tmp_path / "exercises" / "feedback.md").read_text()
    assert "Nothing here is implemented yet" in feedback


def test_results_follow_gradescope_schema_and_names_start_with_module_function(tmp_path, course):
    result = grade_submission(ROOT / "solutions", course, warn_seed=False)
    data = results_json(result)
    assert set(data) >= {"score", "max_score", "tests"}
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        module, _, rest = test["name"].partition(".")
        assert module in course.graded_modules() and rest.split(":")[0].isidentifier()
    json.dumps(data)  # plain JSON all the way down


def test_same_submission_graded_twice_gives_identical_scores(course, make_submission):
    folder = make_submission("ben", base="examples/class/ben")
    first = grade_submission(folder, course, warn_seed=False)
    second = grade_submission(folder, course, warn_seed=False)
    assert [(t.name, t.score, t.output) for t in first.tests] == \
           [(t.name, t.score, t.output) for t in second.tests]
    assert 0 < first.score < first.max_score


def test_hidden_cases_differ_between_learners_and_seeds(course, make_submission, monkeypatch):
    from nnlab.seeds import ModuleKeys, master_key
    import numpy as np

    def draw(seed, learner, module="losses"):
        keys = ModuleKeys.from_master(master_key(seed), ["losses", "conv"], development=False)
        return np.random.default_rng(keys.for_learner(learner).generator_seed(module, "t")).normal(size=3)

    assert not np.allclose(draw("1", "ada"), draw("1", "ben"))
    assert not np.allclose(draw("1", "ada"), draw("2", "ada"))
    assert not np.allclose(draw("1", "ada"), draw("1", "ada", "conv"))
    assert np.array_equal(draw("1", "ada"), draw("1", "ada"))


def test_batch_writes_csv_and_resumes_unchanged_submissions(tmp_path, course, make_submission):
    ada = make_submission("ada", base="solutions")
    ben = make_submission("ben", base="examples/class/ben")
    out = tmp_path / "out"
    seen = []
    grade_batch([ada, ben], course, out, on_result=lambda r, reused: seen.append((r.learner, reused)))
    assert sorted(seen) == [("ada", False), ("ben", False)]
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["learner"] for r in rows] == ["ada", "ben"]
    assert float(rows[0]["total"]) == float(rows[0]["maximum"]) > float(rows[1]["total"])
    seen.clear()
    (ben / "losses.py").write_text((ROOT / "solutions" / "losses.py").read_text())
    grade_batch([ada, ben], course, out, on_result=lambda r, reused: seen.append((r.learner, reused)))
    assert sorted(seen) == [("ada", True), ("ben", False)]


def test_a_broken_submission_never_costs_the_batch(tmp_path, course, make_submission):
    good = make_submission("ada")
    empty = tmp_path / "nobody"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing to grade")
    results = grade_batch([good, empty], course, tmp_path / "out", jobs=2)
    by_learner = {r.learner: r for r in results}
    assert by_learner["ada"].score == by_learner["ada"].max_score > 0
    assert "no gradable module files" in by_learner["nobody"].error
    assert (tmp_path / "out" / "nobody" / "results.json").is_file()


def test_assignment_grades_missing_modules_as_zero(course, make_submission):
    folder = make_submission("ada", modules=("activations",))
    result = grade_submission(folder, course, assignment="a2", warn_seed=False)
    assert result.modules == ["losses", "gradient_descent"]
    assert result.score == 0 and all(f"{t.module}.py is not in this submission" in t.output
                                     for t in result.tests)


@pytest.mark.parametrize("args, words", [
    (["grade", "no/such/folder"], "no/such/folder: no such folder"),
    (["grade", "solutions", "--assignment", "a9"], "has no assignment 'a9'"),
    (["grade", "solutions", "--course", "missing.yml"], "missing.yml: no such file"),
])
def test_cli_errors_are_one_clear_line(args, words):
    done = run_nnlab(*args)
    assert done.returncode == 2
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_build_check_names_stale_and_extra_files_and_build_mends_them(tmp_path):
    """One copy of the course, broken twice: `build --check` names a hand-edited stub and a file
    the build does not write, and exits 1; `build` mends both, and the mended exercises/ equals
    the committed one byte for byte (so the committed exercises/ is up to date too). Two builds
    where five once ran: a build is among the costliest steps of the suite."""
    copy_course(tmp_path)
    stub = tmp_path / "exercises" / "losses.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    (tmp_path / "exercises" / "notebooks" / "perceptron.ipynb").write_text("{}")
    done = run_nnlab("build", "--check", cwd=tmp_path)
    assert done.returncode == 1
    assert "2 file(s)" in done.stderr, done.stderr
    assert "stale  exercises/losses.py" in done.stdout
    assert "extra  exercises/notebooks/perceptron.ipynb" in done.stdout
    assert run_nnlab("build", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "exercises" / "notebooks" / "perceptron.ipynb").exists()
    built = {p.relative_to(tmp_path).as_posix(): p.read_bytes()
             for p in (tmp_path / "exercises").rglob("*") if p.is_file()}
    committed = {p.relative_to(ROOT).as_posix(): p.read_bytes()
                 for p in (ROOT / "exercises").rglob("*") if p.is_file()
                 and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    assert sorted(built) == sorted(committed)
    assert [name for name in built if built[name] != committed[name]] == []


def test_check_command_runs_public_checks_on_a_learner_folder(make_submission):
    folder = make_submission("ben", base="examples/class/ben")
    done = run_nnlab("check", "--path", str(folder))
    assert done.returncode == 0, done.stderr
    assert "activations.sigmoid" in done.stdout and "fail" in done.stdout and "pass" in done.stdout
    assert "Diagnosis: your" in done.stdout or "looks like" in done.stdout
    one = run_nnlab("check", "losses.mse", "--path", str(ROOT / "solutions"))
    assert one.returncode == 0 and "1 of 1 functions pass" in one.stdout
