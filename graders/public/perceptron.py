"""Public checks for perceptron.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/perceptron.json; `nnlab check perceptron` compares yours.
`neuron` gets NumPy's own functions by name (they run beside your code). Any weights that
compute a gate are right, so `logic_gates`' check runs each gate through the binary step on
the four inputs and compares the truth tables, never the weights.
"""

import numpy as np

from nnlab.authoring.public_case import Case
from nnlab.sandbox.protocol import FunctionRef

rng = np.random.default_rng(20250201)

# the lecture's worked example: w0 = 1, W = [5, -3], x = [-3, 2]
X_EXAMPLE, W_EXAMPLE, B_EXAMPLE = np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0

BATCH = np.round(rng.normal(size=(5, 3)), 3)
W = np.round(rng.normal(size=3), 3)
W_MULTI = np.round(rng.normal(size=(3, 2)), 3)
B_MULTI = np.array([0.5, -0.25])

# three samples exactly on the line x1 + x2 - 1 = 0, and two off it
ON_THE_LINE = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [2.0, 2.0], [0.0, 0.0]])

GATE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

CASES = [
    Case("weighted_sum", "the lecture's example gives -20", args=(X_EXAMPLE, W_EXAMPLE, B_EXAMPLE)),
    Case("weighted_sum", "a batch of 5 samples", args=(BATCH, W, 0.5)),
    Case("weighted_sum", "a batch, 2 neurons", args=(BATCH, W_MULTI, B_MULTI)),
    Case("weighted_sum", "float32 stays float32",
         args=(BATCH.astype(np.float32), W.astype(np.float32), np.float32(0.5)), exact_dtype=True),
    Case("perceptron_predict", "the lecture's example is class 0",
         args=(X_EXAMPLE, W_EXAMPLE, B_EXAMPLE)),
    Case("perceptron_predict", "a batch, 2 neurons", args=(BATCH, W_MULTI, B_MULTI)),
    Case("perceptron_predict", "z == 0 exactly is class 1",
         args=(ON_THE_LINE, np.array([1.0, 1.0]), -1.0)),
    Case("perceptron_train", "AND, lr=0.5", args=(GATE_X, np.array([0, 0, 0, 1])),
         kwargs={"lr": 0.5, "epochs": 50}),
    Case("perceptron_train", "OR, lr=0.25", args=(GATE_X, np.array([0, 1, 1, 1])),
         kwargs={"lr": 0.25, "epochs": 50}),
    Case("perceptron_train", "XOR never converges", args=(GATE_X, np.array([0, 1, 1, 0])),
         kwargs={"lr": 0.5, "epochs": 10}),
    Case("neuron", "a batch of 5 samples through np.tanh", args=(BATCH, W, 0.5, FunctionRef("numpy.tanh"))),
    Case("neuron", "2 neurons through np.sign", args=(BATCH, W_MULTI, B_MULTI, FunctionRef("numpy.sign"))),
    Case("logic_gates", "AND, OR and NAND reproduce their truth tables", scenario="logic_gates"),
]
