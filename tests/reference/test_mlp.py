"""reference.mlp: speed and dtype, then the MLPs against scikit-learn.

scikit-learn's defaults differ from the curriculum's in ways that matter for a fair comparison,
so the baselines here are configured to match: `batch_size=32` (scikit-learn's "auto" is
min(200, N)), the same `hidden_layer_sizes`, `max_iter` and `learning_rate_init`. What stays
different by design: scikit-learn adds an L2 penalty (alpha=1e-4), stops early when the training
loss stalls (tol=1e-4 for 10 epochs), initialises with a Glorot-style uniform, uses a single
sigmoid output for two classes, and Adam's epsilon is 1e-8; the reference uses He normal for
ReLU, a 2-unit softmax, epsilon 1e-7, and always runs `max_iter` epochs. Accuracies are averaged
over a few seeds so that one lucky initialisation cannot decide the comparison.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference import mlp
from reference.mlp import MLPClassifier, MLPRegressor
from tests.reference._sklearn import (ConvergenceWarning, SkMLPClassifier, SkMLPRegressor,
                                      load_digits, make_classification, make_regression,
                                      sklearn_test, train_test_split)


# ------------------------------------------------------------------------------------------
# small checks
# ------------------------------------------------------------------------------------------


def test_mlp_float32_stays_float32():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    clf = mlp.MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    assert clf.predict_proba(X).dtype == np.float32
    reg = mlp.MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, X[:, 1])
    assert reg.predict(X).dtype == np.float32


# ------------------------------------------------------------------------------------------
# against scikit-learn
# ------------------------------------------------------------------------------------------


SEEDS = (0, 1, 2)


def quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def mean_scores(make_mine, make_theirs, X_train, y_train, X_test, y_test):
    mine = [make_mine(s).fit(X_train, y_train).score(X_test, y_test) for s in SEEDS]
    theirs = [quiet_fit(make_theirs(s), X_train, y_train).score(X_test, y_test) for s in SEEDS]
    return float(np.mean(mine)), float(np.mean(theirs))


@sklearn_test
def test_mlp_classifier_digits_within_two_points_of_sklearn():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities 0..16 to [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    mine, theirs = mean_scores(
        lambda s: MLPClassifier(hidden_layer_sizes=(100,), max_iter=30, random_state=s),
        lambda s: SkMLPClassifier(hidden_layer_sizes=(100,), max_iter=30, batch_size=32,
                                  random_state=s),
        X_train, y_train, X_test, y_test)
    assert mine > 0.95
    assert abs(mine - theirs) <= 0.02, (mine, theirs)


@sklearn_test
def test_mlp_classifier_lecture_data_within_two_points_of_sklearn():
    X, y = make_classification(n_samples=1000, n_features=20, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    mine, theirs = mean_scores(
        lambda s: MLPClassifier(hidden_layer_sizes=(100,), max_iter=30, random_state=s),
        lambda s: SkMLPClassifier(hidden_layer_sizes=(100,), max_iter=30, batch_size=32,
                                  random_state=s),
        X_train, y_train, X_test, y_test)
    assert mine > 0.8
    assert abs(mine - theirs) <= 0.02, (mine, theirs)


@sklearn_test
def test_mlp_classifier_attributes_and_probabilities():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3,
                               random_state=3)
    labels = np.array(["cat", "dog", "owl"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=20, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "owl"]
    assert len(clf.loss_curve_) == 20 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert np.array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) == np.mean(clf.predict(X) == labels)
    again = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=20, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(again.predict_proba(X), proba)  # seeded: reproducible


@sklearn_test
def test_mlp_regressor_lecture_data_r2_within_003_of_sklearn():
    # Targets are left unscaled (std about 150): with Adam both fit them within 60 epochs.
    X, y = make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    mine, theirs = mean_scores(
        lambda s: MLPRegressor(hidden_layer_sizes=(100,), max_iter=60, random_state=s),
        lambda s: SkMLPRegressor(hidden_layer_sizes=(100,), max_iter=60, batch_size=32,
                                 random_state=s),
        X_train, y_train, X_test, y_test)
    assert mine > 0.95
    assert abs(mine - theirs) <= 0.03, (mine, theirs)


@sklearn_test
def test_mlp_regressor_score_is_sklearn_r2():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(4)
    X = rng.normal(size=(120, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], np.sin(X[:, 0])]) + 0.1 * rng.normal(size=(120, 2))
    reg = MLPRegressor(hidden_layer_sizes=(20,), max_iter=15, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (120, 2)
    assert np.isclose(reg.score(X, Y), r2_score(Y, reg.predict(X)))
    reg1 = MLPRegressor(hidden_layer_sizes=(20,), max_iter=15, random_state=0).fit(X, Y[:, 0])
    assert reg1.predict(X).shape == (120,)
    assert np.isclose(reg1.score(X, Y[:, 0]), r2_score(Y[:, 0], reg1.predict(X)))
