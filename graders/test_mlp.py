"""Hidden grader for mlp.py: the learner's MLPClassifier and MLPRegressor on real data.

Judged by outcomes, never by trajectories, so any sound Adam-trained MLP passes:

- on scikit-learn's digits and on the lecture's make_classification and make_regression sets
  (80/20 splits, recorded in graders/baselines/sklearn_mlp.npz with scikit-learn's own test
  scores under the very same settings, 10 seeds), the learner's test accuracy must come within
  3 points, and R^2 within 0.05, of scikit-learn's worst seed;
- on the digits the same fit is also held to Keras: a keras.Sequential MLP with the same hidden
  sizes, activation, Adam learning rate, epochs and batch size (graders/baselines/keras_mlp.npz,
  5 seeds); the learner's test accuracy must come within 3 points of Keras's worst seed;
- predict_proba rows are probabilities summing to 1; predict returns labels; score is the
  accuracy (R^2 for the regressor) of predict; loss_curve_ has one mean loss per epoch and falls;
- a fixed random_state reproduces a fit; float32 data trains in float32; fit leaves X and y alone.

Each data set is fitted once per grading run (the learner's random_state drawn from the
hidden seed) and the tests that judge that fit share it; a fit that fails, or that is too slow
for the per-call limit, fails those tests with one line. The settings are small (20 epochs)
so that a vectorised NumPy learner trains all three sets in well under a second; the learner's
loss curve is drawn over the reference's. Grading imports neither scikit-learn nor TensorFlow.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nnlab.baselines import load_baselines
from nnlab.grading import GradingFailure, LearnerFailure, Outcome, expect_close
from nnlab.grading.compare import describe_value
from nnlab.grading.fitted import HIDDEN_NAMES, mean_losses, parameter_candidates
from reference.mistakes import mistakes_for

BASELINES = Path(__file__).resolve().parent / "baselines"
FIT_SECONDS = 20  # per learner call while training: 100 times what a vectorised learner needs

_SKLEARN: dict[str, Any] = {}
_FITS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # learner -> {key: outcome}
_REFERENCE_CURVES: dict[str, list] = {}


def sklearn_case(name):
    """A recorded case of the sklearn_mlp family: data, settings, scikit-learn's scores."""
    if not _SKLEARN:
        _SKLEARN.update({c.name: c for c in load_baselines(BASELINES, ["sklearn_mlp"])["sklearn_mlp"]})
    return _SKLEARN[name]


def keras_case():
    """Keras's MLP on the digits (keras_mlp family): its settings and test accuracies."""
    return load_baselines(BASELINES, ["keras_mlp"])["keras_mlp"][0]


def mistake(target, compute):
    return [(m, (lambda m=m: compute(m))) for m in mistakes_for(target)]


@dataclass
class Fit:
    """A model the learner's code made and fitted, living in the worker."""

    model: Any
    what: str  # "your MLPClassifier(hidden_layer_sizes=(100,), ...) fitted on digits"
    settings: dict
    X: np.ndarray
    y: np.ndarray
    estimator: str = "MLPClassifier"
    params: Any = None  # its own weights, once found (model_params)


def method(learner, fit, name, *args):
    """Call a method of the learner's fitted model; its arguments must come back unchanged."""
    result = learner.method_call(fit.model, name, *args)
    if result.mutated:
        raise GradingFailure(f"{fit.what}: {name} modified {', '.join(result.mutated)} in place; "
                             f"leave the caller's data unchanged.")
    return result.value


def forward_of(params, activation, classifier, X):
    """What the parameters compute on X through the reference's forward pass: class
    probabilities (softmax output) or the regressor's outputs (linear output)."""
    from reference.backprop import mlp_forward

    W1 = params["W1"]
    if W1.ndim != 2 or W1.shape[0] != X.shape[1]:
        raise ValueError(f"W1 has shape {W1.shape}, expected ({X.shape[1]}, H1)")
    out, _ = mlp_forward(np.asarray(X, dtype=W1.dtype), params,
                         hidden=HIDDEN_NAMES.get(activation, activation),
                         output="softmax" if classifier else "linear")
    return out


