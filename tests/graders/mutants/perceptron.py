"""Mutants and rewrites of perceptron.py (see README.md)."""

MUTANTS = [
    dict(name="perceptron_train updates on every sample", function="perceptron_train",
         described=r"on every sample|whatever the prediction", forbid=r"wrong sign",
         code='''
def perceptron_train(X, y, lr=0.1, epochs=100):
    X = np.asarray(X)
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    y = np.asarray(y).reshape(-1)
    w = np.zeros(X.shape[1], dtype=X.dtype)
    b = X.dtype.type(0)
    errors = []
    for _ in range(epochs):
        wrong = 0
        for xi, target in zip(X, y):
            predicted = 1 if xi @ w + b >= 0 else 0
            wrong += int(predicted != int(target))
            direction = 2 * int(target) - 1
            w = w + lr * direction * xi
            b = b + lr * direction
        errors.append(wrong)
        if wrong == 0:
            break
    return w, b, np.array(errors, dtype=np.int64)
'''),
    dict(name="weighted_sum subtracts the bias", function="weighted_sum",
         described=r"bias subtracted",
         code='''
def weighted_sum(x, w, b):
    return np.asarray(x) @ np.asarray(w) - b
'''),
    dict(name="perceptron_train runs one epoch too few", function="perceptron_train",
         described=r"has shape \(\d+,\), expected",
         code='''
_correct_perceptron_train = perceptron_train


def perceptron_train(X, y, lr=0.1, epochs=100):
    return _correct_perceptron_train(X, y, lr=lr, epochs=max(epochs - 1, 1))
'''),
]

REWRITES = [
    dict(name="weighted_sum by tensordot, predict by np.where", code='''
def weighted_sum(x, w, b):
    x = np.asarray(x)
    return np.tensordot(x, np.asarray(w), axes=([-1], [0])) + b


def perceptron_predict(x, w, b):
    return np.where(weighted_sum(x, w, b) >= 0, 1, 0).astype(np.int64)
'''),
]
