"""`nnlab check`: a learner runs the public checks on their own work.

The checks live in `exercises/checks/<module>.json` (recorded by `nnlab build` from reference/
on fixed, published inputs, with the outputs of catalogued mistakes), so this needs neither
reference/ nor graders/. Learner code runs in the same sandboxed worker as in grading, under
the same course limits, and each call is judged by the same `Comparator.judge_call` with the
same rules (values, arguments modified in place, exact dtype, NumPy warnings) as the hidden
graders: a function that passes its public checks cannot lose a hidden test for a rule the
public checks skipped.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nnlab.grading.calls import outputs_of, pick_grad
from nnlab.grading.compare import Comparator, bound_arguments, describe_call
from nnlab.grading.scenarios import SCENARIOS, summary_differences
from nnlab.grading.submission import Submission, read_submission
from nnlab.outcome import GradingFailure, LearnerFailure, Outcome
from nnlab.reports.feedback import Group, group_failures
from nnlab.sandbox.protocol import Opaque, decode
from nnlab.sandbox.worker import CallResult, Worker

if TYPE_CHECKING:  # (or nnlab.check_settings' plain copies: `nnlab check` does without pydantic)
    from nnlab.course import Limits, Tolerances


class CheckError(Exception):
    """The check itself cannot run (no checks found, an unknown module or function)."""


@dataclass
class CaseFailure:
    """One public case a function failed: its label, the feedback, and how the call ended
    (None when the call returned and the comparator judged its value)."""

    label: str
    message: str
    outcome: Outcome | None = None
    diagnosis: str = ""  # the comparator's, as structure (never searched for in `message`)
    problem: str = ""    # its cause whatever the inputs (nnlab.outcome.GradingFailure.problem)
    brief: str = ""      # the message less the tolerance count and nan/inf hint (Detail.brief)


@dataclass
class FunctionCheck:
    """The public checks of one learner function."""

    module: str
    function: str
    passed: int = 0
    total: int = 0
    failures: list[CaseFailure] = field(default_factory=list)
    module_problem: str = ""  # the module could not be imported or was not found: no case ran
    notes: list[str] = field(default_factory=list)  # accepted alternatives matched
    not_checked: str = ""  # why the function has no public case (it takes a function, say)
    fix_first: list[str] = field(default_factory=list)  # functions it calls that fail their checks

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.function}"

    @property
    def status(self) -> str:
        """"pass", "todo" (a stub: not implemented yet), "import" (the module did not import or
        was not found), "skipped" (no public case can hold it: `not_checked` says why) or
        "fail"."""
        if self.not_checked:
            return "skipped"
        if self.module_problem:
            return "import"
        if self.total and self.passed == self.total:
            return "pass"
        if self.failures and all(f.outcome is Outcome.NOT_IMPLEMENTED for f in self.failures):
            return "todo"
        return "fail"

    @property
    def groups(self) -> list[Group]:
        """The failures grouped: one entry per distinct problem (one diagnosis, one exception),
        with the labels of the cases it covered."""
        return group_failures((f.label, f.message, f.outcome, f.diagnosis, f.problem, f.brief)
                              for f in self.failures)

    @property
    def problems(self) -> list[str]:
        """One message per distinct problem, "[label] message (and in 2 more cases: ...)"."""
        if self.not_checked:
            return [f"not checked: {self.not_checked}"]
        if self.module_problem:
            return [self.module_problem]
        out = [fix_first_note(self)] if self.fix_first else []
        for group in self.groups:
            more = (f" (and in {len(group.cases) - 1} more case{'s' * (len(group.cases) > 2)}: "
                    f"{'; '.join(group.cases[1:])})") if len(group.cases) > 1 else ""
            out.append(f"[{group.cases[0]}] {group.message}{more}")
        return out


def find_checks_dir(path: Path) -> Path:
    """exercises/checks beside or inside the learner's folder, or in the course that holds it
    (`nnlab check` run inside exercises/notebooks/ finds exercises/checks one folder up)."""
    path = path.resolve()
    for base in (path, path.parent, path / "exercises", Path.cwd() / "exercises"):
        candidate = base / "checks"
        if candidate.is_dir() and any(candidate.glob("*.json")):
            return candidate
    raise CheckError(f"no public checks found near {path} (expected exercises/checks/*.json)")


def run_checks(path: Path, target: str | None = None, limits: Limits | None = None,
               tolerances: Tolerances | None = None, checks_dir: Path | None = None,
               comparator: Comparator | None = None, early=None) -> list[FunctionCheck]:
    """Run the public checks on the learner modules in `path`; `target` is MODULE or
    MODULE.FUNCTION. `limits` and `tolerances` are the course's (course.yml's defaults when
    no course is at hand). `early` is a worker `nnlab.sandbox.early.early_worker` started while
    the checks loaded; it is used only for exactly the module and files read here."""
    checks_dir = checks_dir or find_checks_dir(path)
    comparator = comparator or Comparator(tolerances)
    available = sorted(p.stem for p in checks_dir.glob("*.json"))
    module_filter, _, function_filter = (target or "").partition(".")
    if module_filter and module_filter not in available:
        skipped = _unchecked(module_filter, checks_dir, set(), function_filter)
        if skipped:  # a module whose functions no public case can hold (mlp's classes)
            return skipped
        raise CheckError(f"no public checks for module {module_filter!r} (there are: {', '.join(available)})")
    modules = [module_filter] if module_filter else available
    submission = read_submission(path, available, learner="self-check")
    results: list[FunctionCheck] = []
    for module in modules:
        data = json.loads((checks_dir / f"{module}.json").read_text(encoding="utf-8"))
        cases = [c for c in data["cases"] if not function_filter or c["function"] == function_filter]
        if function_filter and not cases:
            skipped = _unchecked(module, checks_dir, set(), function_filter)
            if skipped:
                return skipped  # a contract function no case can hold: say why
            names = sorted({c["function"] for c in data["cases"]})
            raise CheckError(f"no public checks for {module}.{function_filter} (try one of: {', '.join(names)})")
        if limits is None:
            from nnlab.course import Limits

            limits = Limits()
        checked = _check_module(module, cases, submission, limits, comparator, early)
        early = None
        _mark_fix_first(checked, data["cases"], submission.files.get(f"{module}.py", b""))
        results.extend(checked)
        if f"{module}.py" in submission.files:  # a module not handed in is named as such
            results.extend(_unchecked(module, checks_dir, {c["function"] for c in data["cases"]},
                                      function_filter))
    if early is not None:
        early.stop()
    if not module_filter:  # modules with a stub but no public case at all (mlp's classes)
        handed_in = read_submission(path, [p.stem for p in checks_dir.parent.glob("*.py")],
                                    learner="self-check").files
        for stub in sorted(checks_dir.parent.glob("*.py")):
            if stub.stem not in available and stub.name in handed_in:
                results.extend(_unchecked(stub.stem, checks_dir, set(), ""))
    return results


def fix_first_note(check: FunctionCheck) -> str:
    """"fix conv2d_output_size first: your cnn_forward uses conv2d_output_size, which fails its
    own checks, so this failure may follow from it"."""
    if len(check.fix_first) == 1:
        other = check.fix_first[0]
        return (f"fix {other} first: your {check.function} relies on {other}, which fails its own "
                f"checks, so this failure may follow from it")
    names = ", ".join(check.fix_first[:-1]) + f" and {check.fix_first[-1]}"
    return (f"fix {names} first: your {check.function} relies on them, and they fail their own "
            f"checks, so this failure may follow from theirs")


