"""Concept questions on the single neuron (deck 000: the worked perceptron example)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import activations, perceptron


def _weighted_sum(rng):
    w0, w = rng.choice([-2, -1, 1, 2, 3]), [rng.randint(-6, 6) or 1, rng.randint(-6, 6) or -1]
    x = [rng.randint(-4, 4), rng.randint(-4, 4)]
    z = float(perceptron.weighted_sum(np.array(x, float), np.array(w, float), float(w0)))
    return Variant("perceptron.weighted_sum",
                   f"A perceptron has bias $w_0 = {w0}$ and weights $W = {w}$. What is its "
                   f"weighted sum $z = w_0 + X^T W$ for the input $X = {x}$?",
                   "number", z, f"$z = {w0} + ({x[0]})({w[0]}) + ({x[1]})({w[1]}) = {shown(z)}$: "
                   f"the bias is added to the dot product.",
                   misconceptions=(Misconception(z - w0, "a weighted sum without the bias $w_0$"),))


def _prediction(rng):
    w0, w = rng.choice([-3, -1, 0.5, 2]), [rng.randint(-5, 5) or 2, rng.randint(-5, 5) or -3]
    x = [rng.randint(-3, 3) or 1, rng.randint(-3, 3) or -2]
    z = float(perceptron.weighted_sum(np.array(x, float), np.array(w, float), float(w0)))
    y = int(perceptron.perceptron_predict(np.array([x], float), np.array(w, float), float(w0))[0])
    return Variant("perceptron.prediction",
                   f"With bias $w_0 = {w0}$, weights $W = {w}$ and the binary step as $g$, what "
                   f"does the perceptron output for $X = {x}$ (0 or 1)?",
                   "integer", y, f"$z = {shown(z)}$, and the step gives 1 for $z \\ge 0$, 0 below.",
                   misconceptions=(Misconception(int(round(z)), "the weighted sum itself, before the activation"),))


def _multi_output_params(rng):
    d, k = rng.randint(2, 64), rng.randint(2, 12)
    from reference.backprop import init_mlp
    count = int(sum(p.size for p in init_mlp([d, k], np.random.default_rng(0)).values()))
    return Variant("perceptron.multi_output_params",
                   f"A multi-output perceptron (one Dense layer) maps {d} inputs to {k} outputs. "
                   f"How many parameters does it have?",
                   "integer", count, f"A {d} x {k} weight matrix and one bias per output: "
                   f"{d} * {k} + {k} = {count}.",
                   misconceptions=(Misconception(d * k, "a parameter count without the biases"),
                                   Misconception(d * k + d, "one bias per input instead of per output")),
                   keras={"input": (d,), "layers": [("Dense", {"units": k})], "check": "params"})


QUESTIONS = [Question("perceptron.weighted_sum", "000", _weighted_sum),
             Question("perceptron.prediction", "000", _prediction),
             Question("perceptron.multi_output_params", "000", _multi_output_params)]
