"""Does reference/ agree with the recorded Keras outputs? `compare_reference(folder)` answers
with one line per disagreement (an empty list when everything agrees), for `nnlab verify` and
the project's tests. No TensorFlow."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from nnlab.baselines.recorded import load_family
from nnlab.baselines.pipelines import targets, tolerance_for, variant_outputs
from nnlab.baselines.store import FAMILIES, BaselineError


def compare_outputs(actual: dict, expected: dict, tolerance: tuple[float, float], *,
                    check_dtype: bool = False) -> list[str]:
    """One line per entry of `actual` that differs from `expected` (same key) beyond
    |actual - expected| <= atol + rtol * |expected|; integer expectations must match exactly.
    A missing key, a shape (or, with check_dtype, dtype) mismatch, nan or inf counts as a
    difference."""
    rtol, atol = tolerance
    problems = []
    for name, got in actual.items():
        if name not in expected:
            problems.append(f"{name}: not a recorded output")
            continue
        want = np.asarray(expected[name])
        try:
            got = np.asarray(got)
            numeric = got.dtype.kind in "fiub"
        except (TypeError, ValueError):
            numeric = False
        if not numeric:
            problems.append(f"{name}: not a numeric array")
            continue
        if got.shape != want.shape:
            problems.append(f"{name}: shape {got.shape}, recorded {want.shape}")
            continue
        if check_dtype and got.dtype != want.dtype:
            problems.append(f"{name}: dtype {got.dtype}, recorded {want.dtype}")
            continue
        if want.dtype.kind in "iub":
            if not np.array_equal(got, want):
                problems.append(f"{name}: {got.tolist()}, recorded {want.tolist()}")
            continue
        g, w = got.astype(np.float64), want.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(g - w)
            bad = ~(err <= atol + rtol * np.abs(w))  # nan compares False: counted as bad
        if bad.any():
            ranked = np.where(bad, np.nan_to_num(err, nan=np.inf), -1.0)
            at = np.unravel_index(int(np.argmax(ranked)), bad.shape) if bad.ndim else ()
            nonfinite = int(np.sum(~np.isfinite(g)))
            problems.append(f"{name}: {int(bad.sum())} of {bad.size} entries off, the largest by "
                            f"{float(err[at]):.3g} at {tuple(int(i) for i in at)}"
                            + (f", {nonfinite} nan/inf" if nonfinite else "")
                            + f" (rtol={rtol:g}, atol={atol:g})")
    return problems


def compare_reference(folder: Path | str, families: Iterable[str] | None = None) -> list[str]:
    """Every disagreement between reference/ and the recorded baselines in `folder` (all
    families, or only `families`).

    Each case is run through every pipeline it drives (`pipelines.targets`): the reference's
    forward and backward functions, and the step functions, gates, optimizers steps and so on
    composed with them. An output differs when it is beyond the case's tolerance, has another
    shape, or another dtype (float32 must stay float32). A missing or unreadable family file
    and a reference function that raises are disagreements too. An empty list: all agree.
    """
    folder = Path(folder)
    problems = []
    for family in FAMILIES if families is None else [f for f in FAMILIES if f in set(families)]:
        try:
            cases = load_family(folder, family)
        except BaselineError as exc:
            problems.append(str(exc))
            continue
        for case in cases:
            covered = set()
            for target in targets(case):
                try:
                    outputs = variant_outputs(case, target)
                except BaselineError:
                    raise
                except Exception as exc:  # the reference itself failed on a recorded case
                    problems.append(f"{case.id}: reference {target} raised "
                                    f"{type(exc).__name__}: {exc}")
                    continue
                covered.update(outputs)
                for line in compare_outputs(outputs, case.outputs, tolerance_for(case, target),
                                            check_dtype=True):
                    problems.append(f"{case.id}: {target}: {line}")
            for name in sorted(set(case.outputs) - covered):
                problems.append(f"{case.id}: no reference pipeline computes {name}")
    return problems
