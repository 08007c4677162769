"""Catalogued mistakes of losses.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import (_mistake_clip, _mistake_rows_to_one, _mistake_softmax,
                                        _mistake_unclipped)
from reference.mistakes.registry import mistake


# Each entry uses only np, math and the helpers of helpers.py, so `Mistake.graft_source` can write
# it out as learner code (see the package docstring).


@mistake("losses.mse", looks_like="the sum of squared errors",
         why="Keras's MSE averages: over each sample's elements, then over the batch (np.mean)")
def mse_as_sum(y_true, y_pred):
    return np.sum((np.asarray(y_true) - y_pred) ** 2)


@mistake("losses.mse",
         looks_like="the squared error summed within each sample and averaged over the batch",
         why="Keras's MSE is a mean over each sample's elements too, so it divides by all N * D "
             "elements, not by N")
def mse_sum_per_sample(y_true, y_pred):
    squared = (np.asarray(y_true) - y_pred) ** 2
    return np.sum(squared) / squared.shape[0]


@mistake("losses.mse_grad", looks_like="(y_pred - y_true) / size, without the factor 2",
         why="the derivative of (y_pred - y_true)**2 is 2 (y_pred - y_true)")
def mse_grad_without_two(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return (y_pred - y_true) / y_pred.size


@mistake("losses.mse_grad",
         looks_like="2 (y_pred - y_true) without dividing by the number of elements",
         why="the loss is a mean, so its gradient carries the same 1 / (number of elements)")
def mse_grad_without_mean(y_true, y_pred):
    return 2 * (np.asarray(y_pred) - y_true)


@mistake("losses.mse_grad", looks_like="2 (y_pred - y_true) / N, divided by the batch size only",
         why="MSE averages over each sample's elements as well, so divide by all N * D elements "
             "(y_pred.size)")
def mse_grad_batch_only(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return 2 * (y_pred - y_true) / y_pred.shape[0]


@mistake("losses.mse_grad", looks_like="2 (y_true - y_pred) / size, with the sign flipped",
         why="the gradient with respect to y_pred is positive where the prediction is too large: "
             "2 (y_pred - y_true)")
def mse_grad_wrong_sign(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    return 2 * (np.asarray(y_true) - y_pred) / y_pred.size


@mistake("losses.half_sse", looks_like="0.5 * sum((y - y_hat)**2) without dividing by N",
         why="the loss is averaged over the batch: divide by N = y.shape[0]")
def half_sse_without_batch_mean(y, y_hat):
    return 0.5 * np.sum((np.asarray(y) - y_hat) ** 2)


@mistake("losses.half_sse", looks_like="0.5 * mean((y - y_hat)**2) over all elements",
         why="half_sse sums each sample's outputs and divides by the batch size N = "
             "y.shape[0] only")
def half_sse_mean_over_elements(y, y_hat):
    return 0.5 * np.mean((np.asarray(y) - y_hat) ** 2)


@mistake("losses.half_sse_grad", looks_like="(y - y_hat) / N, with the sign flipped",
         why="the lecture's delta is -(y - y_hat): increasing y_hat above y raises the loss, so "
             "the gradient there is positive")
def half_sse_grad_wrong_sign(y, y_hat):
    y = np.asarray(y)
    return (y - y_hat) / y.shape[0]


@mistake("losses.half_sse_grad", looks_like="-(y - y_hat) without dividing by N",
         why="half_sse averages over the batch, so its gradient is divided by N = y.shape[0] too")
def half_sse_grad_without_batch_mean(y, y_hat):
    return -(np.asarray(y) - y_hat)


@mistake("losses.half_sse_grad", looks_like="-(y - y_hat) / y.size, divided by every element",
         why="half_sse divides by the batch size N = y.shape[0] only (each sample's outputs are "
             "summed), so its gradient is -(y - y_hat) / N")
def half_sse_grad_divided_by_size(y, y_hat):
    y = np.asarray(y)
    return -(y - y_hat) / y.size


@mistake("losses.binary_cross_entropy", looks_like="the cross-entropy of p without clipping",
         why="log(0) is -inf where p is exactly 0 or 1; clip p to [eps, 1 - eps] first, as "
             "Keras does")
def binary_cross_entropy_unclipped(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    return np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@mistake("losses.binary_cross_entropy", looks_like="a sum over the last axis, then the batch mean",
         why="Keras averages over the last axis (np.mean, not np.sum) before the batch mean")
def binary_cross_entropy_sum_last_axis(y_true, p, eps=1e-7):
    y_true, c = np.asarray(y_true), _mistake_clip(p, eps)
    return np.mean(np.sum(-(y_true * np.log(c) + (1 - y_true) * np.log(1 - c)), axis=-1))


@mistake("losses.binary_cross_entropy",
         looks_like="-mean(y log p), without the (1 - y) log(1 - p) term",
         why="outputs whose label is 0 must be penalised too, by -log(1 - p)")
def binary_cross_entropy_positive_term_only(y_true, p, eps=1e-7):
    return -np.mean(np.asarray(y_true) * np.log(_mistake_clip(p, eps)))


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the per-element derivative without the 1/M of the mean",
         why="the loss averages over all M elements, so divide the gradient by p.size")
def binary_cross_entropy_grad_without_mean(y_true, p, eps=1e-7):
    y_true, c = np.asarray(y_true), _mistake_clip(p, eps)
    return np.where(_mistake_unclipped(p, eps), -y_true / c + (1 - y_true) / (1 - c), 0.0)


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the derivative divided by the batch size N only",
         why="the loss averages over the last axis too, so divide by all M = p.size elements")
def binary_cross_entropy_grad_batch_only(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    c = _mistake_clip(p, eps)
    per_element = np.where(_mistake_unclipped(p, eps), -y_true / c + (1 - y_true) / (1 - c), 0.0)
    return per_element / p.shape[0]


@mistake("losses.binary_cross_entropy_grad",
         looks_like="the derivative evaluated at the clipped p everywhere",
         why="where p lies outside [eps, 1 - eps] the clipped loss does not change with p, so its "
             "gradient there is 0 (mask those entries with np.where)")
def binary_cross_entropy_grad_no_mask(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    c = _mistake_clip(p, eps)
    return (-y_true / c + (1 - y_true) / (1 - c)) / p.size


@mistake("losses.categorical_cross_entropy",
         looks_like="the cross-entropy of p without rescaling its rows",
         why="Keras 3 first divides each row of p by its sum so it is a distribution; do the same "
             "before clipping")
def categorical_cross_entropy_no_rescale(y_true, p, eps=1e-7):
    return np.mean(-np.sum(np.asarray(y_true) * np.log(_mistake_clip(p, eps)), axis=-1))


@mistake("losses.categorical_cross_entropy",
         looks_like="a mean over the classes as well as the batch",
         why="per sample, categorical cross-entropy sums over the classes (np.sum(..., axis=-1)); "
             "only the batch is averaged")
def categorical_cross_entropy_mean_over_classes(y_true, p, eps=1e-7):
    q = _mistake_clip(_mistake_rows_to_one(p), eps)
    return -np.mean(np.asarray(y_true) * np.log(q))


@mistake("losses.categorical_cross_entropy", looks_like="a sum over the batch",
         why="the per-sample losses are averaged over the batch (np.mean), not summed")
def categorical_cross_entropy_batch_sum(y_true, p, eps=1e-7):
    q = _mistake_clip(_mistake_rows_to_one(p), eps)
    return -np.sum(np.asarray(y_true) * np.log(q))


# The textbook gradient -y / (N p), which ignores Keras 3's rescaling of the rows, is not a
# mistake: the graders accept it (CURRICULUM.md, losses; graders/public/losses.py).


@mistake("losses.categorical_cross_entropy_grad",
         looks_like="the gradient without the 1/N of the batch mean",
         why="the loss averages over the batch, so its gradient is divided by N = p.shape[0]")
def categorical_cross_entropy_grad_without_mean(y_true, p, eps=1e-7):
    y_true, p = np.asarray(y_true), np.asarray(p)
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    g = np.where(_mistake_unclipped(q, eps), -y_true / _mistake_clip(q, eps), 0.0)
    return (g - np.sum(g * q, axis=-1, keepdims=True)) / s


@mistake("losses.softmax_cross_entropy",
         looks_like="log(softmax) computed without subtracting the maximum",
         why="exp of a large logit overflows to inf; use log-sum-exp: shift each row by its "
             "maximum before np.exp")
def softmax_cross_entropy_without_max_shift(y_true, logits):
    logits = np.asarray(logits)
    e = np.exp(logits)
    log_probs = logits - np.log(np.sum(e, axis=-1, keepdims=True))
    return np.mean(-np.sum(np.asarray(y_true) * log_probs, axis=-1))


@mistake("losses.softmax_cross_entropy_grad",
         looks_like="softmax(logits) - y_true without dividing by N",
         why="the loss averages over the batch, so its gradient is (softmax(logits) - y_true) / N")
def softmax_cross_entropy_grad_without_mean(y_true, logits):
    return _mistake_softmax(logits) - y_true


@mistake("losses.softmax_cross_entropy_grad",
         looks_like="(y_true - softmax(logits)) / N, with the sign flipped",
         why="the gradient is predicted minus true: (softmax(logits) - y_true) / N")
def softmax_cross_entropy_grad_wrong_sign(y_true, logits):
    return (y_true - _mistake_softmax(logits)) / np.shape(logits)[0]
