"""Hidden grader for losses.py: squared errors and cross-entropies, with their gradients.

Inputs are drawn per learner from `rng`: regression targets of several shapes, 0/1 labels with
probabilities, one-hot targets with softmax probabilities or logits. Edge cases: saturated
probabilities (exactly 0 and 1, and 1e-12) where the clip must act and the loss must stay
finite and silent, rows of p that do not sum to 1 (Keras rescales them), logits up to 1e3,
a non-default eps. Each function also gets a small float32 test with the exact dtype required.

The gradient of categorical cross-entropy has two right answers: Keras 3's, through its
rescaling of each row of p (the reference), and the lectures' -y_true / (N p); both score full
marks (`CCE_GRAD_ALTERNATIVES`, shared with the public checks), and the feedback says which one
the learner's matched.
"""

from __future__ import annotations

import numpy as np
import pytest

from graders.public.losses import CCE_GRAD_ALTERNATIVES
from nnlab.grading import check_call

SHAPES = {"1-d": (8,), "2-d": (5, 3), "3-d": (3, 2, 4)}
by_shape = pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))

# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def regression(rng, shape, dtype=np.float64):
    return rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)


def labels_and_probabilities(rng, shape, dtype=np.float64):
    y = rng.integers(0, 2, size=shape).astype(dtype)
    p = rng.uniform(0.02, 0.98, size=shape).astype(dtype)
    return y, p


def saturated(rng):
    """0/1 labels against probabilities that include 0, 1, 1e-12 and 1 - 1e-12 (all outside
    [eps, 1 - eps]), some confidently right and some confidently wrong."""
    y = rng.integers(0, 2, size=(4, 5)).astype(np.float64)
    p = rng.uniform(0.05, 0.95, size=(4, 5))
    p[0] = [0.0, 1.0, 1e-12, 1 - 1e-12, 0.0]
    y[0] = [1.0, 0.0, 1.0, 0.0, 0.0]  # wrong, wrong, wrong, wrong, right
    p[1, :3] = [1.0, 0.0, 1e-12]
    y[1, :3] = [1.0, 0.0, 0.0]  # right, right, right
    return y, p


def one_hot(rng, n, k, dtype=np.float64):
    return np.eye(k, dtype=dtype)[rng.integers(0, k, size=n)]


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classification(rng, n=6, k=4, dtype=np.float64):
    """One-hot targets and softmax probabilities."""
    return one_hot(rng, n, k, dtype), softmax_rows(rng.normal(scale=2.0, size=(n, k))).astype(dtype)


def unnormalised(rng, n=6, k=4):
    """One-hot targets and positive scores whose rows do not sum to 1."""
    return one_hot(rng, n, k), rng.uniform(0.1, 2.0, size=(n, k))


def saturated_classes(rng):
    """Rows of p with exact 0s and 1s and a 1e-12, against one-hot targets."""
    y = one_hot(rng, 5, 3)
    p = softmax_rows(rng.normal(size=(5, 3)))
    truth = y.argmax(axis=1)
    p[0] = np.eye(3)[truth[0]]              # certain and right
    p[1] = np.eye(3)[(truth[1] + 1) % 3]    # certain and wrong
    p[2] = [0.5, 0.5, 0.5]
    p[2, truth[2]] = 1e-12                  # almost no probability on the truth
    p[2] /= p[2].sum()
    return y, p


def logits(rng, scale, n=6, k=4, dtype=np.float64):
    return one_hot(rng, n, k, dtype), rng.uniform(-scale, scale, size=(n, k)).astype(dtype)


# ------------------------------------------------------------------------------------------
# Mean squared error
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
@by_shape
def test_mse_random(learner, ref, rng, shape):
    """losses.mse: random targets and predictions"""
    check_call(learner.losses.mse, ref.losses.mse, *regression(rng, shape))


@pytest.mark.points(1)
@by_shape
def test_mse_grad_random(learner, ref, rng, shape):
    """losses.mse_grad: random targets and predictions"""
    check_call(learner.losses.mse_grad, ref.losses.mse_grad, *regression(rng, shape))


# ------------------------------------------------------------------------------------------
# Half the sum of squared errors
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [(8,), (6, 2)], ids=["1-d", "2-d"])
def test_half_sse_random(learner, ref, rng, shape):
    """losses.half_sse: random targets and predictions"""
    check_call(learner.losses.half_sse, ref.losses.half_sse, *regression(rng, shape))


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [(8,), (6, 2)], ids=["1-d", "2-d"])
def test_half_sse_grad_random(learner, ref, rng, shape):
    """losses.half_sse_grad: random targets and predictions"""
    check_call(learner.losses.half_sse_grad, ref.losses.half_sse_grad, *regression(rng, shape))


# ------------------------------------------------------------------------------------------
# Binary cross-entropy
# ------------------------------------------------------------------------------------------


BCE_SATURATED = {"binary_cross_entropy": "p exactly 0 or 1 (and 1e-12) is clipped, finite, silent",
                 "binary_cross_entropy_grad": "zero gradient where p is clipped, no warnings"}


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", list(BCE_SATURATED))
@pytest.mark.parametrize("dims", list(SHAPES))
def test_binary_cross_entropy_random(learner, ref, rng, fn, dims):
    """losses.{fn}: random labels and probabilities [{dims}]"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn),
               *labels_and_probabilities(rng, SHAPES[dims]))


@pytest.mark.points(2)
@pytest.mark.parametrize("fn, saturated_means", list(BCE_SATURATED.items()), ids=list(BCE_SATURATED))
def test_binary_cross_entropy_saturated(learner, ref, rng, fn, saturated_means):
    """losses.{fn}: {saturated_means}"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *saturated(rng), no_warnings=True)


