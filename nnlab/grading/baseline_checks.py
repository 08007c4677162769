"""Comparing a learner's call with a recorded Keras case: what graders use instead of reading
graders/baselines/*.npz by hand.

    from nnlab.grading.baseline_checks import check_recorded, recorded_cases

    CASES = recorded_cases("losses.binary_cross_entropy")   # every case that calls it

    @pytest.mark.oracle("keras")
    @pytest.mark.points(1)
    @pytest.mark.parametrize("case", CASES)                 # test ids: the case names
    def test_binary_cross_entropy_keras(learner, case):
        \"\"\"losses.binary_cross_entropy: Keras 3 recorded output\"\"\"
        check_recorded(learner.losses.binary_cross_entropy, case)

`check_recorded` calls the learner's function exactly as the recorded case called Keras (the
case's inputs and options, through `nnlab.baselines.recorded_call`), and judges the result
against Keras's recorded output through the learner's `Comparator.judge_call`: the same verdict,
diagnosis (catalogued mistakes evaluated on the case's inputs), in-place check and optional
dtype and warning rules as a comparison with the reference, so the rules are recorded too. The
feedback adds which Keras call made the expected values and what the case is about (its note:
the convention it exercises, such as clipping p or the kink at x == 0). The `oracle("keras")`
marker labels the test in results; a test that reads recorded cases is labelled so even
without it (nnlab/grading/plugin.py).

The tolerance is the course's for the case's dtype (course.yml), loosened where the case's own
recorded tolerance is looser (Keras rounds a few hyperparameters through float32): a correct
implementation sums in its own order, so it is not held to the recording's precision.

Nothing here imports TensorFlow: the cases are read from the .npz files with NumPy.
"""

from __future__ import annotations

import copy
import functools
import importlib
from pathlib import Path
from typing import Any

import numpy as np

from nnlab.baselines import BaselineCase, BaselineError, load_baselines, recorded_call, targets
from nnlab.baselines import tolerance_for as _case_tolerance
from nnlab.baselines.store import FAMILIES, family_path
from nnlab.course import Tolerance
from nnlab.grading.compare import Comparator, bound_arguments, describe_call, mismatch

def baselines_folder() -> Path:
    """The course's graders/baselines: beside reference/, whose folder is the course root (the
    course root is importable whenever graders run)."""
    reference = importlib.import_module("reference")
    return Path(reference.__file__).resolve().parent.parent / "graders" / "baselines"


