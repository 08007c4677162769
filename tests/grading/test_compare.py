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
    assert "largest error 0.5 at index (1, 0) (yours 3.5, expected 3, 17% off)" in why
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


def test_relative_error_is_given_only_where_the_worst_entry_is_clear_of_zero():
    why = mismatch(np.array([0.5, 0.0]), np.zeros(2), tol=TOL)
    assert "largest error 0.5" in why and "off" not in why and "relative" not in why
    # The worst entry's expected value is 0: no "relative error 0" from another entry.
    why = mismatch(np.array([1.1, 0.5]), np.array([1.0, 0.0]), tol=TOL)
    assert "largest error 0.5 at index (1) (yours 0.5, expected 0);" in why
    why = mismatch(np.array([2.0, 0.0]), np.array([1.0, 0.0]), tol=TOL)
    assert "(yours 2, expected 1, 100% off)" in why
    why = mismatch(np.array([1.0 + 1e-6]), np.array([1.0]), tol=TOL)
    assert "relative error 1e-06" in why


def test_the_input_at_the_worst_index_is_shown_when_it_is_shaped_like_the_output():
    x = np.array([[-1.0, 0.0], [2.0, 3.0]])
    why = mismatch(np.array([[0.0, 0.0], [2.0, 3.0]]), np.array([[0.0, 1.0], [2.0, 3.0]]),
                   tol=TOL, inputs={"x": x, "alpha": 0.5, "w": np.ones(3)})
    assert "at index (0, 1), where x = 0 (yours 0, expected 1" in why
    assert "alpha" not in why and "w =" not in why
    why = mismatch(np.array([0, 0]), np.array([0, 1]), tol=TOL, inputs={"x": np.array([3, 0])})
    assert "first at index (1), where x = 0: yours 0, expected 1" in why


@pytest.mark.parametrize("value, warnings, words", [
    (np.inf, ["overflow encountered in exp"], "NumPy warned of an overflow"),
    (-np.inf, ["divide by zero encountered in log"], "NumPy warned of log(0)"),
    (np.nan, ["invalid value encountered in divide"], "such as 0/0"),
    (-np.inf, [], "-inf usually comes from log(0)"),
    (np.inf, [], "inf usually comes from an overflow in exp"),
    (np.nan, [], "nan comes from 0/0, inf/inf or inf - inf"),
], ids=["overflow", "log(0)", "0/0", "-inf", "+inf", "nan"])
def test_nan_and_inf_hints_tell_overflow_from_0_over_0_from_log_0(value, warnings, words):
    why = mismatch(np.array([1.0, value]), np.ones(2), tol=TOL, warnings=warnings,
                   inputs={"p": np.array([0.5, 0.0])})
    assert words in why and "first at index (1), where p = 0)" in why
    if value == -np.inf:
        assert "1 -inf where" in why


def test_an_accepted_alternative_passes_and_says_which_answer_was_matched():
    comparator = Comparator()
    keras, textbook = np.array([1.0, 2.0]), np.array([0.5, 1.5])
    for value, name in [(keras, "Keras 3's gradient"), (textbook, "the textbook gradient")]:
        matched = comparator.judge_call("m.f", "m.f(x)", CallResult(value.copy()), keras,
                                        alternatives={"the textbook gradient": lambda: textbook},
                                        accepted_as="Keras 3's gradient")
        assert matched == name
    assert comparator.take_notes() == [
        "m.f: your answer matches Keras 3's gradient, accepted as correct.",
        "m.f: your answer matches the textbook gradient, accepted as correct."]
    assert comparator.take_notes() == []
    # Neither: the feedback is written against the expected value, and nothing is noted.
    with pytest.raises(GradingFailure, match=r"yours 2, expected 1, 100% off"):
        comparator.judge_call("m.f", "m.f(x)", CallResult(keras + 1), keras,
                              alternatives={"the textbook gradient": textbook})
    assert comparator.take_notes() == []
    # An alternative still has to obey the other rules (the exact dtype here).
    with pytest.raises(GradingFailure, match="expected float32"):
        comparator.judge_call("m.f", "m.f(x)", CallResult(textbook), keras.astype(np.float32),
                              alternatives={"t": textbook.astype(np.float32)}, exact_dtype=True)


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
    assert str(failure.value) == ("m.f(x: float64 (2,)) returned a value that differs: "
                                  "largest error 2 at index (1) (yours 4, "
                                  "expected 2, 100% off); 2 of 2 entries are outside "
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


def test_no_note_where_the_accepted_answers_agree_on_the_case():
    comparator = Comparator()
    same = np.array([0.0, 1.0])
    assert comparator.judge_call("m.f", "m.f(x)", CallResult(same.copy()), same,
                                 alternatives={"t": same.copy()}, accepted_as="k") == "k"
    assert comparator.take_notes() == []
