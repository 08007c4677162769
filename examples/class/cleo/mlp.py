"""Cleo's mlp.py: correct, written her own way (lists of layers, scikit-learn's Glorot-style
initialisation for every activation, the textbook Adam with epsilon added to sqrt(v_hat))."""
import numpy as np

_F = {
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "logistic": (lambda z: 0.5 * (1 + np.tanh(0.5 * z)), lambda z, a: a * (1 - a)),
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
}
_F["sigmoid"], _F["linear"] = _F["logistic"], _F["identity"]


class _Net:
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate_init=0.001,
                 max_iter=200, batch_size=32, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def _run(self, X):
        act, _ = _F[self.activation]
        zs, outs = [], [X]
        for i, (W, b) in enumerate(zip(self.Ws, self.bs)):
            z = outs[-1] @ W + b
            zs.append(z)
            outs.append(act(z) if i < len(self.Ws) - 1 else z)
        return zs, outs

    def _fit(self, X, T):
        gen = np.random.default_rng(self.random_state)
        sizes = [X.shape[1]] + list(np.atleast_1d(self.hidden_layer_sizes)) + [T.shape[1]]
        self.Ws, self.bs = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(6 / (n_in + n_out))
            self.Ws.append(gen.uniform(-bound, bound, (n_in, n_out)).astype(X.dtype))
            self.bs.append(np.zeros(n_out, X.dtype))
        theta = self.Ws + self.bs
        m = [np.zeros_like(p) for p in theta]
        v = [np.zeros_like(p) for p in theta]
        step = 0
        _, dact = _F[self.activation]
        self.loss_curve_ = []
        for epoch in range(self.max_iter):
            perm = gen.permutation(len(X))
            seen, total = 0, 0.0
            while seen < len(X):
                idx = perm[seen:seen + self.batch_size]
                seen += len(idx)
                zs, outs = self._run(X[idx])
                loss, g = self._loss(outs[-1], T[idx])
                total += loss * len(idx)
                gW, gb = [None] * len(self.Ws), [None] * len(self.Ws)
                for i in range(len(self.Ws) - 1, -1, -1):
                    gW[i] = outs[i].T @ g
                    gb[i] = g.sum(0)
                    if i:
                        g = (g @ self.Ws[i].T) * dact(zs[i - 1], outs[i])
                step += 1
                for j, (p, gp) in enumerate(zip(theta, gW + gb)):
                    m[j] = 0.9 * m[j] + 0.1 * gp
                    v[j] = 0.999 * v[j] + 0.001 * gp ** 2
                    m_hat = m[j] / (1 - 0.9 ** step)
                    v_hat = v[j] / (1 - 0.999 ** step)
                    p -= (self.learning_rate_init * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(p.dtype)
            self.loss_curve_.append(total / len(X))
        return self


class MLPClassifier(_Net):
    def _loss(self, logits, T):
        s = logits - logits.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -(T * logp).sum() / len(T), (np.exp(logp) - T) / len(T)

    def fit(self, X, y):
        X = np.asarray(X)
        X = X if X.dtype in (np.float32, np.float64) else X.astype(float)
        self.classes_ = np.unique(y)
        T = (np.asarray(y)[:, None] == self.classes_[None, :]).astype(X.dtype)
        return self._fit(X, T)

    def predict_proba(self, X):
        z = self._run(np.asarray(X, self.Ws[0].dtype))[1][-1]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y):
        return np.mean(self.predict(X) == y)


class MLPRegressor(_Net):
    def _loss(self, out, T):
        r = out - T
        return 0.5 * (r ** 2).sum() / len(T), r / len(T)

    def fit(self, X, y):
        X = np.asarray(X)
        X = X if X.dtype in (np.float32, np.float64) else X.astype(float)
        y = np.asarray(y, X.dtype)
        self._flat = y.ndim == 1
        return self._fit(X, y.reshape(len(y), -1))

    def predict(self, X):
        out = self._run(np.asarray(X, self.Ws[0].dtype))[1][-1]
        return out.ravel() if self._flat else out

    def score(self, X, y):
        y = np.asarray(y, float).reshape(len(y), -1)
        p = np.asarray(self.predict(X), float).reshape(y.shape)
        return np.mean(1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0))
