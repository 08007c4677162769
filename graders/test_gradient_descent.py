"""Hidden grader for gradient_descent.py: plain descent, SGD, momentum and Adam steps,
mini-batches, and logistic regression.

- `gradient_descent` takes a gradient function: the grader writes quadratic bowls as
  `GraderFunction`s, compiled inside the worker (they run with the learner's rights): a round
  bowl (J = |w|^2 / 2, curvature 1), a steep one (curvature 50), a shallow one (curvature 0.02),
  a trough over a matrix (curvature 1 on and below the diagonal, 0 above it) and an
  ill-conditioned one (curvatures 25 and 0.25, condition number 100). Every path is compared
  with the reference's, which runs the same source in the grader.
- `momentum_step` and `adam_step` are run for 20 steps on the gradients recorded with Keras in
  graders/baselines/optimizers.npz and must follow Keras's trajectory; for Adam the textbook
  arrangement (epsilon added to sqrt(v_hat)) is accepted as well. Only the parameters are
  compared; the velocity and the state are the learner's business, handed back as returned.
- `minibatches` is judged by its properties only (any permutation drawn from the rng is right).
  The grader passes `np.random.default_rng(seed)`; a Generator crosses the boundary by its
  state, so the learner's copy draws exactly what the grader's would.
- `train_logistic_regression` is compared with the reference and with Keras's recorded
  trajectory, must predict as scikit-learn's LogisticRegression(penalty=None) does on the data
  recorded in graders/baselines/logistic_sklearn.npz, and its loss curve is drawn over the
  reference's.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnlab.baselines.recorded import load_family
from nnlab.grading import GradingFailure, check_call, expect_close
from nnlab.grading.compare import describe_call, named_failure
from nnlab.sandbox.protocol import GraderFunction
from reference.mistakes import mistakes_for

from pathlib import Path

BASELINES = Path(__file__).resolve().parent / "baselines"
# name -> (what the learner is told, the gradient's source); each is J's gradient for a quadratic J
BOWLS = {
    "round": ("the round bowl |w|^2 / 2", "def grad_fn(w):\n    return w\n"),
    "steep": ("a bowl of curvature 50", "def grad_fn(w):\n    return 50.0 * w\n"),
    "shallow": ("a bowl of curvature 0.02", "def grad_fn(w):\n    return 0.02 * w\n"),
    "trough": ("a trough, flat above the diagonal", "def grad_fn(w):\n    return np.tril(w)\n"),
    "ill-conditioned": ("curvatures 25 and 0.25",
                        "def grad_fn(w):\n    return np.array([25.0, 0.25], dtype=w.dtype) * w\n"),
}


def bowl(name):
    """The bowl's gradient twice: as a GraderFunction for the worker, and compiled here for the
    reference and the catalogued mistakes."""
    source = BOWLS[name][1]
    namespace = {"np": np}
    exec(compile(source, f"<bowl {name}>", "exec"), namespace)
    return GraderFunction("grad_fn", source), namespace["grad_fn"]


def optimizer_cases():
    return {case.name: case for case in load_family(BASELINES, "optimizers")}


def _named(target: str, name: str):
    return next(m for m in mistakes_for(target) if m.fn.__name__ == name)


# ------------------------------------------------------------------------------------------
# Plain gradient descent
# ------------------------------------------------------------------------------------------


def check_descent(learner, ref, name, w0, lr, n_steps):
    """gradient_descent(<the bowl's gradient>, w0, lr, n_steps) against the reference's (w, path)."""
    sent, grad_fn = bowl(name)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = ref.gradient_descent.gradient_descent(grad_fn, w0.copy(), lr, n_steps)
    result = learner.gradient_descent.gradient_descent.call(sent, w0, lr, n_steps)
    what = (f"gradient_descent.gradient_descent(grad_fn=<{BOWLS[name][0]}>, w0: {w0.dtype} "
            f"{w0.shape}, lr={lr:g}, n_steps={n_steps})")
    candidates = [(m, (lambda m=m: m.fn(grad_fn, w0.copy(), lr, n_steps)))
                  for m in mistakes_for("gradient_descent.gradient_descent") if m.same_signature]
    expect_close(result.value, expected, what=what, mistakes=candidates,
                 exact_dtype=w0.dtype == np.float32)
    if result.mutated:
        raise GradingFailure(f"{what} modified w0 in place; start from a copy.")
    return result.value


@pytest.mark.points(2)
def test_descent_round_bowl(learner, ref, rng):
    """gradient_descent.gradient_descent: the round bowl |w|^2 / 2"""
    check_descent(learner, ref, "round", rng.normal(size=3), float(rng.uniform(0.1, 0.5)), 25)


@pytest.mark.points(1)
def test_descent_steep_bowl(learner, ref, rng):
    """gradient_descent.gradient_descent: a steep bowl, where lr 0.03 overshoots and bounces back"""
    check_descent(learner, ref, "steep", rng.normal(size=(2, 2)), 0.03, 20)


@pytest.mark.points(2)
def test_descent_ill_conditioned(learner, ref, rng):
    """gradient_descent.gradient_descent: an ill-conditioned bowl, steep one way and shallow the other"""
    w0 = np.array([rng.uniform(1.5, 2.5), rng.uniform(-4.0, -3.0)])
    check_descent(learner, ref, "ill-conditioned", w0, 0.05, 40)


@pytest.mark.points(1)
def test_descent_trough(learner, ref, rng):
    """gradient_descent.gradient_descent: a quadratic trough, flat along the upper triangle"""
    check_descent(learner, ref, "trough", rng.normal(size=(3, 3)), 0.5, 10)


@pytest.mark.points(2)
def test_descent_too_large_lr_diverges(learner, ref, rng):
    """gradient_descent.gradient_descent: a learning rate too large for the bowl diverges"""
    w0 = rng.normal(size=2)
    _, path = check_descent(learner, ref, "steep", w0, 0.05, 30)
    if not np.abs(path[-1]).min() > 1e4 * np.abs(w0).min():
        raise GradingFailure("gradient_descent.gradient_descent with lr=0.05 on a bowl of "
                             "curvature 50 should blow up (each step multiplies w by -1.5)")


@pytest.mark.points(1)
def test_descent_too_small_lr(learner, ref, rng):
    """gradient_descent.gradient_descent: a learning rate too small for the bowl crawls"""
    check_descent(learner, ref, "shallow", rng.normal(size=4), 1.0, 15)


@pytest.mark.points(1)
def test_descent_no_steps(learner, ref, rng):
    """gradient_descent.gradient_descent: n_steps=0 gives w0 and a path of one row"""
    check_descent(learner, ref, "round", rng.normal(size=3), 0.1, 0)


@pytest.mark.points(1)
def test_descent_float32(learner, ref, rng):
    """gradient_descent.gradient_descent: float32 stays float32"""
    check_descent(learner, ref, "round", rng.normal(size=(2, 3)).astype(np.float32), 0.25, 8)


# ------------------------------------------------------------------------------------------
# Optimiser steps
# ------------------------------------------------------------------------------------------


def random_params(rng, dtype=np.float64):
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 1))}
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    cast = lambda d: {k: v.astype(dtype) for k, v in d.items()}  # noqa: E731
    return cast(params), cast(grads)


@pytest.mark.points(2)
def test_sgd_step_random(learner, ref, rng):
    """gradient_descent.sgd_step: a new dict, every parameter stepped, inputs unchanged"""
    params, grads = random_params(rng)
    check_call(learner.gradient_descent.sgd_step, ref.gradient_descent.sgd_step, params, grads,
               float(rng.uniform(0.01, 0.5)))


@pytest.mark.points(1)
def test_sgd_step_float32(learner, ref, rng):
    """gradient_descent.sgd_step: float32 stays float32"""
    params, grads = random_params(rng, np.float32)
    check_call(learner.gradient_descent.sgd_step, ref.gradient_descent.sgd_step, params, grads,
               0.1, exact_dtype=True)


def _path(params_list, name):
    return np.stack([np.asarray(p[name]) for p in params_list])


def run_optimizer(step, case, kind, state0):
    """The parameters after each of the case's 20 recorded gradient steps, as (w_path, b_path);
    `step(params, grads, state, **hyper)` -> (params, state)."""
    settings = case.settings
    hyper = ({"lr": settings["lr"], "momentum": settings["momentum"]} if kind == "sgd" else
             {"lr": settings["lr"], "beta_1": settings["beta_1"], "beta_2": settings["beta_2"],
              "epsilon": settings["epsilon"]})
    params = {"w": case["w_init"], "b": case["b_init"]}
    state = state0
    w_path, b_path = [params["w"]], [params["b"]]
    for t in range(settings["steps"]):
        grads = {"w": case["w_grads"][t], "b": case["b_grads"][t]}
        params, state = step(params, grads, state, **hyper)
        if not isinstance(params, dict) or set(params) != {"w", "b"}:
            return params
        w_path.append(params["w"])
        b_path.append(params["b"])
    try:
        return (np.stack([np.asarray(w) for w in w_path]), np.stack([np.asarray(b) for b in b_path]))
    except (TypeError, ValueError):
        return (w_path, b_path)


def learner_step(fn):
    """A step function that calls the learner and hands back its own state as returned."""
    def step(params, grads, state, **hyper):
        value = fn(params, grads, state, **hyper)
        if not (isinstance(value, tuple) and len(value) == 2):
            raise GradingFailure(f"{fn.qualname} should return a tuple (params, state), got "
                                 f"{type(value).__name__}")
        return value
    return step


def textbook_adam(params, grads, state, lr, beta_1, beta_2, epsilon):
    """The paper's arrangement: epsilon added to sqrt(v_hat) (accepted as well as Keras's)."""
    state = state or {"t": 0, "m": {}, "v": {}}
    t = state["t"] + 1
    out, m_new, v_new = {}, {}, {}
    for k, p in params.items():
        dtype = p.dtype.type
        g = grads[k]
        m = dtype(beta_1) * state["m"].get(k, np.zeros_like(p)) + dtype(1 - beta_1) * g
        v = dtype(beta_2) * state["v"].get(k, np.zeros_like(p)) + dtype(1 - beta_2) * g * g
        m_hat = m / dtype(1 - beta_1 ** t)
        v_hat = v / dtype(1 - beta_2 ** t)
        out[k] = p - dtype(lr) * m_hat / (np.sqrt(v_hat) + dtype(epsilon))
        m_new[k], v_new[k] = m, v
    return out, {"t": t, "m": m_new, "v": v_new}


def check_trajectory(learner_fn, case, kind, state0, accepted=()):
    """The learner's 20-step trajectory against Keras's recording (or an accepted variant)."""
    recorded = (case["w_path"], case["b_path"])
    rtol, atol = case.tolerance
    actual = run_optimizer(learner_step(learner_fn), case, kind, state0)
    what = (f"{learner_fn.qualname} over 20 steps of the recorded gradients "
            f"({case.dtype}, {case.config['keras']}); the (w, b) path")
    for variant in accepted:
        if expect_close_ok(actual, variant, rtol, atol):
            return
    target = f"gradient_descent.{kind if kind == 'adam' else 'momentum'}_step"
    candidates = [(m, (lambda m=m: run_optimizer(m.fn, case, kind, copy.deepcopy(state0))))
                  for m in mistakes_for(target) if m.same_signature]
    expect_close(actual, recorded, what=what, rtol=rtol, atol=atol, mistakes=candidates,
                 exact_dtype=case.dtype == np.float32)


def expect_close_ok(actual, expected, rtol, atol) -> bool:
    try:
        expect_close(actual, expected, what="", rtol=rtol, atol=atol)
    except GradingFailure:
        return False
    return True


MOMENTUM_CASES = ["sgd_momentum_f64", "sgd_momentum_f32", "sgd_momentum_keras_f64", "sgd_f64"]
ADAM_CASES = ["adam_f64", "adam_f32", "adam_keras_defaults_f64"]


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
@pytest.mark.parametrize("name", MOMENTUM_CASES)
def test_momentum_matches_keras(learner, name):
    """gradient_descent.momentum_step: 20 steps follow Keras's SGD with momentum"""
    case = optimizer_cases()[name]
    zeros = {"w": np.zeros_like(case["w_init"]), "b": np.zeros_like(case["b_init"])}
    check_trajectory(learner.gradient_descent.momentum_step, case, "sgd", zeros)


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
@pytest.mark.parametrize("name", ADAM_CASES)
def test_adam_matches_keras(learner, name):
    """gradient_descent.adam_step: 20 steps follow keras.optimizers.Adam, bias correction included"""
    case = optimizer_cases()[name]
    textbook = run_optimizer(textbook_adam, case, "adam", None)
    check_trajectory(learner.gradient_descent.adam_step, case, "adam", None, accepted=[textbook])


