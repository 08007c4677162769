"""Mutants and rewrites of gradient_descent.py (see README.md)."""

MUTANTS = [
    dict(name="momentum with dampening", function="momentum_step",
         described=r"\(1 - momentum\)",
         code='''
def momentum_step(params, grads, velocity, lr=0.01, momentum=0.9):
    velocity = velocity or {}
    new_params, new_velocity = {}, {}
    for name, p in params.items():
        v_old = velocity.get(name)
        if v_old is None:
            v_old = np.zeros_like(p)
        v = momentum * v_old - (1 - momentum) * lr * grads[name]
        new_velocity[name] = v
        new_params[name] = p + v
    return new_params, new_velocity
'''),
    dict(name="gradient_descent steps with the gradient at w0 every time",
         function="gradient_descent", described=r"the same step",
         code='''
def gradient_descent(grad_fn, w0, lr, n_steps):
    w = np.array(w0)
    g = grad_fn(w)
    path = [w]
    for _ in range(n_steps):
        w = w - lr * g
        path.append(w)
    return w, np.array(path)
'''),
    dict(name="Adam corrects m but not v", function="adam_step", described=r"sqrt\(1 - beta_2\)",
         code='''
def adam_step(params, grads, state, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    t = state["t"] + 1
    new_params, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        m = beta_1 * state["m"].get(name, np.zeros_like(p)) + (1 - beta_1) * g
        v = beta_2 * state["v"].get(name, np.zeros_like(p)) + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** t)
        new_params[name] = p - lr * m_hat / (np.sqrt(v) + epsilon)
        new_m[name], new_v[name] = m, v
    return new_params, {"t": t, "m": new_m, "v": new_v}
'''),
    dict(name="Adam's epsilon inside the square root", function="adam_step",
         described=r"What differs:.*epsilon",
         code='''
def adam_step(params, grads, state, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if state is None:
        state = {"t": 0, "m": {}, "v": {}}
    t = state["t"] + 1
    new_params, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        m = beta_1 * state["m"].get(name, np.zeros_like(p)) + (1 - beta_1) * g
        v = beta_2 * state["v"].get(name, np.zeros_like(p)) + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        new_params[name] = p - lr * m_hat / np.sqrt(v_hat + epsilon)
        new_m[name], new_v[name] = m, v
    return new_params, {"t": t, "m": new_m, "v": new_v}
'''),
    dict(name="logistic regression records the loss after the update",
         function="train_logistic_regression", described=r"shifted by one",
         code='''
def train_logistic_regression(X, y, lr=0.1, epochs=1000):
    X = np.asarray(X)
    y = np.asarray(y).reshape(-1).astype(X.dtype)
    n = X.shape[0]
    w = np.zeros(X.shape[1], dtype=X.dtype)
    b = X.dtype.type(0)
    losses = np.zeros(epochs, dtype=X.dtype)

    def probabilities(w, b):
        z = X @ w + b
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    for epoch in range(epochs):
        error = probabilities(w, b) - y
        w = w - lr * (X.T @ error) / n
        b = b - lr * np.mean(error)
        clipped = np.clip(probabilities(w, b), 1e-7, 1 - 1e-7)
        losses[epoch] = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    return w, b, losses
'''),
    dict(name="sgd_step updates the caller's arrays", function="sgd_step",
         described=r"in place",
         code='''
def sgd_step(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return dict(params)
'''),
    dict(name="sgd_step scales the gradient by lr twice", function="sgd_step",
         described=r"lr = [\d.]+ times the expected step",
         code='''
def sgd_step(params, grads, lr):
    return {name: p - lr * (lr * grads[name]) for name, p in params.items()}
'''),
]

REWRITES = [
    dict(name="an optimiser class behind the step functions", code='''
class _Momentum:
    def __init__(self, lr, momentum):
        self.lr, self.momentum = lr, momentum

    def step(self, params, grads, velocity):
        velocity = dict(velocity or {})
        new_params, new_velocity = {}, {}
        for name in params:
            v = velocity.get(name, 0.0)
            v = self.momentum * v - self.lr * grads[name]
            new_velocity[name] = np.asarray(v, dtype=np.result_type(params[name]))
            new_params[name] = params[name] + new_velocity[name]
        return new_params, new_velocity


def momentum_step(params, grads, velocity, lr=0.01, momentum=0.9):
    return _Momentum(lr, momentum).step(params, grads, velocity)
'''),
    dict(name="minibatches by index arithmetic", code='''
def minibatches(X, y, batch_size, rng):
    X, y = np.asarray(X), np.asarray(y)
    order = rng.permutation(len(X))
    n_batches = -(-len(X) // batch_size)
    return [(X[order[k * batch_size:(k + 1) * batch_size]],
             y[order[k * batch_size:(k + 1) * batch_size]]) for k in range(n_batches)]
'''),
]
