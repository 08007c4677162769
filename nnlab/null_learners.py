"""Generated learners that do no work, or return odd values, for every contract function.

Two families of learner modules, each made from the solution of a module with some of its
functions replaced (the rest stay the solution's own, called through an intact copy):

- **null learners** (`NULL_STRATEGIES`): cheap strategies that must earn nothing on the replaced
  function's tests: zeros of the right shape and dtype, a constant, the input echoed, random
  values, the unchanged stub of exercises/, and for the mlp classes a memorising
  nearest-neighbour predictor with a fabricated falling `loss_curve_`. The pairs whose contract
  answer really is that value are `EXCEPTIONS` (listed in graders/README.md);
- **odd returns** (`ODD_RETURNS`): None, text, ragged lists, empty arrays, wrong shapes and
  dtypes, dicts missing keys, huge and non-finite values. Every test must end passed or
  failed, never "grader_error" (a grader fault needs proof: nnlab.grading.proof).

Each replacement runs inside the sandbox like any learner code: the strategies are source text
appended to the solution. Functions are graded many at a time: one grading replaces, in every
module, a group of functions whose tests do not call each other (`conflict_groups`, from the
calls the solutions' grading made), so that a function's tests see only its own replacement.

`null_learner_points(course)` grades them all and returns the points each (function, strategy)
pair earned; `nnlab verify` fails a release where a pair outside `EXCEPTIONS` earns any.
"""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from nnlab.course import Course

NULL_STRATEGIES = ("zeros", "constant", "echo", "random", "stub", "memorise")
ODD_RETURNS = ("none", "text", "ragged", "empty", "wrong_shape", "wrong_dtype", "missing_keys",
               "huge", "nonfinite")

# Correct conventions a learner may follow: with these replacements the solution keeps full
# marks ("float64_inside": float32 inputs computed in float64 and the result cast back).
CORRECT_CONVENTIONS = ("float64_inside",)

# (function, strategy) pairs whose contract answer really is the strategy's value: they may
# earn points on the tests whose name holds the fragment ("" for all of the function's tests).
# Also listed in graders/README.md, "Null learners".
EXCEPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("activations.linear", "echo"): ("", "linear(x) is x"),
    ("activations.binary_step_grad", "zeros"): (
        "", "the binary step's derivative is 0 everywhere (0 at the kink too, by the course's "
            "convention)"),
    ("backprop.activation_forward", "echo"): ("[linear]", "the linear activation returns z"),
    ("backprop.activation_backward", "echo"): ("[linear]", "the linear activation passes da on"),
    ("gradient_descent.minibatches", "echo"): (
        "[batch larger than N]", "one batch holding every sample in their order is a right "
                                 "answer (the order is any permutation; shuffling has its own test)"),
}

_CLASS_METHODS = ("fit", "predict", "predict_proba", "score")


@dataclass(frozen=True)
class Replacement:
    """One contract function of a module, replaced by a strategy or an odd return."""

    function: str  # "module.name"
    how: str       # a NULL_STRATEGIES or ODD_RETURNS name
    alone: bool = True  # False: every function of the module replaced the same way at once

    @property
    def module(self) -> str:
        return self.function.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.function.split(".", 1)[1]


# ------------------------------------------------------------------------------------------
# The code that runs in the sandbox
# ------------------------------------------------------------------------------------------

