"""Cleo's backprop.py: correct, written her own way (dict caches, an if-chain for the
activations, Keras's truncated-normal He initialiser, flat indexing in the numerical gradient)."""
import numpy as np


def _f(z, name):
    if name == "linear":
        return z * 1
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(0.5 * z))  # the same function, no overflow possible
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return z * (z > 0)
    if name == "leaky_relu":
        return np.where(z >= 0, z, z * 0.01)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    if name == "softplus":
        return np.logaddexp(0, z)
    raise ValueError(name)


def _df(z, name):
    one = np.ones_like(z)
    if name == "linear":
        return one
    if name in ("sigmoid", "softplus"):
        s = _f(z, "sigmoid")
        return s * (1 - s) if name == "sigmoid" else s
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.where(z > 0, one, 0 * one)
    if name == "leaky_relu":
        return np.where(z > 0, one, 0.01 * one)
    if name == "elu":
        return np.where(z >= 0, one, np.exp(np.minimum(z, 0)).astype(z.dtype))
    raise ValueError(name)


def dense_forward(x, W, b):
    return np.dot(x, W) + b, {"x": x, "W": W}


def dense_backward(dout, cache):
    return (np.dot(dout, cache["W"].T), np.dot(cache["x"].T, dout), np.sum(dout, axis=0))


def activation_forward(z, name):
    return _f(z, name), {"z": z, "name": name}


def activation_backward(da, cache):
    return da * _df(cache["z"], cache["name"])


def init_mlp(layer_sizes, rng, init="he"):
    params = {}
    for k in range(1, len(layer_sizes)):
        n_in, n_out = int(layer_sizes[k - 1]), int(layer_sizes[k])
        if init == "he":
            # Keras: a normal truncated at 2 stddev, the stddev divided by the truncated
            # normal's own standard deviation so that the weights' is sqrt(2 / fan_in)
            std = np.sqrt(2.0 / n_in) / 0.87962566103423978
            w = rng.standard_normal((n_in, n_out)) * std
            bad = np.abs(w) > 2 * std
            while bad.any():
                w[bad] = rng.standard_normal(bad.sum()) * std
                bad = np.abs(w) > 2 * std
        else:
            limit = np.sqrt(6.0 / (n_in + n_out))
            w = rng.uniform(-limit, limit, (n_in, n_out))
        params["W%d" % k] = w
        params["b%d" % k] = np.zeros(n_out)
    return params


def mlp_forward(X, params, hidden="relu", output="linear"):
    layers = len(params) // 2
    caches = []
    a = X
    for k in range(1, layers + 1):
        z, dc = dense_forward(a, params["W%d" % k], params["b%d" % k])
        act = hidden if k < layers else output
        if act == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
            ac = {"z": z, "name": "softmax"}
        else:
            a, ac = activation_forward(z, act)
        caches.append({"dense": dc, "act": ac})
    return a, caches


def mlp_backward(dout, caches):
    grads = {}
    g = dout
    for k in reversed(range(len(caches))):
        ac = caches[k]["act"]
        if ac["name"] != "softmax":
            g = activation_backward(g, ac)
        g, grads["W%d" % (k + 1)], grads["b%d" % (k + 1)] = dense_backward(g, caches[k]["dense"])
    return grads


def numerical_gradient(f, x, eps=1e-6):
    x = np.asarray(x)
    work = x.astype(np.float64)  # a new array
    grad = np.zeros(work.size)
    for i in range(work.size):
        orig = work.flat[i]
        work.flat[i] = orig + eps
        hi = f(work)
        work.flat[i] = orig - eps
        lo = f(work)
        work.flat[i] = orig
        grad[i] = (hi - lo) / (2 * eps)
    return grad.reshape(x.shape).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def relative_error(a, b):
    a = np.atleast_1d(np.array(a, dtype=float))  # scalars too
    b = np.atleast_1d(np.array(b, dtype=float))
    denominator = np.abs(a) + np.abs(b)
    denominator[denominator < 1e-8] = 1e-8
    return float((np.abs(a - b) / denominator).max())
