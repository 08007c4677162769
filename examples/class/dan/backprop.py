"""Dan's backprop.py: typical mistakes (each one catalogued in reference/mistakes/backprop.py)."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


FUNCS = {
    "linear": lambda z: z,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z),
}
DERIVS = {
    "linear": lambda z: np.ones_like(z),
    "sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(z.dtype),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01).astype(z.dtype),
    "elu": lambda z: np.where(z >= 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype),
    "softplus": sigmoid,
}


def dense_forward(x, W, b):
    return x @ W + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout  # mistake: db not summed over the batch


def activation_forward(z, name):
    a = FUNCS[name](z)
    return a, (a, name)  # mistake: keeps the output, not z


def activation_backward(da, cache):
    a, name = cache
    return da * DERIVS[name](a)  # mistake: the derivative evaluated at f(z)


def init_mlp(layer_sizes, rng, init="he"):
    params = {}
    for i in range(1, len(layer_sizes)):
        params[f"W{i}"] = rng.standard_normal((layer_sizes[i - 1], layer_sizes[i]))  # mistake: no scaling
        params[f"b{i}"] = np.zeros(layer_sizes[i])
    return params


def mlp_forward(X, params, hidden="relu", output="linear"):
    L = len(params) // 2
    caches = []
    a = X
    for i in range(1, L + 1):
        z, dc = dense_forward(a, params[f"W{i}"], params[f"b{i}"])
        name = hidden if i < L else output
        if name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a, ac = e / e.sum(axis=1, keepdims=True), None
        else:
            a, ac = activation_forward(z, name)
        caches.append((dc, ac))
    return a, caches


def mlp_backward(dout, caches):
    grads = {}
    for i in range(len(caches), 0, -1):
        dc, ac = caches[i - 1]
        dz = dout if ac is None else activation_backward(dout, ac)
        dout, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dc)
    return grads


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        grad[i] = (f(xp) - fx) / eps  # mistake: one-sided difference
    return grad


def relative_error(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))  # mistake: no denominator
