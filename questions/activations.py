"""Concept questions on the activation table (decks 000 and 001)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import activations
from reference.mistakes import mistakes_for


def _catalogued(answer, target, fallback):
    """The misconception giving `answer`, in the catalogue's words for the mistake of `target`
    whose description holds `fallback` (so the class summary counts it with the code's)."""
    for mistake in mistakes_for(target):
        if fallback in mistake.looks_like:
            return Misconception(answer, f"your {target.split('.')[1]} looks like {mistake.looks_like}",
                                 mistake.looks_like)
    return Misconception(answer, fallback)


def _sigmoid_grad(rng):
    z = rng.choice([-1, 1]) * rng.randint(2, 30) / 10
    answer = float(activations.sigmoid_grad(np.float64(z)))
    return Variant("activations.sigmoid_grad",
                   f"What is the derivative of the sigmoid, $\\sigma'(z)$, at the pre-activation $z = {z}$?",
                   "number", answer, f"$\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ with "
                   f"$\\sigma({z}) = {shown(float(activations.sigmoid(np.float64(z))))}$.",
                   misconceptions=(_catalogued(z * (1 - z), "activations.sigmoid_grad", "x * (1 - x)"),))


def _tanh_grad(rng):
    z = rng.choice([-1, 1]) * rng.randint(1, 25) / 10
    answer = float(activations.tanh_grad(np.float64(z)))
    return Variant("activations.tanh_grad",
                   f"What is $\\tanh'(z)$ at $z = {z}$?", "number", answer,
                   "$\\tanh'(z) = 1 - \\tanh^2(z)$, taken at tanh's output, not at $z$.",
                   misconceptions=(_catalogued(1 - z * z, "activations.tanh_grad", "1 - x**2"),))


def _elu(rng):
    z, alpha = -rng.randint(1, 30) / 10, rng.choice([0.5, 1.0, 1.5, 2.0])
    answer = float(activations.elu(np.float64(z), alpha))
    return Variant("activations.elu",
                   f"What is ELU with $\\alpha = {alpha}$ at $z = {z}$?", "number", answer,
                   "For $z \\le 0$ ELU is $\\alpha(e^z - 1)$, which tends to $-\\alpha$.",
                   misconceptions=(_catalogued(alpha * float(np.exp(z)), "activations.elu",
                                                "without the - 1"),))


def _softmax(rng):
    logits = [rng.randint(-2, 4) for _ in range(rng.randint(3, 5))]
    k = rng.randrange(len(logits))
    answer = float(activations.softmax(np.array(logits, float))[k])
    total = sum(logits)
    wrong = (Misconception(logits[k] / total, "the logit divided by the sum of the logits, without exp"),) \
        if total else ()
    return Variant("activations.softmax",
                   f"A network's logits are $z = {logits}$. What probability does softmax give to "
                   f"class {k} (counting from 0)?", "number", answer,
                   "softmax divides $e^{z_k}$ by the sum of $e^{z_j}$ over all classes.",
                   misconceptions=wrong)


QUESTIONS = [Question("activations.sigmoid_grad", "001", _sigmoid_grad),
             Question("activations.tanh_grad", "000", _tanh_grad),
             Question("activations.elu", "000", _elu),
             Question("activations.softmax", "000", _softmax)]