@pytest.mark.points(1)
def test_binary_cross_entropy_eps(learner, ref, rng):
    """losses.binary_cross_entropy: eps=1e-3"""
    y, p = saturated(rng)
    p[2, :2] = [1e-4, 1 - 1e-4]
    check_call(learner.losses.binary_cross_entropy, ref.losses.binary_cross_entropy, y, p, eps=1e-3)


# ------------------------------------------------------------------------------------------
# Categorical cross-entropy
# ------------------------------------------------------------------------------------------


# The loss and its gradient meet the same inputs; the gradient also accepts the alternatives in
# CCE_GRAD_ALTERNATIVES. Each test's title says what the case checks for that function.
CCE_FUNCTIONS = {"categorical_cross_entropy": {}, "categorical_cross_entropy_grad": CCE_GRAD_ALTERNATIVES}
CCE_RESCALES = {"categorical_cross_entropy": "rows of p that do not sum to 1 are rescaled, as Keras",
                "categorical_cross_entropy_grad": "through the rescaling of rows that do not sum to 1"}
CCE_SATURATED = {"categorical_cross_entropy": "p exactly 0 or 1 is clipped, finite, silent",
                 "categorical_cross_entropy_grad": "zero gradient where p is clipped, no warnings"}


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", list(CCE_FUNCTIONS))
def test_categorical_cross_entropy_random(learner, ref, rng, fn):
    """losses.{fn}: one-hot targets, softmax probabilities"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *classification(rng),
               **CCE_FUNCTIONS[fn])


@pytest.mark.points(1)
@pytest.mark.parametrize("fn, rescales", list(CCE_RESCALES.items()), ids=list(CCE_RESCALES))
def test_categorical_cross_entropy_rescales(learner, ref, rng, fn, rescales):
    """losses.{fn}: {rescales}"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *unnormalised(rng),
               **CCE_FUNCTIONS[fn])


@pytest.mark.points(2)
@pytest.mark.parametrize("fn, saturated", list(CCE_SATURATED.items()), ids=list(CCE_SATURATED))
def test_categorical_cross_entropy_saturated(learner, ref, rng, fn, saturated):
    """losses.{fn}: {saturated}"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *saturated_classes(rng),
               no_warnings=True, **CCE_FUNCTIONS[fn])


# ------------------------------------------------------------------------------------------
# Softmax cross-entropy from logits
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", ["softmax_cross_entropy", "softmax_cross_entropy_grad"])
def test_softmax_cross_entropy_random(learner, ref, rng, fn):
    """losses.{fn}: one-hot targets, random logits"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *logits(rng, 4.0))


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", ["softmax_cross_entropy", "softmax_cross_entropy_grad"])
def test_softmax_cross_entropy_large(learner, ref, rng, fn):
    """losses.{fn}: logits up to 1e3 without overflow"""
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *logits(rng, 1000.0),
               no_warnings=True)


# ------------------------------------------------------------------------------------------
# float32 in, float32 out: one test per function, each with its own title and point
# ------------------------------------------------------------------------------------------

FLOAT32_INPUTS = {
    "mse": lambda rng: regression(rng, (5, 3), np.float32),
    "mse_grad": lambda rng: regression(rng, (5, 3), np.float32),
    "half_sse": lambda rng: regression(rng, (4, 1), np.float32),
    "half_sse_grad": lambda rng: regression(rng, (4, 1), np.float32),
    "binary_cross_entropy": lambda rng: labels_and_probabilities(rng, (5, 3), np.float32),
    "binary_cross_entropy_grad": lambda rng: labels_and_probabilities(rng, (5, 3), np.float32),
    "categorical_cross_entropy": lambda rng: classification(rng, dtype=np.float32),
    "categorical_cross_entropy_grad": lambda rng: classification(rng, dtype=np.float32),
    "softmax_cross_entropy": lambda rng: logits(rng, 4.0, dtype=np.float32),
    "softmax_cross_entropy_grad": lambda rng: logits(rng, 4.0, dtype=np.float32),
}


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", list(FLOAT32_INPUTS))
def test_float32_stays_float32(learner, ref, rng, fn):
    """losses.{fn}: float32 stays float32"""
    accepted = CCE_GRAD_ALTERNATIVES if fn == "categorical_cross_entropy_grad" else {}
    check_call(getattr(learner.losses, fn), getattr(ref.losses, fn), *FLOAT32_INPUTS[fn](rng),
               exact_dtype=True, **accepted)


# ------------------------------------------------------------------------------------------
# Keras 3: the recorded keras.losses values and their GradientTape gradients
# (graders/baselines/losses.npz, fixed cases), one test per function and dtype; Keras's
# from-logits cross-entropy was recorded in float64 only
# ------------------------------------------------------------------------------------------

from nnlab.grading.baseline_checks import check_recorded, recorded_cases  # noqa: E402

KERAS_LOSSES = [(fn, dtype) for fn in ("mse", "mse_grad", "binary_cross_entropy",
                                       "binary_cross_entropy_grad", "categorical_cross_entropy",
                                       "categorical_cross_entropy_grad")
                for dtype in ("float64", "float32")]
KERAS_LOSSES += [("softmax_cross_entropy", "float64"), ("softmax_cross_entropy_grad", "float64")]


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("fn, dtype", KERAS_LOSSES)
def test_keras_recorded(learner, fn, dtype):
    """losses.{fn}: Keras 3 recorded output ({dtype})"""
    accepted = CCE_GRAD_ALTERNATIVES if fn == "categorical_cross_entropy_grad" else {}
    for case in recorded_cases(f"losses.{fn}", dtype=dtype):
        check_recorded(getattr(learner.losses, fn), case, **accepted)