def _calls_in(source: bytes) -> dict[str, set[str]]:
    """{top-level function or class name: the names it calls} in a learner module (nothing when
    it does not parse)."""
    try:
        tree = ast.parse(source.decode("utf-8", "replace"))
    except (SyntaxError, ValueError):
        return {}
    calls: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            calls[node.name] = {n.func.id for n in ast.walk(node)
                                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return calls


def _mark_fix_first(checks: list[FunctionCheck], cases: list[dict], source: bytes) -> None:
    """Say "fix X first" on a failing function whose failure may follow from another function
    of the module that fails too: one it calls (cnn_forward calls conv2d_output_size), or the
    forward pass a backward case runs first (as the hidden feedback says it)."""
    failing = {c.function for c in checks if c.status in ("fail", "todo")}
    calls = _calls_in(source)
    forwards: dict[str, set[str]] = {}
    for case in cases:
        if case.get("forward"):
            forwards.setdefault(case["function"], set()).add(case["forward"])
    def uses(name: str) -> set[str]:
        return calls.get(name, set()) | forwards.get(name, set())

    for check in checks:
        if check.status != "fail":
            continue
        # every failing function it reaches, through the functions it uses
        reached, pending = set(), [check.function]
        while pending:
            for name in uses(pending.pop()) - reached - {check.function}:
                reached.add(name)
                pending.append(name)
        broken = reached & failing
        # name the roots: the broken functions whose own failure follows from no other
        roots = {f for f in broken if not (uses(f) & broken - {f})}
        check.fix_first = sorted(roots or broken)


# Why a function cannot have a public case, from what its signature asks for.
NOT_CHECKED_WHY = {
    "function": "it takes a function, which a published case cannot hold; try it in the "
                "notebook (the hidden graders test it)",
    "rng": "it draws random numbers, and more than one way of drawing them is right; check the "
           "shapes and the spread in the notebook (the hidden graders test it)",
    "class": "a model class is judged by training it, which the public checks do not do; fit it "
             "in the notebook (the hidden graders train it)",
    "other": "no public case covers it yet (the hidden graders test it)",
}
FUNCTION_PARAMETERS = {"f", "fn", "func", "grad_fn", "loss", "loss_fn", "activation"}


def _unchecked(module: str, checks_dir: Path, cased: set[str],
               function_filter: str) -> list[FunctionCheck]:
    """A `FunctionCheck` saying why, for each public function or class of the released stub
    (exercises/<module>.py beside checks/) that has no public case."""
    stub = checks_dir.parent / f"{module}.py"
    if not stub.is_file():
        return []
    try:
        tree = ast.parse(stub.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_") \
                or node.name in cased or (function_filter and node.name != function_filter):
            continue
        if not _left_to_learner(node):
            continue  # given complete in the stub (mlp's softmax): nothing of the learner's
        if isinstance(node, ast.ClassDef):
            why = NOT_CHECKED_WHY["class"]
        else:
            names = {a.arg for a in node.args.args + node.args.kwonlyargs}
            why = NOT_CHECKED_WHY["function" if names & FUNCTION_PARAMETERS else
                                  "rng" if "rng" in names else "other"]
        found.append(FunctionCheck(module, node.name, not_checked=why))
    return found


def _left_to_learner(node: ast.AST) -> bool:
    """Whether a stub's function or class leaves work to the learner: it raises
    NotImplementedError somewhere (the stubs' "YOUR CODE HERE")."""
    return any(isinstance(n, ast.Raise) and n.exc is not None and "NotImplementedError" in
               ast.unparse(n.exc) for n in ast.walk(node))


def _check_module(module: str, cases: list[dict], submission: Submission, limits: Limits,
                  comparator: Comparator, early=None) -> list[FunctionCheck]:
    checks: dict[str, FunctionCheck] = {}
    for case in cases:
        checks.setdefault(case["function"], FunctionCheck(module, case["function"]))
        checks[case["function"]].total += 1
    if module in submission.problems or f"{module}.py" not in submission.files:
        why = submission.problems.get(module, f"{module}.py was not found in {submission.path}")
        for check in checks.values():
            check.module_problem = why
        if early is not None:
            early.stop()
        return list(checks.values())
    # own_code: the learner checks their own code, so where no sandbox exists (macOS, Windows)
    # it runs unsandboxed in a separate process (see nnlab.sandbox.levels).
    from nnlab.sandbox.early import adopt

    worker = adopt(early, module, submission.files, limits.for_module(module)) or \
        Worker(module, submission.files, limits.for_module(module), own_code=True)
    with worker:
        if worker.process is None:
            worker.start()
        for case in cases:
            check = checks[case["function"]]
            failure = _run_case(worker, module, case, comparator)
            if failure is None:
                check.passed += 1
                # Say which accepted alternative a function matched; matching the reference's
                # own convention is the expected case and goes without saying here.
                usual = case.get("accepted_as", "")
                check.notes.extend(n for n in comparator.take_notes() if n not in check.notes
                                   and not (usual and f" matches {usual}, " in n))
            elif failure.outcome is Outcome.IMPORT_ERROR:
                # The module did not import: every case would say the same; say it once.
                for each in checks.values():
                    each.module_problem = failure.message
                break
            else:
                check.failures.append(failure)
    return list(checks.values())


def _run_case(worker: Worker, module: str, case: dict,
              comparator: Comparator) -> CaseFailure | None:
    """One public case, judged as the hidden graders judge: a plain call, a forward pass (its
    outputs without the cache), or a backward pass on the learner's own forward cache."""
    args, kwargs = decode(case["args"], None), decode(case["kwargs"], None)
    kind = case.get("kind", "call")
    label = case["label"]
    qualname = f"{module}.{case['function']}"
    candidates = [(_Recorded(m, case["function"]), (lambda v=m["value"]: decode(v, None)))
                  for m in case["mistakes"]]
    try:
        if kind == "backward":
            forward_what = describe_call(f"{module}.{case['forward']}", None, args, kwargs)
            forward = worker.call(case["forward"], args, kwargs)
            if not isinstance(forward.value, (tuple, list)) or len(forward.value) < 2:
                return CaseFailure(label, f"{forward_what} should return its outputs and then "
                                          f"the cache, so {case['function']} cannot be checked on it")
            upstream = decode(case["upstream"], None)
            what = f"{qualname}(upstream, cache) after {forward_what}"
            result = worker.call(case["function"], (*upstream, forward.value[-1]), {})
            result = CallResult(pick_grad(result.value, case.get("grad")),
                                forward.mutated + result.mutated, result.warnings, result.stdout)
        elif kind == "scenario":
            what = _scenario_what(qualname, case["scenario"], args, kwargs)
            value = SCENARIOS[case["scenario"]](_WorkerCaller(worker, what), case["function"],
                                                args, kwargs)
            differs = summary_differences(value, decode(case["expected"], None))
            if differs:
                return CaseFailure(label, f"{what} is not right yet:\n" + "\n".join(
                    f"  - {line}" for line in differs), problem="; ".join(differs))
            return None
        else:
            what = describe_call(qualname, None, args, kwargs)
            result = worker.call(case["function"], args, kwargs)
            if kind == "forward":
                if not isinstance(result.value, (tuple, list)) or len(result.value) < 2:
                    return CaseFailure(label, f"{what} should return its outputs and then the cache")
                result = CallResult(outputs_of(result.value), result.mutated, result.warnings,
                                    result.stdout)
        alternatives = {name: (lambda v=v: decode(v, None))
                        for name, v in case.get("alternatives", {}).items()}
        comparator.judge_call(qualname, what, result, decode(case["expected"], None),
                              mistakes=candidates, exact_dtype=case.get("exact_dtype", False),
                              no_warnings=case.get("no_warnings", False),
                              alternatives=alternatives, accepted_as=case.get("accepted_as", ""),
                              inputs=bound_arguments(None, args, kwargs) if kind == "call" else None)
    except LearnerFailure as failure:
        return CaseFailure(label, failure.message, failure.outcome, problem=failure.problem)
    except GradingFailure as failure:
        return CaseFailure(label, str(failure), failure.outcome, failure.diagnosis, failure.problem,
                           failure.detail.brief if failure.detail is not None else "")
    return None


def _scenario_what(qualname: str, scenario: str, args: tuple, kwargs: dict) -> str:
    """How a scenario case is named in feedback: "your mlp.MLPClassifier(hidden_layer_sizes=(8,),
    ...) fitted on X (60, 2), y (60,)"; "backprop.init_mlp([200, 100, 50], rng, init='he')"."""
    if scenario == "fitted_model":
        settings = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        data = ", ".join(f"{n} {tuple(getattr(a, 'shape', ()))}" for n, a in zip("Xy", args))
        return f"your {qualname}({settings}) fitted on {data}"
    return describe_call(qualname, None, args, kwargs)


class _WorkerCaller:
    """A scenario's calls (nnlab.grading.scenarios) sent to the learner's sandboxed worker; an
    argument changed in place fails the case, as in any other check."""

    def __init__(self, worker: Worker, what: str):
        self.worker, self.what = worker, what

    def _value(self, result: CallResult, name: str):
        if result.mutated:
            raise GradingFailure(f"{self.what}: {name} modified {', '.join(result.mutated)} in "
                                 f"place; leave the caller's data unchanged.")
        return result.value

    def call(self, name, args, kwargs):
        return self._value(self.worker.call(name, args, kwargs), name)

    def _handle(self, obj, name):
        if not isinstance(obj, Opaque):
            raise GradingFailure(f"{self.what}: the class should construct an object with a "
                                 f"{name}, not return {type(obj).__name__} data.")
        return obj

    def method(self, obj, name, args):
        obj = self._handle(obj, name)
        return self._value(self.worker.call_method(obj, name, args), name)

    def attribute(self, obj, name):
        obj = self._handle(obj, name)
        return self._value(self.worker.attribute(obj, name), name)


@dataclass
class _Recorded:
    """A mistake as recorded in a public check file (it quacks like reference.mistakes.Mistake)."""

    data: dict
    function: str

    def message(self) -> str:
        return f"your {self.function} looks like {self.data['looks_like']}: {self.data['why']}"
