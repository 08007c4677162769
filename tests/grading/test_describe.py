"""nnlab/grading/describe.py: how a wrong output differs, said in the course's words.

Each case builds the expected array and a wrong one the way one bug would, and checks the words;
the real graders' feedback on whole wrong modules is tests/graders/test_mutants.py's business.
"""

import numpy as np
import pytest

from nnlab.course import Tolerance
from nnlab.grading.compare import Comparator, DIAGNOSIS
from nnlab.grading.describe import PATTERN, describe_difference
from nnlab.outcome import GradingFailure

TOL = Tolerance(rtol=1e-7, atol=1e-10)
rng = np.random.default_rng(7)


def said(actual, expected, **context):
    return describe_difference(actual, expected, tol=TOL, **context) or ""


@pytest.mark.parametrize("factor, words", [
    (-1.0, "exactly -1 times"), (2.0, "exactly twice"), (0.5, "exactly half"),
    (1 / 8, "divided by N = 8, the number of samples"), (8.0, "N = 8 times"),
])
def test_a_constant_factor_is_named(factor, words):
    y_true = rng.normal(size=(8, 3))
    expected = rng.normal(size=(8, 3))
    assert words in said(expected * factor, expected, inputs={"y_true": y_true})


def test_a_factor_of_a_scalar_argument_is_named_by_its_name():
    params = {"W": rng.normal(size=(3, 2))}
    grads = {"W": rng.normal(size=(3, 2))}
    expected = {"W": params["W"] - 0.1 * grads["W"]}
    damped = {"W": params["W"] - 0.1 * (1 - 0.8) * grads["W"]}
    text = said(damped, expected, inputs={"params": params, "grads": grads, "lr": 0.1,
                                          "momentum": 0.8})
    assert "step from params['W']" in text and "(1 - momentum)" in text


def test_a_scalar_output_gets_only_a_nameable_factor():
    assert said(np.float64(3.7), np.float64(1.0)) == ""
    assert "exactly twice" in said(np.float64(2.0), np.float64(1.0))


def test_one_time_step():
    expected = rng.normal(size=(3, 6, 4))
    wrong = expected.copy()
    wrong[:, 0] = 0
    text = said(wrong, expected, qualname="rnn.rnn_backward", label="dx",
                inputs={"x": rng.normal(size=(3, 6, 2))})
    assert "only time step t = 0 of your dx differs; every other time step matches" in text
    assert "yours are 0 there" in text
    wrong = expected.copy()
    wrong[:, -1] *= 3
    assert "only the last time step (t = 5)" in said(wrong, expected, qualname="rnn.rnn_forward",
                                                     label="h_seq")


def test_one_gate_block_of_an_lstm():
    hidden = 3
    expected = rng.normal(size=(4, 4 * hidden))
    wrong = expected.copy()
    wrong[:, hidden:2 * hidden] += 1
    text = said(wrong, expected, qualname="lstm.lstm_step_backward", label="dkernel",
                inputs={"recurrent_kernel": rng.normal(size=(hidden, 4 * hidden))})
    assert "only the forget gate's block of your dkernel differs" in text


def test_a_border_of_an_image():
    expected = rng.normal(size=(2, 5, 5, 3))
    wrong = expected.copy()
    wrong[:, -1] += 1
    wrong[:, :, -1] += 1
    text = said(wrong, expected, qualname="conv.conv2d_forward", label="out")
    assert "the bottom row" in text and "the right column" in text and "padding" in text


def test_swapped_axes_reversed_and_shifted():
    expected = rng.normal(size=(4, 4))
    assert "transposed" in said(expected.T.copy(), expected, label="dW")
    seq = rng.normal(size=(2, 5, 3))
    assert "time step order reversed" in said(seq[:, ::-1].copy(), seq, qualname="rnn.rnn_forward",
                                              label="h_seq")
    shifted = np.concatenate([np.zeros((2, 1, 3)), seq[:, :-1]], axis=1)
    assert "shifted by one along the time step axis" in said(shifted, seq, qualname="rnn.rnn_forward",
                                                             label="h_seq")


