"""Public checks for conv.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/conv.json; `nnlab check conv` compares yours.

Forward passes are compared on their `out` only (the cache is the learner's business); each
backward pass runs on the learner's own forward cache. `cnn_forward` gets one float32 case, a
10 x 10 image and weights rounded to two decimals, so the recorded file stays small.
"""

import numpy as np

from nnlab.authoring.public_case import Case

rng = np.random.default_rng(20250105)


def _normal(*shape, scale=1.0, dtype=np.float64):
    return np.round(rng.normal(scale=scale, size=shape), 3).astype(dtype)


X = _normal(2, 5, 6, 3)                  # two 5 x 6 RGB images
KERNEL = _normal(3, 2, 3, 4, scale=0.5)  # a non-square 3 x 2 kernel, 3 -> 4 channels
BIAS = _normal(4, scale=0.1)
X32, KERNEL32, BIAS32 = (a.astype(np.float32) for a in (X, KERNEL, BIAS))
POOL = _normal(2, 4, 6, 2)               # no ties among the values of a window
TIES = np.array([[[[1.0], [1.0], [0.0], [2.0]], [[1.0], [0.0], [2.0], [2.0]]]])  # (1, 2, 4, 1)
CONV_VALID = dict(stride=1, padding="valid")
CONV_SAME = dict(stride=2, padding="same")
DOUT_VALID = _normal(2, 3, 5, 4)         # conv2d_forward's out shape for CONV_VALID
DOUT_SAME = _normal(2, 3, 3, 4)          # ... and for CONV_SAME on X_SAME (below)
DOUT_POOL = _normal(2, 2, 3, 2)
CNN_X = np.round(rng.uniform(size=(1, 10, 10, 3)), 2)
CNN_WEIGHTS = [np.round(w, 2) for w in (
    rng.normal(scale=0.3, size=(3, 3, 3, 32)), np.zeros(32),
    rng.normal(scale=0.1, size=(3, 3, 32, 64)), np.zeros(64),
    rng.normal(scale=0.1, size=(64, 128)), np.zeros(128),
    rng.normal(scale=0.1, size=(128, 10)), np.zeros(10))]
# "same" at stride 2 on a 6 x 5 image with the 3 x 2 kernel: the total padding is odd in both
# directions (1 row, 1 column), so the extra pixel goes to the bottom and the right
X_SAME = _normal(2, 6, 5, 3)
# "same" pooling, 2 x 2 at stride 2, of a 5 x 5 map: one extra row and column of -inf at the
# bottom and right; every value is negative, so padding with 0 instead of -inf shows
POOL_SAME = -np.abs(_normal(1, 5, 5, 2)) - 0.5
DOUT_POOL_SAME = _normal(1, 3, 3, 2)

CASES = [
    Case("conv2d_output_size", '"valid": the lecture\'s 32 x 32 image, 3 x 3 filter', args=(32, 3, 1, "valid")),
    Case("conv2d_output_size", '"valid" at stride 2, the last column unused', args=(8, 3, 2, "valid")),
    Case("conv2d_output_size", '"valid", an even kernel at stride 3', args=(11, 4, 3, "valid")),
    Case("conv2d_output_size", '"valid", a 2 x 2 pooling of a 29 x 29 map', args=(29, 2, 2, "valid")),
    Case("conv2d_output_size", '"same" at stride 1 keeps the size', args=(32, 3, 1, "same")),
    Case("conv2d_output_size", '"same" at stride 2 on an even input', args=(8, 3, 2, "same")),
    Case("conv2d_output_size", '"same" at stride 3, rounding up', args=(10, 2, 3, "same")),
    Case("conv2d_forward", '"valid", stride 1, a non-square kernel', args=(X, KERNEL, BIAS),
         kwargs=CONV_VALID, returns_cache=True),
    Case("conv2d_forward", '"same" at stride 2: the extra pixel at the bottom and right',
         args=(X_SAME, KERNEL, BIAS), kwargs=CONV_SAME, returns_cache=True),
    Case("conv2d_forward", "float32 stays float32", args=(X32, KERNEL32, BIAS32),
         kwargs=CONV_VALID, returns_cache=True, exact_dtype=True),
    *[Case("conv2d_backward", f'{name}, "valid"', forward="conv2d_forward", args=(X, KERNEL, BIAS),
           kwargs=CONV_VALID, upstream=(DOUT_VALID,), grad=i)
      for i, name in enumerate(("dx", "dkernel", "dbias"))],
    *[Case("conv2d_backward", f'{name}, "same" at stride 2', forward="conv2d_forward",
           args=(X_SAME, KERNEL, BIAS), kwargs=CONV_SAME, upstream=(DOUT_SAME,), grad=i)
      for i, name in enumerate(("dx", "dkernel", "dbias"))],
    Case("maxpool2d_forward", "2 x 2 windows, stride 2", args=(POOL,), returns_cache=True),
    Case("maxpool2d_forward", "tied maxima", args=(TIES,), returns_cache=True),
    Case("maxpool2d_backward", "each window's gradient to its maximum", forward="maxpool2d_forward",
         args=(POOL,), upstream=(DOUT_POOL,)),
    Case("maxpool2d_backward", "ties: only the first maximum", forward="maxpool2d_forward",
         args=(TIES,), upstream=(np.array([[[[1.0], [1.0]]]]),)),
    Case("maxpool2d_forward", '"same": the extra -inf row and column at the bottom and right',
         args=(POOL_SAME,), kwargs={"pool_size": 2, "stride": 2, "padding": "same"},
         returns_cache=True),
    Case("maxpool2d_backward", '"same": the extra row and column at the bottom and right',
         forward="maxpool2d_forward", args=(POOL_SAME,),
         kwargs={"pool_size": 2, "stride": 2, "padding": "same"}, upstream=(DOUT_POOL_SAME,)),
    Case("flatten_forward", "a batch of two images", args=(POOL,), returns_cache=True),
    Case("flatten_backward", "back to the input's shape", forward="flatten_forward",
         args=(POOL,), upstream=(DOUT_POOL.reshape(2, -1)[:, :12].repeat(4, axis=1),)),
    # float32 in, float32 out: the hidden graders require the exact dtype of every function
    Case("conv2d_backward", "float32 stays float32 (dx, dkernel, dbias)", forward="conv2d_forward",
         args=(X32, KERNEL32, BIAS32), kwargs=CONV_VALID, upstream=(DOUT_VALID.astype(np.float32),),
         exact_dtype=True),
    Case("maxpool2d_forward", "float32 stays float32", args=(POOL.astype(np.float32),),
         returns_cache=True, exact_dtype=True),
    Case("maxpool2d_backward", "float32 stays float32", forward="maxpool2d_forward",
         args=(POOL.astype(np.float32),), upstream=(DOUT_POOL.astype(np.float32),),
         exact_dtype=True),
    Case("flatten_forward", "float32 stays float32", args=(POOL.astype(np.float32),),
         returns_cache=True, exact_dtype=True),
    Case("flatten_backward", "float32 stays float32", forward="flatten_forward",
         args=(POOL.astype(np.float32),),
         upstream=(DOUT_POOL.reshape(2, -1)[:, :12].repeat(4, axis=1).astype(np.float32),),
         exact_dtype=True),
    Case("cnn_forward", "the lecture's network on one 10 x 10 image, float32 stays float32",
         args=(CNN_X.astype(np.float32), [w.astype(np.float32) for w in CNN_WEIGHTS]),
         exact_dtype=True),
]
