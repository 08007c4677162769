"""The comparator's messages: what a learner reads when a value is wrong."""

import numpy as np
import pytest

from nnlab.course import Tolerance, Tolerances
from nnlab.grading.compare import Comparator, describe_call, describe_value, diagnose, mismatch
from nnlab.outcome import GradingFailure
from nnlab.sandbox.protocol import Opaque
from nnlab.sandbox.worker import CallResult

TOL = Tolerance(rtol=1e-7, atol=1e-10)


def test_close_values_pass_and_far_values_say_where_and_how_far():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert mismatch(expected + 1e-12, expected, tol=TOL) is None
    actual = expected.copy()
    actual[1, 0] = 3.5
    why = mismatch(actual, expected, tol=TOL)
    assert "largest absolute error 0.5 at index (1, 0) (yours 3.5, expected 3)" in why
    assert "1 of 4 entries are outside the tolerance" in why


@pytest.mark.parametrize("actual, expected, words", [
    (None, np.ones(2), "did you forget to `return` the result?"),
    (np.ones(3), np.ones(2), "has shape (3,), expected (2,)"),
    (np.ones(2, dtype=np.int64), np.ones(2), "has int64 values, expected float values"),
    (np.array([1.0, np.nan]), np.ones(2), "contains 1 nan where finite values were expected"),
    ((np.ones(2),), (np.ones(2), np.ones(2)), "should have 2 items, got 1"),
    ({"W1": np.ones(2)}, {"W1": np.ones(2), "b1": np.ones(2)}, "should have keys ['W1', 'b1']"),
    (Opaque(3, "Always"), np.ones(2), "got an object of type Always"),
    ("yes", np.ones(2), "should be a NumPy array or number, got 'yes'"),
])
def test_each_kind_of_wrong_value_has_its_own_words(actual, expected, words):
    assert words in mismatch(actual, expected, tol=TOL)


def test_relative_error_is_left_out_where_every_expected_value_is_zero():
    why = mismatch(np.array([0.5, 0.0]), np.zeros(2), tol=TOL)
    assert "largest absolute error 0.5" in why and "relative" not in why
    why = mismatch(np.array([2.0, 0.5]), np.array([1.0, 0.0]), tol=TOL)
    assert "largest relative error 1" in why


@pytest.mark.parametrize("actual", [np.float64(0.5), 0.5, np.array([0.5])],
                         ids=["NumPy float64 scalar", "Python float", "float64 array"])
def test_exact_dtype_treats_scalars_like_arrays(actual):
    expected = np.float32(0.5) if np.ndim(actual) == 0 else np.array([0.5], dtype=np.float32)
    assert mismatch(actual, expected, tol=TOL) is None  # only the kind is checked by default
    assert "expected float32" in mismatch(actual, expected, tol=TOL, exact_dtype=True)


def test_integer_outputs_must_match_exactly_but_any_integer_width_will_do():
    assert mismatch(np.array([0, 1], dtype=np.int32), np.array([0, 1]), tol=TOL) is None
    why = mismatch(np.array([0, 0]), np.array([0, 1]), tol=TOL)
    assert "1 of 2 entries are wrong (first at index (1): yours 0, expected 1)" in why


def test_tolerances_follow_the_course_and_the_expected_dtype():
    comparator = Comparator(Tolerances(float64=Tolerance(rtol=0.1, atol=0.0),
                                       float32=Tolerance(rtol=0.5, atol=0.0)))
    assert comparator.tolerance_for(np.ones(2)).rtol == 0.1
    assert comparator.tolerance_for((np.ones(2, dtype=np.float32),)).rtol == 0.5
    assert comparator.tolerance_for(np.ones(2), rtol=0.2).rtol == 0.2
    comparator.expect_close(np.array([1.05]), np.array([1.0]), what="f(x)")  # within 10%
    with pytest.raises(GradingFailure):
        Comparator().expect_close(np.array([1.05]), np.array([1.0]), what="f(x)")


class _Named:
    def __init__(self, text):
        self.text = text

    def message(self):
        return self.text


def test_a_mistake_is_named_only_where_it_differs_from_the_truth_and_matches():
    expected = np.array([1.0, 2.0])
    doubled = (_Named("doubled"), lambda: expected * 2)
    agrees = (_Named("agrees with the truth here"), lambda: expected.copy())
    broken = (_Named("raises"), lambda: 1 / 0)
    assert diagnose(expected * 2, expected, [broken, agrees, doubled], TOL) == "doubled"
    assert diagnose(expected * 3, expected, [agrees, doubled], TOL) is None


def test_judge_call_names_the_mistake_then_in_place_changes_then_warnings_and_records_rules():
    comparator = Comparator()
    expected = np.array([1.0, 2.0])
    with pytest.raises(GradingFailure) as failure:
        comparator.judge_call("m.f", "m.f(x: float64 (2,))", CallResult(expected * 2), expected,
                              mistakes=[(_Named("your f looks like 2x: why"), lambda: expected * 2)])
    assert str(failure.value) == ("m.f(x: float64 (2,)) returned a value that differs from the "
                                  "expected values: largest absolute error 2 at index (1) (yours 4, "
                                  "expected 2), largest relative error 1; 2 of 2 entries are outside "
                                  "the tolerance (rtol 1e-07, atol 1e-10).\n"
                                  "  Diagnosis: your f looks like 2x: why.")
    with pytest.raises(GradingFailure, match="modified its argument x in place"):
        comparator.judge_call("m.g", "m.g(x)", CallResult(expected, mutated=["x"]), expected)
    with pytest.raises(GradingFailure, match="NumPy warned: overflow"):
        comparator.judge_call("m.h", "m.h(x)", CallResult(expected, warnings=["overflow"]),
                              expected, no_warnings=True, exact_dtype=True)
    assert comparator.rules_applied == {
        ("m.f", "values"), ("m.f", "in_place"), ("m.g", "values"), ("m.g", "in_place"),
        ("m.h", "values"), ("m.h", "in_place"), ("m.h", "exact_dtype"), ("m.h", "no_warnings")}


def test_labels_and_notes_in_a_message():
    with pytest.raises(GradingFailure) as failure:
        Comparator().expect_close(np.ones(3), np.ones(2), what="conv.conv2d_backward(dout, cache)",
                                  label="dkernel", note="fix the forward first.")
    assert str(failure.value) == ("conv.conv2d_backward(dout, cache): its dkernel has shape (3,), "
                                  "expected (2,).\n  Note: fix the forward first.")


def test_calls_are_described_by_the_reference_signature_without_dumping_values():
    def sigmoid_grad(x, alpha=0.01):
        return x

    text = describe_call("activations.sigmoid_grad", sigmoid_grad, (np.zeros((4, 5)),), {"alpha": 0.5})
    assert text == "activations.sigmoid_grad(x: float64 (4, 5), alpha=float 0.5)"
    assert describe_value(np.float32(1)) == "float32 scalar"
    assert describe_value("x" * 40) == "str of length 40"
