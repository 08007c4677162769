"""Hidden grader for activations.py: the activation table and its derivatives.

Inputs are drawn per learner from `rng`. Every function is checked on random arrays of several
shapes (float64 and float32), on its own edge cases (the kink x == 0, |x| up to 1e3, a
non-default alpha or axis), and once more on float32 with the exact dtype required, so that a
float64 result costs only that one test. Sigmoid, softplus and softmax must also stay silent
(no overflow warnings) on large inputs, as the curriculum requires.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.grading import check_call

# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------


def random_arrays(rng, scale=3.0):
    """A 1-d and a 2-d float64 array and a 3-d float32 array of normal values."""
    return [
        rng.normal(scale=scale, size=(9,)),
        rng.normal(scale=scale, size=(4, 6)),
        rng.normal(scale=scale, size=(2, 3, 5)).astype(np.float32),
    ]


def with_kinks(rng):
    """Normal values with exact zeros: a whole row and a whole column of them."""
    x = rng.normal(scale=2.0, size=(4, 5))
    x[1, :] = 0.0
    x[:, 2] = 0.0
    return x


def large(rng):
    """|x| up to 1e3, including both extremes, 0, and values around exp's overflow point."""
    x = rng.uniform(-1000.0, 1000.0, size=(4, 6))
    x[0, :6] = [-1000.0, 1000.0, 0.0, -720.0, 720.0, -40.0]
    return x


def float32_array(rng):
    return rng.normal(scale=3.0, size=(3, 4)).astype(np.float32)


def check_each(learner_fn, ref_fn, arrays, **kwargs):
    for x in arrays:
        check_call(learner_fn, ref_fn, x, **kwargs)


# ------------------------------------------------------------------------------------------
# Every function of the table on random inputs, and those whose edge is large |x|
# (one test per function, each worth its own points)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    pytest.param("linear", marks=pytest.mark.points(1)),
    pytest.param("binary_step", marks=pytest.mark.points(1)),
    pytest.param("linear_grad", marks=pytest.mark.points(1)),
    pytest.param("sigmoid", marks=pytest.mark.points(2)),
    pytest.param("sigmoid_grad", marks=pytest.mark.points(2)),
    pytest.param("tanh", marks=pytest.mark.points(1)),
    pytest.param("tanh_grad", marks=pytest.mark.points(2)),
    pytest.param("relu_grad", marks=pytest.mark.points(1)),
    pytest.param("leaky_relu_grad", marks=pytest.mark.points(1)),
    pytest.param("elu_grad", marks=pytest.mark.points(1)),
    pytest.param("softplus", marks=pytest.mark.points(1)),
    pytest.param("softplus_grad", marks=pytest.mark.points(1)),
])
def test_random(learner, ref, rng, fn):
    """activations.{fn}: random inputs (1-d, 2-d, 3-d)"""
    check_each(getattr(learner.activations, fn), getattr(ref.activations, fn), random_arrays(rng))


@pytest.mark.parametrize("fn", [
    pytest.param("sigmoid_grad", marks=pytest.mark.points(1)),
    pytest.param("tanh", marks=pytest.mark.points(1)),
    pytest.param("elu", marks=pytest.mark.points(1)),
    pytest.param("softplus_grad", marks=pytest.mark.points(1)),
])
def test_large(learner, ref, rng, fn):
    """activations.{fn}: |x| up to 1e3"""
    check_call(getattr(learner.activations, fn), getattr(ref.activations, fn), large(rng))


@pytest.mark.parametrize("fn", [
    pytest.param("binary_step_grad", marks=pytest.mark.points(1)),
    pytest.param("relu", marks=pytest.mark.points(1)),
    pytest.param("elu", marks=pytest.mark.points(1)),
])
def test_random_and_kinks(learner, ref, rng, fn):
    """activations.{fn}: random inputs and x == 0"""
    check_each(getattr(learner.activations, fn), getattr(ref.activations, fn),
               random_arrays(rng) + [with_kinks(rng)])


# What each function must give at its kink x == 0 (the test's title says it).
AT_ZERO = {"binary_step": "x == 0 gives 1", "relu_grad": "0 at the kink x == 0",
           "leaky_relu_grad": "the slope alpha at the kink x == 0",
           "elu_grad": "the right-hand value 1 at x == 0"}


@pytest.mark.parametrize("fn, at_zero", [
    pytest.param(fn, what, marks=pytest.mark.points(1), id=fn) for fn, what in AT_ZERO.items()
])
def test_at_zero(learner, ref, rng, fn, at_zero):
    """activations.{fn}: {at_zero}"""
    check_call(getattr(learner.activations, fn), getattr(ref.activations, fn), with_kinks(rng))


# ------------------------------------------------------------------------------------------
# sigmoid, tanh
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_sigmoid_large(learner, ref, rng):
    """activations.sigmoid: |x| up to 1e3 without overflow"""
    check_call(learner.activations.sigmoid, ref.activations.sigmoid, large(rng), no_warnings=True)


