"""Concept questions on recurrent networks (deck 000: SimpleRNN)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import rnn


def _params(rng):
    d, h = rng.randint(1, 64), rng.choice([8, 16, 32, 50, 64])
    count = d * h + h * h + h
    return Variant("rnn.params", f"How many parameters does SimpleRNN({h}) have on inputs of {d} features "
                   f"per time step?", "integer", count, f"A kernel ({d}, {h}), a recurrent kernel ({h}, {h}) "
                   f"and a bias ({h},).",
                   misconceptions=(Misconception(d * h + h, "a count without the recurrent kernel (the loop)"),
                                   Misconception(d * h + h * h, "a parameter count without the biases")),
                   keras={"input": (7, d), "layers": [("SimpleRNN", {"units": h})], "check": "params"})


def _sequence_shape(rng):
    t, d, h = rng.randint(3, 40), rng.randint(1, 32), rng.choice([16, 32, 50])
    return Variant("rnn.sequence_shape", f"SimpleRNN({h}, return_sequences=True) reads sequences of {t} steps "
                   f"with {d} features each. What is the shape of one sequence's output (steps, units)?",
                   "shape", (t, h), "return_sequences=True keeps every step's hidden state.",
                   misconceptions=(Misconception((h,), "the last step's state only (return_sequences=False)"),
                                   Misconception((t, d), "the input's features, not the layer's units")),
                   keras={"input": (t, d), "layers": [("SimpleRNN", {"units": h, "return_sequences": True})],
                          "check": "shape"})


def _step(rng):
    x, h_prev = rng.choice([-1.0, 0.5, 1.0, 2.0]), rng.choice([-0.5, 0.0, 0.3, 0.8])
    w, u, b = rng.choice([0.5, 1.0, -0.7]), rng.choice([0.4, -1.2, 0.9]), rng.choice([0.0, 0.1, -0.2])
    h, _ = rnn.rnn_step_forward(np.array([[x]]), np.array([[h_prev]]), np.array([[w]]), np.array([[u]]),
                                np.array([b]))
    z = x * w + h_prev * u + b
    return Variant("rnn.step", f"A one-unit SimpleRNN has kernel {w}, recurrent kernel {u} and bias {b}. "
                   f"With input $x_t = {x}$ and previous state $h_{{t-1}} = {h_prev}$, what is $h_t$?",
                   "number", float(h[0, 0]), f"$h_t = \\tanh(x_t w + h_{{t-1}} u + b) = \\tanh({shown(z)})$.",
                   misconceptions=(Misconception(z, "the state without tanh"),
                                   Misconception(float(np.tanh(x * w + b)), "a step that forgets the previous state")))


QUESTIONS = [Question("rnn.params", "000", _params), Question("rnn.sequence_shape", "000", _sequence_shape),
             Question("rnn.step", "000", _step)]
