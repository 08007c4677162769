"""Public checks for rnn.py, on a fixed, published seed.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/rnn.json; `nnlab check rnn` compares yours. Forward passes are
compared without their cache (yours to choose); each backward case runs on your own forward's
cache, with one case per gradient.
"""

import numpy as np

from nnlab.authoring.public_case import Case

rng = np.random.default_rng(20250107)
N, T, D, H = 2, 4, 3, 3


def _normal(*shape, scale=1.0):
    return np.round(rng.normal(scale=scale, size=shape), 3)


KERNEL, RECURRENT, BIAS = _normal(D, H, scale=0.5), _normal(H, H, scale=0.5), _normal(H, scale=0.1)
STEP = (_normal(N, D), _normal(N, H, scale=0.5), KERNEL, RECURRENT, BIAS)
SEQ = (_normal(N, T, D), _normal(N, H, scale=0.5), KERNEL, RECURRENT, BIAS)
DH, DH_SEQ = _normal(N, H), _normal(N, T, H)
STEP_GRADS = ("dx_t", "dh_prev", "dkernel", "drecurrent_kernel", "dbias")
SEQ_GRADS = ("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")


def _float32(args):
    return tuple(a.astype(np.float32) for a in args)


CASES = [
    Case("rnn_step_forward", "one step", args=STEP, returns_cache=True),
    Case("rnn_step_forward", "float32 stays float32", args=_float32(STEP), returns_cache=True,
         exact_dtype=True),
    *[Case("rnn_step_backward", f"{name} of one step", forward="rnn_step_forward", args=STEP,
           upstream=(DH,), grad=i) for i, name in enumerate(STEP_GRADS)],
    Case("rnn_forward", "a sequence of 4 steps from a non-zero h0", args=SEQ, returns_cache=True),
    Case("rnn_forward", "a single step, T = 1", args=(SEQ[0][:, :1], *SEQ[1:]), returns_cache=True),
    Case("rnn_forward", "float32 stays float32", args=_float32(SEQ), returns_cache=True,
         exact_dtype=True),
    *[Case("rnn_backward", f"{name} through 4 steps", forward="rnn_forward", args=SEQ,
           upstream=(DH_SEQ,), grad=i) for i, name in enumerate(SEQ_GRADS)],
    # float32 in, float32 out for every gradient, as the hidden graders require
    Case("rnn_step_backward", "float32 stays float32 (every gradient)", forward="rnn_step_forward",
         args=_float32(STEP), upstream=_float32((DH,)), exact_dtype=True),
    Case("rnn_backward", "float32 stays float32 (every gradient)", forward="rnn_forward",
         args=_float32(SEQ), upstream=_float32((DH_SEQ,)), exact_dtype=True),
]
