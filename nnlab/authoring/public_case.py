"""A public check case: a call whose expected value `nnlab build` records from `reference/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One public check: `module.function(*args, **kwargs)` on fixed, published inputs.

    `function` is the bare name within the module ("sigmoid"): the module is the file's own
    (`graders/public/<module>.py`).

    `label` says what the case probes in the learner's terms ("mixed signs", "|x| up to 1e3").
    Arguments are plain data only (arrays, numbers, strings, None, lists/tuples/dicts of these),
    because they are written to `exercises/checks/<module>.json` and sent to the sandbox.

    `exact_dtype` and `no_warnings` are the comparator's rules of the same names, applied
    exactly as the hidden graders apply them: float32 in must give float32 out, and the call
    must raise no NumPy warning (an overflow in exp, say).

    Forward/backward pairs: a forward function that returns `(*outputs, cache)` sets
    `returns_cache` (only the outputs are compared). A backward case names its `forward`
    function, gives the forward's `args`/`kwargs` and the `upstream` gradients; the learner's
    forward runs first and its own cache goes to the learner's backward; `grad` picks one of
    the gradients it returns (all of them when None).

    `alternatives` ({name: function with the reference's signature}) are other equally correct
    answers, recorded beside the expected value and accepted by `nnlab check` as the graders
    accept them (`check_call(..., alternatives=...)`); `accepted_as` names the reference's own
    convention. A plain call only.

    `scenario` names a function of `nnlab.grading.scenarios.SCENARIOS`: several calls (an
    initialiser twice, a model class constructed with `kwargs` and fitted on `args`) whose
    outcome is compared as a summary of properties, where no single value is right.

    A callable argument is a `FunctionRef` ("numpy.var", run inside the sandbox) or a
    `GraderFunction` (its source is compiled inside the sandbox); the reference gets the
    function itself.
    """

    function: str
    label: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    exact_dtype: bool = False
    no_warnings: bool = False
    returns_cache: bool = False
    forward: str = ""
    upstream: tuple[Any, ...] = ()
    grad: int | None = None
    alternatives: dict[str, Any] = field(default_factory=dict)
    accepted_as: str = ""
    scenario: str = ""

    @property
    def kind(self) -> str:
        if self.scenario:
            return "scenario"
        return "backward" if self.forward else "forward" if self.returns_cache else "call"
