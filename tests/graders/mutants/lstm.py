"""Mutants and rewrites of lstm.py (see README.md)."""

_STEP_BACKWARD = '''
def lstm_step_backward(dh, dc, cache):
    x_t, h_prev, c_prev, kernel, recurrent_kernel, i, f, g, o, c = cache
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1 - tanh_c**2)
    do = dh * {do}
    di = dc_total * g
    df = dc_total * {df}
    dg = dc_total * i
    dc_prev = dc_total * f
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * {dg}, do * o * (1 - o)],
                        axis=-1)
    return (dz @ kernel.T, dz @ recurrent_kernel.T, dc_prev, x_t.T @ dz, h_prev.T @ dz,
            dz.sum(axis=0))
'''

MUTANTS = [
    dict(name="the forget gate's bias inside the sigmoid (unit forget bias added again)",
         function="lstm_gates", described=r"forget gate",
         code='''
def lstm_gates(z):
    z = np.asarray(z)
    hidden = z.shape[-1] // 4
    i = sigmoid(z[..., 0:hidden])
    f = sigmoid(z[..., hidden:2 * hidden] + 1.0)
    g = np.tanh(z[..., 2 * hidden:3 * hidden])
    o = sigmoid(z[..., 3 * hidden:4 * hidden])
    return i, f, g, o
'''),
    dict(name="the forget gate's gradient uses c instead of c_prev", function="lstm_step_backward",
         described=r"forget gate's block",
         code=_STEP_BACKWARD.format(do="tanh_c", df="c", dg="(1 - g**2)")),
    dict(name="the output gate's gradient uses c instead of tanh(c)", function="lstm_step_backward",
         described=r"output gate's block",
         code=_STEP_BACKWARD.format(do="c", df="c_prev", dg="(1 - g**2)")),
    dict(name="the candidate's derivative as 1 - g", function="lstm_step_backward",
         described=r"candidate \(cell input\)'s block",
         code=_STEP_BACKWARD.format(do="tanh_c", df="c_prev", dg="(1 - g)")),
    dict(name="lstm_backward drops the forget gate's block of dbias", function="lstm_backward",
         described=r"only the forget gate's block of (your )?dbias",
         code='''
_correct_lstm_backward = lstm_backward


def lstm_backward(dh_seq, cache):
    dx, dh0, dc0, dkernel, drecurrent_kernel, dbias = _correct_lstm_backward(dh_seq, cache)
    dbias = np.array(dbias)
    h = dbias.shape[0] // 4
    dbias[h:2 * h] = 0
    return dx, dh0, dc0, dkernel, drecurrent_kernel, dbias
'''),
]

REWRITES = [
    dict(name="lstm_gates by np.split", code='''
def lstm_gates(z):
    z_i, z_f, z_g, z_o = np.split(np.asarray(z), 4, axis=-1)
    return sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
'''),
    dict(name="lstm cell and hidden state written out", code='''
def lstm_cell_state(f, i, g, c_prev):
    return np.add(np.multiply(f, c_prev), np.multiply(i, g))


def lstm_hidden_state(o, c):
    return np.multiply(o, np.tanh(c))
'''),
]
