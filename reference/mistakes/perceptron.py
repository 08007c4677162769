"""Catalogued mistakes of perceptron.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import _mistake_perceptron_epochs
from reference.mistakes.registry import mistake


@mistake("perceptron.weighted_sum", looks_like="x @ w with the bias left out",
         why="the bias b is added to every weighted sum, z = x @ w + b; it shifts the "
             "neuron's threshold left or right")
def perceptron_weighted_sum_without_bias(x, w, b):
    return np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64)


@mistake("perceptron.weighted_sum", looks_like="one sum over the whole batch",
         why="each sample (row of x) gets its own weighted sum; summing x * w over every axis "
             "adds the samples together")
def perceptron_weighted_sum_over_whole_batch(x, w, b):
    return np.sum(np.asarray(x, dtype=np.float64) * np.asarray(w, dtype=np.float64)) + b


@mistake("perceptron.perceptron_predict", looks_like="predictions in {-1, +1}",
         why="this course's perceptron outputs 0 or 1: the binary step is 0 for z < 0 and "
             "1 for z >= 0")
def perceptron_predict_plus_minus_one(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return np.where(z >= 0, 1, -1)


@mistake("perceptron.perceptron_predict", looks_like="a step that is 0 at z == 0",
         why="the lecture's binary step is 1 where z >= 0, so a sample exactly on the line "
             "z = 0 is predicted 1 (use >=, not >)")
def perceptron_predict_strict_step(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return (z > 0).astype(np.int64)


@mistake("perceptron.perceptron_predict", looks_like="sigmoid probabilities",
         why="the perceptron's prediction is the binary step of the weighted sum, integers "
             "0 or 1, not a sigmoid neuron's probability")
def perceptron_predict_sigmoid(x, w, b):
    z = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return 1 / (1 + np.exp(-z))


@mistake("perceptron.perceptron_train", looks_like="an update with the wrong sign",
         why="Rosenblatt's rule adds lr * (y - y_hat) * x: a sample predicted 0 whose target "
             "is 1 must pull w towards x, not push it away")
def perceptron_train_wrong_sign(X, y, lr=0.1, epochs=100):
    def update(w, b, delta, xi):
        return w - lr * delta * xi, b - lr * delta  # subtracts (should add)

    return _mistake_perceptron_epochs(X, y, np.zeros(np.shape(X)[1]), 0.0, epochs, update, stop_early=True)


@mistake("perceptron.perceptron_train", looks_like="training that never updates the bias",
         why="the bias is a weight too (w0 on a constant input 1) and moves by lr * (y - y_hat) "
             "on every mistake; without it the decision line must pass through the origin")
def perceptron_train_fixed_bias(X, y, lr=0.1, epochs=100):
    def update(w, b, delta, xi):
        return w + lr * delta * xi, b  # the bias never moves from 0 (should add lr * delta)

    return _mistake_perceptron_epochs(X, y, np.zeros(np.shape(X)[1]), 0.0, epochs, update, stop_early=True)


@mistake("perceptron.perceptron_train", looks_like="training that never stops early",
         why="once an epoch makes no mistake the weights can no longer change, so training "
             "stops after that epoch and `errors` ends with its 0")
def perceptron_train_no_early_stop(X, y, lr=0.1, epochs=100):
    def update(w, b, delta, xi):
        return w + lr * delta * xi, b + lr * delta

    # every epoch runs, even after one without a mistake
    return _mistake_perceptron_epochs(X, y, np.zeros(np.shape(X)[1]), 0.0, epochs, update, stop_early=False)


@mistake("perceptron.perceptron_train", looks_like="training that starts from weights of 1",
         why="Rosenblatt's rule here starts from zero weights and a zero bias")
def perceptron_train_starts_at_one(X, y, lr=0.1, epochs=100):
    def update(w, b, delta, xi):
        return w + lr * delta * xi, b + lr * delta

    # the weights start at 1 (should be 0)
    return _mistake_perceptron_epochs(X, y, np.ones(np.shape(X)[1]), 0.0, epochs, update, stop_early=True)


@mistake("perceptron.neuron", looks_like="the activation applied before the bias is added",
         why="the bias belongs inside the activation, g(x @ w + b): it shifts where the neuron "
             "switches on, not its output")
def perceptron_neuron_bias_outside(x, w, b, activation):
    return activation(np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64)) + b
