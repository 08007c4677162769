"""Every contract function has public cases (issue 19, item 3), the solutions pass them, the
stubs are named by them, and the scenario checks (initialisers, model classes, logic gates)
tell wrong work from right.

The contract functions are those the hidden graders grade: the "module.function" each grader
test's docstring names (the form `nnlab.grading.plugin.NAME` holds them to), less the
module-level values (the gates, the truth table), which are not called."""

from __future__ import annotations

import ast
import importlib
import textwrap

import numpy as np
import pytest

from nnlab.course import CURRICULUM_MODULES
from nnlab.grading.plugin import NAME
from nnlab.null_learners import _top_level
from nnlab.selfcheck import run_checks
from tests.support import ROOT

CHECKS = ROOT / "exercises" / "checks"


def contract_functions() -> dict[str, set[str]]:
    """{module: the functions and classes its hidden grader grades}."""
    found: dict[str, set[str]] = {}
    for module in CURRICULUM_MODULES:
        kinds = _top_level((ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8"))
        tree = ast.parse((ROOT / "graders" / f"test_{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = (ast.get_docstring(node) or "").strip()
                if NAME.match(doc.split("\n")[0]):
                    owner, _, rest = doc.partition(".")
                    name = rest.split(":")[0].split(".")[0]
                    if kinds.get(name) in ("function", "class"):
                        found.setdefault(owner, set()).add(name)
    return found


CONTRACT = contract_functions()


def cased(module: str) -> set[str]:
    path = ROOT / "graders" / "public" / f"{module}.py"
    if not path.is_file():
        return set()
    return {case.function for case in importlib.import_module(f"graders.public.{module}").CASES}


def test_the_contract_is_read_from_every_grader():
    assert set(CONTRACT) == set(CURRICULUM_MODULES)
    assert {"init_mlp", "numerical_gradient", "mlp_backward"} <= CONTRACT["backprop"]
    assert {"MLPClassifier", "MLPRegressor"} <= CONTRACT["mlp"]
    assert "AND_GATE" not in CONTRACT["perceptron"]  # a value, not a function


@pytest.mark.parametrize("module", CURRICULUM_MODULES)
def test_every_contract_function_has_a_public_case(module):
    assert sorted(CONTRACT[module] - cased(module)) == []


@pytest.mark.parametrize("module", CURRICULUM_MODULES)
def test_solutions_pass_every_public_case_and_stubs_are_named(course, module):
    solved = run_checks(ROOT / "solutions", module, limits=course.limits,
                        tolerances=course.tolerances, checks_dir=CHECKS)
    assert {c.function: c.status for c in solved if c.status != "pass"} == {}
    assert CONTRACT[module] <= {c.function for c in solved}
    stubs = run_checks(ROOT / "exercises", module, limits=course.limits,
                       tolerances=course.tolerances, checks_dir=CHECKS)
    status = {c.function: c.status for c in stubs}
    assert {f: status.get(f) for f in CONTRACT[module]} == {f: "todo" for f in CONTRACT[module]}
    # a function given complete in the stub (mlp's softmax) is nothing to check for the learner
    assert all(c.status != "skipped" for c in stubs), [c.qualname for c in stubs]


def learner(folder, module, source):
    solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(solution + "\n" + textwrap.dedent(source), encoding="utf-8")
    return folder


def problems(folder, target, course):
    (check,) = [c for c in run_checks(folder, target, limits=course.limits,
                                      tolerances=course.tolerances, checks_dir=CHECKS)
                if c.function == target.split(".")[1]]
    return check.status, "\n".join(check.problems)


def test_a_nearest_neighbour_classifier_with_a_made_up_curve_fails(tmp_path, course):
    folder = learner(tmp_path, "mlp", """
        class MLPClassifier(MLPClassifier):
            def fit(self, X, y):
                super().fit(X, y)
                self._X, self._y = np.array(X), np.array(y)
                self.loss_curve_ = list(np.linspace(1.0, 0.1, self.max_iter))
                return self

            def predict_proba(self, X):
                d = ((np.asarray(X)[:, None, :] - self._X[None]) ** 2).sum(axis=2)
                nearest = self._y[np.argmin(d, axis=1)]
                return (nearest[:, None] == self.classes_[None, :]).astype(float)
        """)
    status, text = problems(folder, "mlp.MLPClassifier", course)
    assert status == "fail" and "predictions follow from the model's own weights" in text, text


def test_a_loss_curve_of_the_last_batch_or_the_wrong_length_fails(tmp_path, course):
    folder = learner(tmp_path, "mlp", """
        class MLPRegressor(MLPRegressor):
            def fit(self, X, y):
                super().fit(X, y)
                self.loss_curve_ = self.loss_curve_[:-1]
                return self
        """)
    status, text = problems(folder, "mlp.MLPRegressor", course)
    assert status == "fail" and "loss_curve_ has one loss per epoch (15)" in text, text


def test_an_initialiser_with_the_wrong_spread_or_global_random_state_fails(tmp_path, course):
    folder = learner(tmp_path, "backprop", """
        def init_mlp(layer_sizes, rng, init="he"):
            params = {}
            for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
                params[f"W{i}"] = np.random.normal(scale=np.sqrt(1.0 / n_in), size=(n_in, n_out))
                params[f"b{i}"] = np.zeros(n_out)
            return params
        """)
    status, text = problems(folder, "backprop.init_mlp", course)
    assert status == "fail", text
    assert "std within 10% of sqrt(2 / fan_in)" in text and "same weights" in text, text


def test_gates_are_judged_by_their_truth_tables_not_their_weights(tmp_path, course):
    other = learner(tmp_path / "other", "perceptron", """
        def logic_gates():
            return (np.array([2.0, 2.0]), -3.0), (np.array([5.0, 5.0]), -1.0), \\
                (np.array([-1.0, -1.0]), 1.5)
        """) if (tmp_path / "other").mkdir() is None else None
    assert problems(other, "perceptron.logic_gates", course)[0] == "pass"
    wrong = learner(tmp_path / "wrong", "perceptron", """
        def logic_gates():
            return ((np.array([1.0, 1.0]), -0.5),) * 3
        """) if (tmp_path / "wrong").mkdir() is None else None
    status, text = problems(wrong, "perceptron.logic_gates", course)
    assert status == "fail" and "AND gate" in text, text


class OddModel:
    """A caller whose every call, method and attribute returns one odd value, as a hostile or
    broken learner's code may (the worker's plain data: None, text, ragged lists, nan)."""

    def __init__(self, value):
        self.value = value

    def call(self, name, args, kwargs):
        return self.value if name.startswith("init") or name == "logic_gates" else object()

    def method(self, obj, name, args):
        return self.value

    def attribute(self, obj, name):
        return self.value


ODD = [None, "text", [1, [1, 1]], np.array([]), np.full((60, 3), np.nan), {"W1": "x"},
       {"W1": np.zeros((3, 2)), "b1": None}, 1e308, [[np.inf]], (1, 2, 3)]


@pytest.mark.parametrize("odd", ODD, ids=repr)
@pytest.mark.parametrize("module, case", [(m, c) for m in CURRICULUM_MODULES for c in (
    importlib.import_module(f"graders.public.{m}").CASES if (ROOT / "graders" / "public" / f"{m}.py").is_file()
    else []) if c.scenario], ids=lambda v: getattr(v, "label", v))
def test_a_scenario_on_odd_values_gives_differences_never_an_error(module, case, odd):
    from nnlab.grading.scenarios import SCENARIOS, ReferenceCaller, summary_differences

    with_reference = SCENARIOS[case.scenario](ReferenceCaller(importlib.import_module(
        f"reference.{module}")), case.function, case.args, case.kwargs)
    odd_summary = SCENARIOS[case.scenario](OddModel(odd), case.function, case.args, case.kwargs)
    differs = summary_differences(odd_summary, with_reference)
    assert differs and all(isinstance(line, str) for line in differs)


def test_a_loss_curve_of_each_epochs_last_batch_fails(tmp_path, course):
    """The issue's wrong module: loss_curve_ holding the last batch's loss, not the epoch's
    mean. At a learning rate of 1e-7 the weights barely move, so the last batch's loss (2 of
    60 samples) stands apart from the mean over all of them."""
    folder = learner(tmp_path, "mlp", """
        class MLPClassifier(MLPClassifier):
            def fit(self, X, y):
                super().fit(X, y)
                p = self.predict_proba(np.asarray(X)[-2:])
                codes = np.searchsorted(self.classes_, np.asarray(y)[-2:])
                last = float(-np.mean(np.log(p[np.arange(2), codes])))
                self.loss_curve_ = [last] * self.max_iter
                return self
        """)
    status, text = problems(folder, "mlp.MLPClassifier", course)
    assert status == "fail", text
    assert "each loss_curve_ entry is the mean loss over every sample of its epoch: no" in text, text
