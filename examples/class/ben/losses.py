import numpy as np


def mse(y_true, y_pred):
    return np.sum((y_true - y_pred) ** 2)


def mse_grad(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return (y_pred - y_true) / y_pred.size


def half_sse(y, y_hat):
    return 0.5 * np.sum((y - y_hat) ** 2) / len(y)


def half_sse_grad(y, y_hat):
    return (y - y_hat) / len(y)


def binary_cross_entropy(y_true, p, eps=1e-7):
    return np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


def binary_cross_entropy_grad(y_true, p, eps=1e-7):
    p = np.asarray(p)
    ok = (p >= eps) & (p <= 1 - eps)
    p = np.clip(p, eps, 1 - eps)
    return np.where(ok, -y_true / p + (1 - y_true) / (1 - p), 0) / p.size


def categorical_cross_entropy(y_true, p, eps=1e-7):
    p = p / np.sum(p, axis=-1, keepdims=True)
    p = np.clip(p, eps, 1 - eps)
    return np.mean(-np.sum(y_true * np.log(p), axis=-1))


def categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    p = np.asarray(p)
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    ok = (q >= eps) & (q <= 1 - eps)
    g = np.where(ok, -y_true / np.clip(q, eps, 1 - eps), 0) / len(p)
    return (g - np.sum(g * q, axis=-1, keepdims=True)) / s


def softmax_cross_entropy(y_true, logits):
    z = logits - np.max(logits, axis=-1, keepdims=True)
    log_probs = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return np.mean(-np.sum(y_true * log_probs, axis=-1))


def softmax_cross_entropy_grad(y_true, logits):
    z = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return z / np.sum(z, axis=-1, keepdims=True) - y_true
