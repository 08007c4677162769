"""Mutants and rewrites of rnn.py (see README.md)."""

_BPTT = '''
def rnn_backward(dh_seq, cache):
    n, t_len, _ = dh_seq.shape
    kernel, recurrent_kernel = cache[0][2], cache[0][3]
    dx = np.zeros((n, t_len, kernel.shape[0]), dtype=dh_seq.dtype)
    dkernel = np.zeros_like(kernel)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dbias = np.zeros(kernel.shape[1], dtype=dh_seq.dtype)
    dh_next = np.zeros_like(dh_seq[:, 0, :])
    for t in {steps}:
        dx_t, dh_next, dk, drk, db = rnn_step_backward(dh_seq[:, t, :] + dh_next, cache[t])
        dx[:, {where}, :] = dx_t
        dkernel += dk
        drecurrent_kernel += drk
        dbias += db
    {clip}
    return dx, dh_next, dkernel, drecurrent_kernel, dbias
'''

MUTANTS = [
    dict(name="BPTT skips t = 0", function="rnn_backward", described=r"only time step t = 0",
         code=_BPTT.format(steps="reversed(range(1, t_len))", where="t", clip="")),
    dict(name="gradient clipping left in", function="rnn_backward", described=r"clipped",
         code=_BPTT.format(steps="reversed(range(t_len))", where="t",
                           clip="dkernel, drecurrent_kernel, dbias = (np.clip(g, -1, 1) for g "
                                "in (dkernel, drecurrent_kernel, dbias))")),
    dict(name="dx written in reversed time order", function="rnn_backward", described=r"reversed",
         code=_BPTT.format(steps="reversed(range(t_len))", where="t_len - 1 - t", clip="")),
    dict(name="h_seq holds each step's previous state", function="rnn_forward",
         described=r"shifted by one",
         code='''
def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    n, t_len, _ = x.shape
    h = h0
    states, caches = [], []
    for t in range(t_len):
        states.append(h)
        h, step_cache = rnn_step_forward(x[:, t, :], h, kernel, recurrent_kernel, bias)
        caches.append(step_cache)
    return np.stack(states, axis=1), caches
'''),
    dict(name="rnn_step_backward averages dbias over the batch", function="rnn_step_backward",
         described=r"divided by N = \d+",
         code='''
_correct_rnn_step_backward = rnn_step_backward


def rnn_step_backward(dh, cache):
    dx_t, dh_prev, dkernel, drecurrent_kernel, dbias = _correct_rnn_step_backward(dh, cache)
    return dx_t, dh_prev, dkernel, drecurrent_kernel, dbias / np.asarray(dh).shape[0]
'''),
]

REWRITES = [
    dict(name="rnn_forward with the input projection of every step at once", code='''
def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    x = np.asarray(x)
    projected = np.einsum("ntd,dh->nth", x, kernel) + bias
    h, states, caches = h0, [], []
    for t in range(x.shape[1]):
        h_prev = h
        h = np.tanh(projected[:, t] + h_prev @ recurrent_kernel)
        states.append(h)
        caches.append((x[:, t, :], h_prev, kernel, recurrent_kernel, h))
    return np.stack(states, axis=1), caches
'''),
    dict(name="rnn_step_backward by tensordot", code='''
def rnn_step_backward(dh, cache):
    x_t, h_prev, kernel, recurrent_kernel, h = cache
    dz = dh * (1 - h * h)
    return (np.tensordot(dz, kernel, axes=([1], [1])),
            np.tensordot(dz, recurrent_kernel, axes=([1], [1])),
            np.tensordot(x_t, dz, axes=([0], [0])),
            np.tensordot(h_prev, dz, axes=([0], [0])),
            np.add.reduce(dz, axis=0))
'''),
]
