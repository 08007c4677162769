"""Catalogued mistakes of mlp.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.registry import mistake


# The mlp module is two classes, so its entries imitate one method each, written as a function
# of plain data that a grader gets from the learner's fitted model (`same_signature=False`;
# each docstring gives the signature).


@mistake("mlp.MLPClassifier.predict", same_signature=False,
         looks_like="the index of the largest probability instead of the class label",
         why="predict returns labels, classes_[argmax]; the column index equals the label only "
             "when the labels happen to be 0, 1, ..., K - 1")
def mlp_classifier_predict_indices(proba, classes):
    """Takes (proba (N, K), classes (K,)): the model's predict_proba(X) and classes_;
    returns the (N,) predictions this mistake makes."""
    return np.argmax(np.asarray(proba), axis=1)


@mistake("mlp.MLPClassifier.score", same_signature=False, looks_like="the error rate",
         why="score is the accuracy, the fraction of correct predictions (higher is better)")
def mlp_classifier_score_error_rate(y_true, y_pred):
    """Takes (y_true (N,), y_pred (N,)): the labels given to score and the model's predict(X);
    returns the score this mistake reports."""
    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


@mistake("mlp.MLPRegressor.score", same_signature=False, looks_like="the mean squared error",
         why="a regressor's score is R^2 = 1 - SS_res / SS_tot (1 is perfect, higher is "
             "better), not the loss")
def mlp_regressor_score_mse(y_true, y_pred):
    """Takes (y_true (N,) or (N, K), y_pred of the same shape): the targets given to score and
    the model's predict(X); returns the score this mistake reports."""
    return float(np.mean((np.asarray(y_true, dtype=np.float64)
                          - np.asarray(y_pred, dtype=np.float64)) ** 2))


@mistake("mlp.MLPRegressor.score", same_signature=False, looks_like="R^2 without centring y",
         why="SS_tot = sum((y - mean(y))**2) measures y's spread around its mean; sum(y**2) "
             "flatters any model when y is far from 0")
def mlp_regressor_score_uncentred(y_true, y_pred):
    """Takes (y_true (N,) or (N, K), y_pred of the same shape) as above; returns the score."""
    y = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(y.shape)
    return float(np.mean(1 - np.sum((y - p) ** 2, axis=0) / np.sum(y**2, axis=0)))


# Both estimators' loss_curve_ mistake, in the same words.
LOSS_PER_BATCH = dict(
    looks_like="one loss per mini-batch instead of one per epoch",
    why="loss_curve_[e] is the mean loss over all samples in epoch e (each batch's loss "
        "weighted by its size), so it has max_iter entries")


@mistake("mlp.MLPClassifier.loss_curve_", same_signature=False, **LOSS_PER_BATCH)
def mlp_loss_curve_per_batch(n_samples, batch_size, max_iter):
    """Takes (n_samples, batch_size, max_iter) of the fit; returns the length of loss_curve_
    this mistake gives."""
    return int(max_iter) * int(math.ceil(int(n_samples) / int(batch_size)))


@mistake("mlp.MLPRegressor.predict", same_signature=False,
         looks_like="predictions shaped (N, 1) for a 1-d y",
         why="the network's output is (N, 1) for one target, but predict returns the shape y "
             "had in fit: (N,) for a 1-d y, as scikit-learn's MLPRegressor does")
def mlp_regressor_predict_column(y_pred):
    """Takes y_pred (N,): predictions of the right shape; returns them as this mistake shapes
    them."""
    return np.asarray(y_pred).reshape(-1, 1)


@mistake("mlp.MLPRegressor.loss_curve_", same_signature=False, **LOSS_PER_BATCH)
def mlp_regressor_loss_curve_per_batch(n_samples, batch_size, max_iter):
    """Takes (n_samples, batch_size, max_iter) of the fit; returns the length of loss_curve_
    this mistake gives."""
    return int(max_iter) * int(math.ceil(int(n_samples) / int(batch_size)))
