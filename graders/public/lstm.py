"""Public checks for lstm.py, on a fixed, published seed.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/lstm.json; `nnlab check lstm` compares yours.

Only the three functions that return plain values have public checks: the step and sequence
functions return a cache whose contents are yours to choose, so a recorded value cannot check
them. The notebook's last cell checks those numerically instead (centred differences).
"""

import numpy as np

from nnlab.authoring.public_case import Case

rng = np.random.default_rng(20250106)
N, H = 2, 3

Z = np.round(rng.normal(scale=2.0, size=(N, 4 * H)), 3)
# blocks far apart (i near -3, f near -1, c near +1, o near +3): only Keras's order gives these
SEPARATED = np.round(np.repeat([-3.0, -1.0, 1.0, 3.0], H) + rng.uniform(-0.5, 0.5, size=(N, 4 * H)), 3)
Z32 = Z.astype(np.float32)
F, I = np.round(rng.uniform(0.05, 0.95, size=(2, N, H)), 3)
G = np.round(rng.uniform(-0.95, 0.95, size=(N, H)), 3)
C_PREV = np.round(rng.normal(scale=1.5, size=(N, H)), 3)
O = np.round(rng.uniform(0.05, 0.95, size=(N, H)), 3)
C = np.round(rng.normal(scale=2.0, size=(N, H)), 3)

CASES = [
    Case("lstm_gates", "random pre-activations", args=(Z,)),
    Case("lstm_gates", "Keras's [i | f | c | o] order", args=(SEPARATED,)),
    Case("lstm_gates", "float32 stays float32", args=(Z32,)),
    Case("lstm_cell_state", "random gates", args=(F, I, G, C_PREV)),
    Case("lstm_hidden_state", "cell states beyond +-1", args=(O, C)),
]
