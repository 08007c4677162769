"""grading/calls.py on its own: check_call, check_forward, check_backward, numerical_gradient
and recorded_tolerance, each driven through real sandboxed workers on small learner modules
written here, so every verdict below is one a grader would give."""

import textwrap

import numpy as np
import pytest

from nnlab.grading.calls import (check_backward, check_call, check_forward, numerical_gradient,
                                 recorded_tolerance)
from nnlab.grading.compare import Comparator
from nnlab.grading.learner import LearnerProxy
from nnlab.grading.submission import read_submission
from nnlab.outcome import GradingFailure, LearnerFailure, Outcome
from tests.support import ROOT

SOLUTIONS = ROOT / "solutions"


@pytest.fixture
def learner_with(tmp_path, course):
    """learner_with({"activations.py": source, ...}): a started LearnerProxy on those modules
    (others copied from solutions/), inside the course's importable packages."""
    proxies = []

    def make(sources):
        folder = tmp_path / f"learner{len(proxies)}"
        folder.mkdir()
        for module in ("activations", "losses", "backprop"):
            (folder / f"{module}.py").write_bytes((SOLUTIONS / f"{module}.py").read_bytes())
        for name, source in sources.items():
            (folder / name).write_text(textwrap.dedent(source))
        proxy = LearnerProxy(read_submission(folder, course.modules), course.limits,
                             Comparator(course.tolerances))
        proxies.append(proxy)
        return proxy

    with course.importable():
        yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def ref(course):
    with course.importable():
        import reference.activations
        import reference.backprop
        import reference.losses

        yield reference


X = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])


def test_check_call_passes_a_correct_function_and_returns_its_value(learner_with, ref):
    learner = learner_with({})
    value = check_call(learner.activations.sigmoid, ref.activations.sigmoid, X)
    np.testing.assert_allclose(value, 1 / (1 + np.exp(-X)))


def test_check_call_names_a_catalogued_mistake(learner_with, ref):
    learner = learner_with({"activations.py": """
        import numpy as np
        def sigmoid(x):
            return 1 / (1 + np.exp(-np.asarray(x)))
        def sigmoid_grad(x):
            x = np.asarray(x)
            return x * (1 - x)
    """})
    with pytest.raises(GradingFailure) as failure:
        check_call(learner.activations.sigmoid_grad, ref.activations.sigmoid_grad, X)
    message = str(failure.value)
    assert "activations.sigmoid_grad(x" in message  # the call, its argument named
    assert "x * (1 - x)" in message and "pre-activation" in message  # the diagnosis


def test_check_call_fails_a_correct_value_computed_by_changing_the_argument(learner_with, ref):
    learner = learner_with({"activations.py": """
        import numpy as np
        def relu(x):
            np.maximum(x, 0, out=x)
            return x
    """})
    with pytest.raises(GradingFailure) as failure:
        check_call(learner.activations.relu, ref.activations.relu, X.copy())
    assert "in place" in str(failure.value) and "x" in str(failure.value)


def test_check_call_accepts_an_alternative_convention_and_notes_which(learner_with, ref):
    learner = learner_with({"activations.py": """
        import numpy as np
        def relu(x):
            return np.where(np.asarray(x) > 0, x, 0.0) + 1.0
    """})
    shifted = {"relu plus one": lambda x: np.maximum(x, 0) + 1.0}
    check_call(learner.activations.relu, ref.activations.relu, X, alternatives=shifted,
               accepted_as="the plain ReLU")
    notes = learner.comparator.take_notes()
    assert len(notes) == 1 and "relu plus one" in notes[0]
    learner.comparator.take_notes()
    with pytest.raises(GradingFailure):  # without the alternative the same value fails
        check_call(learner.activations.relu, ref.activations.relu, X)


def test_check_call_exact_dtype_and_no_warnings_apply_only_when_asked(learner_with, ref):
    learner = learner_with({"activations.py": """
        import numpy as np
        def sigmoid(x):
            return (1 / (1 + np.exp(-np.asarray(x, dtype=np.float64))))
    """})
    x32 = X.astype(np.float32)
    check_call(learner.activations.sigmoid, ref.activations.sigmoid, x32)  # values agree
    with pytest.raises(GradingFailure) as failure:
        check_call(learner.activations.sigmoid, ref.activations.sigmoid, x32, exact_dtype=True)
    assert "float32" in str(failure.value)
    big = np.array([-1000.0, 0.0, 1000.0])
    check_call(learner.activations.sigmoid, ref.activations.sigmoid, big)
    with pytest.raises(GradingFailure) as failure:
        check_call(learner.activations.sigmoid, ref.activations.sigmoid, big, no_warnings=True)
    assert "overflow" in str(failure.value).lower()