@pytest.mark.points(2)
def test_adam_first_step(learner, ref, rng):
    """gradient_descent.adam_step: the first step moves every parameter by about lr"""
    params, grads = random_params(rng)
    lr = 0.01
    value = learner.gradient_descent.adam_step.call(params, grads, None, lr=lr)
    what = (f"gradient_descent.adam_step(params, grads, state=None, lr={lr:g}) on "
            f"{len(params)} parameters; the new params")
    if value.mutated:
        raise GradingFailure(f"{what} modified {', '.join(value.mutated)} in place.")
    new_params = value.value[0] if isinstance(value.value, tuple) and value.value else value.value
    expected = ref.gradient_descent.adam_step(params, grads, None, lr=lr)[0]
    if expect_close_ok(new_params, textbook_adam(params, grads, None, lr, 0.9, 0.999, 1e-7)[0],
                       None, None):
        return
    candidates = [(m, (lambda m=m: m.fn(copy.deepcopy(params), copy.deepcopy(grads), None, lr=lr)[0]))
                  for m in mistakes_for("gradient_descent.adam_step") if m.same_signature]
    expect_close(new_params, expected, what=what, mistakes=candidates,
                 comparator=learner.comparator,
                 inputs={"params": params, "grads": grads, "lr": lr, "beta_1": 0.9,
                         "beta_2": 0.999, "epsilon": 1e-7})