def _follows(got, params, fit, X, classifier):
    try:
        expected = forward_of(params, fit.settings["activation"], classifier, X)
    except (ValueError, KeyError, TypeError, IndexError):
        return False
    if not classifier and expected.size == got.size:
        expected = expected.reshape(got.shape)
    loose = np.float32 in (got.dtype, params["W1"].dtype)
    if got.shape != expected.shape:
        return False
    with np.errstate(all="ignore"):
        if np.allclose(got, expected, rtol=1e-3 if loose else 1e-6, atol=1e-5 if loose else 1e-9):
            return True
        # probabilities of another (wrong) form that rank the classes as the network's logits
        # do (a sigmoid per class): the weights are the model's own; predict_proba's own test
        # judges its values
        return classifier and bool(np.all(np.argmax(got, axis=1) == np.argmax(expected, axis=1)))


def model_params(learner, fit):
    """The fitted model's own parameters {"W1": (D, H1), "b1": (H1,), ..., "WL", "bL"}, those
    its predictions follow from through the forward pass (found once per fit, among
    `parameter_candidates`). A memorising or nearest-neighbour predictor, or one that trains
    one network and predicts with another, has none and fails."""
    if fit.params is not None:
        return fit.params
    try:
        state = learner.attribute(fit.model, "__dict__")
    except LearnerFailure:
        state = None
    X = fit.X[:100]
    classifier = fit.estimator == "MLPClassifier"
    name = "predict_proba" if classifier else "predict"
    got = as_array(method(learner, fit, name, X), f"{fit.what}: {name}(X_train[:100])")
    candidates = parameter_candidates(state) if isinstance(state, dict) else []
    for params in candidates:
        if _follows(got, params, fit, X, classifier):
            fit.params = params
            return params
    raise GradingFailure(
        f"{fit.what}: {name}(X) does not follow from the model's own weights"
        + (" (none found: keep them as arrays on the model, params_ = {'W1': (D, H1), 'b1': "
           "(H1,), ..., 'WL', 'bL'} as the class docstring says)" if not candidates else
           f": the forward pass of its parameters ({fit.settings['activation']} hidden layers, "
           f"{'a softmax' if classifier else 'a linear'} output) gives other values")
        + ". A model's predictions are what its weights compute, not a lookup of the training "
          "data.")


def check_follows_from_params(learner, fit):
    """A fitted model's predictions must follow from its own parameters (`model_params`)."""
    model_params(learner, fit)


def train(learner, estimator, settings, X, y, label):
    """Construct the learner's estimator with `settings` and fit it on X, y; its predictions
    must follow from its own parameters (`check_follows_from_params`)."""
    args = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v!r}" for k, v in settings.items())
    what = f"your {estimator}({args})"
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()}
    model = getattr(learner.mlp, estimator)(**kwargs)
    fit = Fit(model, f"{what} fitted on {label}", settings, X, y, estimator)
    try:
        method(learner, fit, "fit", X, y)
    except LearnerFailure as error:
        if error.outcome is Outcome.TIMEOUT:
            raise GradingFailure(
                f"{what}.fit on {label} ({len(X)} samples, {settings['max_iter']} epochs) took "
                f"over {FIT_SECONDS} s, far longer than a vectorised learner (under a second): "
                f"compute each mini-batch with whole-matrix products, not loops over samples."
            ) from None
        raise
    check_follows_from_params(learner, fit)
    return fit


def shared_fit(learner, key, make):
    """The learner's fit for `key`, made once per grading run by `make()` and shared by the
    tests that judge it (a failure is shared too)."""
    fits = _FITS.setdefault(learner, {})
    if key not in fits:
        try:
            fits[key] = make()
        except GradingFailure as failure:
            fits[key] = failure
    if isinstance(fits[key], GradingFailure):
        raise fits[key]
    return fits[key]


