"""Recorded Keras baselines: Keras's outputs and gradients on fixed cases, stored as .npz in
graders/baselines/, so that grading compares with Keras without importing TensorFlow.

- `record_baselines(out_dir)` (`nnlab baselines record`) writes the files; it is the only
  function here that needs TensorFlow, and imports it only when called.
- `load_baselines(folder)` reads them: {family: [BaselineCase, ...]}.
- `reference_outputs(case)` is what reference/ computes on a case's inputs, keyed like the
  case's recorded outputs; `variant_outputs(case, target, fn)` is the same pipeline with one
  curriculum function replaced (by a catalogued mistake, say); `targets(case)` lists those
  functions; `recorded_call(case, target)` is how a case calls `target` directly (arguments,
  and the output to compare with), for graders (`nnlab.grading.baseline_checks`).
- `compare_reference(folder)` lists every case where reference/ and Keras disagree.
"""

from nnlab.baselines.recorded import BaselineCase, load_baselines
from nnlab.baselines.agreement import compare_outputs, compare_reference
from nnlab.baselines.pipelines import (
    Call, recorded_call, reference_outputs, targets, tolerance_for, variant_outputs,
)
from nnlab.baselines.record import NEEDS_TENSORFLOW, record_baselines
from nnlab.baselines.store import FAMILIES, BaselineError

__all__ = [
    "FAMILIES", "NEEDS_TENSORFLOW", "BaselineCase", "BaselineError", "Call", "compare_outputs",
    "compare_reference", "load_baselines", "record_baselines", "recorded_call",
    "reference_outputs", "targets", "tolerance_for", "variant_outputs",
]