@pytest.mark.points(1)
def test_momentum_from_none(learner, ref, rng):
    """gradient_descent.momentum_step: velocity None on the first call means zeros"""
    params, grads = random_params(rng)
    value = learner.gradient_descent.momentum_step(params, grads, None, lr=0.05, momentum=0.8)
    new_params = value[0] if isinstance(value, tuple) and value else value
    expected = ref.gradient_descent.momentum_step(params, grads, None, lr=0.05, momentum=0.8)[0]
    candidates = [(m, (lambda m=m: m.fn(copy.deepcopy(params), copy.deepcopy(grads), None,
                                        lr=0.05, momentum=0.8)[0]))
                  for m in mistakes_for("gradient_descent.momentum_step") if m.same_signature]
    expect_close(new_params, expected, mistakes=candidates, comparator=learner.comparator,
                 inputs={"params": params, "grads": grads, "lr": 0.05, "momentum": 0.8},
                 what="gradient_descent.momentum_step(params, grads, velocity=None, lr=0.05, "
                      "momentum=0.8); the new params")


# ------------------------------------------------------------------------------------------
# Mini-batches
# ------------------------------------------------------------------------------------------


def labelled(n, feature_shape=(2,), dtype=np.float64):
    """Inputs whose rows are numbered (row i is all i + 0.5 ...) and targets that say the row's
    number, so a batch shows which samples it holds and whether X and y were kept together."""
    X = (np.arange(n)[:, None] + np.linspace(0, 0.5, int(np.prod(feature_shape)))[None, :])
    X = X.reshape((n,) + feature_shape).astype(dtype)
    y = (np.arange(n) * 10).astype(np.int64)
    return X, y


