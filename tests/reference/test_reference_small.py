"""Small, exact checks of the reference for perceptron, gradient_descent, backprop, xor and mlp,
and of their catalogued mistakes: each one differs observably from the reference."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from reference import backprop as bp
from reference import gradient_descent as gd
from reference import mlp
from reference import perceptron as pc
from reference import xor
from reference.mistakes import MISTAKES

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def logistic(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------------------------------
# perceptron
# ------------------------------------------------------------------------------------------


def test_lecture_worked_example():
    """w0 = 1, W = [5, -3], x = [-3, 2]: z = 1 - 15 - 6 = -20 and g(-20) = 2.06e-9."""
    z = pc.weighted_sum(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0)
    assert z == -20.0
    y_hat = pc.neuron(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0, logistic)
    assert math.isclose(y_hat, 2.0611536e-9, rel_tol=1e-7)
    assert pc.perceptron_predict(np.array([-3.0, 2.0]), np.array([5.0, -3.0]), 1.0) == 0


def test_weighted_sum_shapes_and_dtypes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    w, W, B = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=4)
    assert pc.weighted_sum(x, w, 0.5).shape == (5,)
    np.testing.assert_allclose(pc.weighted_sum(x, W, B), x @ W + B, rtol=1e-15)
    x32 = x.astype(np.float32)
    assert pc.weighted_sum(x32, w.astype(np.float32), 0.5).dtype == np.float32
    assert pc.weighted_sum(GATE_X, np.array([1, 1]), 0).dtype == np.float64
    assert pc.perceptron_predict(x32, w.astype(np.float32), 0.5).dtype.kind == "i"


@pytest.mark.parametrize("gate, table", [
    ("AND_GATE", [0, 0, 0, 1]), ("OR_GATE", [0, 1, 1, 1]), ("NAND_GATE", [1, 1, 1, 0]),
])
def test_gates_reproduce_truth_tables(gate, table):
    w, b = getattr(pc, gate)
    assert np.array_equal(pc.perceptron_predict(GATE_X, w, b), table)


def test_perceptron_train_and_gate_follows_the_rule_and_stops_early():
    y = np.array([0, 0, 0, 1])
    X = GATE_X.copy()
    w, b, errors = pc.perceptron_train(X, y)
    # Hand trace of the first two epochs with lr 0.1 from zero weights (step(0) = 1):
    # epoch 1 misses 00 and 11, epoch 2 misses 00, 01 and 11.
    assert list(errors[:2]) == [2, 3]
    assert errors[-1] == 0 and np.all(errors[:-1] > 0)
    assert len(errors) < 100
    assert np.array_equal(pc.perceptron_predict(GATE_X, w, b), y)
    assert np.array_equal(X, GATE_X)  # inputs untouched
    assert errors.dtype.kind == "i" and w.shape == (2,) and np.ndim(b) == 0


def test_perceptron_train_cannot_learn_xor():
    w, b, errors = pc.perceptron_train(GATE_X, np.array([0, 1, 1, 0]), epochs=25)
    assert len(errors) == 25 and np.all(errors > 0)


# ------------------------------------------------------------------------------------------
# gradient_descent
# ------------------------------------------------------------------------------------------


def test_gradient_descent_on_a_quadratic_matches_the_closed_form():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([1.0, -2.0])
    w0 = np.array([4.0, 5.0])
    w, path = gd.gradient_descent(lambda v: A @ (v - c), w0, 0.1, 200)
    assert path.shape == (201, 2)
    assert np.array_equal(path[0], w0) and np.array_equal(path[-1], w)
    step = np.eye(2) - 0.1 * A
    for k in (1, 7, 50):
        np.testing.assert_allclose(path[k], c + np.linalg.matrix_power(step, k) @ (w0 - c),
                                   rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w, c, atol=1e-8)
    assert np.array_equal(w0, [4.0, 5.0])


def test_gradient_descent_scalar_and_float32():
    w, path = gd.gradient_descent(lambda v: 2 * v, np.float32(1.0), 0.25, 3)
    assert path.shape == (4,) and path.dtype == np.float32
    np.testing.assert_array_equal(path, [1.0, 0.5, 0.25, 0.125])


def test_sgd_and_momentum_steps_by_hand():
    params = {"w": np.array([1.0, 2.0]), "b": np.array(0.5)}
    grads = {"w": np.array([0.5, -1.0]), "b": np.array(2.0)}
    new = gd.sgd_step(params, grads, 0.1)
    np.testing.assert_allclose(new["w"], [0.95, 2.1])
    p1, v1 = gd.momentum_step(params, grads, None, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v1["w"], [-0.05, 0.1])
    np.testing.assert_allclose(p1["w"], [0.95, 2.1])
    p2, v2 = gd.momentum_step(p1, grads, v1, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v2["w"], [-0.095, 0.19])
    np.testing.assert_allclose(p2["w"], [0.855, 2.29])
    assert np.array_equal(params["w"], [1.0, 2.0])


def test_adam_first_step_moves_about_lr_against_the_gradient_sign():
    params = {"w": np.array([1.0, -1.0, 0.0])}
    grads = {"w": np.array([3.0, -0.2, 1e-3])}
    new, state = gd.adam_step(params, grads, None, lr=0.01)
    assert state["t"] == 1
    np.testing.assert_allclose(new["w"] - params["w"], -0.01 * np.sign(grads["w"]), rtol=5e-3)
    # Exactly, with Keras's epsilon outside the bias-corrected sqrt: on step 1,
    # alpha * m = lr sqrt(1 - beta_2) g and sqrt(v) = sqrt(1 - beta_2) |g|.
    r = math.sqrt(1 - 0.999)
    np.testing.assert_allclose(new["w"] - params["w"],
                               -0.01 * r * grads["w"] / (r * np.abs(grads["w"]) + 1e-7),
                               rtol=1e-12)
    f32 = {"w": params["w"].astype(np.float32)}
    new32, _ = gd.adam_step(f32, {"w": grads["w"].astype(np.float32)}, None)
    assert new32["w"].dtype == np.float32


def test_minibatches_cover_a_permutation():
    X = np.arange(23 * 2).reshape(23, 2)
    y = np.arange(23) * 10
    batches = gd.minibatches(X, y, 5, np.random.default_rng(3))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    order = np.concatenate([yb for _, yb in batches]) // 10
    assert sorted(order) == list(range(23)) and list(order) != list(range(23))
    assert np.array_equal(order, np.random.default_rng(3).permutation(23))
    for xb, yb in batches:
        assert np.array_equal(xb[:, 0] // 2 * 10, yb)  # rows stay with their targets


def test_train_logistic_regression_dtype_and_loss_at_zero():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    w, b, losses = gd.train_logistic_regression(X, y, epochs=5)
    assert w.dtype == np.float32 and losses.shape == (5,)
    assert math.isclose(losses[0], math.log(2), rel_tol=1e-6)


# ------------------------------------------------------------------------------------------
# backprop
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, slope_at_zero", [
    ("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0), ("linear", 1.0), ("sigmoid", 0.25),
    ("tanh", 1.0), ("softplus", 0.5),
])
def test_activation_backward_at_the_kink(name, slope_at_zero):
    a, cache = bp.activation_forward(np.zeros(3), name)
    assert np.allclose(bp.activation_backward(np.ones(3), cache), slope_at_zero)


def test_activation_forward_is_stable_and_keeps_float32():
    z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        for name in ["sigmoid", "softplus", "elu", "tanh"]:
            a, cache = bp.activation_forward(z, name)
            assert np.all(np.isfinite(a)) and np.all(np.isfinite(bp.activation_backward(z, cache)))
        out, _ = bp.mlp_forward(np.array([[1.0]]), {"W1": np.array([[1000.0, -1000.0]]),
                                                    "b1": np.zeros(2)}, output="softmax")
    np.testing.assert_allclose(out, [[1.0, 0.0]])
    a32, _ = bp.activation_forward(z.astype(np.float32), "sigmoid")
    assert a32.dtype == np.float32


def test_init_mlp_shapes_seeded_and_zero_biases():
    p = bp.init_mlp([4, 8, 3], np.random.default_rng(0))
    assert list(p) == ["W1", "b1", "W2", "b2"]
    assert p["W1"].shape == (4, 8) and p["b2"].shape == (3,) and not p["b1"].any()
    q = bp.init_mlp([4, 8, 3], np.random.default_rng(0))
    assert all(np.array_equal(p[k], q[k]) for k in p)
    x = bp.init_mlp([4, 8, 3], np.random.default_rng(0), init="xavier")
    assert np.abs(x["W1"]).max() <= math.sqrt(6 / 12)


def test_numerical_gradient_is_centred_and_leaves_x_unchanged():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    before = x.copy()
    g = bp.numerical_gradient(lambda v: np.sum(v**3), x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)


def test_relative_error_formula():
    assert math.isclose(bp.relative_error(np.array([1.0, 0.0]), np.array([1.1, 0.0])), 0.1 / 2.1)
    assert math.isclose(bp.relative_error(np.array([0.0]), np.array([1e-9])), 0.1)
    assert bp.relative_error(np.ones(3), np.ones(3)) == 0.0


def test_mlp_backward_returns_params_keys_in_order():
    rng = np.random.default_rng(2)
    params = bp.init_mlp([3, 5, 4, 2], rng)
    out, caches = bp.mlp_forward(rng.normal(size=(6, 3)), params)
    grads = bp.mlp_backward(np.ones_like(out), caches)
    assert list(grads) == list(params)
    assert all(grads[k].shape == params[k].shape for k in params)


# ------------------------------------------------------------------------------------------
# xor
# ------------------------------------------------------------------------------------------


def test_xor_truth_table_and_init():
    assert np.array_equal(xor.XOR_X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert np.array_equal(xor.XOR_Y, [[0], [1], [1], [0]])
    p = xor.init_xor_mlp(np.random.default_rng(0), hidden=3)
    assert {k: v.shape for k, v in p.items()} == {"W1": (2, 3), "b1": (3,), "W2": (3, 1),
                                                  "b2": (1,)}


def test_xor_trains_to_the_truth_table_from_a_seeded_init():
    params = xor.init_xor_mlp(np.random.default_rng(0))
    start = {k: v.copy() for k, v in params.items()}
    trained, losses = xor.train_xor(params, xor.XOR_X, xor.XOR_Y)
    assert losses.shape == (5000,) and losses[-1] < 0.01 < losses[0]
    assert np.array_equal(xor.xor_predict(xor.XOR_X, trained), xor.XOR_Y)
    assert xor.xor_predict(xor.XOR_X, trained).dtype.kind == "i"
    assert all(np.array_equal(params[k], start[k]) for k in params)


def test_xor_train_step_loss_is_half_sse_before_the_step():
    params = xor.init_xor_mlp(np.random.default_rng(5))
    y_hat = xor.xor_forward(xor.XOR_X, params)
    new, loss = xor.xor_train_step(params, xor.XOR_X, xor.XOR_Y, 1.0)
    assert math.isclose(loss, 0.5 * np.sum((xor.XOR_Y - y_hat) ** 2) / 4)
    # The step agrees with a numerical gradient of the same loss.
    def loss_of(w2):
        h = logistic(xor.XOR_X @ params["W1"] + params["b1"])
        return 0.5 * np.sum((xor.XOR_Y - logistic(h @ w2 + params["b2"])) ** 2) / 4
    np.testing.assert_allclose(params["W2"] - new["W2"],
                               bp.numerical_gradient(loss_of, params["W2"]), rtol=1e-6)


# ------------------------------------------------------------------------------------------
# mlp
# ------------------------------------------------------------------------------------------


def test_mlp_one_epoch_on_digits_is_fast():
    import time

    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = sklearn_datasets.load_digits(return_X_y=True)
    clf = mlp.MLPClassifier(max_iter=1, random_state=0)
    clf.fit(X / 16, y)  # warm-up
    start = time.perf_counter()
    mlp.MLPClassifier(max_iter=3, random_state=0).fit(X / 16, y)
    assert (time.perf_counter() - start) / 3 < 0.1  # milliseconds per epoch, with CI headroom


def test_mlp_float32_stays_float32():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    clf = mlp.MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    assert clf.predict_proba(X).dtype == np.float32
    reg = mlp.MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, X[:, 1])
    assert reg.predict(X).dtype == np.float32


# ------------------------------------------------------------------------------------------
# The catalogue: every entry for these modules differs from the reference on a sample case
# ------------------------------------------------------------------------------------------

MODULES = ("perceptron", "gradient_descent", "backprop", "xor", "mlp")
MY_MISTAKES = [m for m in MISTAKES if m.target.split(".")[0] in MODULES]


def differs(a, b) -> bool:
    """True where a and b are observably different (structure, shape or value beyond the
    comparator's float64 tolerance, rtol 1e-7 and atol 1e-10)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return True
        return any(differs(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if type(a) is not type(b) or len(a) != len(b):
            return True
        return any(differs(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return True
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        return not np.allclose(a, b, rtol=1e-7, atol=1e-10, equal_nan=False)
    return not np.array_equal(a, b)


def _trained_xor():
    return xor.train_xor(xor.init_xor_mlp(np.random.default_rng(0)), xor.XOR_X, xor.XOR_Y)[0]


def _fitted(kind):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(60, 3))
    if kind == "classifier":
        y = np.array([3, 5, 7])[np.argmax(X, axis=1)]
        return X, y, mlp.MLPClassifier(hidden_layer_sizes=(10,), max_iter=30,
                                       random_state=0).fit(X, y)
    y = 50.0 + X @ np.array([1.0, -2.0, 0.5])
    return X, y, mlp.MLPRegressor(hidden_layer_sizes=(10,), max_iter=30,
                                  random_state=0).fit(X, y)


def _sample_case(target):
    """(args for the mistake, the reference's value on the same case) for each target."""
    rng = np.random.default_rng(7)
    if target == "perceptron.weighted_sum":
        args = (rng.normal(size=(4, 3)), rng.normal(size=3), 0.5)
        return args, pc.weighted_sum(*args)
    if target == "perceptron.perceptron_predict":
        args = (np.array([[0.0, 0.0], [1.0, 1.0], [-2.0, 1.0]]), np.array([1.0, 1.0]), 0.0)
        return args, pc.perceptron_predict(*args)
    if target == "perceptron.perceptron_train":
        args = (GATE_X, np.array([0, 0, 0, 1]))
        return args, pc.perceptron_train(*args)
    if target == "gradient_descent.gradient_descent":
        args = (lambda v: 2 * (v - 1), np.array([3.0, -2.0]), 0.1, 5)
        return args, gd.gradient_descent(*args)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    if target == "gradient_descent.sgd_step":
        return (params, grads, 0.1), gd.sgd_step(params, grads, 0.1)
    if target == "gradient_descent.momentum_step":
        return (params, grads, None), gd.momentum_step(params, grads, None)
    if target == "gradient_descent.adam_step":
        return (params, grads, None), gd.adam_step(params, grads, None)
    if target == "gradient_descent.minibatches":
        X, y = rng.normal(size=(10, 2)), np.arange(10)
        return ((X, y, 4, np.random.default_rng(1)),
                gd.minibatches(X, y, 4, np.random.default_rng(1)))
    if target == "gradient_descent.train_logistic_regression":
        X = rng.normal(size=(30, 2)) + 1.0
        y = (X[:, 0] + 0.5 * rng.normal(size=30) > 1).astype(int)
        return (X, y, 0.1, 50), gd.train_logistic_regression(X, y, 0.1, 50)
    if target == "backprop.dense_backward":
        x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
        dout = rng.normal(size=(5, 4))
        return (dout, x, W, b), bp.dense_backward(dout, bp.dense_forward(x, W, b)[1])
    if target == "backprop.activation_backward":
        z, da = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        _, cache = bp.activation_forward(z, "sigmoid")
        return (da, z, "sigmoid"), bp.activation_backward(da, cache)
    if target == "backprop.mlp_backward":
        X = rng.normal(size=(6, 3))
        p = bp.init_mlp([3, 5, 2], rng)
        p = {k: v + 0.1 for k, v in p.items()}
        out, caches = bp.mlp_forward(X, p, hidden="relu", output="sigmoid")
        dout = rng.normal(size=out.shape)
        return (dout, X, p, "relu", "sigmoid"), bp.mlp_backward(dout, caches)
    if target == "backprop.init_mlp":
        return (([30, 20, 2], np.random.default_rng(2)),
                bp.init_mlp([30, 20, 2], np.random.default_rng(2)))
    if target == "backprop.numerical_gradient":
        f = lambda v: float(np.sum(np.exp(3 * v)))  # noqa: E731
        x = np.array([1.0, 0.5, -0.25])
        return (f, x), bp.numerical_gradient(f, x)
    if target == "backprop.relative_error":
        a, b = np.array([1.0, 1000.0]), np.array([1.1, 1000.0])
        return (a, b), bp.relative_error(a, b)
    if target == "xor.xor_forward":
        p = xor.init_xor_mlp(np.random.default_rng(4))
        return (xor.XOR_X, p), xor.xor_forward(xor.XOR_X, p)
    if target == "xor.xor_train_step":
        p = xor.init_xor_mlp(np.random.default_rng(4))
        return (p, xor.XOR_X, xor.XOR_Y, 1.0), xor.xor_train_step(p, xor.XOR_X, xor.XOR_Y, 1.0)
    if target == "xor.xor_predict":
        p = _trained_xor()
        return (xor.XOR_X, p), xor.xor_predict(xor.XOR_X, p)
    if target == "mlp.MLPClassifier.predict":
        X, y, clf = _fitted("classifier")
        return (clf.predict_proba(X), clf.classes_), clf.predict(X)
    if target == "mlp.MLPClassifier.score":
        X, y, clf = _fitted("classifier")
        return (y, clf.predict(X)), clf.score(X, y)
    if target == "mlp.MLPRegressor.score":
        X, y, reg = _fitted("regressor")
        return (y, reg.predict(X)), reg.score(X, y)
    raise KeyError(target)


REFERENCE_FUNCTIONS = {"perceptron": pc, "gradient_descent": gd, "backprop": bp, "xor": xor}


@pytest.mark.parametrize("module", MODULES)
def test_at_least_three_mistakes_per_module(module):
    assert sum(m.target.split(".")[0] == module for m in MY_MISTAKES) >= 3


@pytest.mark.parametrize("entry", MY_MISTAKES, ids=[m.name for m in MY_MISTAKES])
def test_mistake_differs_from_reference(entry):
    args, expected = _sample_case(entry.target)
    if entry.same_signature:
        module, function = entry.target.split(".", 1)
        reference = getattr(REFERENCE_FUNCTIONS[module], function)
        def names_and_defaults(fn):
            return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
        assert names_and_defaults(entry.fn) == names_and_defaults(reference)
    with np.errstate(all="ignore"):
        wrong = entry.fn(*args)
    assert differs(wrong, expected), entry.name
    assert entry.message().startswith(f"your {entry.function} looks like ")


def _entry(name):
    return next(m.fn for m in MY_MISTAKES if m.name == name)


def test_mistakes_are_the_reference_with_only_the_named_bug():
    """Where the bug cannot show (or is undone), an entry gives the reference's numbers, so a
    learner who makes exactly that mistake is matched within the comparator's tolerance."""
    rng = np.random.default_rng(11)
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dout = rng.normal(size=(5, 4))
    dx, dW, db = bp.dense_backward(dout, bp.dense_forward(x, W, b)[1])
    mdx, mdW, mdb = _entry("backprop_dense_backward_averaged")(dout, x, W, b)
    np.testing.assert_allclose([*mdx.ravel(), *(5 * mdW).ravel(), *(5 * mdb)],
                               [*dx.ravel(), *dW.ravel(), *db], rtol=1e-12)

    p = xor.init_xor_mlp(np.random.default_rng(4))
    wrong, wrong_loss = _entry("xor_train_step_mse")(p, xor.XOR_X, xor.XOR_Y, 0.5)
    right, right_loss = xor.xor_train_step(p, xor.XOR_X, xor.XOR_Y, 1.0)
    assert not differs(wrong, right) and math.isclose(wrong_loss, 2 * right_loss)

    X = rng.normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    assert not differs(_entry("gradient_descent_logreg_sum_gradient")(X, y, 0.01, 30),
                       gd.train_logistic_regression(X, y, 0.2, 30))

    w, path = gd.gradient_descent(lambda v: v**2, np.array([1.0, 2.0]), 0.1, 4)
    mw, mpath = _entry("gradient_descent_path_without_w0")(lambda v: v**2, np.array([1.0, 2.0]),
                                                           0.1, 4)
    assert not differs((mw, mpath), (w, path[1:]))

    xor_data = (GATE_X, np.array([0, 1, 1, 0]), 0.1, 7)
    assert not differs(_entry("perceptron_train_no_early_stop")(*xor_data),
                       pc.perceptron_train(*xor_data))
    off_line = (rng.normal(size=(6, 2)), np.array([1.0, -1.0]), 0.3)
    assert not differs(_entry("perceptron_predict_strict_step")(*off_line),
                       pc.perceptron_predict(*off_line))

    Xb, yb = rng.normal(size=(12, 2)), np.arange(12)
    assert not differs(_entry("gradient_descent_minibatches_drop_last")(Xb, yb, 4,
                                                                       np.random.default_rng(0)),
                       gd.minibatches(Xb, yb, 4, np.random.default_rng(0)))

    params = bp.init_mlp([3, 4, 2], rng)
    params = {k: v + 0.1 for k, v in params.items()}
    out, caches = bp.mlp_forward(x, params, hidden="linear")
    d = rng.normal(size=out.shape)
    assert not differs(_entry("backprop_mlp_backward_no_hidden_derivative")(d, x, params, "linear"),
                       bp.mlp_backward(d, caches))

    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    v = np.array([0.3, -1.2])
    np.testing.assert_allclose(_entry("backprop_numerical_gradient_missing_two")(f, v),
                               2 * bp.numerical_gradient(f, v), rtol=1e-12)

    params1 = {"w": np.array([1.0, -2.0])}
    grads1 = {"w": np.array([0.3, 0.7])}
    new, _ = _entry("gradient_descent_adam_without_bias_correction")(params1, grads1, None)
    np.testing.assert_allclose(new["w"], params1["w"] - 0.001 * 0.1 * grads1["w"]
                               / (math.sqrt(0.001) * np.abs(grads1["w"]) + 1e-7), rtol=1e-12)