def test_the_bias():
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    expected = x @ W + b
    inputs = {"x": x, "W": W, "b": b}
    assert "bias is left out" in said(x @ W, expected, inputs=inputs)
    assert "bias is added twice" in said(x @ W + 2 * b, expected, inputs=inputs)


def test_the_kink_and_the_negative_branch():
    x = rng.normal(size=(4, 5))
    x[1] = 0
    expected = (x > 0).astype(float)
    assert "only the entries where x = 0 differ" in said((x >= 0).astype(float), expected,
                                                         inputs={"x": x})
    leaky = np.where(x > 0, 1.0, 0.3)
    assert "entries where x <= 0 differ" in said(np.where(x > 0, 1.0, 0.01), leaky,
                                                  inputs={"x": x, "alpha": 0.3})


def test_tied_maxima():
    z = rng.normal(size=(6, 4))
    z[2, 1] = z[2, 3] = 5.0
    expected = np.eye(4)[np.argmax(z, axis=1)]
    wrong = expected.copy()
    wrong[2] = [0, 0.5, 0, 0.5]
    assert "largest z is tied" in said(wrong, expected, inputs={"z": z})


def test_clipped_and_off_by_one():
    expected = rng.normal(scale=3, size=(4, 4))
    assert "clipped to [-1, 1]" in said(np.clip(expected, -1, 1), expected, label="dkernel")
    assert "one less than expected" in said(9, 10)