def get_batches(learner, X, y, batch_size, seed):
    call = learner.gradient_descent.minibatches.call(X, y, batch_size, np.random.default_rng(seed))
    what = (f"gradient_descent.minibatches(X: {X.dtype} {X.shape}, y: {y.dtype} {y.shape}, "
            f"batch_size={batch_size}, rng=np.random.default_rng(seed))")
    if call.mutated:
        raise GradingFailure(f"{what} modified {', '.join(call.mutated)} in place.")
    batches = call.value
    if not isinstance(batches, (list, tuple)) or not all(
            isinstance(b, (list, tuple)) and len(b) == 2 and isinstance(b[0], np.ndarray)
            and isinstance(b[1], np.ndarray) for b in batches):
        raise GradingFailure(f"{what} should return a list of (X_batch, y_batch) array pairs")
    return batches, what


def sample_ids(batches, X, y, what):
    """The row numbers each batch holds; fails when a batch's X and y rows do not match."""
    ids = []
    for k, (xb, yb) in enumerate(batches):
        if len(xb) == 0:
            raise GradingFailure(f"{what}: batch {k} is empty; every batch holds at least one "
                                 f"sample (stop once all {len(X)} are used)")
        if xb.shape[1:] != X.shape[1:] or yb.shape[1:] != y.shape[1:] or len(xb) != len(yb):
            raise GradingFailure(f"{what}: batch {k} has X of shape {xb.shape} and y of shape "
                                 f"{yb.shape}; expected (B{', ' if X.ndim > 1 else ''}"
                                 f"{', '.join(map(str, X.shape[1:]))}) and (B,) with the same B")
        rows = np.floor(xb.reshape(len(xb), -1)[:, 0] + 1e-9).astype(int)
        if not np.array_equal(rows * 10, yb):
            raise GradingFailure(f"{what}: in batch {k} the targets do not belong to the inputs "
                                 f"beside them; draw one order and pick the same rows of X and y "
                                 f"with it (two permutations shuffle them apart)")
        ids.append(rows)
    return ids


