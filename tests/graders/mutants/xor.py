"""Mutants and rewrites of xor.py (see README.md)."""

MUTANTS = [
    dict(name="db2 averaged over the samples", function="xor_train_step",
         described=r"divided by N",
         code='''
_correct_xor_train_step = xor_train_step


def xor_train_step(params, X, Y, lr):
    new_params, loss = _correct_xor_train_step(params, X, Y, lr)
    new_params["b2"] = params["b2"] + (new_params["b2"] - params["b2"]) / X.shape[0]
    return new_params, loss
'''),
    dict(name="b2 never updated", function="xor_train_step", described=r"not updated",
         code='''
_correct_xor_train_step = xor_train_step


def xor_train_step(params, X, Y, lr):
    new_params, loss = _correct_xor_train_step(params, X, Y, lr)
    new_params["b2"] = np.array(params["b2"], copy=True)
    return new_params, loss
'''),
    dict(name="train_xor records the loss after each step", function="train_xor",
         described=r"shifted by one",
         code='''
def train_xor(params, X, Y, lr=1.0, epochs=5000):
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        params, _ = xor_train_step(params, X, Y, lr)
        y_hat = xor_forward(X, params)
        losses[epoch] = 0.5 * np.sum((Y - y_hat) ** 2) / X.shape[0]
    return params, losses
'''),
    dict(name="xor_train_step climbs the gradient", function="xor_train_step",
         described=r"-1 times",
         code='''
_correct_xor_train_step = xor_train_step


def xor_train_step(params, X, Y, lr):
    return _correct_xor_train_step(params, X, Y, -lr)
'''),
    dict(name="train_xor returns the losses newest first", function="train_xor",
         described=r"order reversed",
         code='''
_correct_train_xor = train_xor


def train_xor(params, X, Y, lr=1.0, epochs=5000):
    params, losses = _correct_train_xor(params, X, Y, lr=lr, epochs=epochs)
    return params, np.asarray(losses)[::-1].copy()
'''),
]

REWRITES = [
    dict(name="an XOR network class behind the functions", code='''
class _XorNet:
    def __init__(self, params):
        self.params = params

    def hidden(self, X):
        return sigmoid(X @ self.params["W1"] + self.params["b1"])

    def output(self, X):
        return sigmoid(self.hidden(X) @ self.params["W2"] + self.params["b2"])


def xor_forward(X, params):
    return _XorNet(params).output(X)


def xor_predict(X, params):
    return np.where(_XorNet(params).output(X) >= 0.5, 1, 0).astype(np.int64)
'''),
    dict(name="xor_train_step with einsum", code='''
def xor_train_step(params, X, Y, lr):
    n = X.shape[0]
    h = sigmoid(np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"])
    y_hat = sigmoid(np.einsum("nh,ho->no", h, params["W2"]) + params["b2"])
    loss = 0.5 * np.einsum("no,no->", Y - y_hat, Y - y_hat) / n
    d2 = (y_hat - Y) / n * y_hat * (1 - y_hat)
    d1 = np.einsum("no,ho->nh", d2, params["W2"]) * h * (1 - h)
    grads = {"W1": np.einsum("nd,nh->dh", X, d1), "b1": d1.sum(axis=0),
             "W2": np.einsum("nh,no->ho", h, d2), "b2": d2.sum(axis=0)}
    return {k: params[k] - lr * grads[k] for k in params}, float(loss)
'''),
]
