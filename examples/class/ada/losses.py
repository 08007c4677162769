"""Ada's losses, written from the formulas, one reduction at a time."""

import numpy as np


def mse(y_true, y_pred):
    squared = (np.asarray(y_true) - y_pred) ** 2
    per_sample = squared.reshape(squared.shape[0], -1).mean(axis=1)
    return per_sample.mean()


def mse_grad(y_true, y_pred):
    diff = np.asarray(y_pred) - y_true
    return diff * (2.0 / diff.size)


def half_sse(y, y_hat):
    y = np.asarray(y)
    return np.sum(np.square(y_hat - y)) / (2 * y.shape[0])


def half_sse_grad(y, y_hat):
    y = np.asarray(y)
    return (y_hat - y) / len(y)


def binary_cross_entropy(y_true, p, eps=1e-7):
    p = np.minimum(np.maximum(p, eps), 1 - eps)
    loss = -(y_true * np.log(p) + (1 - y_true) * np.log1p(-p))
    return loss.mean(axis=-1).mean()


def binary_cross_entropy_grad(y_true, p, eps=1e-7):
    p = np.asarray(p)
    c = np.minimum(np.maximum(p, eps), 1 - eps)
    unclipped = np.logical_and(p >= eps, p <= 1 - eps)
    return (c - y_true) / (c * (1 - c)) * unclipped / p.size


def categorical_cross_entropy(y_true, p, eps=1e-7):
    n = len(p)
    total = 0.0
    for i in range(n):
        q = p[i] / p[i].sum()
        q = np.clip(q, eps, 1 - eps)
        total += -np.sum(y_true[i] * np.log(q))
    return total / n


def categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    p = np.asarray(p)
    n = len(p)
    grad = np.zeros_like(p)
    for i in range(n):
        s = p[i].sum()
        q = p[i] / s
        kept = (q >= eps) & (q <= 1 - eps)
        g = np.where(kept, -y_true[i] / np.clip(q, eps, 1 - eps), 0) / n
        grad[i] = (g - np.dot(g, q)) / s
    return grad


def softmax_cross_entropy(y_true, logits):
    lse = np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return -np.sum(y_true * (logits - lse), axis=-1).mean()


def softmax_cross_entropy_grad(y_true, logits):
    logits = np.asarray(logits)
    lse = np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return (np.exp(logits - lse) - y_true) / logits.shape[0]