def sizes_failure(message, ids, n, batch_size):
    """The failure for batches of the wrong sizes, named as the drop-last mistake when the
    batches hold exactly the samples a discarded last batch leaves."""
    if n % batch_size and sum(len(i) for i in ids) == n - n % batch_size:
        return named_failure(message, _named("gradient_descent.minibatches",
                                             "gradient_descent_minibatches_drop_last"))
    return GradingFailure(message)


@pytest.mark.points(2)
def test_minibatches_cover_every_sample_once(learner, rng):
    """gradient_descent.minibatches: every sample exactly once, X and y rows kept together"""
    n, batch_size = int(rng.integers(21, 30)), 4
    X, y = labelled(n)
    batches, what = get_batches(learner, X, y, batch_size, int(rng.integers(1 << 30)))
    every_sample_once(batches, X, y, what, batch_size)


def every_sample_once(batches, X, y, what, batch_size):
    """Fails unless the batches hold each row of X (with its y) exactly once."""
    n = len(X)
    ids = sample_ids(batches, X, y, what)
    seen = np.sort(np.concatenate(ids)) if ids else np.array([], dtype=int)
    if not np.array_equal(seen, np.arange(n)):
        missing = sorted(set(range(n)) - set(seen.tolist()))
        repeated = len(seen) - len(set(seen.tolist()))
        raise sizes_failure(f"{what} should hold each of the {n} samples exactly once; "
                            f"{len(missing)} are missing and {repeated} repeated", ids, n, batch_size)


@pytest.mark.points(1)
def test_minibatches_last_batch_smaller(learner, rng):
    """gradient_descent.minibatches: batch sizes, the last batch smaller when N is not a multiple"""
    n, batch_size = 23, 5
    X, y = labelled(n)
    batches, what = get_batches(learner, X, y, batch_size, int(rng.integers(1 << 30)))
    sizes = [len(b[0]) for b in batches]
    if sizes != [5, 5, 5, 5, 3]:
        ids = [np.zeros(s) for s in sizes]
        raise sizes_failure(f"{what} returned batches of sizes {sizes}; expected [5, 5, 5, 5, 3]",
                            ids, n, batch_size)
    every_sample_once(batches, X, y, what, batch_size)  # the right sizes, of the samples


@pytest.mark.points(1)
@pytest.mark.parametrize("n, batch_size, sizes", [(12, 4, [4, 4, 4]), (5, 8, [5]), (3, 1, [1, 1, 1])],
                         ids=["exact multiple", "batch larger than N", "batch of one"])
