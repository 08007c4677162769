"""Public checks for lstm.py, on a fixed, published seed.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/lstm.json; `nnlab check lstm` compares yours.

The step and sequence functions return a cache whose contents are yours to choose: their
outputs are compared without it, and each backward case runs on your own forward's cache.
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

D, T = 2, 4
KERNEL = np.round(rng.normal(scale=0.5, size=(D, 4 * H)), 3)
RECURRENT = np.round(rng.normal(scale=0.5, size=(H, 4 * H)), 3)
BIAS = np.round(rng.normal(scale=0.1, size=(4 * H,)), 3)
STEP = (np.round(rng.normal(size=(N, D)), 3), np.round(rng.normal(scale=0.5, size=(N, H)), 3),
        C_PREV, KERNEL, RECURRENT, BIAS)
DH, DC = np.round(rng.normal(size=(2, N, H)), 3)
SEQ = (np.round(rng.normal(size=(N, T, D)), 3), np.round(rng.normal(scale=0.5, size=(N, H)), 3),
       C_PREV, KERNEL, RECURRENT, BIAS)
DH_SEQ = np.round(rng.normal(size=(N, T, H)), 3)


def _float32(args):
    return tuple(a.astype(np.float32) for a in args)


STEP_GRADS = ("dx_t", "dh_prev", "dc_prev", "dkernel", "drecurrent_kernel", "dbias")
SEQ_GRADS = ("dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias")

CASES = [
    Case("lstm_gates", "random pre-activations", args=(Z,)),
    Case("lstm_gates", "Keras's [i | f | c | o] order", args=(SEPARATED,)),
    Case("lstm_gates", "float32 stays float32", args=(Z32,), exact_dtype=True),
    Case("lstm_cell_state", "random gates", args=(F, I, G, C_PREV)),
    Case("lstm_hidden_state", "cell states beyond +-1", args=(O, C)),
    Case("lstm_step_forward", "one step", args=STEP, returns_cache=True),
    Case("lstm_step_forward", "float32 stays float32", args=tuple(a.astype(np.float32) for a in STEP),
         returns_cache=True, exact_dtype=True),
    *[Case("lstm_step_backward", f"{name} of one step", forward="lstm_step_forward", args=STEP,
           upstream=(DH, DC), grad=i) for i, name in enumerate(STEP_GRADS)],
    Case("lstm_forward", "a sequence of 4 steps", args=SEQ, returns_cache=True),
    Case("lstm_forward", "float32 stays float32", args=tuple(a.astype(np.float32) for a in SEQ),
         returns_cache=True, exact_dtype=True),
    *[Case("lstm_backward", f"{name} through 4 steps", forward="lstm_forward", args=SEQ,
           upstream=(DH_SEQ,), grad=i) for i, name in enumerate(SEQ_GRADS)],
    # float32 in, float32 out, as the hidden graders require
    Case("lstm_cell_state", "float32 stays float32", args=_float32((F, I, G, C_PREV)),
         exact_dtype=True),
    Case("lstm_hidden_state", "float32 stays float32", args=_float32((O, C)), exact_dtype=True),
    Case("lstm_step_backward", "float32 stays float32 (every gradient)",
         forward="lstm_step_forward", args=_float32(STEP), upstream=_float32((DH, DC)), exact_dtype=True),
    Case("lstm_backward", "float32 stays float32 (every gradient)", forward="lstm_forward",
         args=_float32(SEQ), upstream=_float32((DH_SEQ,)), exact_dtype=True),
]
