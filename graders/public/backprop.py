"""Public checks for backprop.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/backprop.json; `nnlab check backprop` compares yours.

Forward passes are compared on their outputs only (the cache is your own business), and each
backward case runs on your own forward's cache. `init_mlp` draws random numbers, and more than
one way of drawing them is right, so its checks compare properties of the weights (shapes, zero
biases, the spread of each kernel, the same weights from a Generator in the same state), not the
numbers. `numerical_gradient` gets NumPy's own functions by name (they run beside your code).
"""

import numpy as np

from nnlab.authoring.public_case import Case
from nnlab.sandbox.protocol import FunctionRef

# a gradient and a slightly wrong copy of it
ANALYTIC = np.array([[0.25, -1.5, 3.0], [1e-3, 0.0, -2.0]])
NUMERICAL = np.array([[0.25, -1.5000001, 3.0], [2e-3, 0.0, -2.0]])  # one small entry is off

rng = np.random.default_rng(20250108)


def _normal(*shape, scale=1.0):
    return np.round(rng.normal(scale=scale, size=shape), 3)


X, W, B = _normal(4, 3), _normal(3, 2, scale=0.5), _normal(2, scale=0.1)
DOUT = _normal(4, 2)
Z = _normal(3, 4, scale=2.0)
DA = _normal(3, 4)
PARAMS = {"W1": _normal(3, 5, scale=0.5), "b1": _normal(5, scale=0.1),
          "W2": _normal(5, 2, scale=0.5), "b2": _normal(2, scale=0.1)}
DOUT_MLP = _normal(4, 2)
GRID = _normal(3, 4)
CUBE = _normal(2, 3, 2)
SIZES = [300, 200, 100]  # thousands of draws per kernel: a spread within 10% whatever the order

CASES = [
    Case("relative_error", "identical arrays", args=(ANALYTIC, ANALYTIC.copy())),
    Case("relative_error", "a small entry off beside large right ones", args=(ANALYTIC, NUMERICAL)),
    Case("relative_error", "both zero gives 0, without a warning", args=(np.zeros(3), np.zeros(3)),
         no_warnings=True),
    Case("relative_error", "opposite signs give 1", args=(np.array([1.0, -2.0]), np.array([-1.0, 2.0]))),
    Case("relative_error", "scalars", args=(3.0, 1.0)),
    Case("dense_forward", "a batch of 4 samples, 3 -> 2", args=(X, W, B), returns_cache=True),
    Case("dense_forward", "float32 stays float32", args=(X.astype(np.float32),
         W.astype(np.float32), B.astype(np.float32)), returns_cache=True, exact_dtype=True),
    *[Case("dense_backward", name, forward="dense_forward", args=(X, W, B), upstream=(DOUT,),
           grad=i) for i, name in enumerate(("dx", "dW", "db"))],
    *[Case("activation_forward", name, args=(Z, name), returns_cache=True)
      for name in ("sigmoid", "tanh", "relu")],
    *[Case("activation_backward", f"{name}: the derivative at z times da",
           forward="activation_forward", args=(Z, name), upstream=(DA,))
      for name in ("sigmoid", "tanh", "relu")],
    Case("mlp_forward", "3 -> 5 (relu) -> 2 (linear)", args=(X, PARAMS), returns_cache=True),
    Case("mlp_forward", "a softmax output", args=(X, PARAMS), kwargs={"output": "softmax"},
         returns_cache=True),
    Case("mlp_backward", "every dW and db of a 3 -> 5 -> 2 network", forward="mlp_forward",
         args=(X, PARAMS), upstream=(DOUT_MLP,)),
    Case("init_mlp", "He normal, 300 -> 200 -> 100", args=(SIZES, np.random.default_rng(5)),
         kwargs={"init": "he"}, scenario="initialiser"),
    Case("init_mlp", "xavier (Glorot uniform), 300 -> 200 -> 100",
         args=(SIZES, np.random.default_rng(6)), kwargs={"init": "xavier"}, scenario="initialiser"),
    Case("numerical_gradient", "np.var of a (3, 4) x, eps=1e-3",
         args=(FunctionRef("numpy.var"), GRID), kwargs={"eps": 1e-3}),
    Case("numerical_gradient", "np.sum of a 3-d x, eps=1e-2",
         args=(FunctionRef("numpy.sum"), CUBE), kwargs={"eps": 1e-2}),
]
