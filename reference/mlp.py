"""Reference: a network on real data (lectures 000, 002).

`MLPClassifier` and `MLPRegressor` are used as the lecture uses scikit-learn's: construct with
`hidden_layer_sizes` and `activation`, then `fit`, `predict`, `score`. Training is mini-batch
Adam (the curriculum's `adam_step`, Keras's numbers, epsilon 1e-7) for exactly `max_iter`
epochs, with these choices where scikit-learn and Keras differ or the curriculum is silent:

- Initialisation: He normal (Keras `HeNormal`) for the ReLU family ("relu", "leaky_relu",
  "elu"), Glorot uniform (Keras's `Dense` default) for every other activation; biases zero.
  (scikit-learn uses a Glorot-style uniform for all.)
- Randomness: one `np.random.default_rng(random_state)` per `fit`; it first draws the weights
  (`init_mlp`'s order, W1, W2, ...), then one `permutation` per epoch for the shuffle.
- Classifier: a softmax output over `len(classes_)` units, also for two classes (no single
  sigmoid unit), trained on mean categorical cross-entropy from the logits.
- Regressor: a linear output, trained on half the squared error summed over outputs and
  averaged over the batch (the curriculum's `half_sse`; scikit-learn's loss for 1-D targets).
- No L2 penalty (scikit-learn's `alpha`), no early stopping and no `tol`: `max_iter` epochs are
  always run. `loss_curve_[e]` is the mean over all samples of the loss in epoch e (the batch
  losses weighted by batch size, computed before each batch's update), as scikit-learn records.
- Activation names: the curriculum's ("linear", "sigmoid", "tanh", "relu", "leaky_relu",
  "elu", "softplus") and scikit-learn's ("identity", "logistic").
- Float32 inputs train and predict in float32; anything else in float64.
"""

from __future__ import annotations

import numpy as np

from reference._numerics import ACTIVATIONS, as_float, log_softmax
from reference.backprop import init_mlp, mlp_backward, mlp_forward
from reference.gradient_descent import adam_step

__all__ = ["MLPClassifier", "MLPRegressor"]

_SKLEARN_NAMES = {"identity": "linear", "logistic": "sigmoid"}
_HE_FAMILY = {"relu", "leaky_relu", "elu"}


class _BaseMLP:
    _output = "linear"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate_init=0.001,
                 max_iter=200, batch_size=32, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(hidden_layer_sizes={self.hidden_layer_sizes!r}, "
                f"activation={self.activation!r}, learning_rate_init={self.learning_rate_init!r}, "
                f"max_iter={self.max_iter!r}, batch_size={self.batch_size!r}, "
                f"random_state={self.random_state!r})")

    # -- shared machinery -------------------------------------------------------------------

    def _hidden_name(self) -> str:
        name = _SKLEARN_NAMES.get(self.activation, self.activation)
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        return name

    def _layer_sizes(self, n_in: int, n_out: int) -> list[int]:
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if np.isscalar(hidden) else list(hidden)
        return [n_in, *(int(h) for h in hidden), n_out]

    def _check_X(self, X) -> np.ndarray:
        X = as_float(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-d (N, D), got shape {X.shape}")
        return X

    def _batch_loss_and_grad(self, out, caches, T):
        raise NotImplementedError

    def _fit_targets(self, X: np.ndarray, T: np.ndarray):
        """Train on inputs `X (N, D)` and encoded targets `T (N, K)` in X's dtype."""
        hidden = self._hidden_name()
        rng = np.random.default_rng(self.random_state)
        init = "he" if hidden in _HE_FAMILY else "xavier"
        sizes = self._layer_sizes(X.shape[1], T.shape[1])
        params = {k: v.astype(X.dtype) for k, v in init_mlp(sizes, rng, init=init).items()}
        n = X.shape[0]
        batch = max(1, min(int(self.batch_size), n))
        state = None
        self.loss_curve_ = []
        for _ in range(int(self.max_iter)):
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                out, caches = mlp_forward(X[idx], params, hidden=hidden, output=self._output)
                loss, dout = self._batch_loss_and_grad(out, caches, T[idx])
                total += loss * len(idx)
                params, state = adam_step(params, mlp_backward(dout, caches), state,
                                          lr=self.learning_rate_init)
            self.loss_curve_.append(total / n)
        self.params_ = params
        n_layers = len(sizes) - 1
        self.coefs_ = [params[f"W{i}"] for i in range(1, n_layers + 1)]
        self.intercepts_ = [params[f"b{i}"] for i in range(1, n_layers + 1)]
        self.n_iter_ = int(self.max_iter)
        self.n_features_in_ = X.shape[1]
        self.n_outputs_ = T.shape[1]
        return self

    def _forward(self, X):
        if not hasattr(self, "params_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit first")
        X = self._check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the model was fitted on "
                             f"{self.n_features_in_}")
        dtype = self.params_["W1"].dtype
        return mlp_forward(X.astype(dtype, copy=False), self.params_,
                           hidden=self._hidden_name(), output=self._output)[0]


