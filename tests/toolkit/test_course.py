"""course.yml validation: good files load, bad ones get one line naming the key and line."""

from pathlib import Path

import pytest

from nnlab.course import CourseError, load_course

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_course_loads():
    course = load_course(ROOT / "course.yml")
    assert course.course == "nnlab-intro"
    assert [a.id for a in course.assignments] == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert course.assignment("a2").modules == ["losses", "gradient_descent"]
    assert course.root == ROOT
    assert {"activations", "losses"} <= set(course.graded_modules())


@pytest.mark.parametrize("edit, expected", [
    (("seconds_per_test: 10 ", "seconds_per_test: -1 "),
     "line 11: limits.seconds_per_test: Input should be greater than 0"),
    (("  worker_file_mb: 16", "  worker_file_mb: 16\n  worker_disk: 3"), "line 16: limits.worker_disk: unknown key"),
    (("modules: [rnn, lstm]", "modules: [rnn, lstmm]"), "assignments.5.modules: Value error, unknown module 'lstmm'"),
    (("course: nnlab-intro\n", ""), "course: required key is missing"),
    (("id: a2", "id: a1"), "assignment ids must be unique; repeated: a1"),
    (("rtol: 1.0e-7", "rtol: fast"), "tolerances.float64.rtol: Input should be a valid number"),
    (("limits:\n", "limits: [\n"), "not valid YAML"),
])
def test_bad_course_file_names_key_and_line(tmp_path, edit, expected):
    text = (ROOT / "course.yml").read_text()
    assert edit[0] in text
    bad = tmp_path / "course.yml"
    bad.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(CourseError) as error:
        load_course(bad)
    message = str(error.value)
    assert "\n" not in message
    assert str(bad) in message and expected in message


def test_missing_course_file(tmp_path):
    with pytest.raises(CourseError, match="no such file"):
        load_course(tmp_path / "course.yml")


def test_secret_seed_from_environment_with_warning_on_default(monkeypatch, capsys):
    course = load_course(ROOT / "course.yml")
    monkeypatch.setenv("NNLAB_SECRET_SEED", "s3cret")
    secret = course.module_keys()
    assert not secret.development
    monkeypatch.setenv("NNLAB_SECRET_SEED", "other")
    assert course.module_keys().keys != secret.keys
    assert course.seed_fingerprint() != secret.fingerprint
    monkeypatch.delenv("NNLAB_SECRET_SEED")
    import nnlab.course as course_module
    monkeypatch.setattr(course_module, "_warned", False)
    assert course.module_keys().development
    assert "WARNING" in capsys.readouterr().err


def test_a_module_may_raise_its_own_limits(tmp_path):
    text = (ROOT / "course.yml").read_text()
    limits = load_course(ROOT / "course.yml").limits
    assert limits.for_module("mlp").seconds_per_test == 30
    assert limits.for_module("conv") is limits
    bad = text.replace("    mlp:                    #", "    mpl:                    #")
    (tmp_path / "course.yml").write_text(bad)
    with pytest.raises(CourseError, match=r"limits\.modules.*unknown module 'mpl'"):
        load_course(tmp_path / "course.yml")


def test_a_key_given_twice_is_named_with_its_line(tmp_path):
    text = (ROOT / "course.yml").read_text()
    twice = text.replace("  output_kb: 8 ", "  output_kb: 16\n  output_kb: 8 ", 1)
    (tmp_path / "course.yml").write_text(twice)
    with pytest.raises(CourseError) as error:
        load_course(tmp_path / "course.yml")
    line = twice.splitlines().index("  output_kb: 16") + 2
    assert str(error.value) == (f"{tmp_path / 'course.yml'} line {line}: limits.output_kb: the key "
                                f"is given twice (YAML would keep only the last one)")
