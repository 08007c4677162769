"""Mutants and rewrites of losses.py (see README.md)."""

MUTANTS = [
    dict(name="mse: mean per sample, summed over the batch", function="mse",
         described=r"N = \d+ times",
         code='''
def mse(y_true, y_pred):
    return np.sum(np.mean((y_true - y_pred) ** 2, axis=-1))
'''),
    dict(name="half_sse_grad forgets the 1/2 of the square", function="half_sse_grad",
         described=r"twice the expected",
         code='''
def half_sse_grad(y, y_hat):
    y = np.asarray(y)
    return -2 * (y - y_hat) / y.shape[0]
'''),
    dict(name="softmax_cross_entropy_grad divided by the classes", function="softmax_cross_entropy_grad",
         described=r"number of classes",
         code='''
def softmax_cross_entropy_grad(y_true, logits):
    logits = np.asarray(logits)
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    probs = e / np.sum(e, axis=-1, keepdims=True)
    return (probs - y_true) / logits.shape[-1]
'''),
    dict(name="mse_grad with (y - p) and no 2", function="mse_grad", described=r"-1/2 times",
         code='''
def mse_grad(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return (y_true - y_pred) / y_pred.size
'''),
]

REWRITES = [
    dict(name="mse by einsum", code='''
def mse(y_true, y_pred):
    d = np.asarray(y_true) - np.asarray(y_pred)
    d = d.reshape(-1)
    return np.einsum("i,i->", d, d) / d.size
'''),
    dict(name="softmax cross-entropy by logaddexp.reduce", code='''
def softmax_cross_entropy(y_true, logits):
    logits = np.asarray(logits)
    log_z = np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return np.mean(-np.sum(y_true * (logits - log_z), axis=-1))
'''),
]
