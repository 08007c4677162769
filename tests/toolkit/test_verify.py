"""`nnlab verify`, the release gate, passes on the shipped course and catches a broken one."""

import subprocess
import sys

import pytest

from tests.support import ROOT, copy_course


def run_verify(cwd, *args):
    return subprocess.run([sys.executable, "-m", "nnlab.cli", "verify", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def test_verify_passes_on_the_shipped_course():
    """Every kind of release check, end to end through the command, on two modules of the
    shipped course. The same facts for every module are each a test of their own, case by case:
    full and zero marks (tests/grading/test_runner.py), every catalogued mistake named
    (test_mistakes_named.py), every null learner and odd return (tests/graders/
    test_null_learners.py), points by oracle (test_keras_oracle.py) and every question's
    variants (tests/questions/): a whole-course verify here would grade all of them again."""
    done = run_verify(ROOT, "-m", "losses", "-m", "perceptron")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    said = " ".join(done.stdout.split())  # the terminal wraps long lines
    for check in ("reference agrees with the recorded Keras baselines", "solutions score full marks",
                  "losses points by oracle", "perceptron points by oracle", "stubs score zero",
                  "null learners earn nothing", "question losses.", "question perceptron.",
                  "All release checks passed."):
        assert check in said, check
    assert said.count("ok mistake ") >= 8
    assert "FAIL" not in said


def test_verify_fails_when_a_solution_is_wrong(tmp_path):
    copy_course(tmp_path)
    solution = tmp_path / "solutions" / "losses.py"
    solution.write_text(solution.read_text() + "\n\ndef mse(y_true, y_pred):\n    return 0.0\n")
    done = run_verify(tmp_path, "-m", "losses")
    assert done.returncode == 1
    assert "FAIL solutions score full marks" in done.stdout
    assert "losses.mse" in done.stdout


@pytest.mark.slow
def test_verify_fails_when_a_null_learner_earns_points(tmp_path):
    """A grader test that any array satisfies gives a null learner points: verify names it."""
    copy_course(tmp_path)
    grader = tmp_path / "graders" / "test_activations.py"
    grader.write_text(grader.read_text() + '''

@pytest.mark.points(1)
def test_relu_gives_an_array(learner, rng):
    """activations.relu: returns an array of the input's shape"""
    x = rng.normal(size=(3, 4))
    out = learner.activations.relu(x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape, "not an array of x's shape"
''')
    done = run_verify(tmp_path, "-m", "activations")
    assert done.returncode == 1, done.stdout[-3000:]
    said = " ".join(done.stdout.split())  # the terminal wraps long lines
    assert "FAIL null learners earn nothing" in said
    assert "activations.relu returning zeros earns 1" in said
