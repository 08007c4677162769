"""Hidden grader for conv.py: convolution, max pooling, flatten and the lecture's CNN.

Inputs are drawn per learner from `rng`: batches of a few small images with random heights,
widths, channel counts, kernels (odd and even, square and not), strides (an int or a pair) and
both paddings, so that every test is cheap for a correct implementation written with plain
nested loops (four loops for the convolution, a loop over windows for pooling): the largest
hidden convolution has under 2,000 output values. Forward outputs are compared with the
reference and with the Keras outputs recorded in graders/baselines/ (same padding at stride 2
with its extra pixel at the bottom/right, non-square kernels and images, several channel
counts). Each gradient of `conv2d_backward` (dx, dkernel, dbias) has its own points, against the
reference, the recorded Keras gradients, and centred differences. Pooling gradients are graded on
inputs without ties, and once on tied maxima by TensorFlow's first-maximum rule.

Forward functions return `(out, cache)`; the cache is the learner's business, so only `out`
is compared, and the learner's own cache goes back to the learner's backward function.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure, check_backward, check_call, check_forward
from nnlab.grading.baseline_checks import keras_note
from nnlab.grading.calls import numerical_gradient, recorded_tolerance

BASELINES = load_baselines(Path(__file__).resolve().parent / "baselines",
                           ["conv2d", "maxpool2d", "flatten", "cnn"])
CONV_CASES = BASELINES["conv2d"]
POOL_CASES = BASELINES["maxpool2d"]
FLATTEN_CASES = BASELINES["flatten"]
CNN_CASE = next(c for c in BASELINES["cnn"] if c.name == "lecture_16x16x3")
GRADS = ("dx", "dkernel", "dbias")


# ------------------------------------------------------------------------------------------
# Judging through nnlab.grading.calls
# ------------------------------------------------------------------------------------------


def upstream(rng, ref_fn, args, kwargs, dtype=None):
    """A random dout with the shape of the reference's output."""
    out, _ = ref_fn(*args, **kwargs)
    return rng.normal(size=out.shape).astype(dtype or out.dtype)


def conv_gradient(learner, ref, grad, args, kwargs, dout, **how):
    """Judge one of conv2d_backward's gradients ("dx", "dkernel" or "dbias") on the learner's
    own forward cache; `how` passes `expected`, tolerances and `exact_dtype` to check_backward."""
    check_backward(learner.conv.conv2d_forward, learner.conv.conv2d_backward,
                   ref.conv.conv2d_forward, ref.conv.conv2d_backward, (dout,), *args,
                   grad=GRADS.index(grad), grad_names=GRADS, **how, **kwargs)


def pool_gradient(learner, ref, args, dout, **how):
    """Judge maxpool2d_backward's dx on the learner's own forward cache."""
    check_backward(learner.conv.maxpool2d_forward, learner.conv.maxpool2d_backward,
                   ref.conv.maxpool2d_forward, ref.conv.maxpool2d_backward, (dout,), *args,
                   grad_names=("dx",), **how)


def pair(value):
    """A recorded stride or pool size: an int, None, or a (rows, cols) pair."""
    return value if value is None or isinstance(value, int) else tuple(value)


# ------------------------------------------------------------------------------------------
# Hidden inputs
# ------------------------------------------------------------------------------------------


def conv_case(rng, padding, stride=1, even_input=False, dtype=np.float64):
    """Arguments (x, kernel, bias) and kwargs of a small random convolution.

    2-3 images of 5-9 rows and columns, 1-4 input channels, 2-4 filters, kernels of 1-4 rows and
    columns (never all 1 x 1, so a flipped kernel shows).
    """
    n = int(rng.integers(2, 4))
    h, w = (int(v) for v in rng.integers(5, 10, size=2))
    if even_input:
        h, w = h + h % 2, w + w % 2
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    if kh == kw == 1:
        kh = 3
    cin, cout = int(rng.integers(1, 5)), int(rng.integers(2, 5))
    x = rng.normal(size=(n, h, w, cin)).astype(dtype)
    kernel = rng.normal(size=(kh, kw, cin, cout)).astype(dtype)
    bias = rng.normal(size=cout).astype(dtype)
    return (x, kernel, bias), {"stride": stride, "padding": padding}


def random_stride(rng):
    """An int stride of 1-3 or a (rows, cols) pair of them."""
    if rng.integers(0, 2):
        return int(rng.integers(1, 4))
    return tuple(int(v) for v in rng.integers(1, 4, size=2))


def pool_input(rng, n=2, h=None, w=None, c=None, dtype=np.float64):
    """Images of normal values: no two values of a window are equal (no ties)."""
    h = h or int(rng.integers(5, 10))
    w = w or int(rng.integers(5, 10))
    c = c or int(rng.integers(1, 4))
    return rng.normal(size=(n, h, w, c)).astype(dtype)


