"""The oracle: an independent, vectorised, float64 implementation of the whole curriculum.

Graders compare learners with these modules; `tests/` proves them against live Keras and
scikit-learn. The `mistakes` package catalogues known-wrong variants that name a learner's
misconception.
"""
