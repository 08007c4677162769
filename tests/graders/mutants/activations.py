"""Mutants and rewrites of activations.py (see README.md)."""

MUTANTS = [
    dict(name="elu ignores alpha", function="elu", described=r"entries where x < 0 differ",
         code='''
def elu(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)
'''),
    dict(name="leaky_relu_grad ignores alpha", function="leaky_relu_grad",
         described=r"entries where x <?= 0 differ",
         code='''
def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x > 0, 1.0, 0.01).astype(x.dtype)
'''),
    dict(name="sigmoid_grad with s (s - 1)", function="sigmoid_grad", described=r"-1 times",
         code='''
def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (s - 1)
'''),
    dict(name="elu_grad strict at the kink", function="elu_grad", described=r"only the entries where x = 0 differ",
         code='''
def elu_grad(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
'''),
    dict(name="binary_step_grad copied from linear_grad", function="binary_step_grad",
         described=r"same constant 1\b",
         code='''
def binary_step_grad(x):
    return np.ones_like(x)
'''),
]

REWRITES = [
    dict(name="sigmoid through tanh", code='''
def sigmoid(x):
    x = np.asarray(x)
    return 0.5 * (1 + np.tanh(0.5 * x))
'''),
    dict(name="softmax by log-sum-exp", code='''
def softmax(z, axis=-1):
    z = np.asarray(z)
    m = np.max(z, axis=axis, keepdims=True)
    log_sum = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.exp(z - log_sum)
'''),
    dict(name="relu and its gradient by masks", code='''
def relu(x):
    x = np.asarray(x)
    return np.where(x > 0, x, np.zeros_like(x))


def relu_grad(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    out[x > 0] = 1
    return out
'''),
]
