"""Mutants and rewrites of mlp.py (see README.md)."""

MUTANTS = [
    dict(name="predict_proba with a sigmoid per class", function="MLPClassifier",
         described=r"row sums",
         code='''
def _sigmoid_proba(self, X):
    X = np.asarray(X, dtype=self.params_["W1"].dtype)
    return 1 / (1 + np.exp(-self._forward(X)[0]))


MLPClassifier.predict_proba = _sigmoid_proba
'''),
    dict(name="the classifier's score as a percentage", function="MLPClassifier",
         described=r"exactly 100 times",
         code='''
def _percent_score(self, X, y):
    return float(100 * np.mean(self.predict(X) == np.asarray(y)))


MLPClassifier.score = _percent_score
'''),
    dict(name="the regressor's R^2 as a percentage", function="MLPRegressor",
         described=r"exactly 100 times",
         code='''
_fraction_r2 = MLPRegressor.score


def _percent_r2(self, X, y):
    return 100 * _fraction_r2(self, X, y)


MLPRegressor.score = _percent_r2
'''),
]

REWRITES = [
    dict(name="scores by count_nonzero and explicit sums", code='''
def _count_score(self, X, y):
    y = np.asarray(y)
    return np.count_nonzero(self.predict(X) == y) / len(y)


def _r2_score(self, X, y):
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    pred = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)
    centred = y - y.mean(axis=0)
    return float(np.mean(1 - ((y - pred) ** 2).sum(axis=0) / (centred ** 2).sum(axis=0)))


MLPClassifier.score = _count_score
MLPRegressor.score = _r2_score
'''),
]
