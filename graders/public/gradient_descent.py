"""Public checks for gradient_descent.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/gradient_descent.json; `nnlab check gradient_descent` compares
yours. `gradient_descent` gets a gradient function written here, whose source is compiled
beside your code (with `np` in scope). `minibatches` gets a generator seeded here (it crosses to your code by value), and
Adam's state is yours to design, so its checks compare the new parameters only.
"""

import numpy as np

from nnlab.authoring.public_case import Case
from nnlab.sandbox.protocol import GraderFunction

rng = np.random.default_rng(20250202)


def _round(a):
    return np.round(a, 3)


PARAMS = {"W": _round(rng.normal(size=(3, 2))), "b": _round(rng.normal(size=2))}
GRADS = {"W": _round(rng.normal(size=(3, 2))), "b": _round(rng.normal(size=2))}
VELOCITY = {"W": _round(rng.normal(scale=0.1, size=(3, 2))), "b": _round(rng.normal(scale=0.1, size=2))}
PARAMS32 = {k: v.astype(np.float32) for k, v in PARAMS.items()}
GRADS32 = {k: v.astype(np.float32) for k, v in GRADS.items()}

# two overlapping clouds for logistic regression
Y = np.array([0.0, 1.0] * 6)
X = _round(rng.normal(size=(12, 2)) + np.where(Y[:, None] == 1, 1.0, -1.0))

BATCH_X = np.arange(20, dtype=np.float64).reshape(10, 2)  # row i is (2i, 2i + 1)
BATCH_Y = np.arange(10) * 10                              # ... and its label 10 i


# the gradient of f(w) = sum((w - 3)^2) and of an elongated bowl 0.5 * (w0^2 + 10 w1^2)
BOWL = GraderFunction("bowl_grad", "def bowl_grad(w):\n    return 2.0 * (w - 3.0)\n")
LONG = GraderFunction("long_grad", "def long_grad(w):\n    return w * np.array([1.0, 10.0])\n")


def _shuffler():
    return np.random.default_rng(7)


CASES = [
    Case("sgd_step", "two parameters", args=(PARAMS, GRADS, 0.1)),
    Case("sgd_step", "float32 stays float32", args=(PARAMS32, GRADS32, 0.1), exact_dtype=True),
    Case("momentum_step", "the first step, velocity None", args=(PARAMS, GRADS, None),
         kwargs={"lr": 0.1, "momentum": 0.9}),
    Case("momentum_step", "with a velocity from before", args=(PARAMS, GRADS, VELOCITY),
         kwargs={"lr": 0.1, "momentum": 0.9}),
    # adam_step returns (new params, state): the state is yours to design, so only the new
    # params are compared (the state is treated as a forward pass's cache)
    Case("adam_step", "the first step from state None moves each parameter by about lr",
         args=(PARAMS, GRADS, None), returns_cache=True),
    Case("adam_step", "float32 stays float32", args=(PARAMS32, GRADS32, None),
         kwargs={"lr": 0.01}, returns_cache=True, exact_dtype=True),
    Case("minibatches", "10 samples in batches of 4: the last batch holds the 2 left over",
         args=(BATCH_X, BATCH_Y, 4, _shuffler())),
    Case("minibatches", "batches of 5: X and y shuffled together, every sample once",
         args=(BATCH_X, BATCH_Y, 5, _shuffler())),
    Case("train_logistic_regression", "12 samples, 5 epochs", args=(X, Y),
         kwargs={"lr": 0.5, "epochs": 5}),
    Case("train_logistic_regression", "float32 stays float32",
         args=(X.astype(np.float32), Y.astype(np.float32)), kwargs={"lr": 0.5, "epochs": 5},
         exact_dtype=True),
    Case("gradient_descent", "f(w) = sum((w - 3)^2) from a (2, 2) w0, 5 steps",
         args=(BOWL, np.array([[0.0, 1.0], [-2.0, 5.0]]), 0.1, 5)),
    Case("gradient_descent", "an elongated bowl, lr=0.15, 8 steps",
         args=(LONG, np.array([1.0, 1.0]), 0.15, 8)),
]