# ------------------------------------------------------------------------------------------
# conv2d_output_size
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_conv2d_output_size_valid(learner, ref, rng):
    """conv.conv2d_output_size: "valid", strides 1 to 3, odd and even kernels"""
    for stride in (1, 2, 3):
        for kernel in (1, 2, 3, 4, 5):
            size = int(rng.integers(kernel, 20))
            check_call(learner.conv.conv2d_output_size, ref.conv.conv2d_output_size,
                       size, kernel, stride, "valid")


@pytest.mark.points(2)
def test_conv2d_output_size_same(learner, ref, rng):
    """conv.conv2d_output_size: "same", strides 1 to 3, odd and even kernels and sizes"""
    for stride in (1, 2, 3):
        for kernel in (1, 2, 3, 4):
            size = int(rng.integers(3, 20))
            check_call(learner.conv.conv2d_output_size, ref.conv.conv2d_output_size,
                       size, kernel, stride, "same")
        check_call(learner.conv.conv2d_output_size, ref.conv.conv2d_output_size,
                   2 * int(rng.integers(2, 10)), 3, stride, "same")


# ------------------------------------------------------------------------------------------
# conv2d_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_conv2d_forward_valid(learner, ref, rng):
    """conv.conv2d_forward: "valid" padding, random shapes, strides 1 to 3"""
    for stride in (1, random_stride(rng)):
        args, kwargs = conv_case(rng, "valid", stride)
        check_forward(learner.conv.conv2d_forward, ref.conv.conv2d_forward, *args, **kwargs)


@pytest.mark.points(3)
def test_conv2d_forward_same(learner, ref, rng):
    """conv.conv2d_forward: "same" padding, random shapes, strides 1 and 2"""
    for stride, even in ((1, False), (2, True), (random_stride(rng), False)):
        args, kwargs = conv_case(rng, "same", stride, even_input=even)
        check_forward(learner.conv.conv2d_forward, ref.conv.conv2d_forward, *args, **kwargs)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("case", CONV_CASES, ids=[c.name for c in CONV_CASES])
