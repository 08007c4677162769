"""Tests rnn and lstm share, judged the same way for both: the recorded Keras forward passes
(float64 over 5 and 12 steps, and float32), and backpropagation through time (numerically per
gradient, with a loss on the last state only, at T = 1, and against Keras's recorded gradients).

`keras_forward_tests` and `bptt_tests` build the tests from a grader module's own helpers;
test_rnn.py and test_lstm.py bind them under the same names as before, so each test keeps its
node id (hence its per-learner rng), its title and its points.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import numerical_gradient, recorded_tolerance


def keras_forward_tests(module, *, recorded, sequence_forward, outputs, keras, layer):
    """(test_forward_keras, test_forward_float32) for `{module}.{module}_forward`.

    recorded(name) gives (args, dh_seq, case) of a recorded Keras case; sequence_forward(learner,
    ref, args, **how) judges the learner's forward pass; outputs names the recorded outputs it
    returns before its cache ("h_seq", or "h_seq", "h_T", "c_T"); keras is the recorded Keras
    call and layer the Keras layer's name, for the titles."""
    target = f"{module}.{module}_forward"

    def expected(case):
        return case[outputs[0]] if len(outputs) == 1 else tuple(case[name] for name in outputs)

    @pytest.mark.oracle("keras")
    @pytest.mark.points(1)
    @pytest.mark.parametrize("name", ["f64", "f64_long"], ids=["5 steps", "12 steps"])
    def test_forward_keras(learner, ref, name):
        args, _, case = recorded(name)
        sequence_forward(learner, ref, args, expected=expected(case), note=keras_note(case, "out"),
                         **recorded_tolerance(learner.comparator, case))

    @pytest.mark.oracle("keras")
    @pytest.mark.points(1)
    def test_forward_float32(learner, ref):
        args, _, case = recorded("f32")
        sequence_forward(learner, ref, args, expected=expected(case), exact_dtype=True,
                         note=keras_note(case, "out"), **recorded_tolerance(learner.comparator, case))

    test_forward_keras.__doc__ = f"{target}: Keras's {keras}, recorded"
    test_forward_float32.__doc__ = f"{target}: float32 stays float32 (Keras's recorded float32 {layer})"
    return test_forward_keras, test_forward_float32


def bptt_tests(module, *, layer, recorded, sequence_gradient, grads, wrt, numeric, n, t, h):
    """(test_backward_numeric, test_backward_last_step_only, test_backward_one_step,
    test_backward_keras, test_backward_float32) for `{module}.{module}_backward`.

    layer(rng, t=...) draws a layer's arguments, recorded(name) gives (args, dh_seq, case) of a
    recorded Keras case, sequence_gradient(learner, ref, args, dh_seq, grad=None, **how) judges
    the learner's backward pass; grads names the gradients, wrt[grad] the argument each is taken
    with respect to; numeric holds the tolerances against numerical gradients; n, t, h the batch,
    sequence length and hidden size of the random layers."""
    target = f"{module}.{module}_backward"

    @pytest.mark.oracle("numerical")
    @pytest.mark.points(2)
    @pytest.mark.parametrize("grad", grads)
    def test_backward_numeric(learner, ref, rng, grad):
        args = layer(rng)
        dh_seq = rng.normal(size=(n, t, h))
        forward = getattr(getattr(ref, module), f"{module}_forward")

        def loss(*a):
            return float(np.sum(forward(*a)[0] * dh_seq))

        sequence_gradient(learner, ref, args, dh_seq, grad,
                          expected=numerical_gradient(loss, args, wrt[grad]),
                          note=f"compared with a centred-difference gradient of "
                               f"L = sum(h_seq * dh_seq) over {t} steps.", **numeric)
        sequence_gradient(learner, ref, args, dh_seq, grad)

    @pytest.mark.points(1)
    def test_backward_last_step_only(learner, ref, rng):
        args = layer(rng)
        dh_seq = np.zeros((n, t, h))
        dh_seq[:, -1] = rng.normal(size=(n, h))  # everything earlier must come back through time
        sequence_gradient(learner, ref, args, dh_seq)

    @pytest.mark.points(1)
    def test_backward_one_step(learner, ref, rng):
        args = layer(rng, t=1)
        sequence_gradient(learner, ref, args, rng.normal(size=(n, 1, h)))

    @pytest.mark.oracle("keras")
    @pytest.mark.points(2)
    def test_backward_keras(learner, ref):
        args, dh_seq, case = recorded("f64_long")
        sequence_gradient(learner, ref, args, dh_seq, expected=tuple(case[name] for name in grads),
                          note=keras_note(case, "gradients"),
                          **recorded_tolerance(learner.comparator, case))

    @pytest.mark.oracle("keras")
    @pytest.mark.points(1)
    def test_backward_float32(learner, ref):
        args, dh_seq, case = recorded("f32")
        sequence_gradient(learner, ref, args, dh_seq, expected=tuple(case[name] for name in grads),
                          exact_dtype=True, note=keras_note(case, "gradients"),
                          **recorded_tolerance(learner.comparator, case))

    # The titles (first docstring lines) the graders report; {grad} names each parametrized case.
    test_backward_numeric.__doc__ = f"{target}: {{grad}} over {t} steps, checked numerically"
    test_backward_last_step_only.__doc__ = f"{target}: a loss on the last hidden state only (many-to-one)"
    test_backward_one_step.__doc__ = f"{target}: T = 1"
    test_backward_keras.__doc__ = f"{target}: Keras's recorded gradients over 12 steps"
    test_backward_float32.__doc__ = f"{target}: float32 stays float32 (Keras's recorded float32 gradients)"
    return (test_backward_numeric, test_backward_last_step_only, test_backward_one_step,
            test_backward_keras, test_backward_float32)