class MLPClassifier(_BaseMLP):
    """A multi-layer perceptron classifier trained with Adam on cross-entropy.

    Args:
        hidden_layer_sizes: units per hidden layer, e.g. `(100,)` or `(100, 50)`.
        activation: the hidden layers' activation (see the module docstring).
        learning_rate_init: Adam's learning rate.
        max_iter: number of epochs.
        batch_size: samples per mini-batch (the last batch of an epoch may be smaller).
        random_state: seed (int, None, or a Generator) for the weights and the shuffles.

    Attributes after `fit`: `classes_ (K,)` sorted labels, `loss_curve_` (one float per epoch),
    `params_` ({"W1", "b1", ...}), `coefs_`, `intercepts_`, `n_iter_`, `n_features_in_`.
    """

    _output = "softmax"

    def _batch_loss_and_grad(self, out, caches, T):
        logits = caches[-1][1][1]
        n = T.shape[0]
        loss = float(-np.sum(T * log_softmax(logits)) / n)
        return loss, (out - T) / out.dtype.type(n)

    def fit(self, X, y):
        """Train on `X (N, D)` and labels `y (N,)` (any sortable labels); returns self."""
        X = self._check_X(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-d with {X.shape[0]} labels, got shape {y.shape}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        onehot = np.zeros((X.shape[0], len(self.classes_)), dtype=X.dtype)
        onehot[np.arange(X.shape[0]), codes.reshape(-1)] = 1
        return self._fit_targets(X, onehot)

    def predict_proba(self, X):
        """`(N, K)` class probabilities, columns in the order of `classes_`."""
        return self._forward(X)

    def predict(self, X):
        """`(N,)` predicted labels (values of `classes_`)."""
        return self.classes_[np.argmax(self._forward(X), axis=1)]

    def score(self, X, y):
        """Accuracy: the fraction of samples whose predicted label equals `y (N,)`."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class MLPRegressor(_BaseMLP):
    """A multi-layer perceptron regressor trained with Adam on squared error.

    Same arguments as `MLPClassifier`. `fit(X (N, D), y (N,) or (N, K))`; `predict` returns the
    shape `y` had. Attributes after `fit`: `loss_curve_`, `params_`, `coefs_`, `intercepts_`,
    `n_iter_`, `n_features_in_`, `n_outputs_`.
    """

    _output = "linear"

    def _batch_loss_and_grad(self, out, caches, T):
        n = T.shape[0]
        residual = out - T
        return float(0.5 * np.sum(residual * residual) / n), residual / out.dtype.type(n)

    def fit(self, X, y):
        """Train on `X (N, D)` and targets `y (N,)` or `(N, K)`; returns self."""
        X = self._check_X(X)
        y = as_float(y, X.dtype)
        if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be (N,) or (N, K) with N = {X.shape[0]}, got {y.shape}")
        self._y_1d = y.ndim == 1
        return self._fit_targets(X, y.reshape(X.shape[0], -1))

    def predict(self, X):
        """Predictions, `(N,)` if `fit` saw 1-d targets, else `(N, K)`."""
        out = self._forward(X)
        return out[:, 0] if self._y_1d else out

    def score(self, X, y):
        """The coefficient of determination R^2 = 1 - SS_res / SS_tot, averaged over outputs
        (scikit-learn's `r2_score`; an output with SS_tot = 0 scores 1 if predicted exactly,
        else 0)."""
        pred = self.predict(X).reshape(len(X), -1).astype(np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
        ss_res = np.sum((y - pred) ** 2, axis=0)
        ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
        safe = ss_tot > 0
        r2 = np.where(safe, 1 - ss_res / np.where(safe, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
        return float(np.mean(r2))
