"""Concept questions on XOR (deck 001: the problem one neuron cannot solve)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import activations, perceptron, xor


def _params(rng):
    hidden = rng.randint(2, 16)
    count = int(sum(p.size for p in xor.init_xor_mlp(np.random.default_rng(0), hidden=hidden).values()))
    return Variant("xor.params", f"An MLP for XOR has 2 inputs, {hidden} sigmoid hidden neurons and one "
                   f"sigmoid output. How many parameters (weights and biases) does it have?",
                   "integer", count, f"$2 \\cdot {hidden} + {hidden}$ in the hidden layer, "
                   f"${hidden} + 1$ in the output layer.",
                   misconceptions=(Misconception(2 * hidden + hidden, "a parameter count without the biases"),
                                   Misconception(count - 1, "a count that forgets the output bias")),
                   keras={"input": (2,), "layers": [("Dense", {"units": hidden, "activation": "sigmoid"}),
                                                      ("Dense", {"units": 1, "activation": "sigmoid"})],
                          "check": "params"})


def _one_line(rng):
    w = [rng.choice([-2, -1, 1, 2]), rng.choice([-2, -1, 1, 2])]
    b = rng.choice([-1.5, -0.5, 0.5, 1.5])
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    predictions = perceptron.perceptron_predict(inputs, np.array(w, float), float(b))
    truth = np.array([0, 1, 1, 0])
    right = int(np.sum(predictions.ravel() == truth))
    return Variant("xor.one_line", f"A single perceptron with weights $W = {w}$, bias {b} and the binary "
                   f"step tries XOR on its four inputs 00, 01, 10, 11. How many of the four does it get "
                   f"right?", "integer", right, "One line cannot separate XOR's two classes: at most "
                   "three of the four points are ever right.",
                   misconceptions=(Misconception(4, "a belief that one perceptron can solve XOR"),))


def _hidden_output(rng):
    w1, w2, b = rng.choice([-4, -2, 2, 4]), rng.choice([-4, -2, 2, 4]), rng.choice([-6, -2, -1, 1])
    x = [rng.choice([0, 1]), rng.choice([0, 1])]
    z = x[0] * w1 + x[1] * w2 + b
    answer = float(activations.sigmoid(np.float64(z)))
    return Variant("xor.hidden_output", f"A hidden neuron of an XOR network has weights ({w1}, {w2}), bias "
                   f"{b} and a sigmoid. What is its output for the input {tuple(x)}?", "number", answer,
                   f"$\\sigma({x[0]} \\cdot {w1} + {x[1]} \\cdot {w2} + {b}) = \\sigma({z})$.",
                   misconceptions=(Misconception(float(z), "the weighted sum, before the sigmoid"),))


QUESTIONS = [Question("xor.params", "001", _params), Question("xor.one_line", "001", _one_line),
             Question("xor.hidden_output", "001", _hidden_output)]
