"""`nnlab verify`, the release gate, passes on the shipped course and catches a broken one."""

import subprocess
import sys

from tests.support import ROOT, copy_course


def run_verify(cwd, *args):
    return subprocess.run([sys.executable, "-m", "nnlab.cli", "verify", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def test_verify_passes_on_the_shipped_course():
    done = run_verify(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "solutions score full marks" in done.stdout
    assert "stubs score zero" in done.stdout
    assert done.stdout.count("ok   mistake") >= 10 or done.stdout.count("mistake ") >= 10


def test_verify_fails_when_a_solution_is_wrong(tmp_path):
    copy_course(tmp_path)
    solution = tmp_path / "solutions" / "losses.py"
    solution.write_text(solution.read_text() + "\n\ndef mse(y_true, y_pred):\n    return 0.0\n")
    done = run_verify(tmp_path, "-m", "losses")
    assert done.returncode == 1
    assert "FAIL solutions score full marks" in done.stdout
    assert "losses.mse" in done.stdout


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
