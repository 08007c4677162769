"""Concept questions on gradient descent and optimizers (decks 000, 001 and 002)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import gradient_descent


def _step(rng):
    c, w, lr = rng.randint(-3, 3), rng.randint(-4, 4), rng.choice([0.05, 0.1, 0.2, 0.25])
    grad = lambda v: 2 * (v - c)  # noqa: E731
    _, path = gradient_descent.gradient_descent(grad, np.float64(w), lr, 1)
    answer = float(path[1])
    return Variant("gradient_descent.step",
                   f"Gradient descent on $J(w) = (w - {c})^2$ starts at $w = {w}$ with learning "
                   f"rate $\\eta = {lr}$. What is $w$ after one step $w' = w - \\eta\\, dJ/dw$?",
                   "number", answer, f"$dJ/dw = 2(w - {c}) = {2 * (w - c)}$, so $w' = {w} - {lr}"
                   f" \\cdot {2 * (w - c)} = {shown(answer)}$.",
                   misconceptions=(Misconception(w + lr * 2 * (w - c), "an update with the wrong sign (uphill)"),
                                   Misconception(w - lr * (w - c), "the derivative of $(w - c)^2$ without its factor 2")))


def _momentum(rng):
    w, v, g = rng.randint(-3, 3), rng.choice([-0.2, -0.1, 0.1, 0.3]), rng.choice([-2, -1, 1, 2])
    lr, mu = rng.choice([0.1, 0.05]), rng.choice([0.9, 0.8])
    params, velocity = gradient_descent.momentum_step({"w": np.float64(w)}, {"w": np.float64(g)},
                                                      {"w": np.float64(v)}, lr=lr, momentum=mu)
    answer = float(params["w"])
    return Variant("gradient_descent.momentum",
                   f"SGD with momentum as Keras does it: $v \\leftarrow \\mu v - \\eta g$, then "
                   f"$w \\leftarrow w + v$. With $w = {w}$, $v = {v}$, $g = {g}$, $\\eta = {lr}$ and "
                   f"$\\mu = {mu}$, what is the new $w$?", "number", answer,
                   f"$v = {mu} \\cdot {v} - {lr} \\cdot {g} = {shown(float(velocity['w']))}$, added to $w$.",
                   misconceptions=(Misconception(w - lr * g, "a plain gradient step that forgets the velocity"),
                                   Misconception(w + mu * v - (1 - mu) * lr * g, "momentum with dampening (1 - momentum) on the gradient")))


def _adam_first_step(rng):
    w, g, lr = rng.randint(-2, 2), rng.choice([-4.0, -0.5, 0.01, 0.3, 2.0]), rng.choice([0.001, 0.01, 0.1])
    params, _ = gradient_descent.adam_step({"w": np.float64(w)}, {"w": np.float64(g)}, None, lr=lr)
    answer = float(params["w"])
    m, v = 0.1 * g, 0.001 * g * g
    no_correction = w - lr * m / (np.sqrt(v) + 1e-7)
    return Variant("gradient_descent.adam_first_step",
                   f"Adam (Keras's defaults: $\\beta_1 = 0.9$, $\\beta_2 = 0.999$, $\\epsilon = 10^{{-7}}$) "
                   f"takes its first step from $w = {w}$ with gradient $g = {g}$ and learning rate "
                   f"{lr}. What is $w$ after the step?", "number", answer,
                   "With bias correction, the first step has size about the learning rate whatever "
                   "the gradient's size: $\\hat m / \\sqrt{\\hat v} = g / |g|$.",
                   misconceptions=(Misconception(float(no_correction), "Adam without bias correction"),))


QUESTIONS = [Question("gradient_descent.step", "001", _step),
             Question("gradient_descent.momentum", "002", _momentum),
             Question("gradient_descent.adam_first_step", "002", _adam_first_step)]