def test_a_learner_exception_keeps_its_outcome(learner_with, ref):
    learner = learner_with({"activations.py": """
        def sigmoid(x):
            raise NotImplementedError
        def tanh(x):
            return 1 / 0
    """})
    with pytest.raises(LearnerFailure) as failure:
        check_call(learner.activations.sigmoid, ref.activations.sigmoid, X)
    assert failure.value.outcome is Outcome.NOT_IMPLEMENTED
    with pytest.raises(LearnerFailure) as failure:
        check_call(learner.activations.tanh, ref.activations.tanh, X)
    assert failure.value.outcome is Outcome.FAILED and "ZeroDivisionError" in str(failure.value)


W = np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.25]])
B = np.array([0.1, -0.2])


def test_check_forward_judges_the_outputs_and_leaves_the_cache_to_the_learner(learner_with, ref):
    learner = learner_with({"backprop.py": """
        import numpy as np
        def dense_forward(x, W, b):
            return x @ W + b, {"anything": "the learner likes"}
    """})
    value = check_forward(learner.backprop.dense_forward, ref.backprop.dense_forward, X, W, B)
    np.testing.assert_allclose(value[0], X @ W + B)


def test_check_forward_says_a_forward_must_return_its_cache(learner_with, ref):
    learner = learner_with({"backprop.py": """
        def dense_forward(x, W, b):
            return x @ W + b
    """})
    with pytest.raises(GradingFailure) as failure:
        check_forward(learner.backprop.dense_forward, ref.backprop.dense_forward, X, W, B)
    assert "should return 2 values (its outputs, then the cache)" in str(failure.value)


def test_check_backward_runs_on_the_learners_own_cache(learner_with, ref):
    learner = learner_with({"backprop.py": """
        import numpy as np
        def dense_forward(x, W, b):
            return x @ W + b, {"x": x.copy(), "W": W.copy()}  # not the reference's layout
        def dense_backward(dout, cache):
            x, W = cache["x"], cache["W"]
            return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    """})
    dout = np.ones((2, 2))
    grads = check_backward(learner.backprop.dense_forward, learner.backprop.dense_backward,
                           ref.backprop.dense_forward, ref.backprop.dense_backward, (dout,),
                           X, W, B, grad_names=("dx", "dW", "db"))
    np.testing.assert_allclose(grads[1], X.T @ dout)


def test_check_backward_blames_a_wrong_forward_and_a_missing_gradient(learner_with, ref):
    learner = learner_with({"backprop.py": """
        import numpy as np
        def dense_forward(x, W, b):
            return x @ W - b, (x, W)  # wrong sign of the bias
        def dense_backward(dout, cache):
            x, W = cache
            return dout @ W.T, x.T @ dout  # db forgotten
    """})
    dout = np.ones((2, 2))
    with pytest.raises(GradingFailure) as failure:
        check_backward(learner.backprop.dense_forward, learner.backprop.dense_backward,
                       ref.backprop.dense_forward, ref.backprop.dense_backward, (dout,),
                       X, W, B, grad_names=("dx", "dW", "db"))
    assert "should return 3 gradients (dx, dW, db)" in str(failure.value)


def test_check_backward_notes_the_forward_when_a_gradient_is_wrong(learner_with, ref):
    learner = learner_with({"backprop.py": """
        import numpy as np
        def dense_forward(x, W, b):
            return x @ W, (x, W)  # bias forgotten: the outputs are wrong
        def dense_backward(dout, cache):
            x, W = cache
            return dout @ W, x.T @ dout, dout.sum(axis=0)  # W, not W.T
    """})
    dout = np.ones((2, 2))
    X3 = np.ones((2, 2))
    W3 = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(GradingFailure) as failure:
        check_backward(learner.backprop.dense_forward, learner.backprop.dense_backward,
                       ref.backprop.dense_forward, ref.backprop.dense_backward, (dout,),
                       X3, W3, B, grad=0, grad_names=("dx", "dW", "db"))
    message = str(failure.value)
    assert "dx" in message and "the outputs of your dense_forward are wrong on this call too" in message


def test_numerical_gradient_agrees_with_the_analytic_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(4,))
    grad = numerical_gradient(lambda x, w: float(np.sum(np.tanh(x @ w) ** 2)), [x, w], 1)
    analytic = x.T @ (2 * np.tanh(x @ w) * (1 - np.tanh(x @ w) ** 2))
    np.testing.assert_allclose(grad, analytic, rtol=1e-6, atol=1e-8)
    assert grad.shape == w.shape and grad.dtype == np.float64


def test_recorded_tolerance_is_the_looser_of_the_recording_and_the_course(course):
    class Case:  # what recorded_tolerance reads of a BaselineCase
        dtype = np.dtype(np.float32)
        tolerance = (1e-9, 1e-2)

    comparator = Comparator(course.tolerances)
    course32 = comparator.tolerance_for(np.zeros(1, dtype=np.float32))
    tol = recorded_tolerance(comparator, Case())
    assert tol == {"rtol": max(1e-9, course32.rtol), "atol": max(1e-2, course32.atol)}
    assert tol["rtol"] == course32.rtol and tol["atol"] == 1e-2