# Appended to a learner module: applies a strategy to what the intact solution returned.
# `value` is the intact value; `args` the call's arguments; `keep_last` keeps a forward pass's
# cache (its backward needs it); `seed` makes "random" reproducible.
RUNTIME = r'''
import numpy as _nl_np


def _nl_leaf(value, how, args, rng):
    np = _nl_np
    if isinstance(value, (bool, np.bool_)):
        return {"zeros": False, "constant": True, "random": bool(rng.integers(2)),
                "none": None, "text": "yes", "ragged": [1, [1, 1]], "empty": np.empty(0),
                "wrong_shape": np.array([value, value]), "wrong_dtype": 0.5,
                "missing_keys": {}, "huge": 1e308, "nonfinite": float("nan")}.get(how, value)
    if isinstance(value, (int, float, np.number)):
        value = np.asarray(value)
        scalar = True
    elif isinstance(value, np.ndarray):
        scalar = False
    else:
        return value
    kind = value.dtype.kind
    if how == "zeros":
        out = np.zeros_like(value)
    elif how == "constant":
        out = np.full_like(value, 1 if kind in "biu" else 0.5)
    elif how == "echo":
        same = [a for a in args if isinstance(a, np.ndarray) and a.shape == value.shape]
        first = [a for a in args if isinstance(a, np.ndarray)]
        if not (same or first):  # no array came in: the first argument, whatever it is
            return args[0] if args else None
        out = (same or first)[0]
        if out.dtype.kind in "fc" and kind in "fc":
            out = out.astype(value.dtype)
    elif how == "random":
        out = (rng.integers(0, 2, value.shape) if kind in "biu"
               else rng.normal(size=value.shape)).astype(value.dtype)
    elif how == "empty":
        return np.empty((0,) * max(1, value.ndim), dtype=value.dtype)
    elif how == "wrong_shape":
        return np.append(value.reshape(-1), value.reshape(-1)[:1])[:, None]
    elif how == "wrong_dtype":
        return value.astype(np.complex128) if kind == "f" else value.astype(np.float64) + 0.25
    elif how == "huge":
        out = np.full(value.shape, 1e308) * np.where(np.arange(value.size) % 2, -1, 1).reshape(value.shape)
        return out[()] if scalar else out
    elif how == "nonfinite":
        pattern = np.array([np.nan, np.inf, -np.inf])
        out = pattern[np.arange(value.size) % 3].reshape(value.shape)
        return out[()] if scalar else out
    else:
        return value
    return out[()] if scalar else out


def _nl_apply(value, how, args, seed, keep_last=False, depth=0):
    np = _nl_np
    rng = np.random.default_rng(seed + depth)
    if depth == 0:
        if how == "none":
            return None
        if how == "text":
            return "a value"
        if how == "ragged":
            if isinstance(value, tuple) and value:
                return tuple([1, [1, 1]] if (i < len(value) - 1 or not keep_last) else v
                             for i, v in enumerate(value))
            return [1, [1, 1]]
        if how == "missing_keys":
            if isinstance(value, dict):
                return {k: v for i, (k, v) in enumerate(value.items()) if i % 2}
            if isinstance(value, tuple) and len(value) > 1:
                return value[:-2] + value[-1:] if keep_last else value[:-1]
            if isinstance(value, list):
                return value[1:]
            return {}
    if how == "echo" and isinstance(value, dict):  # a dict in, the same keys out: unchanged
        same = [a for a in args if isinstance(a, dict) and set(a) == set(value)]
        if same:
            return dict(same[0])
    if isinstance(value, tuple):
        last = len(value) - 1
        return tuple(v if (keep_last and i == last) else
                     _nl_apply(v, how, args, seed, False, depth + 1 + i)
                     for i, v in enumerate(value))
    if isinstance(value, list):
        if how == "empty" and depth == 0:
            return []
        return [_nl_apply(v, how, args, seed, False, depth + 1 + i) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _nl_apply(v, how, args, seed, False, depth + 1 + i)
                for i, (k, v) in enumerate(value.items())}
    return _nl_leaf(value, how, args, rng)


def _nl_not_implemented(*args, **kwargs):
    raise NotImplementedError


def _nl_wrap(name, how, seed):
    intact = _nl_intact[name]
    keep_last = name.endswith("_forward")

    def replaced(*args, **kwargs):
        return _nl_apply(intact(*args, **kwargs), how, args, seed, keep_last)

    replaced.__name__ = name
    return replaced


def _nl_cast(value, source, target, depth=0):
    np = _nl_np
    if depth > 8:
        return value
    if isinstance(value, np.ndarray) and value.dtype == source:
        return value.astype(target)
    if isinstance(value, np.generic) and value.dtype == source:
        return target(value)
    if isinstance(value, tuple):
        return tuple(_nl_cast(v, source, target, depth + 1) for v in value)
    if isinstance(value, list):
        return [_nl_cast(v, source, target, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _nl_cast(v, source, target, depth + 1) for k, v in value.items()}
    return value


def _nl_has(value, dtype, depth=0):
    np = _nl_np
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype == dtype
    if isinstance(value, (tuple, list)) and depth < 8:
        return any(_nl_has(v, dtype, depth + 1) for v in value)
    if isinstance(value, dict) and depth < 8:
        return any(_nl_has(v, dtype, depth + 1) for v in value.values())
    return False


def _nl_float64_inside(name):
    """A correct convention: float32 inputs computed in float64, the outputs cast back."""
    intact = _nl_intact[name]
    keep_last = name.endswith("_forward")
    np = _nl_np

    def computed_in_float64(*args, **kwargs):
        low = _nl_has(args, np.float32) or _nl_has(kwargs, np.float32)
        value = intact(*_nl_cast(args, np.float32, np.float64),
                       **_nl_cast(kwargs, np.float32, np.float64))
        if not low:
            return value
        if keep_last and isinstance(value, tuple):
            return _nl_cast(value[:-1], np.float64, np.float32) + value[-1:]
        return _nl_cast(value, np.float64, np.float32)

    computed_in_float64.__name__ = name
    return computed_in_float64


class _NLCheapModel:
    """A model that does no work: fit keeps the data, every answer comes from `how`."""

    _how = "zeros"
    _classifier = True

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate_init=0.001,
                 max_iter=200, batch_size=32, random_state=None):
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        np = _nl_np
        self._X, self._y = np.array(X, dtype=np.float64), np.array(y)
        if self._classifier:
            self.classes_ = np.unique(self._y)
        epochs = int(self.max_iter)
        rng = np.random.default_rng(self.random_state)
        self.loss_curve_ = {"zeros": [0.0] * epochs, "constant": [0.5] * epochs,
                            "echo": list(self._X[:epochs, 0]),
                            "random": list(rng.uniform(0.1, 1.0, epochs)),
                            "memorise": list(np.linspace(2.0, 0.05, epochs))}[self._how]
        return self

    def _nearest(self, X):
        np = _nl_np
        X = np.asarray(X, dtype=np.float64)
        d = (X ** 2).sum(1)[:, None] - 2 * X @ self._X.T + (self._X ** 2).sum(1)[None, :]
        return np.argmin(d, axis=1)

    def predict(self, X):
        np = _nl_np
        n = len(X)
        rng = np.random.default_rng(0)
        labels = self.classes_ if self._classifier else self._y
        if self._how == "memorise":
            return self._y[self._nearest(X)]
        if self._how == "zeros":
            return np.zeros(n, dtype=self._y.dtype)
        if self._how == "constant":
            return np.full(n, labels[0] if self._classifier else self._y.mean(), dtype=self._y.dtype)
        if self._how == "echo":
            return np.asarray(X)[:, 0].astype(self._y.dtype)
        return rng.choice(labels, size=n) if self._classifier else rng.normal(size=n)

    def predict_proba(self, X):
        np = _nl_np
        n, k = len(X), len(self.classes_)
        if self._how == "memorise":
            out = np.zeros((n, k))
            out[np.arange(n), np.searchsorted(self.classes_, self.predict(X))] = 1.0
            return out
        if self._how == "random":
            return np.random.default_rng(0).dirichlet(np.ones(k), size=n)
        if self._how == "zeros":
            return np.zeros((n, k))
        return np.full((n, k), 1.0 / k)

    def score(self, X, y):
        np = _nl_np
        if self._how == "memorise":
            pred = self.predict(X)
            if self._classifier:
                return float(np.mean(pred == np.asarray(y)))
            y = np.asarray(y, dtype=np.float64)
            return float(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
        return {"zeros": 0.0, "constant": 0.5, "echo": float(np.asarray(X)[0, 0])}.get(
            self._how, float(np.random.default_rng(0).uniform()))


def _nl_cheap_class(name, how):
    return type(name, (_NLCheapModel,), {"_how": how, "_classifier": "Regressor" not in name})


def _nl_odd_class(name, how, seed):
    intact = _nl_intact[name]

    class Odd(intact):
        def fit(self, X, y):
            super().fit(X, y)
            for attribute in ("loss_curve_", "params_"):
                if hasattr(self, attribute):
                    setattr(self, attribute, _nl_apply(getattr(self, attribute), how, (X,), seed))
            return self

        def predict(self, X):
            return _nl_apply(super().predict(X), how, (X,), seed)

        def predict_proba(self, X):
            return _nl_apply(super().predict_proba(X), how, (X,), seed)

        def score(self, X, y):
            return _nl_apply(super().score(X, y), how, (X, y), seed)

    Odd.__name__ = Odd.__qualname__ = name
    return Odd
'''


