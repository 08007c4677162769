"""Concept questions on losses (decks 000 and 001)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import losses


def _bce(rng):
    y = rng.choice([0, 1])
    p = rng.randint(1, 19) / 20
    answer = float(losses.binary_cross_entropy(np.array([[y]], float), np.array([[p]], float)))
    only_positive = float(-y * np.log(p))
    return Variant("losses.bce",
                   f"The true label is $y = {y}$ and the network predicts $\\hat{{y}} = {p}$. What is "
                   f"the binary cross-entropy $-(y \\log \\hat{{y}} + (1 - y) \\log(1 - \\hat{{y}}))$ (natural log)?",
                   "number", answer, f"With $y = {y}$ only the term of the true class is left: "
                   f"$-\\log({p if y else round(1 - p, 2)}) = {shown(answer)}$.",
                   misconceptions=(Misconception(only_positive, "a loss with only the $y \\log \\hat{y}$ term"),
                                   Misconception(float(-np.log10(p if y else 1 - p)), "the base-10 logarithm")))


def _mse(rng):
    n = rng.randint(3, 5)
    y = [rng.randint(-3, 3) for _ in range(n)]
    y_hat = [v + rng.choice([-2, -1, 1, 2]) for v in y]
    answer = float(losses.mse(np.array([y], float), np.array([y_hat], float)))
    squares = sum((a - b) ** 2 for a, b in zip(y, y_hat))
    return Variant("losses.mse",
                   f"One sample has targets $y = {y}$ and predictions $\\hat{{y}} = {y_hat}$. What "
                   f"is its mean squared error (Keras's MSE)?", "number", answer,
                   f"The squared errors add up to {squares}; MSE takes their mean over the {n} outputs.",
                   misconceptions=(Misconception(float(squares), "the sum of squared errors, not their mean"),
                                   Misconception(0.5 * squares / n, "the lecture's $\\frac{1}{2}$ in front of the mean")))


def _half_sse_grad(rng):
    y, y_hat = rng.choice([0, 1]), rng.randint(1, 19) / 20
    answer = float(losses.half_sse_grad(np.array([[y]], float), np.array([[y_hat]], float))[0, 0])
    return Variant("losses.half_sse_grad",
                   f"For one sample with $J = \\frac{{1}}{{2}}(y - \\hat{{y}})^2$, $y = {y}$ and "
                   f"$\\hat{{y}} = {y_hat}$, what is $\\partial J / \\partial \\hat{{y}}$?",
                   "number", answer, "$\\partial J/\\partial \\hat{y} = -(y - \\hat{y})$: the sign "
                   "says which way $\\hat{y}$ should move to raise $J$.",
                   misconceptions=(Misconception(-answer, "the gradient with the wrong sign, $(y - \\hat{y})$"),))


QUESTIONS = [Question("losses.bce", "000", _bce), Question("losses.mse", "000", _mse),
             Question("losses.half_sse_grad", "001", _half_sse_grad)]
