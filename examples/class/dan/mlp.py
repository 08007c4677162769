"""Dan's mlp.py: training works, but the sklearn-style methods hold typical mistakes (each one
catalogued in reference/mistakes/mlp.py)."""
import numpy as np


class _Base:
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate_init=0.001,
                 max_iter=200, batch_size=32, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def _out(self, X):
        a, acts = X, [X]
        for i, (W, b) in enumerate(self.layers):
            z = a @ W + b
            a = np.maximum(z, 0) if i < len(self.layers) - 1 else z
            acts.append(a)
        return acts

    def _train(self, X, T):
        rng = np.random.default_rng(self.random_state)
        sizes = [X.shape[1], *self.hidden_layer_sizes, T.shape[1]]
        self.layers = [[(rng.normal(size=(i, o)) * np.sqrt(2 / i)).astype(X.dtype),
                        np.zeros(o, X.dtype)] for i, o in zip(sizes[:-1], sizes[1:])]
        m = [[np.zeros_like(p) for p in layer] for layer in self.layers]
        v = [[np.zeros_like(p) for p in layer] for layer in self.layers]
        t = 0
        self.loss_curve_ = []
        for epoch in range(self.max_iter):
            order = rng.permutation(len(X))
            for s in range(0, len(X), self.batch_size):
                rows = order[s:s + self.batch_size]
                acts = self._out(X[rows])
                loss, g = self._loss(acts[-1], T[rows])
                self.loss_curve_.append(loss)  # mistake: one entry per mini-batch
                t += 1
                for i in range(len(self.layers) - 1, -1, -1):
                    grads = [acts[i].T @ g, g.sum(0)]
                    if i:
                        g = (g @ self.layers[i][0].T) * (acts[i] > 0)
                    for j in range(2):
                        m[i][j] = 0.9 * m[i][j] + 0.1 * grads[j]
                        v[i][j] = 0.999 * v[i][j] + 0.001 * grads[j] ** 2
                        mh = m[i][j] / (1 - 0.9 ** t)
                        vh = v[i][j] / (1 - 0.999 ** t)
                        self.layers[i][j] = self.layers[i][j] - self.learning_rate_init * mh / (np.sqrt(vh) + 1e-7)
        return self


class MLPClassifier(_Base):
    def _loss(self, z, T):
        z = z - z.max(1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        return -np.sum(T * np.log(p + 1e-12)) / len(T), (p - T) / len(T)

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        T = np.eye(len(self.classes_))[np.searchsorted(self.classes_, y)]
        return self._train(np.asarray(X), T.astype(np.asarray(X).dtype))

    def predict_proba(self, X):
        z = self._out(X)[-1]
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)  # mistake: indices, not labels

    def score(self, X, y):
        return np.mean(self.predict(X) != y)  # mistake: the error rate


class MLPRegressor(_Base):
    def _loss(self, z, T):
        return 0.5 * np.sum((z - T) ** 2) / len(T), (z - T) / len(T)

    def fit(self, X, y):
        return self._train(np.asarray(X), np.asarray(y).reshape(len(y), -1))

    def predict(self, X):
        return self._out(X)[-1]  # mistake: (N, 1) for a 1-d y

    def score(self, X, y):
        return np.mean((np.ravel(y) - np.ravel(self.predict(X))) ** 2)  # mistake: the MSE