# ------------------------------------------------------------------------------------------
# ReLU, leaky ReLU
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_leaky_relu_random(learner, ref, rng):
    """activations.leaky_relu: random inputs with the default slope 0.01"""
    check_each(learner.activations.leaky_relu, ref.activations.leaky_relu,
               random_arrays(rng) + [with_kinks(rng)])


@pytest.mark.points(1)
def test_leaky_relu_alpha(learner, ref, rng):
    """activations.leaky_relu: alpha=0.2"""
    check_call(learner.activations.leaky_relu, ref.activations.leaky_relu,
               rng.normal(scale=3.0, size=(5, 4)), alpha=0.2)


@pytest.mark.points(1)
def test_leaky_relu_grad_alpha(learner, ref, rng):
    """activations.leaky_relu_grad: alpha=0.3"""
    check_call(learner.activations.leaky_relu_grad, ref.activations.leaky_relu_grad,
               with_kinks(rng), alpha=0.3)


# ------------------------------------------------------------------------------------------
# ELU
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_elu_alpha(learner, ref, rng):
    """activations.elu: alpha=1.7"""
    check_call(learner.activations.elu, ref.activations.elu, rng.normal(scale=3.0, size=(5, 4)),
               alpha=1.7)


@pytest.mark.points(1)
def test_elu_grad_alpha(learner, ref, rng):
    """activations.elu_grad: alpha=0.5, including x == 0"""
    check_call(learner.activations.elu_grad, ref.activations.elu_grad, with_kinks(rng), alpha=0.5)


# ------------------------------------------------------------------------------------------
# softplus
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_softplus_large(learner, ref, rng):
    """activations.softplus: |x| up to 1e3 without overflow"""
    check_call(learner.activations.softplus, ref.activations.softplus, large(rng), no_warnings=True)


# ------------------------------------------------------------------------------------------
# softmax
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_softmax_random(learner, ref, rng):
    """activations.softmax: random logits, one vector and a batch of rows"""
    check_each(learner.activations.softmax, ref.activations.softmax,
               [rng.normal(scale=3.0, size=(5,)), rng.normal(scale=3.0, size=(6, 4)),
                rng.normal(scale=3.0, size=(2, 3, 4)).astype(np.float32)])


@pytest.mark.points(1)
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)], ids=["(N, K)", "(N, T, K)"])
def test_softmax_axis(learner, ref, rng, shape):
    """activations.softmax: the axis argument, every axis of the shape"""
    # Every axis (and -1) of one shape in one test: a softmax hard-coded to one axis cannot
    # pass by luck on the test of that axis.
    z = rng.normal(scale=3.0, size=shape)
    for axis in [*range(len(shape)), -1]:
        check_call(learner.activations.softmax, ref.activations.softmax, z, axis=axis)


@pytest.mark.points(2)
def test_softmax_large(learner, ref, rng):
    """activations.softmax: logits up to 1e3, rows far apart, without overflow"""
    z = large(rng)
    z[1, :] = 1000.0  # a tie at the top
    # A row whose logits all lie far below the others': its own maximum must be subtracted
    # (the whole array's maximum underflows every exp of this row to 0).
    z[2, :] = rng.uniform(-1000.0, -900.0, size=z.shape[1])
    check_call(learner.activations.softmax, ref.activations.softmax, z, no_warnings=True)


# ------------------------------------------------------------------------------------------
# float32 in, float32 out: one test per function, each with its own title and point
# ------------------------------------------------------------------------------------------

ALL_FUNCTIONS = ['linear', 'binary_step', 'linear_grad', 'binary_step_grad', 'sigmoid', 'sigmoid_grad', 'tanh', 'tanh_grad', 'relu', 'relu_grad', 'leaky_relu', 'leaky_relu_grad', 'elu', 'elu_grad', 'softplus', 'softplus_grad', 'softmax']


@pytest.mark.points(1)
@pytest.mark.parametrize("fn", ALL_FUNCTIONS)
def test_float32_stays_float32(learner, ref, rng, fn):
    """activations.{fn}: float32 stays float32"""
    check_call(getattr(learner.activations, fn), getattr(ref.activations, fn), float32_array(rng),
               exact_dtype=True)


# ------------------------------------------------------------------------------------------
# Keras 3: the recorded keras.activations outputs and their GradientTape derivatives
# (graders/baselines/activations.npz, fixed cases), one test per function and dtype
# ------------------------------------------------------------------------------------------

from nnlab.grading.baseline_checks import check_recorded, recorded_cases  # noqa: E402

KERAS_FUNCTIONS = ["linear", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
                   "softplus", "softmax", "linear_grad", "binary_step_grad", "sigmoid_grad",
                   "tanh_grad", "relu_grad", "leaky_relu_grad", "elu_grad", "softplus_grad"]


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn", KERAS_FUNCTIONS)
def test_keras_recorded(learner, fn, dtype):
    """activations.{fn}: Keras 3 recorded output ({dtype})"""
    for case in recorded_cases(f"activations.{fn}", dtype=dtype):
        check_recorded(getattr(learner.activations, fn), case)
