"""Calling learner functions and judging the call: what graders use.

- `check_call(learner.mod.fn, ref.mod.fn, *args)`: a plain function against its reference (or
  against `expected=`, a recorded Keras value).
- `check_forward(learner.mod.fwd, ref.mod.fwd, *args)`: a forward pass that returns
  `(*outputs, cache)`; the outputs are judged, the cache is the learner's business.
- `check_backward(learner.mod.fwd, learner.mod.bwd, ref.mod.fwd, ref.mod.bwd, upstream, *args,
  grad=i)`: the learner's forward on `args`, then the learner's backward on
  `(*upstream, their own cache)`; gradient `i` is judged against the reference's.
- `numerical_gradient(loss, args, position)`: centred differences, an `expected=` for
  `check_backward` that owes nothing to the reference's backward pass.
- `recorded_tolerance(comparator, case)`: the `rtol`/`atol` for comparing with a recorded Keras
  case (`graders/baselines/`).

Every verdict goes through the learner's `Comparator.judge_call` (the same one `nnlab check`
uses): values with a diagnosis naming a catalogued mistake, arguments modified in place, and
on request the exact dtype and NumPy warnings. Catalogued backward mistakes
(`same_signature=False`) take the upstream gradients followed by the forward's arguments.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from nnlab.grading.compare import (Comparator, bound_arguments, describe_call, describe_value,
                                   failure_on, mismatch)
from nnlab.outcome import LearnerFailure, Outcome
from nnlab.sandbox.worker import CallResult

# A wrong function beyond the catalogue's entries for the function graded: (the catalogued
# Mistake it stems from, a function taking the graded call's arguments). For example a
# learner's rnn_forward that calls a wrong rnn_step_forward behaves like that step mistake
# unrolled over time; the grader builds that function and names the step's mistake.
Variant = tuple[Any, Callable[..., Any]]


def _upstream_names(ref_backward: Callable, count: int) -> list[str]:
    """["dout"] or ["dh", "dc"]: the names the reference backward gives its upstream gradients."""
    try:
        names = list(inspect.signature(ref_backward).parameters)[:count]
    except (TypeError, ValueError):
        names = []
    return names if len(names) == count else ["dout"] * count


def _cache_name(ref_backward: Callable, position: int) -> str:
    """The name of the backward's cache parameter ("cache"), which follows the upstream ones."""
    try:
        names = list(inspect.signature(ref_backward).parameters)
    except (TypeError, ValueError):
        names = []
    return names[position] if position < len(names) else "cache"


def _mistakes(qualname: str, same_signature: bool) -> list:
    from reference.mistakes import mistakes_for  # the course root is importable while grading

    return [m for m in mistakes_for(qualname) if m.same_signature == same_signature]


def _candidates(qualname: str, variants: Sequence[Variant], shape: Callable[[Any], Any],
                args: tuple, kwargs: dict) -> list:
    """(Mistake, thunk) pairs: every same-signature catalogued mistake of `qualname`, then the
    grader's `variants`, each called on copies of the arguments and shaped like what is judged."""
    wrong = [(m, m.fn) for m in _mistakes(qualname, True)] + list(variants)
    return [(m, (lambda fn=fn: shape(fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))))
            for m, fn in wrong]


def _judge_parts(comparator: Comparator, qualname: str, what: str, result: CallResult,
                 expected: Any, candidates: list, parts: list[tuple[int | None, str]],
                 **rules: Any) -> None:
    """Judge `result.value` against `expected` one part at a time.

    `parts` lists (index, label): item `index` of the value (the whole value when None), named
    `label` in the feedback. Candidates' thunks return whole wrong values; each part of a
    diagnosis compares the same part of them.
    """
    tol = comparator.tolerance_for(expected, rules.get("rtol"), rules.get("atol"))
    for index, label in parts:
        def part(value: Any, index: int | None = index) -> Any:
            return value if index is None else value[index]

        judged = CallResult(part(result.value), result.mutated, result.warnings, result.stdout)
        mistakes = whole_output_candidates(candidates, result.value, part, tol) \
            if index is not None else candidates
        comparator.judge_call(qualname, what, judged, part(expected), mistakes=mistakes,
                              label=label, **rules)


