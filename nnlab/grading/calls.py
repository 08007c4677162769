"""Calling learner functions and judging the call: what graders use.

- `check_call(learner.mod.fn, ref.mod.fn, *args)`: a plain function against its reference.
- `check_forward(learner.mod.fwd, ref.mod.fwd, *args)`: a forward pass that returns
  `(*outputs, cache)`; the outputs are judged, the cache is the learner's business.
- `check_backward(learner.mod.fwd, learner.mod.bwd, ref.mod.fwd, ref.mod.bwd, upstream, *args,
  grad=i)`: the learner's forward on `args`, then the learner's backward on
  `(*upstream, their own cache)`; gradient `i` is judged against the reference's.

Every verdict goes through the learner's `Comparator.judge_call` (the same one `nnlab check`
uses): values with a diagnosis naming a catalogued mistake, arguments modified in place, and
on request the exact dtype and NumPy warnings. Catalogued backward mistakes
(`same_signature=False`) take the upstream gradients followed by the forward's arguments.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any, Callable, Sequence

from nnlab.grading.compare import bound_arguments, describe_call, describe_value, mismatch
from nnlab.outcome import GradingFailure
from nnlab.sandbox.worker import CallResult


def _upstream_names(ref_backward: Callable, count: int) -> str:
    """"dout" or "dh, dc": the names the reference backward gives its upstream gradients."""
    try:
        names = list(inspect.signature(ref_backward).parameters)[:count]
    except (TypeError, ValueError):
        names = []
    return ", ".join(names if len(names) == count else ["dout"] * count)


def _mistakes(qualname: str, same_signature: bool) -> list:
    from reference.mistakes import mistakes_for  # the course root is importable while grading

    return [m for m in mistakes_for(qualname) if m.same_signature == same_signature]


def check_call(learner_fn: Any, ref_fn: Callable, *args: Any, rtol: float | None = None,
               atol: float | None = None, exact_dtype: bool = False, no_warnings: bool = False,
               alternatives: dict[str, Callable] | None = None, accepted_as: str = "",
               **kwargs: Any) -> Any:
    """Call a learner function and its reference on the same arguments and compare.

    Fails (GradingFailure) when the learner's value differs (naming a catalogued mistake when
    one matches), when the learner function modified an argument in place, or, with
    `no_warnings`, when it raised a NumPy warning such as an overflow; `exact_dtype` also
    requires the exact floating dtype. Returns the learner's value for further checks.

    `alternatives` accepts other equally correct conventions: {name: function with the
    reference's signature}, e.g. `alternatives={"the textbook gradient -y_true / (N p)":
    textbook_grad}, accepted_as="Keras 3's gradient"`; the learner passes by matching any of
    them and the comparator notes which (see `Comparator.judge_call`).
    """
    qualname = learner_fn.qualname
    expected = ref_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    result = learner_fn.call(*args, **kwargs)
    candidates = [(m, (lambda m=m: m.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))))
                  for m in _mistakes(qualname, True)]
    others = {name: (lambda fn=fn: fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
              for name, fn in (alternatives or {}).items()}
    learner_fn.comparator.judge_call(
        qualname, describe_call(qualname, ref_fn, args, kwargs), result, expected,
        mistakes=candidates, rtol=rtol, atol=atol, exact_dtype=exact_dtype,
        no_warnings=no_warnings, alternatives=others, accepted_as=accepted_as,
        inputs=bound_arguments(ref_fn, args, kwargs))
    return result.value


def outputs_of(value: Sequence) -> Any:
    """A forward pass's outputs without its cache: `out` alone, or a tuple of several."""
    return value[0] if len(value) == 2 else tuple(value[:-1])


def pick_grad(grads: Any, grad: int | None) -> Any:
    """Gradient `grad` of what a backward pass returned (all of them when None or not a tuple)."""
    return grads[grad] if grad is not None and isinstance(grads, (tuple, list)) else grads


def _forward_value(value: Any, width: int, what: str) -> tuple:
    if not (isinstance(value, (tuple, list)) and len(value) == width):
        raise GradingFailure(f"{what} should return {width} values (its outputs, then the cache), "
                             f"got {describe_value(value)}.")
    return tuple(value)


def check_forward(learner_fn: Any, ref_fn: Callable, *args: Any, expected: Any = None,
                  rtol: float | None = None, atol: float | None = None,
                  exact_dtype: bool = False, **kwargs: Any) -> tuple:
    """Judge a forward pass that returns `(*outputs, cache)` against the reference's outputs
    (or `expected`, a recorded Keras output). Returns the learner's whole tuple, cache last."""
    qualname = learner_fn.qualname
    reference = ref_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if expected is None:
        expected = outputs_of(reference)
    what = describe_call(qualname, ref_fn, args, kwargs)
    result = learner_fn.call(*args, **kwargs)
    value = _forward_value(result.value, len(reference), what)
    candidates = [(m, (lambda m=m: outputs_of(m.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))))
                  for m in _mistakes(qualname, True)]
    judged = CallResult(outputs_of(value), result.mutated, result.warnings, result.stdout)
    learner_fn.comparator.judge_call(qualname, what, judged, expected, mistakes=candidates,
                                     rtol=rtol, atol=atol, exact_dtype=exact_dtype,
                                     label="out" if len(value) == 2 else "")
    return value


def check_backward(learner_forward: Any, learner_backward: Any, ref_forward: Callable,
                   ref_backward: Callable, upstream: tuple, *args: Any, grad: int | None = None,
                   grad_names: Sequence[str] = (), expected: Any = None,
                   rtol: float | None = None, atol: float | None = None,
                   exact_dtype: bool = False, **kwargs: Any) -> Any:
    """Judge a backward pass on the learner's own cache.

    Runs the learner's forward on `args`/`kwargs`, then the learner's backward on
    `(*upstream, cache)`, and compares gradient `grad` (an index into what the backward
    returns; all of them when None) with the reference's, or with `expected`. When the learner's
    forward outputs are wrong on this call too, the feedback says so: a backward pass follows
    its forward pass. Returns the judged gradient(s).
    """
    qualname = learner_backward.qualname
    reference_forward = ref_forward(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    reference = ref_backward(*copy.deepcopy(upstream), reference_forward[-1])
    forward_what = describe_call(learner_forward.qualname, ref_forward, args, kwargs)
    forward = learner_forward.call(*args, **kwargs)
    value = _forward_value(forward.value, len(reference_forward), forward_what)
    what = f"{qualname}({_upstream_names(ref_backward, len(upstream))}, cache) after {forward_what}"
    result = learner_backward.call(*upstream, value[-1])
    grads = result.value
    width = len(reference) if isinstance(reference, tuple) else None
    if width is not None and not (isinstance(grads, (tuple, list)) and len(grads) == width):
        shown = f" ({', '.join(grad_names)})" if grad_names else ""
        raise GradingFailure(f"{what} should return {width} gradients{shown}, got "
                             f"{describe_value(grads)}.")

    def pick(values: Any) -> Any:
        return pick_grad(values, grad)

    if expected is None:
        expected = pick(reference)
    candidates = [(m, (lambda m=m: pick(m.fn(*copy.deepcopy(upstream), *copy.deepcopy(args),
                                             **copy.deepcopy(kwargs)))))
                  for m in _mistakes(qualname, False)]
    comparator = learner_backward.comparator
    ref_outputs = outputs_of(reference_forward)
    note = ""
    if mismatch(outputs_of(value), ref_outputs, tol=comparator.tolerance_for(ref_outputs)):
        note = (f"the outputs of your {learner_forward.name} are wrong on this call too (see its "
                f"own tests); the gradient follows what your forward pass did, so fixing "
                f"{learner_forward.name} may fix this as well.")
    label = grad_names[grad] if grad is not None and grad < len(grad_names) else ""
    judged = CallResult(pick(grads), forward.mutated + result.mutated, result.warnings, result.stdout)
    comparator.judge_call(qualname, what, judged, expected, mistakes=candidates, rtol=rtol,
                          atol=atol, exact_dtype=exact_dtype, label=label, note=note)
    return judged.value
