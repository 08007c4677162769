"""Concept questions on backpropagation (decks 001 and 002: deltas, the digit network's poll)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import activations, backprop


def _output_delta(rng):
    y, y_hat = rng.choice([0, 1]), rng.randint(1, 19) / 20
    z = float(np.log(y_hat / (1 - y_hat)))  # the pre-activation whose sigmoid is y_hat
    _, cache = backprop.activation_forward(np.array([z]), "sigmoid")
    answer = float(backprop.activation_backward(np.array([y_hat - y], float), cache)[0])
    return Variant("backprop.output_delta",
                   f"An output neuron has a sigmoid activation and the loss $J = \\frac{{1}}{{2}}(y - "
                   f"\\hat{{y}})^2$. For $y = {y}$ and $\\hat{{y}} = {y_hat}$, what is its error term "
                   f"$\\delta = \\partial J / \\partial z$?", "number", answer,
                   f"Chain rule: $\\delta = (\\hat{{y}} - y)\\, \\sigma'(z) = ({y_hat} - {y}) \\cdot "
                   f"{y_hat}(1 - {y_hat})$.",
                   misconceptions=(Misconception(y_hat - y, "a delta without the sigmoid's derivative $\\sigma'(z)$"),
                                   Misconception(y - y_hat, "a delta with the wrong sign")))


def _weight_gradient(rng):
    delta, a = rng.choice([-1, 1]) * rng.randint(1, 40) / 100, rng.randint(1, 19) / 20
    x, W, b = np.array([[a]]), np.array([[0.7]]), np.zeros(1)
    _, cache = backprop.dense_forward(x, W, b)
    _, dW, _ = backprop.dense_backward(np.array([[delta]]), cache)
    answer = float(dW[0, 0])
    return Variant("backprop.weight_gradient",
                   f"A neuron's error term is $\\delta = {delta}$ and the weight $w$ connects it to a "
                   f"neuron of the previous layer whose activation is $a = {a}$. What is "
                   f"$\\partial J / \\partial w$?", "number", answer,
                   "$\\partial J / \\partial w = \\delta \\cdot a$: the weight's local derivative is "
                   "the activation it multiplies.",
                   misconceptions=(Misconception(delta, "the error term alone, without the incoming activation"),))


def _poll(rng):
    high = rng.choice([0.8, 0.75, 0.9, 0.66])
    low = rng.choice([0.21, 0.15, 0.3, 0.1])
    digit = rng.randint(0, 9)
    first, second = (high, low) if rng.random() < 0.5 else (low, high)
    return Variant("backprop.poll",
                   f"The digit network sees an image of a {digit}. Two output neurons for other digits "
                   f"read {first} and {second}; the desired output of both is 0. Which output should "
                   f"backpropagation decrease more?", "choice", str(high), "The nudge is proportional "
                   f"to the error $\\hat{{y}} - y$: {high} is further from 0 than {low}.",
                   choices=(str(first), str(second)),
                   misconceptions=(Misconception(str(low), "the smaller output, as if the nudge did not grow with the error"),))


QUESTIONS = [Question("backprop.output_delta", "001", _output_delta),
             Question("backprop.weight_gradient", "001", _weight_gradient),
             Question("backprop.poll", "002", _poll)]