def lecture_fit(learner, rng, name):
    """The learner's model fitted on a recorded data set with scikit-learn's settings."""
    case = sklearn_case(name)
    s = case.settings
    settings = {k: s[k] for k in ("hidden_layer_sizes", "activation", "learning_rate_init",
                                  "max_iter", "batch_size")}
    settings["random_state"] = int(rng.integers(2**31))
    label = {"digits": "the digits", "classification": "the lecture's make_classification set",
             "regression": "the lecture's make_regression set"}[name]
    return shared_fit(learner, name, lambda: train(learner, s["estimator"], settings,
                                                   case["X_train"], case["y_train"], label))


def blobs(rng, labels=(0, 1, 2), n=150, dtype=np.float64):
    """Three well separated Gaussian blobs in 2-d, labelled with `labels`."""
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    k = rng.integers(0, 3, size=n)
    X = (centres[k] + rng.normal(scale=0.7, size=(n, 2))).astype(dtype)
    return X, np.asarray(labels)[k]


SMALL = {"hidden_layer_sizes": (16,), "activation": "relu", "learning_rate_init": 0.01,
         "max_iter": 30, "batch_size": 32}


def as_array(value, what, shape=None):
    array = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple, np.generic, int, float)) else None
    if array is None or array.dtype.kind not in "biuf":
        raise GradingFailure(f"{what} should be a NumPy array of numbers, got {describe_value(value)}.")
    if shape is not None and array.shape != shape:
        raise GradingFailure(f"{what} has shape {array.shape}, expected {shape}.")
    return array


