"""Mutants and rewrites of backprop.py (see README.md)."""

MUTANTS = [
    dict(name="dense_backward averages db over the batch", function="dense_backward",
         described=r"divided by N",
         code='''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
'''),
    dict(name="dense_backward averages dW over the batch", function="dense_backward",
         described=r"divided by N",
         code='''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
'''),
    dict(name="mlp_forward applies the hidden activation to the output too", function="mlp_forward",
         described=r"yours are 0 there|is 0 at every entry that differs|is (sigmoid|tanh|ReLU) of the expected values",
         code='''
def mlp_forward(X, params, hidden="relu", output="linear"):
    n_layers = len(params) // 2
    a = X
    caches = []
    for i in range(1, n_layers + 1):
        z, dense_cache = dense_forward(a, params[f"W{i}"], params[f"b{i}"])
        name = hidden if i < n_layers or output == "linear" else output
        if name == "softmax":
            e = np.exp(z - np.max(z, axis=-1, keepdims=True))
            a, act_cache = e / np.sum(e, axis=-1, keepdims=True), None
        else:
            a, act_cache = activation_forward(z, name)
        caches.append((dense_cache, act_cache))
    return a, caches
'''),
    dict(name="init_mlp starts the biases at one", function="init_mlp",
         described=r"not all zeros|same constant 1\b",
         code='''
_correct_init_mlp = init_mlp


def init_mlp(layer_sizes, rng, init="he"):
    params = _correct_init_mlp(layer_sizes, rng, init)
    return {k: (np.ones_like(v) if k.startswith("b") else v) for k, v in params.items()}
'''),
    dict(name="mlp_backward stops before the first layer", function="mlp_backward",
         described=r"returned no 'W1'",
         code='''
def mlp_backward(dout, caches):
    grads = {}
    upstream = dout
    for i in range(len(caches), 1, -1):
        dense_cache, act_cache = caches[i - 1]
        dz = upstream if act_cache is None else activation_backward(upstream, act_cache)
        upstream, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dense_cache)
    return grads
'''),
]

REWRITES = [
    dict(name="dense layer by einsum", code='''
def dense_forward(x, W, b):
    return np.einsum("nd,dh->nh", x, W) + b, (x, W)


def dense_backward(dout, cache):
    x, W = cache
    return (np.einsum("nh,dh->nd", dout, W), np.einsum("nd,nh->dh", x, dout),
            np.einsum("nh->h", dout))
'''),
    dict(name="numerical_gradient over a flat copy", code='''
def numerical_gradient(f, x, eps=1e-6):
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    point = x.astype(np.float64).copy()
    flat = point.reshape(-1)
    grad = np.empty(flat.size)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + eps
        up = float(f(point))
        flat[k] = keep - eps
        down = float(f(point))
        flat[k] = keep
        grad[k] = (up - down) / (2 * eps)
    return grad.reshape(x.shape).astype(out_dtype)
'''),
]
