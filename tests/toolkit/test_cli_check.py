"""`nnlab check` as a learner reads it: one line per function, problems grouped below, readable
at 80 columns, and every learner, label or diagnosis string shown literally."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from reference.mistakes import MISTAKES
from tests.support import ROOT, solution_with

NNLAB = [sys.executable, "-m", "nnlab.cli"]
# Rich markup and brackets of every kind: none of it may be parsed, eaten or crash the command.
MARKUP = "[/] [bold]loud[/bold] ] [x == 0] [red"


def run_check(*args, columns=80):
    env = {**os.environ, "COLUMNS": str(columns)}
    done = subprocess.run([*NNLAB, "check", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def mistake(name):
    return next(m for m in MISTAKES if m.name == name)


def with_mistakes(module, *names):
    source = (ROOT / "solutions" / f"{module}.py").read_text()
    for name in names:
        source = mistake(name).graft(source)
    return source


def test_learner_messages_labels_and_diagnoses_are_shown_verbatim(tmp_path):
    learner, checks = tmp_path / "learner", tmp_path / "checks"
    learner.mkdir()
    checks.mkdir()
    # A learner exception with markup in its message.
    (learner / "activations.py").write_text(solution_with(
        "activations", f"def relu(x):\n    raise ValueError({MARKUP!r})\n"))
    # A catalogued mistake whose diagnosis and case label hold markup too.
    (learner / "losses.py").write_text(with_mistakes("losses", "binary_cross_entropy_unclipped"))
    for module in ("activations", "losses"):
        data = json.loads((ROOT / "exercises" / "checks" / f"{module}.json").read_text())
        for case in data["cases"]:
            if case["function"] in ("relu", "binary_cross_entropy"):
                case["label"] = f"{case['label']} {MARKUP}"
            for entry in case["mistakes"]:
                entry["why"] += f" {MARKUP}"
        (checks / f"{module}.json").write_text(json.dumps(data))
    out = run_check("--path", str(learner), "--verbose", columns=200)
    flat = " ".join(out.split())
    assert f"ValueError: {MARKUP}" in flat  # the learner's own message
    assert f"p exactly 0 or 1 is clipped {MARKUP}]" in flat  # a case label
    assert f"[eps, 1 - eps] first, as Keras does {MARKUP}" in flat  # a diagnosis
    assert "activations.relu" in out and "FAIL" in out


def test_five_mistakes_fit_in_80_lines_of_80_columns(tmp_path):
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "activations.py").write_text(with_mistakes(
        "activations", "sigmoid_grad_applied_to_x", "relu_grad_one_at_zero",
        "softmax_global_max_shift"))
    (learner / "losses.py").write_text(with_mistakes(
        "losses", "mse_grad_without_two", "half_sse_grad_divided_by_size"))
    out = run_check("--path", str(learner))
    lines = out.splitlines()
    assert len(lines) < 80, out
    assert max(map(len, lines)) <= 80, out
    for name in ("sigmoid_grad_applied_to_x", "relu_grad_one_at_zero", "softmax_global_max_shift",
                 "mse_grad_without_two", "half_sse_grad_divided_by_size"):
        assert " ".join(mistake(name).looks_like.split()) in " ".join(out.split()), name
    # One line per function: each passing one appears once, on its own line.
    assert sum("activations.tanh " in line for line in lines) == 1
    assert "Not found: " in out and "conv.py" in out and "rnn.py" in out
    # --verbose shows every failing case; the grouped form says where else a diagnosis applied.
    assert "Same diagnosis in:" in out
    verbose = run_check("--path", str(learner), "--verbose")
    assert len(verbose.splitlines()) > len(lines)


def test_a_stub_says_not_implemented_yet_once_per_function():
    out = run_check("activations")
    data = json.loads((ROOT / "exercises" / "checks" / "activations.json").read_text())
    names = sorted({case["function"] for case in data["cases"]})
    for name in names:
        mine = [line for line in out.splitlines() if f"activations.{name} " in line]
        assert len(mine) == 1 and "not implemented yet" in mine[0], (name, out)
    assert out.count("not implemented yet") == len(names) + 1  # and once in the totals
    assert "raises NotImplementedError" not in out


def test_a_syntax_error_is_the_file_the_line_and_a_caret(tmp_path):
    learner = tmp_path / "learner"
    learner.mkdir()
    source = (ROOT / "solutions" / "activations.py").read_text()
    assert "def relu(x):" in source
    (learner / "activations.py").write_text(source.replace("def relu(x):", "def relu(x)", 1))
    out = run_check("activations", "--path", str(learner))
    lines = out.splitlines()
    assert len(lines) < 10, out
    line_no = source.splitlines().index("def relu(x):") + 1
    assert f"activations.py line {line_no}:" in out and "SyntaxError" in out
    code = next(i for i, line in enumerate(lines) if line.strip() == "def relu(x)")
    # The caret sits where Python expected the colon, right after the closing parenthesis.
    assert lines[code + 1].strip() == "^"
    assert lines[code + 1].index("^") == lines[code].index("def relu(x)") + len("def relu(x)")
    assert "17 functions not checked" in out


def test_an_unknown_target_with_markup_is_named_not_parsed():
    done = subprocess.run([*NNLAB, "check", f"{MARKUP}.x"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"no public checks for module '{MARKUP}'" in " ".join(done.stderr.split())


def test_every_function_without_a_public_case_is_named_with_the_reason(tmp_path):
    """`nnlab check backprop` used to say "7 of 7 functions pass" and name nothing else. Every
    contract function now has public cases (tests/authoring/test_public_coverage.py), so the
    reasons are shown on a course whose checks lack some: init_mlp's and numerical_gradient's
    cases and the whole of mlp.json removed."""
    out = run_check("backprop", "--path", "solutions")
    assert "9 of 9 functions pass their public checks." in " ".join(out.split())
    assert "not checked" not in out
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    checks = tmp_path / "exercises" / "checks"
    data = json.loads((checks / "backprop.json").read_text())
    data["cases"] = [c for c in data["cases"] if c["function"] not in ("init_mlp", "numerical_gradient")]
    (checks / "backprop.json").write_text(json.dumps(data))
    (checks / "mlp.json").unlink()
    learner = tmp_path / "exercises" / "learner"  # beside checks/ and the stubs it names from
    learner.mkdir()
    for module in ("backprop", "mlp"):
        shutil.copy(ROOT / "solutions" / f"{module}.py", learner / f"{module}.py")
    flat = " ".join(run_check("backprop", "--path", str(learner)).split())
    assert "backprop.init_mlp 0/0 not checked here" in flat
    assert "backprop.numerical_gradient: it takes a function" in flat
    assert "backprop.init_mlp: it draws random numbers" in flat
    assert "7 of 7 functions pass their public checks; 2 more have no public case" in flat
    mlp = " ".join(run_check("mlp", "--path", str(learner)).split())
    assert "mlp.MLPClassifier, mlp.MLPRegressor: a model class is judged by training it" in mlp
    assert "mlp.softmax" not in mlp  # given complete in the stub: nothing of the learner's


def test_a_failure_that_follows_from_another_function_says_fix_that_first(tmp_path):
    """A wrong conv2d_output_size breaks conv2d_forward, maxpool2d_forward and cnn_forward
    (there as a raw NumPy ValueError): each of them says to fix conv2d_output_size first; the
    root itself does not."""
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "conv.py").write_text(solution_with("conv", '''
def conv2d_output_size(size, kernel, stride, padding):
    size, kernel, stride = int(size), int(kernel), int(stride)
    if padding == "valid":
        return (size - kernel) // stride
    return -(-size // stride)
'''))
    flat = " ".join(run_check("conv", "--path", str(learner)).split())
    for function in ("conv2d_forward", "maxpool2d_forward", "cnn_forward"):
        assert (f"Fix conv2d_output_size first: your {function} relies on conv2d_output_size, "
                f"which fails its own checks") in flat
    assert "your conv2d_output_size relies on" not in flat