def r2(y, pred):
    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64).reshape(np.shape(y))
    return float(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def predict_test(learner, fit, name, like_y=False):
    """The scikit-learn case `name` and the learner's predict(X_test) on it, as a checked array
    (of y_test's shape when like_y)."""
    case = sklearn_case(name)
    return case, as_array(method(learner, fit, "predict", case["X_test"]), f"{fit.what}: predict(X_test)",
                          case["y_test"].shape if like_y else None)


def judge_score(name, got, measure):
    case = sklearn_case(name)
    s = case.settings
    bar = float(case.outputs["score_min"]) - s["margin"]
    if not got >= bar:  # nan fails too
        raise GradingFailure(
            f"your {s['estimator']} reached {measure} {got:.3f} on the test set; scikit-learn's "
            f"{s['estimator']} with the same settings scores {float(case.outputs['score_mean']):.3f} "
            f"on average over {len(s['seeds'])} seeds and {float(case.outputs['score_min']):.3f} "
            f"at worst, and the bar is {bar:.3f} ({s['margin']:g} below its worst). Check the "
            f"backward pass and the Adam step with numerical gradients on a small network.")


def reference_curve(ref, name):
    if name not in _REFERENCE_CURVES:
        case = sklearn_case(name)
        s = case.settings
        model = getattr(ref.mlp, s["estimator"])(
            hidden_layer_sizes=tuple(s["hidden_layer_sizes"]), activation=s["activation"],
            learning_rate_init=s["learning_rate_init"], max_iter=s["max_iter"],
            batch_size=s["batch_size"], random_state=0)
        _REFERENCE_CURVES[name] = list(model.fit(case["X_train"], case["y_train"]).loss_curve_)
    return _REFERENCE_CURVES[name]


def training_loss(params, fit, X, y):
    """The mean training loss the parameters give on X, y: cross-entropy for the classifier;
    for the regressor (half the squared error, as scikit-learn's, and the squared error) both
    conventions, as a tuple."""
    classifier = fit.estimator == "MLPClassifier"
    return mean_losses(forward_of(params, fit.settings["activation"], classifier, X), y, classifier)


def shown(curve):
    """A few numbers of a learner's curve, readable whatever they are."""
    text = ", ".join(f"{v:.6g}" for v in np.asarray(curve, dtype=np.float64).ravel()[:5])
    return f"[{text}{', ...' if np.size(curve) > 5 else ''}]"


def close_to_any(value, candidates, rtol):
    return any(abs(value - c) <= rtol * abs(c) + 1e-12 for c in candidates)


def check_loss_curve(learner, ref, figures, fit, name, title):
    curve = as_array(learner.attribute(fit.model, "loss_curve_"), f"{fit.what}: loss_curve_")
    figures.loss_curves(title, log_y=(name == "regression"), yours=curve,
                        reference=reference_curve(ref, name))
    n, epochs = len(fit.X), fit.settings["max_iter"]
    expect_close(len(curve), epochs, what=f"the length of loss_curve_ of {fit.what},",
                 mistakes=mistake(f"mlp.{fit.estimator}.loss_curve_",
                                  lambda m: m.fn(n, fit.settings["batch_size"], epochs)))
    if curve.ndim != 1 or not np.all(np.isfinite(curve)) or np.any(curve < 0):
        raise GradingFailure(f"{fit.what}: loss_curve_ should be {epochs} finite losses, none "
                             f"negative.")
    # the last epoch's mean loss is close to the loss of the final parameters
    final = training_loss(model_params(learner, fit), fit, fit.X, fit.y)
    if not any(abs(curve[-1] - f) <= 0.5 * max(curve[-1], f) + 0.02 for f in final):
        raise GradingFailure(f"{fit.what}: loss_curve_ ends at {curve[-1]:.4g}, but the model's "
                             f"own parameters give a mean training loss of {final[0]:.4g}: "
                             f"loss_curve_[e] is the mean loss over the samples of epoch e.")
    if not curve[-1] < curve[0]:
        raise GradingFailure(f"{fit.what}: loss_curve_ does not fall overall (first epoch "
                             f"{curve[0]:.4g}, last {curve[-1]:.4g}): is the update's sign right?")


# ------------------------------------------------------------------------------------------
# MLPClassifier
# ------------------------------------------------------------------------------------------


@pytest.mark.oracle("sklearn")
@pytest.mark.points(4)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_digits(learner, rng):
    """mlp.MLPClassifier: accuracy on the digits within 3 points of scikit-learn's"""
    fit = lecture_fit(learner, rng, "digits")
    case, pred = predict_test(learner, fit, "digits", like_y=True)
    judge_score("digits", float(np.mean(pred == case["y_test"])), "accuracy")


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_digits_keras(learner, rng):
    """mlp.MLPClassifier: accuracy on the digits within 3 points of a Keras MLP trained the same way"""
    fit = lecture_fit(learner, rng, "digits")  # the fit test_classifier_digits judges
    case = keras_case()
    s = case.settings
    X_test = case["pixels_test"] / s["pixel_scale"]
    pred = as_array(method(learner, fit, "predict", X_test), f"{fit.what}: predict(X_test)",
                    case["y_test"].shape)
    got = float(np.mean(pred == case["y_test"]))
    bar = float(case.outputs["accuracy_min"]) - s["margin"]
    if not got >= bar:  # nan fails too
        raise GradingFailure(
            f"your MLPClassifier reached accuracy {got:.3f} on the digits' test set; Keras's "
            f"{case.config['keras']} scores {float(case.outputs['accuracy_mean']):.3f} on average "
            f"over {len(s['seeds'])} seeds and {float(case.outputs['accuracy_min']):.3f} at "
            f"worst, and the bar is {bar:.3f} ({s['margin']:g} below its worst). Check the "
            f"backward pass and the Adam step with numerical gradients on a small network.")


@pytest.mark.oracle("sklearn")
@pytest.mark.points(3)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_lecture_set(learner, rng):
    """mlp.MLPClassifier: accuracy on the lecture's make_classification set, hidden (100, 50)"""
    fit = lecture_fit(learner, rng, "classification")
    case, pred = predict_test(learner, fit, "classification", like_y=True)
    judge_score("classification", float(np.mean(pred == case["y_test"])), "accuracy")


@pytest.mark.points(2)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_predict_proba(learner, rng):
    """mlp.MLPClassifier: predict_proba gives probabilities, rows summing to 1"""
    fit = lecture_fit(learner, rng, "digits")
    X = sklearn_case("digits")["X_test"]
    what = f"{fit.what}: predict_proba(X_test)"
    proba = as_array(method(learner, fit, "predict_proba", X), what, (len(X), 10))
    if not np.all(np.isfinite(proba)) or proba.min() < 0 or proba.max() > 1:
        raise GradingFailure(f"{what} has entries outside [0, 1] (or nan/inf): a softmax of the "
                             f"logits gives probabilities.")
    expect_close(proba.sum(axis=1), np.ones(len(X)), rtol=0, atol=1e-6,
                 what=f"the row sums of {what}")


@pytest.mark.points(2)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_labels(learner, rng):
    """mlp.MLPClassifier: predict returns the labels given to fit, not column indices"""
    labels = np.sort(rng.choice(np.arange(3, 40), size=3, replace=False))
    X, y = blobs(rng, labels)
    settings = dict(SMALL, random_state=int(rng.integers(2**31)))
    fit = shared_fit(learner, "labels", lambda: train(learner, "MLPClassifier", settings, X, y,
                                                      f"three blobs labelled {labels.tolist()}"))
    proba = as_array(method(learner, fit, "predict_proba", X), f"{fit.what}: predict_proba(X)",
                     (len(X), 3))
    pred = as_array(method(learner, fit, "predict", X), f"{fit.what}: predict(X)", (len(X),))
    expect_close(pred, labels[np.argmax(proba, axis=1)],
                 what=f"{fit.what}: predict(X), against the labels of predict_proba's largest "
                      f"column,",
                 mistakes=mistake("mlp.MLPClassifier.predict", lambda m: m.fn(proba, labels)))
    if np.mean(pred == y) < 0.9:
        raise GradingFailure(f"{fit.what} predicts only {np.mean(pred == y):.0%} of three well "
                             f"separated blobs right.")


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_score(learner, rng):
    """mlp.MLPClassifier: score is the accuracy of predict"""
    fit = lecture_fit(learner, rng, "classification")
    case, pred = predict_test(learner, fit, "classification", like_y=True)
    X, y = case["X_test"], case["y_test"]
    score = as_array(method(learner, fit, "score", X, y), f"{fit.what}: score(X_test, y_test)", ())
    expect_close(float(score), float(np.mean(pred == y)), rtol=0, atol=1e-9,
                 what=f"{fit.what}: score(X_test, y_test), against the accuracy of its predict,",
                 mistakes=mistake("mlp.MLPClassifier.score", lambda m: m.fn(y, pred)))


@pytest.mark.points(2)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_loss_curve(learner, ref, rng, figures):
    """mlp.MLPClassifier: loss_curve_ holds one mean loss per epoch and falls"""
    fit = lecture_fit(learner, rng, "digits")
    check_loss_curve(learner, ref, figures, fit, "digits",
                     "mlp.MLPClassifier: loss over epochs on the digits")


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_reproducible(learner, rng):
    """mlp.MLPClassifier: the same random_state gives the same model"""
    X, y = blobs(rng)
    settings = dict(SMALL, max_iter=5, random_state=int(rng.integers(2**31)))
    first = train(learner, "MLPClassifier", settings, X, y, "three blobs")
    again = train(learner, "MLPClassifier", settings, X, y, "three blobs")
    p1 = as_array(method(learner, first, "predict_proba", X), f"{first.what}: predict_proba(X)")
    p2 = as_array(method(learner, again, "predict_proba", X), f"{again.what}: predict_proba(X)")
    if p1.shape != p2.shape or not np.array_equal(p1, p2):
        raise GradingFailure(f"two fits of {first.what.split(' fitted')[0]} on the same data gave "
                             f"different probabilities: draw the weights and the shuffles from "
                             f"np.random.default_rng(random_state), nothing else.")


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_float32(learner, rng):
    """mlp.MLPClassifier: float32 data trains, probabilities stay float32"""
    X, y = blobs(rng, dtype=np.float32)
    settings = dict(SMALL, random_state=int(rng.integers(2**31)))
    fit = train(learner, "MLPClassifier", settings, X, y, "three blobs in float32")
    proba = as_array(method(learner, fit, "predict_proba", X), f"{fit.what}: predict_proba(X)",
                     (len(X), 3))
    if proba.dtype != np.float32:
        raise GradingFailure(f"{fit.what}: predict_proba(X) has dtype {proba.dtype}, expected "
                             f"float32 (outputs keep the input's dtype: cast the weights to X's "
                             f"dtype when you initialise them).")
    expect_close(proba.sum(axis=1), np.ones(len(X), dtype=np.float32), rtol=0, atol=1e-5,
                 what=f"the row sums of {fit.what}: predict_proba(X)")


def adam_second_step(params, grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """The lecture's second Adam step from `params`, both steps' gradients `grads` (the
    learning rate is small, so the first step's gradient is the second's to within it)."""
    step = {}
    for key, g in grads.items():
        m = beta_1 * (1 - beta_1) * g + (1 - beta_1) * g
        v = beta_2 * (1 - beta_2) * g * g + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1 ** 2), v / (1 - beta_2 ** 2)  # the bias correction
        step[key] = lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return step


def check_training(learner, rng, estimator):
    """Training judged as training, on a small full-batch problem where every number can be
    recomputed: loss_curve_[1] is the loss the parameters after one epoch give; the second
    step is Adam's, bias correction included; with mini-batches, loss_curve_[0] is the mean of
    the epoch's batch losses, not the last batch's."""
    from reference.backprop import mlp_backward, mlp_forward

    n = 48
    classifier = estimator == "MLPClassifier"
    if classifier:
        X, y = blobs(rng, n=n)
    else:
        X = rng.normal(size=(n, 3))
        y = X @ rng.normal(size=3) + 0.1 * rng.normal(size=n)
    base = {"hidden_layer_sizes": (6,), "activation": "relu", "learning_rate_init": 1e-3,
            "batch_size": n, "random_state": int(rng.integers(2**31))}
    one = train(learner, estimator, dict(base, max_iter=1), X, y, f"{n} samples, one full batch")
    two = train(learner, estimator, dict(base, max_iter=2), X, y, f"{n} samples, one full batch")
    p1, p2 = model_params(learner, one), model_params(learner, two)
    curve = as_array(learner.attribute(two.model, "loss_curve_"), f"{two.what}: loss_curve_")
    first = as_array(learner.attribute(one.model, "loss_curve_"), f"{one.what}: loss_curve_")
    # Two fits of one random_state start from the same weights, unless the learner's draws
    # depend on max_iter (all shuffles drawn before the weights, say): a right choice too, and
    # then the first fit's weights are not the second's after one step, so only the checks
    # within one fit apply.
    same_start = (curve.shape == (2,) and first.shape == (1,)
                  and close_to_any(float(first[0]), (float(curve[0]),), 1e-9))
    expected = training_loss(p1, one, X, y)
    if same_start and not close_to_any(float(curve[1]), expected, 1e-6):
        raise GradingFailure(
            f"{two.what}: loss_curve_ is {shown(curve)}; with one batch per "
            f"epoch, loss_curve_[1] is the loss of the parameters after the first step, "
            f"{expected[0]:.6g} (what its params_ after max_iter=1 give). loss_curve_[e] is the "
            f"mean loss of epoch e, computed before each batch's update.")
    # the gradient at p1 of the mean loss over the batch, through the reference
    out, caches = mlp_forward(X, p1, hidden="relu", output="softmax" if classifier else "linear")
    if classifier:
        T = (y[:, None] == np.unique(y)[None, :]).astype(np.float64)
        dout = (out - T) / n
    else:
        dout = (out - y.reshape(n, -1)) / n
    grads = mlp_backward(dout, caches)
    lr = base["learning_rate_init"]
    predicted = adam_second_step(p1, grads, lr)
    wrong = np.concatenate([np.abs((p1[k] - p2[k]) - predicted[k]).ravel() > 0.1 * lr
                            for k in predicted])
    if same_start and wrong.mean() > 0.05:
        moved = np.median(np.concatenate([np.abs(p1[k] - p2[k]).ravel() for k in p1]))
        raise GradingFailure(
            f"{two.what}: the second training step moved the parameters by {moved:.3g} (median "
            f"over entries); Adam's second step, with the bias correction m / (1 - beta_1^t) "
            f"and v / (1 - beta_2^t), moves each by about lr = {lr:g}, and {wrong.mean():.0%} "
            f"of the entries differ from it by over a tenth of lr. Check the Adam update and "
            f"its step count t.")
    # mini-batches: the epoch's mean, batch losses weighted by their sizes (a tiny learning
    # rate keeps the parameters, so the mean is the loss of the final ones)
    small = dict(base, max_iter=1, batch_size=16, learning_rate_init=1e-8)
    mini = train(learner, estimator, small, X, y, f"{n} samples in batches of 16")
    curve = as_array(learner.attribute(mini.model, "loss_curve_"), f"{mini.what}: loss_curve_")
    expect_close(len(curve), 1, what=f"the length of loss_curve_ of {mini.what} (one epoch),",
                 mistakes=mistake(f"mlp.{estimator}.loss_curve_", lambda m: m.fn(n, 16, 1)))
    expected = training_loss(model_params(learner, mini), mini, X, y)
    if curve.shape != (1,) or not close_to_any(float(curve[0]), expected, 1e-4):
        raise GradingFailure(
            f"{mini.what}: loss_curve_ is {shown(curve)}, but the mean loss "
            f"over the epoch's three batches is {expected[0]:.6g}: loss_curve_[e] is the mean "
            f"over all samples of epoch e (each batch's mean loss weighted by its size), not "
            f"the last batch's loss or a sum.")


@pytest.mark.points(2)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_classifier_training(learner, rng):
    """mlp.MLPClassifier: trained with Adam (bias correction included), loss_curve_ the epoch means of its own parameters"""
    check_training(learner, rng, "MLPClassifier")


# ------------------------------------------------------------------------------------------
# MLPRegressor
# ------------------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_regressor_training(learner, rng):
    """mlp.MLPRegressor: trained with Adam (bias correction included), loss_curve_ the epoch means of its own parameters"""
    check_training(learner, rng, "MLPRegressor")


@pytest.mark.oracle("sklearn")
@pytest.mark.points(3)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_regressor_r2(learner, rng):
    """mlp.MLPRegressor: R^2 on the lecture's make_regression set within 0.05 of scikit-learn's"""
    fit = lecture_fit(learner, rng, "regression")
    case, pred = predict_test(learner, fit, "regression")
    if pred.size != case["y_test"].size:
        raise GradingFailure(f"{fit.what}: predict(X_test) has shape {pred.shape}, expected "
                             f"{case['y_test'].shape}.")
    judge_score("regression", r2(case["y_test"], pred), "R^2")


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_regressor_predict_shape(learner, rng):
    """mlp.MLPRegressor: predict returns (N,) for a 1-d y"""
    fit = lecture_fit(learner, rng, "regression")
    case, pred = predict_test(learner, fit, "regression")
    X = case["X_test"]
    if pred.size != len(X):
        raise GradingFailure(f"{fit.what}: predict(X_test) has shape {pred.shape}, expected "
                             f"({len(X)},).")
    right = pred.reshape(-1)
    expect_close(pred, right, what=f"{fit.what}: predict(X_test)",
                 mistakes=mistake("mlp.MLPRegressor.predict", lambda m: m.fn(right)))


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_regressor_score(learner, rng):
    """mlp.MLPRegressor: score is R^2 of predict"""
    fit = lecture_fit(learner, rng, "regression")
    case, pred = predict_test(learner, fit, "regression")
    X, y = case["X_test"], case["y_test"]
    score = as_array(method(learner, fit, "score", X, y), f"{fit.what}: score(X_test, y_test)", ())
    expect_close(float(score), r2(y, pred), rtol=1e-9, atol=1e-12,
                 what=f"{fit.what}: score(X_test, y_test), against the R^2 of its predict,",
                 mistakes=mistake("mlp.MLPRegressor.score", lambda m: m.fn(y, pred.reshape(y.shape))))


@pytest.mark.points(1)
@pytest.mark.seconds_per_call(FIT_SECONDS)
def test_regressor_loss_curve(learner, ref, rng, figures):
    """mlp.MLPRegressor: loss_curve_ holds one mean loss per epoch and falls"""
    fit = lecture_fit(learner, rng, "regression")
    check_loss_curve(learner, ref, figures, fit, "regression",
                     "mlp.MLPRegressor: loss over epochs on the make_regression set")
