"""Ada's perceptron: written out sample by sample, with the bias folded into the weights."""
import numpy as np


def weighted_sum(x, w, b):
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim == 1:
        return np.dot(x, w) + b
    rows = [np.dot(row, w) + b for row in x]
    return np.array(rows)


def neuron(x, w, b, activation):
    z = weighted_sum(x, w, b)
    return activation(z)


def perceptron_predict(x, w, b):
    z = np.asarray(weighted_sum(x, w, b))
    return np.where(z < 0, 0, 1)


def perceptron_train(X, y, lr=0.1, epochs=100):
    X = np.asarray(X)
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    # the bias is weight 0 on an input that is always 1
    augmented = np.hstack([np.ones((X.shape[0], 1), dtype=dtype), X.astype(dtype)])
    weights = np.zeros(augmented.shape[1], dtype=dtype)
    history = []
    for epoch in range(epochs):
        mistakes = 0
        for i in range(len(augmented)):
            guess = 1 if np.dot(weights[1:], augmented[i, 1:]) + weights[0] >= 0 else 0
            if guess != y[i]:
                mistakes += 1
                weights = weights + dtype.type(lr) * (int(y[i]) - guess) * augmented[i]
        history.append(mistakes)
        if mistakes == 0:
            break
    return weights[1:], weights[0], np.array(history)


AND_GATE = (np.array([2.0, 2.0]), -3.0)
OR_GATE = (np.array([2.0, 2.0]), -1.0)
NAND_GATE = (np.array([-2.0, -2.0]), 3.0)
