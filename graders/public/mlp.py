"""Public checks for mlp.py: each class constructed, fitted on a small fixed set and judged.

A model is judged by training it, and more than one sound training run is right (your
initialisation and shuffling draw other numbers than the reference's), so these checks compare
properties of the fit, not its numbers (`nnlab.grading.scenarios.fitted_model`): the shapes of
predict and predict_proba, predict and score consistent with them, `loss_curve_` one finite
mean loss per epoch that falls and ends near the loss of the final weights, the predictions
following from the model's own weights (keep them as `params_` or `coefs_`/`intercepts_`), and
the same `random_state` giving the same fit; and, at a learning rate so small that the weights
barely move, each `loss_curve_` entry equal to the mean loss over all the samples. The hidden
graders also hold your accuracy to
scikit-learn's and Keras's on real data.
"""

import numpy as np

from nnlab.authoring.public_case import Case

rng = np.random.default_rng(20250310)

# three blobs in the plane, 20 samples each, labels 0, 1, 2
CENTRES = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
LABELS = np.repeat(np.arange(3), 20)
BLOBS = np.round(CENTRES[LABELS] + rng.normal(scale=0.6, size=(60, 2)), 3)

# a noisy linear target of 3 features
FEATURES = np.round(rng.normal(size=(60, 3)), 3)
TARGET = np.round(FEATURES @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(scale=0.1, size=60), 3)

SMALL = {"hidden_layer_sizes": (8,), "activation": "relu", "learning_rate_init": 0.01,
         "max_iter": 15, "batch_size": 16, "random_state": 0}

CASES = [
    Case("MLPClassifier", "3 blobs, 60 samples, (8,) relu, 15 epochs", args=(BLOBS, LABELS),
         kwargs=SMALL, scenario="fitted_model"),
    Case("MLPClassifier", "3 blobs, two tanh hidden layers (6, 4)", args=(BLOBS, LABELS),
         kwargs=dict(SMALL, hidden_layer_sizes=(6, 4), activation="tanh"),
         scenario="fitted_model"),
    Case("MLPRegressor", "a noisy linear target, 60 samples, (8,) relu, 15 epochs",
         args=(FEATURES, TARGET), kwargs=SMALL, scenario="fitted_model"),
    # a learning rate so small that the weights barely move: each epoch's mean loss over all
    # 60 samples is the final weights' loss, unlike the loss of the last batch (2 samples)
    Case("MLPClassifier", "learning rate 1e-7, batches of 29: each epoch's loss is the mean over "
         "all 60 samples", args=(BLOBS, LABELS),
         kwargs=dict(SMALL, learning_rate_init=1e-7, max_iter=3, batch_size=29),
         scenario="epoch_means"),
    Case("MLPRegressor", "learning rate 1e-7, batches of 29: each epoch's loss is the mean over "
         "all 60 samples", args=(FEATURES, TARGET),
         kwargs=dict(SMALL, learning_rate_init=1e-7, max_iter=3, batch_size=29),
         scenario="epoch_means"),
]
