import numpy as np


def linear(x):
    return np.array(x)


def binary_step(x):
    x = np.asarray(x)
    return (x >= 0).astype(x.dtype)


def sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x):
    return np.tanh(x)


def relu(x):
    return np.maximum(0, x)


def leaky_relu(x, alpha=0.3):  # same default as keras
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def softplus(x):
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def softmax(z, axis=-1):
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def linear_grad(x):
    return np.ones_like(x)


def binary_step_grad(x):
    return np.zeros_like(x)


def sigmoid_grad(x):
    # f'(x) = f(x)(1 - f(x))
    return x * (1 - x)


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


def relu_grad(x):
    x = np.asarray(x)
    return np.where(x >= 0, 1.0, 0.0).astype(x.dtype)


def leaky_relu_grad(x, alpha=0.01):
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def elu_grad(x, alpha=1.0):
    x = np.asarray(x)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def softplus_grad(x):
    return sigmoid(x)
