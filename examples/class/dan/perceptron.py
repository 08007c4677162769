"""Dan's perceptron: typical first attempts, each one a catalogued misconception."""
import numpy as np


def weighted_sum(x, w, b):
    return np.asarray(x) @ np.asarray(w)          # forgot the bias


def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w)) + b   # bias outside the activation


def perceptron_predict(x, w, b):
    z = np.asarray(x) @ np.asarray(w) + b
    return (z > 0).astype(int)                      # 0 on the line itself


def perceptron_train(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    errors = []
    for _ in range(epochs):                         # never stops early
        wrong = 0
        for xi, yi in zip(X, y):
            p = 1 if xi @ w + b >= 0 else 0
            if p != yi:
                wrong += 1
                w = w + lr * (yi - p) * xi
                b = b + lr * (yi - p)
        errors.append(wrong)
    return w, b, np.array(errors)


AND_GATE = (np.array([1.0, 1.0]), -1.5)
OR_GATE = (np.array([1.0, 1.0]), -0.5)
NAND_GATE = (np.array([-1.0, -1.0]), 1.5)
