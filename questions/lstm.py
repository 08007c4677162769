"""Concept questions on LSTM (deck 000: forget, input and output gates and a cell state)."""

import numpy as np

from questions import Misconception, Question, Variant, shown
from reference import lstm


def _params(rng):
    d, h = rng.randint(1, 64), rng.choice([8, 16, 32, 50, 64])
    count = 4 * (d * h + h * h + h)
    return Variant("lstm.params", f"How many parameters does LSTM({h}) have on inputs of {d} features per "
                   f"time step?", "integer", count, f"Four blocks (input, forget, candidate, output), each "
                   f"a SimpleRNN's worth: 4 * ({d}*{h} + {h}*{h} + {h}).",
                   misconceptions=(Misconception(d * h + h * h + h, "one gate's parameters instead of four blocks"),
                                   Misconception(3 * (d * h + h * h + h), "three gates without the candidate block")),
                   keras={"input": (5, d), "layers": [("LSTM", {"units": h})], "check": "params"})


def _cell_state(rng):
    f, i, g, c = (rng.choice([0.1, 0.5, 0.9]), rng.choice([0.2, 0.6, 0.95]), rng.choice([-0.8, 0.3, 0.7]),
                  rng.choice([-1.0, 0.5, 2.0]))
    answer = float(lstm.lstm_cell_state(np.float64(f), np.float64(i), np.float64(g), np.float64(c)))
    return Variant("lstm.cell_state", f"An LSTM unit's forget gate reads {f}, its input gate {i}, its candidate "
                   f"{g}, and the previous cell state is {c}. What is the new cell state?", "number", answer,
                   "$c_t = f \\cdot c_{t-1} + i \\cdot g$: keep some of the old, write some of the new.",
                   misconceptions=(Misconception(f * c + g, "a cell update without the input gate"),
                                   Misconception(c + i * g, "a cell update without the forget gate")))


def _hidden_state(rng):
    o, c = rng.randint(1, 9) / 10, rng.choice([-1, 1]) * rng.randint(1, 30) / 10
    answer = float(lstm.lstm_hidden_state(np.float64(o), np.float64(c)))
    return Variant("lstm.hidden_state", f"An LSTM unit's output gate reads {o} and its new cell state is {c}. "
                   f"What is its hidden state $h_t$?", "number", answer,
                   "$h_t = o \\cdot \\tanh(c_t)$: the cell state is squashed before the gate lets it out.",
                   misconceptions=(Misconception(o * c, "the cell state without tanh"),))


QUESTIONS = [Question("lstm.params", "000", _params), Question("lstm.cell_state", "000", _cell_state),
             Question("lstm.hidden_state", "000", _hidden_state)]