def _family_versions(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    """(family, mtime, size, inode) of each recorded family file in `folder`: what the cases
    found there depend on, so a re-recorded file is read again, as `load_family` does."""
    versions = []
    for family in FAMILIES:
        try:
            stat = family_path(folder, family).stat()
        except FileNotFoundError:
            continue
        versions.append((family, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(versions)


def recorded_cases(target: str, *, dtype: Any = None, folder: Path | str | None = None
                   ) -> list[BaselineCase]:
    """Every recorded case that calls `target` ("losses.mse") directly on its inputs, in family
    and case order; only those of `dtype` when given.

    Raises BaselineError when none does (a grader asking for Keras cases that do not exist is
    the grader's mistake, and should fail loudly while the course is being written).
    """
    folder = (Path(folder) if folder is not None else baselines_folder()).resolve()
    wanted = None if dtype is None else np.dtype(dtype).str
    return list(_cases_calling(str(folder), _family_versions(folder), target, wanted))


@functools.lru_cache(maxsize=256)
def _cases_calling(folder: str, versions: tuple, target: str, dtype: str | None
                   ) -> tuple[BaselineCase, ...]:
    """recorded_cases, worked out once per process while the family files are unchanged: a
    batch asks the same for every learner."""
    found = []
    families = load_baselines(folder, [family for family, *_ in versions])
    for case in (case for cases in families.values() for case in cases):
        if target not in targets(case) or (dtype is not None and case.dtype != np.dtype(dtype)):
            continue
        try:
            recorded_call(case, target)
        except BaselineError:
            continue  # drives the target only through a longer pipeline
        found.append(case)
    if not found:
        wanted = f" in {np.dtype(dtype)}" if dtype is not None else ""
        raise BaselineError(f"no recorded case in {folder} calls {target}{wanted}")
    return tuple(found)


def recorded_tolerance(comparator: Comparator, case: BaselineCase, target: str) -> Tolerance:
    """The course's tolerance for the case's dtype, each part loosened to the case's own when
    that is looser."""
    course = comparator.tolerance_for(np.zeros(1, dtype=case.dtype))
    rtol, atol = _case_tolerance(case, target)
    return Tolerance(rtol=max(course.rtol, rtol), atol=max(course.atol, atol))


def keras_note(case: BaselineCase, output: str) -> str:
    """What the expected values are, for the feedback: the Keras call that made them (and, for
    a gradient, that GradientTape differentiated it) and what the case is there for."""
    made = (f"{case.config['keras']}" if output in ("out", "loss") else
            f"GradientTape's {output} of {case.config['keras']}")
    return (f"the expected values are Keras 3's, recorded from {made} on the fixed case "
            f"{case.name!r} ({case.dtype}); this case checks: {case.config['note']}.")


def check_recorded(learner_fn: Any, case: BaselineCase, *, exact_dtype: bool = False,
                   no_warnings: bool = False, alternatives: dict | None = None,
                   accepted_as: str = "") -> Any:
    """Call the learner's function as the recorded case called Keras and compare with Keras.

    `learner_fn` is a learner function proxy (`learner.losses.mse`); its name is the target the
    case must call directly. Fails (GradingFailure) with the learner's feedback when the value
    differs beyond `recorded_tolerance` (naming a catalogued mistake that reproduces it), when an
    argument was modified in place, and, when asked, on another exact dtype or a NumPy warning.
    Returns the learner's value. `alternatives` ({name: function}) are other equally correct
    conventions, judged on the same inputs (see `check_call`).
    """
    qualname = learner_fn.qualname
    call = recorded_call(case, qualname)
    expected = np.array(case.outputs[call.output])  # a writable copy of the recording
    module, name = qualname.split(".", 1)
    reference_fn = getattr(importlib.import_module(f"reference.{module}"), name, None)
    result = learner_fn.call(*call.args, **call.kwargs)
    candidates = [(m, (lambda m=m: m.fn(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs))))
                  for m in _mistakes(qualname)]
    tol = recorded_tolerance(learner_fn.comparator, case, qualname)
    thunks = {name: (lambda fn=fn: fn(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs)))
              for name, fn in (alternatives or {}).items()}
    if reference_fn is not None and _holds_float32((call.args, call.kwargs)) \
            and _agrees(reference_fn, call, expected, tol):
        # Working in float64 and casting back is correct too (CURRICULUM.md), though it differs
        # from Keras's float32 where a clip bound rounds (1 - 1e-7 is 0.99999988 in float32).
        # Offered only where the reference itself matches Keras on this case: the Keras test
        # stays a check of its own, never of the reference's convention.
        thunks.setdefault(FLOAT64_INSIDE, lambda: in_float64(reference_fn, call.args, call.kwargs))
    learner_fn.comparator.judge_call(
        qualname, describe_call(qualname, reference_fn, call.args, call.kwargs), result, expected,
        mistakes=candidates, rtol=tol.rtol, atol=tol.atol, exact_dtype=exact_dtype,
        no_warnings=no_warnings, note=keras_note(case, call.output),
        alternatives=thunks, accepted_as=accepted_as,
        inputs=bound_arguments(reference_fn, call.args, call.kwargs))
    return result.value


FLOAT64_INSIDE = "the value computed in float64 and cast back to float32"


def _agrees(reference_fn: Any, call: Any, expected: Any, tol: Tolerance) -> bool:
    """Whether the reference, called as the recorded case called Keras, gives Keras's value."""
    try:
        with np.errstate(all="ignore"):
            value = reference_fn(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs))
        return mismatch(value, expected, tol=tol) is None
    except Exception:  # (a reference that cannot take the case offers no alternative)
        return False


def _cast(value: Any, source: type, target: type) -> Any:
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype == source:
        return value.astype(target)
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, source, target) for v in value)
    if isinstance(value, dict):
        return {k: _cast(v, source, target) for k, v in value.items()}
    return value


def _holds_float32(value: Any) -> bool:
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype == np.float32
    if isinstance(value, (list, tuple)):
        return any(_holds_float32(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_float32(v) for v in value.values())
    return False


def in_float64(function: Any, args: tuple, kwargs: dict) -> Any:
    """`function` on float32 inputs raised to float64, its float64 outputs cast to float32: the
    answer of a learner who computes in float64 and casts back (a correct convention)."""
    value = function(*_cast(copy.deepcopy(tuple(args)), np.float32, np.float64),
                     **_cast(copy.deepcopy(dict(kwargs)), np.float32, np.float64))
    return _cast(value, np.float64, np.float32)


def _mistakes(qualname: str) -> list:
    from reference.mistakes import mistakes_for  # the course root is importable while grading

    return [m for m in mistakes_for(qualname) if m.same_signature]