def test_minibatches_sizes(learner, rng, n, batch_size, sizes):
    """gradient_descent.minibatches: the number and sizes of the batches"""
    X, y = labelled(n)
    batches, what = get_batches(learner, X, y, batch_size, int(rng.integers(1 << 30)))
    got = [len(b[0]) for b in batches]
    if got != sizes:
        raise sizes_failure(f"{what} returned batches of sizes {got}; expected {sizes}",
                            [np.zeros(g) for g in got], n, batch_size)
    every_sample_once(batches, X, y, what, batch_size)  # the right sizes, of the samples


@pytest.mark.points(1)
def test_minibatches_shuffled_and_reproducible(learner, rng):
    """gradient_descent.minibatches: shuffled with the rng, the same rng state gives the same batches"""
    n, batch_size = 40, 8
    X, y = labelled(n)
    seed = int(rng.integers(1 << 30))
    first, what = get_batches(learner, X, y, batch_size, seed)
    order = np.concatenate(sample_ids(first, X, y, what))
    if np.array_equal(order, np.arange(n)):
        raise named_failure(f"{what} returned the samples in their original order",
                            _named("gradient_descent.minibatches",
                                   "gradient_descent_minibatches_unshuffled"))
    again, _ = get_batches(learner, X, y, batch_size, seed)
    if not np.array_equal(np.concatenate(sample_ids(again, X, y, what)), order):
        raise GradingFailure(f"{what} gave different batches for two generators made from the same "
                             f"seed: draw the order from the rng argument only (not np.random.* "
                             f"or a new default_rng)")
    other, _ = get_batches(learner, X, y, batch_size, seed + 1)
    if np.array_equal(np.concatenate(sample_ids(other, X, y, what)), order):
        raise GradingFailure(f"{what} gave the same order for two different seeds: draw the order "
                             f"from the rng argument")


@pytest.mark.points(1)
def test_minibatches_shapes_and_dtype(learner, rng):
    """gradient_descent.minibatches: image-like X, (N, 1) targets and float32 keep their shapes"""
    n = 10
    X, _ = labelled(n, (2, 3), np.float32)
    y = (np.arange(n) * 10).reshape(n, 1).astype(np.float32)
    batches, what = get_batches(learner, X, y, 3, int(rng.integers(1 << 30)))
    for xb, yb in batches:
        if xb.dtype != np.float32 or yb.dtype != np.float32 or xb.shape[1:] != (2, 3) or yb.shape[1:] != (1,):
            raise GradingFailure(f"{what}: a batch came back as X {xb.dtype} {xb.shape}, y "
                                 f"{yb.dtype} {yb.shape}; batches keep the samples' shapes and dtypes")
    ids = sample_ids([(xb, yb[:, 0]) for xb, yb in batches], X, y[:, 0], what)
    if not np.array_equal(np.sort(np.concatenate(ids)), np.arange(n)):
        raise sizes_failure(f"{what} should hold each of the {n} samples exactly once", ids, n, 3)


# ------------------------------------------------------------------------------------------
# Logistic regression
# ------------------------------------------------------------------------------------------


def two_blobs(rng, n=60, dtype=np.float64):
    """Two overlapping Gaussian clouds in 2-D with 0/1 labels."""
    y = (np.arange(n) % 2).astype(dtype)
    centre = rng.normal(size=2)
    X = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, centre, -centre)
    return X.astype(dtype), y


@pytest.mark.points(3)
@pytest.mark.seconds_per_call(30)
def test_logistic_regression_random(learner, ref, rng, figures):
    """gradient_descent.train_logistic_regression: weights, bias and loss curve of full-batch descent"""
    X, y = two_blobs(rng)
    kwargs = {"lr": 0.5, "epochs": 300}
    expected = ref.gradient_descent.train_logistic_regression(X, y, **kwargs)
    result = learner.gradient_descent.train_logistic_regression.call(X, y, **kwargs)
    value = result.value
    if isinstance(value, tuple) and len(value) == 3:
        figures.loss_curves("gradient_descent.train_logistic_regression: loss over epochs",
                            yours=value[2], reference=expected[2])
    what = describe_call("gradient_descent.train_logistic_regression",
                         ref.gradient_descent.train_logistic_regression, (X, y), kwargs)
    candidates = [(m, (lambda m=m: m.fn(X.copy(), y.copy(), **kwargs)))
                  for m in mistakes_for("gradient_descent.train_logistic_regression")]
    expect_close(value, expected, what=what, rtol=1e-6, atol=1e-9, mistakes=candidates)
    if result.mutated:
        raise GradingFailure(f"{what} modified {', '.join(result.mutated)} in place.")