def whole_output_candidates(candidates: list, whole: Any, part: Callable[[Any], Any],
                            tol: Any) -> list:
    """Candidates for judging one part of an output, each named only when it reproduces the
    learner's whole output, not that part alone: two mistakes may agree on one part (the
    errors a perceptron counted) and differ on the rest (its weights), and only the one that
    matches everything describes the learner's code. A candidate that does not is skipped."""
    def gated(thunk: Callable[[], Any]) -> Callable[[], Any]:
        def compute() -> Any:
            wrong = thunk()
            if mismatch(whole, wrong, tol=tol) is not None:
                raise LookupError("this mistake matches a part of the output, not all of it")
            return part(wrong)
        return compute

    return [(m, gated(thunk)) for m, thunk in candidates]


def check_call(learner_fn: Any, ref_fn: Callable, *args: Any, expected: Any = None,
               rtol: float | None = None, atol: float | None = None, exact_dtype: bool = False,
               no_warnings: bool = False, alternatives: dict[str, Callable] | None = None,
               accepted_as: str = "", note: str = "", **kwargs: Any) -> Any:
    """Call a learner function and compare with its reference on the same arguments (or with
    `expected`, a recorded Keras value).

    Fails (GradingFailure) when the learner's value differs (naming a catalogued mistake when
    one matches), when the learner function modified an argument in place, or, with
    `no_warnings`, when it raised a NumPy warning such as an overflow; `exact_dtype` also
    requires the exact floating dtype. Returns the learner's value for further checks.

    `alternatives` accepts other equally correct conventions: {name: function with the
    reference's signature}, e.g. `alternatives={"the textbook gradient -y_true / (N p)":
    textbook_grad}, accepted_as="Keras 3's gradient"`; the learner passes by matching any of
    them and the comparator notes which (see `Comparator.judge_call`). `note` is added to the
    feedback on a failure (where `expected` came from, say: `keras_note(case, "out")`).
    """
    qualname = learner_fn.qualname
    if expected is None:
        expected = ref_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    result = learner_fn.call(*args, **kwargs)
    others = {name: (lambda fn=fn: fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
              for name, fn in (alternatives or {}).items()}
    learner_fn.comparator.judge_call(
        qualname, describe_call(qualname, ref_fn, args, kwargs), result, expected,
        mistakes=_candidates(qualname, (), lambda value: value, args, kwargs), rtol=rtol,
        atol=atol, exact_dtype=exact_dtype, no_warnings=no_warnings, alternatives=others,
        accepted_as=accepted_as, inputs=bound_arguments(ref_fn, args, kwargs),
        note=note)
    return result.value


def outputs_of(value: Sequence) -> Any:
    """A forward pass's outputs without its cache: `out` alone, or a tuple of several."""
    return value[0] if len(value) == 2 else tuple(value[:-1])


def pick_grad(grads: Any, grad: int | None) -> Any:
    """Gradient `grad` of what a backward pass returned (all of them when None or not a tuple)."""
    return grads[grad] if grad is not None and isinstance(grads, (tuple, list)) else grads


def _forward_value(value: Any, width: int, what: str, qualname: str = "",
                   inputs: dict[str, Any] | None = None) -> tuple:
    if not (isinstance(value, (tuple, list)) and len(value) == width):
        raise failure_on(f"{what} should return {width} values (its outputs, then the cache), "
                         f"got {describe_value(value)}.", function=qualname, call=what,
                         value=value, inputs=inputs)
    return tuple(value)


def check_forward(learner_fn: Any, ref_fn: Callable, *args: Any, expected: Any = None,
                  output_names: Sequence[str] = (), variants: Sequence[Variant] = (),
                  rtol: float | None = None, atol: float | None = None,
                  exact_dtype: bool = False, note: str = "", **kwargs: Any) -> tuple:
    """Judge a forward pass that returns `(*outputs, cache)` against the reference's outputs.

    `expected` replaces the reference's outputs (a recorded Keras output: one array, or a tuple
    when the forward has several outputs). `output_names` ("h_seq", "h_T", "c_T") names the
    outputs in the feedback; with several, each is judged in turn under its name. `variants`
    are wrong functions beyond the catalogue (see `Variant`) tried for a diagnosis; `note` is
    added to the feedback on a failure. Returns the learner's whole tuple, cache last.
    """
    qualname = learner_fn.qualname
    reference = ref_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if expected is None:
        expected = outputs_of(reference)
    what = describe_call(qualname, ref_fn, args, kwargs)
    result = learner_fn.call(*args, **kwargs)
    value = _forward_value(result.value, len(reference), what, qualname,
                           bound_arguments(ref_fn, args, kwargs))
    single = len(value) == 2
    if not single and len(output_names) == len(value) - 1:
        parts = list(enumerate(output_names))
    else:
        parts = [(None, output_names[0] if single and output_names else "out" if single else "")]
    judged = CallResult(outputs_of(value), result.mutated, result.warnings, result.stdout)
    _judge_parts(learner_fn.comparator, qualname, what, judged, expected,
                 _candidates(qualname, variants, outputs_of, args, kwargs), parts,
                 rtol=rtol, atol=atol, exact_dtype=exact_dtype, note=note,
                 inputs=bound_arguments(ref_fn, args, kwargs))
    return value


def check_backward(learner_forward: Any, learner_backward: Any, ref_forward: Callable,
                   ref_backward: Callable, upstream: tuple, *args: Any, grad: int | None = None,
                   grad_names: Sequence[str] = (), expected: Any = None, note: str = "",
                   rtol: float | None = None, atol: float | None = None,
                   exact_dtype: bool = False, **kwargs: Any) -> Any:
    """Judge a backward pass on the learner's own cache.

    Runs the learner's forward on `args`/`kwargs`, then the learner's backward on
    `(*upstream, cache)` (the upstream gradients, e.g. `(dout,)` of the forward's output shape,
    or `(dh, dc)`), and compares gradient `grad` (an index into the tuple the backward returns)
    with the reference's, or with `expected` (that gradient alone, e.g. a recorded Keras one or
    a `numerical_gradient`). With `grad=None` every gradient is judged: in turn, each under its
    name, when `grad_names` names them all (`expected` is then the whole tuple). `grad_names`
    ("dx", "dkernel", "dbias") also names the judged gradient in the feedback; `note` is added
    to it on a failure.

    The backward may change its own cache (it is the learner's business), not its upstream
    gradients; the forward must leave its arguments unchanged. When the learner's forward
    outputs are wrong on this call too, the feedback says so: a backward pass follows its
    forward pass. Returns the judged gradient(s).
    """
    qualname = learner_backward.qualname
    reference_forward = ref_forward(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    reference = ref_backward(*copy.deepcopy(upstream), reference_forward[-1])
    forward_what = describe_call(learner_forward.qualname, ref_forward, args, kwargs)
    forward = learner_forward.call(*args, **kwargs)
    value = _forward_value(forward.value, len(reference_forward), forward_what,
                           learner_forward.qualname, bound_arguments(ref_forward, args, kwargs))
    gradients = ", ".join(f"{name}: {describe_value(gradient)}" for name, gradient in
                          zip(_upstream_names(ref_backward, len(upstream)), upstream))
    what = f"{qualname}({gradients}, cache) after {forward_what}"
    comparator = learner_backward.comparator
    ref_outputs = outputs_of(reference_forward)
    forward_note = ""
    if mismatch(outputs_of(value), ref_outputs, tol=comparator.tolerance_for(ref_outputs)):
        forward_note = (f"the outputs of your {learner_forward.name} are wrong on this call too "
                        f"(see its own tests); the gradient follows what your forward pass did, "
                        f"so fixing {learner_forward.name} may fix this as well.")
    try:
        result = learner_backward.call(*upstream, value[-1])
    except LearnerFailure as failure:
        # An exception in the backward pass often comes from a forward output of the wrong
        # shape (the upstream gradients have the right one): say where to look first.
        if failure.outcome is not Outcome.FAILED or not forward_note:
            raise
        raise LearnerFailure(failure.outcome, f"{failure.message}\n  Note: {forward_note}",
                             failure.stdout, failure.problem) from None
    grads = result.value
    width = len(reference) if isinstance(reference, tuple) else None
    if width is not None and not (isinstance(grads, (tuple, list)) and len(grads) == width):
        shown = f" ({', '.join(grad_names)})" if grad_names else ""
        raise failure_on(f"{what} should return {width} gradients{shown}, got "
                         f"{describe_value(grads)}.", function=qualname, call=what, value=grads,
                         inputs=bound_arguments(ref_forward, args, kwargs))

    # The backward may change its cache (by position, or by the reference's name for it):
    # positions come from the parent's own measure, so a learner cannot rename its way out.
    cache = _cache_name(ref_backward, len(upstream))
    mutated = forward.mutated + [name for name, at in zip(result.mutated, result.mutated_at)
                                 if at not in (len(upstream), cache)]

    if grad is None and width is not None and len(grad_names) == width:
        parts, pick = list(enumerate(grad_names)), (lambda values: values)
    else:
        label = (grad_names[grad] if grad is not None and grad < len(grad_names) else
                 grad_names[0] if width is None and grad_names else "")
        parts, pick = [(None, label)], (lambda values: pick_grad(values, grad))
    if expected is None:
        expected = pick(reference)
    candidates = [(m, (lambda m=m: m.fn(*copy.deepcopy(upstream), *copy.deepcopy(args),
                                        **copy.deepcopy(kwargs))))
                  for m in _mistakes(qualname, False)]
    # a mistake is named only when it reproduces every gradient, not just the one judged here
    candidates = whole_output_candidates(candidates, grads, pick,
                                         comparator.tolerance_for(reference, rtol, atol))
    judged = CallResult(pick(grads), mutated, result.warnings, result.stdout)
    # the forward's arguments: a gradient has the shape of one of them, so the feedback can say
    # what the input was where the gradient is wrong (the upstream gradients are not per entry)
    inputs = bound_arguments(ref_forward, args, kwargs)
    _judge_parts(comparator, qualname, what, judged, expected, candidates, parts, rtol=rtol,
                 atol=atol, exact_dtype=exact_dtype, inputs=inputs,
                 note="\n  Note: ".join(n for n in (forward_note, note) if n))
    return judged.value


def numerical_gradient(loss: Callable[..., float], args: Sequence[Any], position: int,
                       eps: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar `loss(*args)` with respect to `args[position]`, by centred
    differences in float64: an array of that argument's shape.

    For a backward pass given upstream gradient `dout`, `loss` is typically
    `sum(forward(*args)[0] * dout)`, whose gradient with respect to the output is `dout`. With
    `eps=1e-6` on a float64 loss of size ~10 the result is good to ~1e-9, so compare at about
    `rtol=1e-5, atol=1e-6`: a wrong gradient is off by far more.
    """
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    target = args[position]
    grad = np.zeros_like(target)
    for index in np.ndindex(target.shape):
        keep = target[index]
        target[index] = keep + eps
        up = loss(*args)
        target[index] = keep - eps
        down = loss(*args)
        target[index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


def recorded_tolerance(comparator: Comparator, case: Any) -> dict[str, float]:
    """`{"rtol": ..., "atol": ...}` for comparing with a recorded Keras case
    (`nnlab.baselines` BaselineCase): the looser of the recording's own tolerance and the
    course's for the case's dtype (a correct loop sums in another order than Keras)."""
    rtol, atol = case.tolerance
    course = comparator.tolerance_for(np.zeros(1, dtype=case.dtype))
    return {"rtol": max(rtol, course.rtol), "atol": max(atol, course.atol)}
