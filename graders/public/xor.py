"""Public checks for xor.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/xor.json; `nnlab check xor` compares yours. `init_xor_mlp`
draws random numbers, so its check compares properties of the weights (shapes, zero biases,
Glorot uniform's spread, the same weights from a Generator in the same state), not the numbers.
"""

import numpy as np

from nnlab.authoring.public_case import Case

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])

PARAMS = {"W1": np.array([[0.5, -0.75], [1.25, 0.25]]), "b1": np.array([0.1, -0.2]),
          "W2": np.array([[1.0], [-1.5]]), "b2": np.array([0.3])}
# output weights and bias of zero: the output is sigmoid(0) = 0.5 for every input
HALF = dict(PARAMS, W2=np.zeros((2, 1)), b2=np.zeros(1))

# logits far beyond exp's overflow (about 709.78) in both directions
WIDE = np.array([[-1000.0, -5.0], [0.0, 2.5], [750.0, 1e3]])

CASES = [
    Case("sigmoid", "mixed signs, |z| up to 1e3 without an overflow warning", args=(WIDE,),
         no_warnings=True),
    Case("xor_forward", "the truth table's inputs", args=(X, PARAMS)),
    Case("xor_forward", "float32 stays float32",
         args=(X.astype(np.float32), {k: v.astype(np.float32) for k, v in PARAMS.items()}), exact_dtype=True),
    Case("xor_train_step", "one step, lr=1.0", args=(PARAMS, X, Y, 1.0)),
    Case("train_xor", "10 epochs, lr=1.0", args=(PARAMS, X, Y), kwargs={"lr": 1.0, "epochs": 10}),
    Case("xor_predict", "the truth table's inputs", args=(X, PARAMS)),
    Case("xor_predict", "an output of exactly 0.5 is class 1", args=(X, HALF)),
    Case("init_xor_mlp", "hidden=2000 (enough draws to judge the spread)",
         args=(np.random.default_rng(3),), kwargs={"hidden": 2000}, scenario="initialiser"),
]