@pytest.mark.oracle("keras")
@pytest.mark.points(2)
def test_logistic_regression_keras(learner):
    """gradient_descent.train_logistic_regression: 20 steps as Keras trains a sigmoid Dense layer"""
    case = optimizer_cases()["logistic_regression_f64"]
    settings = case.settings
    value = learner.gradient_descent.train_logistic_regression(case["X"], case["y"],
                                                               lr=settings["lr"],
                                                               epochs=settings["epochs"])
    rtol, atol = case.tolerance
    candidates = [(m, (lambda m=m: m.fn(case["X"], case["y"], lr=settings["lr"],
                                        epochs=settings["epochs"])))
                  for m in mistakes_for("gradient_descent.train_logistic_regression")]
    expect_close(value, (case["w"], case["b"], case["losses"]), rtol=max(rtol, 1e-7),
                 atol=atol, mistakes=candidates,
                 what=f"gradient_descent.train_logistic_regression(X: float64 {case['X'].shape}, "
                      f"y, lr={settings['lr']:g}, epochs={settings['epochs']}) against Keras's "
                      f"recorded (w, b, losses)")


@pytest.mark.oracle("sklearn")
@pytest.mark.points(2)
@pytest.mark.seconds_per_call(30)
def test_logistic_regression_predicts_as_sklearn(learner):
    """gradient_descent.train_logistic_regression: predicts as scikit-learn's LogisticRegression(penalty=None)"""
    case = load_family(BASELINES, "logistic_sklearn")[0]
    X, y, settings = case["X"], case["y"], case.settings
    what = (f"gradient_descent.train_logistic_regression(X: float64 {X.shape}, y, "
            f"lr={settings['lr']:g}, epochs={settings['epochs']})")
    value = learner.gradient_descent.train_logistic_regression(X, y, lr=settings["lr"],
                                                               epochs=settings["epochs"])
    if not (isinstance(value, tuple) and len(value) == 3):
        raise GradingFailure(f"{what} should return a tuple (w, b, losses)")
    w, b = value[0], value[1]
    try:
        with np.errstate(all="ignore"):
            predictions = (X @ np.asarray(w, dtype=np.float64).reshape(-1) + float(b) >= 0)
    except (TypeError, ValueError) as error:
        raise GradingFailure(f"{what} returned w and b that cannot classify X: {error}") from None
    recorded = case["predictions"]
    disagree = int(np.sum(predictions.astype(np.int64) != recorded))
    accuracy = float(np.mean(predictions == y))
    # a few samples near the boundary may fall either way; the fit itself must be the same
    if disagree > 2 or abs(accuracy - float(case["accuracy"])) > 0.01:
        message = (f"{what}: classifying with 1 where X @ w + b >= 0, your weights disagree with "
                   f"scikit-learn's LogisticRegression(penalty=None) on {disagree} of {len(y)} "
                   f"samples (accuracy {accuracy:.3f}, scikit-learn {float(case['accuracy']):.3f})")
        for m in mistakes_for("gradient_descent.train_logistic_regression"):
            with np.errstate(all="ignore"):
                mw, mb, _ = m.fn(X.copy(), y.copy(), lr=settings["lr"], epochs=settings["epochs"])
                wrong = (X @ mw + mb >= 0)
            if np.array_equal(wrong, predictions) and not np.array_equal(wrong, recorded == 1):
                raise named_failure(message, m)
        raise GradingFailure(message)


@pytest.mark.points(1)
def test_logistic_regression_float32(learner, ref, rng):
    """gradient_descent.train_logistic_regression: float32 stays float32"""
    X, y = two_blobs(rng, 20, np.float32)
    check_call(learner.gradient_descent.train_logistic_regression,
               ref.gradient_descent.train_logistic_regression, X, y, lr=0.5, epochs=20,
               rtol=1e-3, atol=1e-5, exact_dtype=True)
