"""scikit-learn for the reference tests: imported once, with the mark that skips a test
without it (the NumPy checks beside it still run)."""

from __future__ import annotations

import pytest

try:
    import sklearn
    from sklearn.datasets import load_digits, make_blobs, make_classification, make_regression
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor
except ImportError:  # pragma: no cover - depends on the environment
    sklearn = None
    load_digits = make_blobs = make_classification = make_regression = None
    ConvergenceWarning = LogisticRegression = train_test_split = None
    SkMLPClassifier = SkMLPRegressor = None

__all__ = ["sklearn_test", "load_digits", "make_blobs", "make_classification", "make_regression",
           "ConvergenceWarning", "LogisticRegression", "train_test_split", "SkMLPClassifier",
           "SkMLPRegressor"]


def sklearn_test(fn):
    """Mark one test as a scikit-learn comparison: skipped without scikit-learn."""
    return pytest.mark.skipif(sklearn is None, reason="needs scikit-learn")(fn)