@pytest.mark.parametrize("name, f", [("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("tanh", np.tanh)])
def test_an_activation_applied_to_a_linear_output(name, f):
    expected = rng.normal(scale=2, size=(6, 3))
    assert f"is {name} of the expected values: an activation applied" in said(f(expected), expected,
                                                                              label="out")


def test_nothing_specific_is_said_about_unrelated_values():
    assert said(rng.normal(size=(5, 5)), rng.normal(size=(5, 5))) == ""
    assert said("a string", np.zeros(3)) == ""
    assert said(np.array([np.nan, 1.0]), np.array([0.0, 1.0])) == ""


def test_the_comparator_adds_the_description_only_where_no_mistake_is_named():
    expected = rng.normal(size=(4, 3))
    with pytest.raises(GradingFailure) as failure:
        Comparator().expect_close(-expected, expected, what="losses.mse_grad(y_true, y_pred)")
    assert f"{PATTERN}your output is exactly -1 times" in str(failure.value)

    class Named:
        def message(self):
            return "your mse_grad looks like a flipped sign"

    with pytest.raises(GradingFailure) as failure:
        Comparator().expect_close(-expected, expected, what="losses.mse_grad(y_true, y_pred)",
                                  mistakes=[(Named(), lambda: -expected)])
    assert DIAGNOSIS in str(failure.value) and PATTERN not in str(failure.value)


def test_a_catalogued_mistake_is_named_only_when_it_matches_the_whole_output():
    """whole_output_candidates: judged on the errors array alone, a mistake whose errors agree
    but whose weights differ is not named; one that reproduces (w, b, errors) is."""
    from nnlab.grading.calls import whole_output_candidates
    from nnlab.grading.compare import diagnose

    class Named:
        def __init__(self, words):
            self.words = words

        def message(self):
            return self.words

    learner = (np.array([0.5, -0.5]), 0.25, np.array([3, 2, 2]))
    expected_errors = np.array([3, 1, 0])
    same_errors_other_weights = (np.array([-0.5, 0.5]), -0.25, np.array([3, 2, 2]))
    everything_the_same = (np.array([0.5, -0.5]), 0.25, np.array([3, 2, 2]))
    part = lambda whole: whole[2]  # noqa: E731
    for wrong, named in ((same_errors_other_weights, None), (everything_the_same, "the one")):
        candidates = whole_output_candidates([(Named("the one"), lambda wrong=wrong: wrong)],
                                             learner, part, TOL)
        assert diagnose(learner[2], expected_errors, candidates, TOL) == named


# -- descriptions beyond the catalogue, from bugs the mutants showed (issue 19, item 4) ----------


def test_weights_along_the_signed_sum_of_the_samples_say_every_sample_updated():
    X = rng.normal(size=(12, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.int64)
    every = 0.5 * 7 * ((2 * y - 1) @ X)  # lr 0.5, 7 epochs of an update on every sample
    text = said((every, 1.0, np.ones(7)), (np.array([0.3, -0.4, 0.1]), 0.2, np.ones(7)),
                inputs={"X": X, "y": y, "lr": 0.5})
    assert "lr x 7 x sum((2y - 1) x)" in text and "whatever the prediction" in text, text
    # weights of another direction say nothing of the kind
    other = said((np.array([1.0, 2.0, 3.0]), 1.0, np.ones(7)),
                 (np.array([0.3, -0.4, 0.1]), 0.2, np.ones(7)), inputs={"X": X, "y": y, "lr": 0.5})
    assert "sum((2y - 1) x)" not in other


def test_an_epsilon_in_another_place_is_named():
    """Over 100 draws: epsilon inside the square root is named in most, and an update off by a
    true factor (half the step) is never called an epsilon (it was, in 43% of draws, while the
    step was measured from the gradient as well as from the parameter)."""
    named = 0
    for seed in range(100):
        draw = np.random.default_rng(seed)
        params = {"W": draw.normal(size=(4, 3))}
        g = {"W": draw.normal(size=(4, 3)) * np.logspace(-2, 0, 12).reshape(4, 3)}
        lr, eps = 0.01, 1e-7
        expected = {"W": params["W"] - lr * g["W"] / (np.abs(g["W"]) + eps)}
        inside = {"W": params["W"] - lr * g["W"] / np.sqrt(g["W"] ** 2 + eps)}
        text = said(inside, expected, inputs={"params": params, "grads": g, "state": None, "lr": lr})
        named += "most where grads['W'] is smallest" in text and "epsilon" in text
        half = {"W": params["W"] - 0.5 * lr * g["W"] / (np.abs(g["W"]) + eps)}
        text = said(half, expected, inputs={"params": params, "grads": g, "lr": lr})
        assert "epsilon" not in text and "half" in text, (seed, text)
    assert named >= 80, named


def test_an_input_gradient_never_reaching_the_bottom_and_right_names_the_stride():
    expected = rng.normal(size=(2, 6, 8, 3))
    unreached = expected.copy() * 1.5
    unreached[:, 4:, :, :] = 0
    unreached[:, :, 5:, :] = 0
    text = said(unreached, expected, qualname="conv.conv2d_backward", label="dx",
                inputs={"x": expected, "stride": 2, "padding": "same"})
    assert "0 in rows 4 to 5 and columns 5 to 7" in text and "by the stride 2" in text, text
    stride_one = said(unreached, expected, qualname="conv.conv2d_backward", label="dx",
                      inputs={"x": expected, "stride": 1})
    assert "stride" not in stride_one and "never reaches" in stride_one


def test_a_path_of_equal_steps_says_the_step_is_never_recomputed():
    w0 = np.array([2.0, -1.0])
    expected = [w0 * 0.8 ** k for k in range(6)]  # each step shrinks as the point moves
    same = [w0 - k * 0.2 * w0 for k in range(6)]  # the first step, again and again
    text = said((same[-1], np.array(same)), (expected[-1], np.array(expected)))
    assert "output[1] takes the same step every time" in text, text
    assert "same step" not in said((expected[-1] * 2, np.array(expected) * 2),
                                   (expected[-1], np.array(expected)))
