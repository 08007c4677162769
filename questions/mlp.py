"""Concept questions on networks on real data (decks 000 and 002: 784 inputs, 10 outputs)."""

import math

import numpy as np

from questions import Misconception, Question, Variant
from reference.backprop import init_mlp


def _params(rng):
    side = rng.choice([8, 16, 28])
    hidden = [rng.choice([8, 16, 32, 64, 128]) for _ in range(rng.randint(1, 3))]
    sizes = [side * side, *hidden, 10]
    count = int(sum(p.size for p in init_mlp(sizes, np.random.default_rng(0)).values()))
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return Variant("mlp.params", f"A network takes {side} x {side} grey images as {side * side} input "
                   f"neurons, has hidden layers of {', '.join(map(str, hidden))} neurons and 10 output "
                   f"neurons, every layer dense. How many parameters does it have?", "integer", count,
                   "Each layer has (inputs x outputs) weights plus one bias per output neuron "
                   f"({' + '.join(f'{a}*{b} + {b}' for a, b in zip(sizes, sizes[1:]))}).",
                   misconceptions=(Misconception(weights, "a parameter count without the biases"),
                                   Misconception(count - 10, "a count that forgets the output layer's biases")),
                   keras={"input": (side * side,), "layers": [("Dense", {"units": h, "activation": "relu"}) for h in hidden]
                          + [("Dense", {"units": 10, "activation": "softmax"})], "check": "params"})


def _steps_per_epoch(rng):
    n, batch = rng.randint(100, 2000), rng.choice([16, 32, 64, 100, 128])
    answer = math.ceil(n / batch)
    return Variant("mlp.steps_per_epoch", f"A training set of {n} samples is split into minibatches of "
                   f"{batch} (the last one may be smaller). How many weight updates make one epoch?",
                   "integer", answer, "One update per minibatch, and the last, smaller batch counts too.",
                   misconceptions=(Misconception(n // batch, "an epoch that drops the last, smaller batch"),
                                   Misconception(n, "one update per sample")))


def _output_shape(rng):
    n, d, k = rng.randint(2, 256), rng.randint(2, 100), rng.randint(2, 12)
    hidden = rng.choice([16, 32, 100])
    return Variant("mlp.output_shape", f"An MLP classifier with {d} input features, one hidden layer of "
                   f"{hidden} and a softmax over {k} classes is given a batch of {n} samples. What is the "
                   f"shape of its output, samples first?", "shape", (n, k),
                   "One row of class probabilities per sample: batch first, classes last.",
                   misconceptions=(Misconception((k, n), "classes first: the batch belongs on the first axis"),
                                   Misconception((n, hidden), "the hidden layer's shape, not the output's")),
                   keras={"input": (d,), "batch": n, "layers": [("Dense", {"units": hidden, "activation": "relu"}),
                                                             ("Dense", {"units": k, "activation": "softmax"})],
                          "check": "shape"})


QUESTIONS = [Question("mlp.params", "002", _params), Question("mlp.steps_per_epoch", "000", _steps_per_epoch),
             Question("mlp.output_shape", "000", _output_shape)]