def test_conv2d_forward_keras(learner, ref, case):
    """conv.conv2d_forward: the recorded Keras Conv2D output"""
    s = case.settings
    check_forward(learner.conv.conv2d_forward, ref.conv.conv2d_forward, case["x"], case["kernel"],
                  case["bias"], stride=pair(s["stride"]), padding=s["padding"],
                  expected=case["out"], note=keras_note(case, "out"),
                  **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_conv2d_forward_float32(learner, ref, rng):
    """conv.conv2d_forward: float32 stays float32"""
    args, kwargs = conv_case(rng, "same", 2, dtype=np.float32)
    check_forward(learner.conv.conv2d_forward, ref.conv.conv2d_forward, *args, exact_dtype=True,
                  **kwargs)


# ------------------------------------------------------------------------------------------
# conv2d_backward: each gradient has its own points
# ------------------------------------------------------------------------------------------


def _backward_cases(rng):
    """A "valid" case at stride 1, then "same" at stride 2 on an even input, then any stride."""
    return [conv_case(rng, "valid", 1), conv_case(rng, "same", 2, even_input=True),
            conv_case(rng, ("valid", "same")[int(rng.integers(0, 2))], random_stride(rng))]


@pytest.mark.points(2)
def test_conv2d_backward_dx(learner, ref, rng):
    """conv.conv2d_backward: dx against the reference (valid and same, strides 1 to 3)"""
    for args, kwargs in _backward_cases(rng):
        dout = upstream(rng, ref.conv.conv2d_forward, args, kwargs)
        conv_gradient(learner, ref, "dx", args, kwargs, dout)


@pytest.mark.points(2)
def test_conv2d_backward_dkernel(learner, ref, rng):
    """conv.conv2d_backward: dkernel against the reference (valid and same, strides 1 to 3)"""
    for args, kwargs in _backward_cases(rng):
        dout = upstream(rng, ref.conv.conv2d_forward, args, kwargs)
        conv_gradient(learner, ref, "dkernel", args, kwargs, dout)


@pytest.mark.points(1)
def test_conv2d_backward_dbias(learner, ref, rng):
    """conv.conv2d_backward: dbias against the reference"""
    for args, kwargs in _backward_cases(rng)[:2]:
        dout = upstream(rng, ref.conv.conv2d_forward, args, kwargs)
        conv_gradient(learner, ref, "dbias", args, kwargs, dout)


@pytest.mark.oracle("numerical")
@pytest.mark.points(1)
@pytest.mark.parametrize("grad", GRADS)
def test_conv2d_backward_numerical(learner, ref, rng, grad):
    """conv.conv2d_backward: {grad} matches a numerical gradient"""
    args, kwargs = conv_case(rng, "same", (2, 1))
    dout = upstream(rng, ref.conv.conv2d_forward, args, kwargs)

    def loss(*a):  # sum(out * dout), whose gradient with respect to out is dout
        return float(np.sum(ref.conv.conv2d_forward(*a, **kwargs)[0] * dout))

    numeric = numerical_gradient(loss, args, GRADS.index(grad))
    conv_gradient(learner, ref, grad, args, kwargs, dout, expected=numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
@pytest.mark.parametrize("grad", GRADS)
def test_conv2d_backward_keras(learner, ref, grad):
    """conv.conv2d_backward: {grad} of the recorded Keras Conv2D cases"""
    for case in CONV_CASES:
        s = case.settings
        conv_gradient(learner, ref, grad, (case["x"], case["kernel"], case["bias"]),
                      {"stride": pair(s["stride"]), "padding": s["padding"]}, case["dout"],
                      expected=case[grad], exact_dtype=True, note=keras_note(case, grad),
                      **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_conv2d_backward_float32(learner, ref, rng):
    """conv.conv2d_backward: float32 stays float32 (dx, dkernel and dbias)"""
    args, kwargs = conv_case(rng, "valid", 1, dtype=np.float32)
    dout = upstream(rng, ref.conv.conv2d_forward, args, kwargs)
    for grad in GRADS:
        conv_gradient(learner, ref, grad, args, kwargs, dout, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# maxpool2d_forward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_maxpool2d_forward_default(learner, ref, rng):
    """conv.maxpool2d_forward: the lecture's 2x2 pooling (stride defaults to the pool size)"""
    for h, w in ((6, 8), (7, 5)):  # even sizes, and odd ones whose last row and column drop out
        check_forward(learner.conv.maxpool2d_forward, ref.conv.maxpool2d_forward,
                      pool_input(rng, h=h, w=w), 2)


@pytest.mark.points(2)
def test_maxpool2d_forward_strides(learner, ref, rng):
    """conv.maxpool2d_forward: other pool sizes and strides, overlapping windows"""
    for pool, stride in ((3, 2), ((2, 3), 1), (2, (1, 2))):
        check_forward(learner.conv.maxpool2d_forward, ref.conv.maxpool2d_forward,
                      pool_input(rng), pool, stride)


@pytest.mark.points(1)
def test_maxpool2d_forward_same(learner, ref, rng):
    """conv.maxpool2d_forward: "same" padding on negative inputs (the pad never wins)"""
    for pool, stride, h in ((2, None, 7), (3, 2, 8)):
        x = -np.abs(pool_input(rng, h=h, w=h + 1))
        check_forward(learner.conv.maxpool2d_forward, ref.conv.maxpool2d_forward, x, pool, stride,
                      "same")


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
def test_maxpool2d_forward_keras(learner, ref):
    """conv.maxpool2d_forward: the recorded Keras MaxPooling2D outputs"""
    for case in POOL_CASES:
        s = case.settings
        check_forward(learner.conv.maxpool2d_forward, ref.conv.maxpool2d_forward, case["x"],
                      pair(s["pool_size"]), pair(s["stride"]), s["padding"], expected=case["out"],
                      exact_dtype=True, note=keras_note(case, "out"),
                      **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_maxpool2d_forward_float32(learner, ref, rng):
    """conv.maxpool2d_forward: float32 stays float32"""
    check_forward(learner.conv.maxpool2d_forward, ref.conv.maxpool2d_forward,
                  pool_input(rng, dtype=np.float32), 2, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# maxpool2d_backward
# ------------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_maxpool2d_backward_default(learner, ref, rng):
    """conv.maxpool2d_backward: 2x2 pooling, inputs without ties"""
    for h, w in ((6, 6), (7, 9)):
        args = (pool_input(rng, h=h, w=w), 2)
        dout = upstream(rng, ref.conv.maxpool2d_forward, args, {})
        pool_gradient(learner, ref, args, dout)


@pytest.mark.points(2)
def test_maxpool2d_backward_overlapping(learner, ref, rng):
    """conv.maxpool2d_backward: overlapping windows and "same" padding, inputs without ties"""
    for args in ((pool_input(rng), 3, 2, "valid"), (pool_input(rng), (2, 3), 1, "valid"),
                 (pool_input(rng, h=7, w=8), 3, 2, "same")):
        dout = upstream(rng, ref.conv.maxpool2d_forward, args, {})
        pool_gradient(learner, ref, args, dout)


@pytest.mark.points(2)
def test_maxpool2d_backward_ties(learner, ref, rng):
    """conv.maxpool2d_backward: tied maxima, the gradient to the first of them"""
    for pool, stride in ((2, 2), (3, 2)):
        x = rng.integers(0, 3, size=(2, 7, 7, 2)).astype(np.float64)  # many tied windows
        args = (x, pool, stride)
        dout = upstream(rng, ref.conv.maxpool2d_forward, args, {})
        pool_gradient(learner, ref, args, dout)


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_maxpool2d_backward_keras(learner, ref):
    """conv.maxpool2d_backward: the recorded Keras MaxPooling2D gradients"""
    for case in POOL_CASES:
        s = case.settings
        args = (case["x"], pair(s["pool_size"]), pair(s["stride"]), s["padding"])
        pool_gradient(learner, ref, args, case["dout"], expected=case["dx"], exact_dtype=True,
                      note=keras_note(case, "dx"), **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_maxpool2d_backward_float32(learner, ref, rng):
    """conv.maxpool2d_backward: float32 stays float32"""
    args = (pool_input(rng, dtype=np.float32), 2)
    dout = upstream(rng, ref.conv.maxpool2d_forward, args, {})
    pool_gradient(learner, ref, args, dout, exact_dtype=True)


# ------------------------------------------------------------------------------------------
# flatten
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_flatten_forward_random(learner, ref, rng):
    """conv.flatten_forward: feature maps (N, H, W, C) in Keras's order"""
    check_forward(learner.conv.flatten_forward, ref.conv.flatten_forward,
                  pool_input(rng, n=3, c=int(rng.integers(2, 5))))


@pytest.mark.oracle("keras")
@pytest.mark.points(1)
def test_flatten_forward_keras(learner, ref):
    """conv.flatten_forward: the recorded Keras Flatten outputs"""
    for case in FLATTEN_CASES:
        check_forward(learner.conv.flatten_forward, ref.conv.flatten_forward, case["x"],
                      expected=case["out"], exact_dtype=True, note=keras_note(case, "out"),
                      **recorded_tolerance(learner.comparator, case))


@pytest.mark.points(1)
def test_flatten_forward_float32(learner, ref, rng):
    """conv.flatten_forward: float32 stays float32"""
    check_forward(learner.conv.flatten_forward, ref.conv.flatten_forward,
                  pool_input(rng, c=3, dtype=np.float32), exact_dtype=True)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_flatten_backward(learner, ref, rng, dtype):
    """conv.flatten_backward: the gradient back in the input's shape"""
    for x in (pool_input(rng, n=3, c=3, dtype=dtype), rng.normal(size=(3, 4, 2)).astype(dtype)):
        dout = upstream(rng, ref.conv.flatten_forward, (x,), {})
        check_backward(learner.conv.flatten_forward, learner.conv.flatten_backward,
                       ref.conv.flatten_forward, ref.conv.flatten_backward, (dout,), x,
                       grad_names=("dx",), exact_dtype=True)


# ------------------------------------------------------------------------------------------
# the lecture's CNN
# ------------------------------------------------------------------------------------------


def cnn_weights(case=CNN_CASE, dtype=np.float64):
    return [case[f"weight_{i}"].astype(dtype) for i in range(8)]


@pytest.mark.oracle("keras")
@pytest.mark.points(3)
def test_cnn_forward_keras(learner, ref):
    """conv.cnn_forward: the lecture's network with recorded Keras weights and outputs"""
    check_call(learner.conv.cnn_forward, ref.conv.cnn_forward, CNN_CASE["x"], cnn_weights(),
               expected=CNN_CASE["probs"], note=keras_note(CNN_CASE, "out"))


@pytest.mark.points(2)
def test_cnn_forward_rows_sum_to_one(learner, ref, rng):
    """conv.cnn_forward: new images, probabilities whose rows sum to 1"""
    x = rng.uniform(size=(2, 16, 16, 3))
    probs = check_call(learner.conv.cnn_forward, ref.conv.cnn_forward, x, cnn_weights())
    sums = np.sum(probs, axis=1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-9):
        raise GradingFailure(f"conv.cnn_forward's rows sum to {sums}, not 1: the last layer's "
                             f"softmax makes each row a probability distribution.")


@pytest.mark.points(1)
def test_cnn_forward_float32(learner, ref, rng):
    """conv.cnn_forward: float32 stays float32"""
    x = rng.uniform(size=(2, 16, 16, 3)).astype(np.float32)
    check_call(learner.conv.cnn_forward, ref.conv.cnn_forward, x, cnn_weights(dtype=np.float32),
               exact_dtype=True)
