"""Public checks for activations.py, on a fixed, published seed.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/activations.json; `nnlab check activations` compares yours.
"""

import numpy as np

from nnlab.authoring.public_case import Case

rng = np.random.default_rng(20250101)


def _normal(*shape, scale=3.0):
    return np.round(rng.normal(scale=scale, size=shape), 3)


X = _normal(3, 4)                                          # a small batch, mixed signs
KINKS = np.array([-2.0, -0.5, 0.0, 0.0, 0.5, 2.0])         # the corner x == 0
LARGE = np.array([-1000.0, -750.0, -30.0, 0.0, 30.0, 750.0, 1000.0])  # |x| up to 1e3
X32 = _normal(2, 3).astype(np.float32)                     # float32 must stay float32
LOGITS = _normal(2, 4)
SEQUENCE_LOGITS = _normal(2, 3, 4)                         # (N, T, K): softmax along any axis
# Two rows far apart: each row needs its own maximum subtracted (the global one underflows
# every exp of the second row to 0, and 0 / 0 is nan).
FAR_APART = np.array([[1000.0, 998.0, 999.5], [-1000.0, -998.0, -999.0]])

CASES = [
    Case("linear", "mixed signs", args=(X,)),
    Case("binary_step", "mixed signs", args=(X,)),
    Case("binary_step", "x == 0 gives 1", args=(KINKS,)),
    Case("sigmoid", "mixed signs", args=(X,)),
    Case("sigmoid", "|x| up to 1e3, no overflow", args=(LARGE,), no_warnings=True),
    Case("tanh", "mixed signs", args=(X,)),
    Case("tanh", "|x| up to 1e3", args=(LARGE,)),
    Case("relu", "mixed signs", args=(X,)),
    Case("relu", "the corner x == 0", args=(KINKS,)),
    Case("leaky_relu", "default slope 0.01", args=(X,)),
    Case("leaky_relu", "alpha=0.2", args=(KINKS,), kwargs={"alpha": 0.2}),
    Case("elu", "default alpha 1", args=(X,)),
    Case("elu", "alpha=0.5, |x| up to 1e3", args=(LARGE,), kwargs={"alpha": 0.5}),
    Case("softplus", "mixed signs", args=(X,)),
    Case("softplus", "|x| up to 1e3, no overflow", args=(LARGE,), no_warnings=True),
    Case("softmax", "rows of a batch", args=(LOGITS,)),
    Case("softmax", "axis=0", args=(LOGITS,), kwargs={"axis": 0}),
    Case("softmax", "axis=1 of (N, T, K)", args=(SEQUENCE_LOGITS,), kwargs={"axis": 1}),
    Case("softmax", "rows far apart: each row's own maximum", args=(FAR_APART,),
         no_warnings=True),
    Case("softmax", "logits up to 1e3, no overflow", args=(LARGE.reshape(1, -1),),
         no_warnings=True),
    Case("linear_grad", "mixed signs", args=(X,)),
    Case("binary_step_grad", "mixed signs", args=(X,)),
    Case("binary_step_grad", "x == 0", args=(KINKS,)),
    Case("sigmoid_grad", "mixed signs", args=(X,)),
    Case("sigmoid_grad", "|x| up to 1e3", args=(LARGE,)),
    Case("tanh_grad", "mixed signs", args=(X,)),
    Case("relu_grad", "mixed signs", args=(X,)),
    Case("relu_grad", "0 at the corner x == 0", args=(KINKS,)),
    Case("leaky_relu_grad", "default slope 0.01", args=(X,)),
    Case("leaky_relu_grad", "alpha at the corner x == 0", args=(KINKS,), kwargs={"alpha": 0.3}),
    Case("elu_grad", "default alpha 1", args=(X,)),
    Case("elu_grad", "alpha=0.5, the right-hand value 1 at x == 0", args=(KINKS,),
         kwargs={"alpha": 0.5}),
    Case("softplus_grad", "mixed signs", args=(X,)),
    Case("softplus_grad", "|x| up to 1e3", args=(LARGE,)),
]

# float32 in, float32 out, for every function: the same exact-dtype rule the graders apply.
CASES += [Case(name, "float32 stays float32", args=(X32,), exact_dtype=True)
          for name in dict.fromkeys(case.function for case in CASES)]