def _top_level(source: str) -> dict[str, str]:
    """{name: "function" | "class" | "value"} of a module's public top-level definitions."""
    kinds: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            kinds[node.name] = "function"
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            kinds[node.name] = "class"
        elif isinstance(node, (ast.Assign, ast.Try)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and sub.id.isupper():
                    kinds.setdefault(sub.id, "value")
    return kinds


def learner_source(course: Course, module: str, replacements: Iterable[Replacement],
                   seed: int = 0) -> str:
    """The solution of `module` with each replacement applied, as a learner module's text."""
    solution = (course.root / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    stub = (course.root / "exercises" / f"{module}.py").read_text(encoding="utf-8")
    kinds = _top_level(solution)
    lines = [solution, "", "# " + "-" * 70,
             "# A generated learner (nnlab.null_learners): the solution, with functions replaced.",
             RUNTIME,
             f"_nl_intact = {{'__name__': {module + '_intact'!r}}}",
             f"exec(compile({solution!r}, '<intact {module}>', 'exec'), _nl_intact)",
             f"_nl_stub = {{'__name__': {module + '_stub'!r}}}",
             "try:",
             f"    exec(compile({stub!r}, '<stub {module}>', 'exec'), _nl_stub)",
             "except Exception:  # a stub whose demo cells need more than the sandbox offers",
             "    pass"]
    # every public name is the intact solution's, so no function reaches a replaced one
    for name, kind in kinds.items():
        lines.append(f"{name} = _nl_intact[{name!r}]")
    for i, r in enumerate(replacements):
        kind = kinds.get(r.name)
        if kind is None:
            raise KeyError(f"{r.function} is not defined in solutions/{module}.py")
        if r.how in CORRECT_CONVENTIONS:
            if kind == "function":
                lines.append(f"{r.name} = _nl_{r.how}({r.name!r})")
        elif r.how == "stub":
            lines.append(f"{r.name} = _nl_stub.get({r.name!r}, _nl_not_implemented)")
        elif kind == "function":
            lines.append(f"{r.name} = _nl_wrap({r.name!r}, {r.how!r}, {seed + i})")
        elif kind == "class" and r.how in ODD_RETURNS:
            lines.append(f"{r.name} = _nl_odd_class({r.name!r}, {r.how!r}, {seed + i})")
        elif kind == "class":
            lines.append(f"{r.name} = _nl_cheap_class({r.name!r}, {r.how!r})")
        else:  # a module-level value
            lines.append(f"{r.name} = _nl_apply(_nl_intact[{r.name!r}], {r.how!r}, (), {seed + i})")
    return "\n".join(lines) + "\n"


def strategies_for(course: Course, function: str) -> tuple[str, ...]:
    """The null strategies that apply to `function` ("memorise" only to classes; "echo" not
    to module-level values, which have no input)."""
    module, name = function.split(".", 1)
    kind = _top_level((course.root / "solutions" / f"{module}.py").read_text(encoding="utf-8")).get(name)
    if kind == "class":
        return tuple(s for s in NULL_STRATEGIES if s != "stub") + ("stub",)
    if kind == "value":
        return ("zeros", "constant", "random", "stub")
    return tuple(s for s in NULL_STRATEGIES if s != "memorise")


# ------------------------------------------------------------------------------------------
# Grouping and grading
# ------------------------------------------------------------------------------------------


def contract_functions(tests) -> list[str]:
    """The graded "module.function" names, from a solutions grading's tests, in test order."""
    return list(dict.fromkeys(t.function for t in tests))


def conflict_groups(functions: list[str], calls_by_test: dict[str, set[str]]) -> list[list[str]]:
    """Groups of functions that may be replaced in one grading: within a group no function's
    tests call another member (greedy colouring, per module; a group spans modules)."""
    graded = set(functions)

    def function_of(call: str) -> str:
        module, _, rest = call.partition(".")
        return f"{module}.{rest.split('.', 1)[0]}"

    conflicts: dict[str, set[str]] = {f: set() for f in functions}
    for test, calls in calls_by_test.items():
        own = test.split(":", 1)[0]
        if own not in conflicts:
            continue
        for other in {function_of(c) for c in calls} & graded - {own}:
            conflicts[own].add(other)
            conflicts[other].add(own)
    colour: dict[str, int] = {}
    for function in functions:
        taken = {colour[g] for g in conflicts[function] if g in colour}
        colour[function] = next(c for c in range(len(functions) + 1) if c not in taken)
    groups: list[list[str]] = [[] for _ in range(max(colour.values(), default=-1) + 1)]
    for function, c in colour.items():
        groups[c].append(function)
    return groups


def grade_replacements(course: Course, replacements: list[Replacement], folder: Path,
                       seed: int = 0):
    """Grade one generated submission holding `replacements` (any modules), only the replaced
    functions' tests. Returns the SubmissionResult."""
    from nnlab.grading.runner import grade_submission

    folder.mkdir(parents=True)
    modules = sorted({r.module for r in replacements})
    for module in modules:
        (folder / f"{module}.py").write_text(
            learner_source(course, module, [r for r in replacements if r.module == module], seed),
            encoding="utf-8")
    return grade_submission(folder, course, learner=folder.name, warn_seed=False,
                            modules=modules, functions={r.function for r in replacements})


def schedule(course: Course, groups: list[list[str]], kinds: str = "null") -> list[list[Replacement]]:
    """The gradings: for "null", each strategy with each group (a function gets every strategy
    that applies to it), then each strategy with every function at once; for "odd", every odd
    return once per function, each grading mixing kinds."""
    gradings: list[list[Replacement]] = []
    if kinds == "null":
        for strategy in NULL_STRATEGIES:
            for group in groups:
                chosen = [Replacement(f, strategy) for f in group
                          if strategy in strategies_for(course, f)]
                if chosen:
                    gradings.append(chosen)
        # and every function of a module at once: a forward and a backward that both return
        # zeros must not agree their way to points
        for strategy in ("zeros", "constant", "echo", "random"):
            gradings.append([Replacement(f, strategy, alone=False) for group in groups
                             for f in group if strategy in strategies_for(course, f)])
        return gradings
    # Odd returns need no groups (any mix must end passed or failed): every function at once,
    # each grading shifting which kind each function returns, so each meets every kind once.
    functions = [f for group in groups for f in group]
    for shift in range(len(ODD_RETURNS)):
        gradings.append([Replacement(f, ODD_RETURNS[(i + shift) % len(ODD_RETURNS)])
                         for i, f in enumerate(functions)])
    return gradings


def points_by_replacement(results: list, gradings: list[list[Replacement]]) -> dict[Replacement, float]:
    """The points each replacement earned on its own function's tests, less those of tests
    `EXCEPTIONS` excuse for it."""
    earned: dict[Replacement, float] = {}
    for result, grading in zip(results, gradings):
        for r in grading:
            earned[r] = sum(t.score for t in result.tests
                            if t.function == r.function and not excused(r, t.name))
    return earned


def excused(replacement: Replacement, test_name: str) -> bool:
    """Whether the contract's answer on this test really is the replacement's value."""
    exception = EXCEPTIONS.get((replacement.function, replacement.how))
    return exception is not None and exception[0] in test_name


def solution_calls(course: Course, modules: list[str], tmp: Path):
    """Grade the solutions of `modules`, recording which learner functions each test calls.
    Returns (the result, {test name: calls})."""
    import shutil

    from nnlab.grading.runner import grade_submission

    copy = tmp / "solutions-calls"
    copy.mkdir()
    for module in modules:
        shutil.copy(course.root / "solutions" / f"{module}.py", copy / f"{module}.py")
    calls: dict[str, set[str]] = {}
    result = grade_submission(copy, course, learner="solutions", warn_seed=False,
                              modules=modules, record_calls=calls)
    return result, calls


def null_learner_points(course: Course, modules: list[str] | None = None,
                        solutions=None, calls: dict[str, set[str]] | None = None,
                        kinds: str = "null") -> tuple[dict[Replacement, float], list]:
    """Grade every null learner (or, with kinds="odd", every odd return) of `modules`:
    ({replacement: points on its function's tests}, the results). `solutions` and `calls`
    (a solutions grading with its recorded calls) are made when not given."""
    modules = [m for m in (modules or course.graded_modules()) if m in course.graded_modules()]
    with tempfile.TemporaryDirectory(prefix="nnlab-null-") as tmp:
        if solutions is None or calls is None:
            solutions, calls = solution_calls(course, modules, Path(tmp))
        functions = [f for f in contract_functions(solutions.tests) if f.split(".")[0] in modules]
        gradings = schedule(course, conflict_groups(functions, calls), kinds)
        results = [grade_replacements(course, grading, Path(tmp) / f"{kinds}-{i}")
                   for i, grading in enumerate(gradings)]
    return points_by_replacement(results, gradings), results


def earning(points: dict[Replacement, float]) -> list[tuple[Replacement, float]]:
    """The null replacements that earned points (beyond the tests `EXCEPTIONS` excuse)."""
    return [(r, p) for r, p in points.items() if p > 0]


def describe(replacement: Replacement) -> str:
    """ "backprop.dense_backward returning zeros (with the whole module so)" """
    what = {"zeros": "returning zeros", "constant": "returning a constant", "echo": "echoing its input",
            "random": "returning random values", "stub": "left as the stub",
            "memorise": "memorising the training data"}.get(replacement.how, replacement.how)
    return f"{replacement.function} {what}" + ("" if replacement.alone else
                                                " (every function of the module so)")
