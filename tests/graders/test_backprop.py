"""The backprop grader: the solution and Cleo's correct file get full marks, Dan's typical
mistakes each lose points and are named, and the grader's specific promises hold (a He
initialiser from a plain or a truncated normal passes; each gradient has its own points; a
numerical gradient must leave x alone; init_mlp must draw from the rng it is given, and
np.random works inside the sandbox)."""

import pytest

from reference.mistakes import MISTAKES
from tests.support import ROOT, grade_cleanly, learner_folder, solution_with


def grade(course, tmp_path, source, functions=None, name="learner"):
    return grade_cleanly(learner_folder(tmp_path / name, "backprop", source), course, functions)


def failed(result):
    return {t.name: t.output for t in result.tests if not t.passed}


def message(name):
    return next(m for m in MISTAKES if m.name == name).message()


@pytest.mark.parametrize("source", ["solutions", "examples/class/cleo"])
def test_correct_files_get_full_marks(course, tmp_path, source):
    result = grade(course, tmp_path, (ROOT / source / "backprop.py").read_text())
    assert result.score == result.max_score > 0, failed(result)
    assert len(result.tests) >= 60


def test_dan_loses_points_and_each_misconception_is_named(course, tmp_path):
    result = grade(course, tmp_path, (ROOT / "examples/class/dan/backprop.py").read_text())
    lost = failed(result)
    assert 0 < result.score < result.max_score
    expected = {
        "backprop.dense_backward": "backprop_dense_backward_db_not_summed",
        "backprop.activation_backward": "backprop_activation_backward_at_output",
        "backprop.init_mlp": "backprop_init_mlp_unscaled",
        "backprop.numerical_gradient": "backprop_numerical_gradient_one_sided",
        "backprop.relative_error": "backprop_relative_error_absolute",
    }
    for function, name in expected.items():
        outputs = [out for test, out in lost.items() if test.startswith(function + ":")]
        assert outputs, f"dan lost nothing on {function}"
        assert any(message(name) in out for out in outputs), (function, outputs)
    # the layer mistakes surface in mlp_backward too, named as the layer's
    mlp = [out for test, out in lost.items() if test.startswith("backprop.mlp_backward:")]
    assert any(message("backprop_dense_backward_db_not_summed") in out for out in mlp)
    assert any(message("backprop_activation_backward_at_output") in out for out in mlp)
    # what dan got right keeps its points
    assert not any(t.startswith(("backprop.dense_forward", "backprop.mlp_forward")) for t in lost)


TRUNCATED_HE = '''
def init_mlp(layer_sizes, rng, init="he"):
    params = {}
    for i, (a, c) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        if init == "he":
            std = np.sqrt(2.0 / a) / 0.87962566103423978  # Keras's TruncatedNormal scaling
            w = rng.standard_normal((a, c)) * std
            while (np.abs(w) > 2 * std).any():
                bad = np.abs(w) > 2 * std
                w[bad] = rng.standard_normal(int(bad.sum())) * std
        else:
            limit = np.sqrt(6.0 / (a + c))
            w = rng.uniform(-limit, limit, size=(a, c))
        params[f"W{i}"], params[f"b{i}"] = w, np.zeros(c)
    return params
'''


@pytest.mark.parametrize("variant", ["plain normal", "truncated normal"])
def test_he_from_a_plain_or_a_truncated_normal_passes(course, tmp_path, variant):
    source = (ROOT / "solutions/backprop.py").read_text() if variant == "plain normal" \
        else solution_with("backprop", TRUNCATED_HE)
    result = grade(course, tmp_path, source, functions={"backprop.init_mlp"})
    assert result.tests and result.score == result.max_score, failed(result)


def test_each_mlp_gradient_has_its_own_points(course, tmp_path):
    wrong_w2 = '''
_right_mlp_backward = mlp_backward


def mlp_backward(dout, caches):
    grads = _right_mlp_backward(dout, caches)
    grads["W2"] = 2 * grads["W2"]
    return grads
'''
    result = grade(course, tmp_path, solution_with("backprop", wrong_w2),
                   functions={"backprop.mlp_backward"})
    lost = set(failed(result))
    per_parameter = {t.name for t in result.tests if " with " in t.name and "hidden layer" in t.name}
    assert {t for t in lost if t in per_parameter} == {
        f"backprop.mlp_backward: W2 with {d} hidden layer(s), every activation and output"
        for d in (1, 2, 3)}
    assert len(per_parameter) == 18  # W and b of every layer, for 1, 2 and 3 hidden layers


def test_numerical_gradient_that_leaves_x_nudged_loses_points(course, tmp_path):
    in_place = '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        grad[i] = (up - f(x)) / (2 * eps)   # forgets to put x[i] back
    return grad
'''
    result = grade(course, tmp_path, solution_with("backprop", in_place),
                   functions={"backprop.numerical_gradient"})
    out = failed(result)["backprop.numerical_gradient: leaves x unchanged"]
    assert "modified x in place" in out


def test_init_mlp_must_draw_from_its_rng_and_np_random_works_in_the_sandbox(course, tmp_path):
    global_state = '''
def init_mlp(layer_sizes, rng, init="he"):
    params = {}
    for i, (a, c) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        if init == "he":
            params[f"W{i}"] = np.random.normal(0, np.sqrt(2 / a), size=(a, c))  # not rng
        else:
            limit = np.sqrt(6 / (a + c))
            params[f"W{i}"] = np.random.uniform(-limit, limit, size=(a, c))
        params[f"b{i}"] = np.zeros(c)
    return params
'''
    result = grade(course, tmp_path, solution_with("backprop", global_state),
                   functions={"backprop.init_mlp"})
    lost = failed(result)
    assert set(lost) == {"backprop.init_mlp: draws from rng only (same seed, same weights; "
                         "new seed, new weights)"}, lost
    assert "never from np.random's global functions" in next(iter(lost.values()))
    # np.random itself worked in the worker: the He statistics test passed
    assert any(t.name.startswith("backprop.init_mlp: He normal") and t.passed for t in result.tests)


# Each backward-pass mistake (catalogued with same_signature=False, so `nnlab verify` cannot
# graft it) written as a learner would, on top of the solution.
WRITTEN_AS_A_LEARNER = {
    "backprop_dense_backward_averaged": ("backprop.dense_backward", '''
def dense_backward(dout, cache):
    x, W = cache
    n = dout.shape[0]
    return dout @ W.T, x.T @ dout / n, dout.sum(axis=0) / n
'''),
    "backprop_dense_backward_db_not_summed": ("backprop.dense_backward", '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout
'''),
    "backprop_dense_backward_dW_transposed": ("backprop.dense_backward", '''
def dense_backward(dout, cache):
    x, W = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
'''),
    "backprop_activation_backward_no_upstream": ("backprop.activation_backward", '''
def activation_backward(da, cache):
    z, name = cache
    return ACTIVATIONS[name][1](z)
'''),
    "backprop_activation_backward_formula_on_z": ("backprop.activation_backward", '''
def activation_backward(da, cache):
    z, name = cache
    if name == "sigmoid":
        return da * z * (1 - z)
    if name == "tanh":
        return da * (1 - z ** 2)
    return da * ACTIVATIONS[name][1](z)
'''),
    "backprop_activation_backward_at_output": ("backprop.activation_backward", '''
def activation_forward(z, name):
    a = ACTIVATIONS[name][0](z)
    return a, (a, name)
'''),
    "backprop_mlp_backward_no_hidden_derivative": ("backprop.mlp_backward", '''
def mlp_backward(dout, caches):
    grads, upstream = {}, dout
    for i in range(len(caches), 0, -1):
        dense_cache, act_cache = caches[i - 1]
        last = i == len(caches)
        dz = activation_backward(upstream, act_cache) if last and act_cache else upstream
        upstream, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(dz, dense_cache)
    return grads
'''),
}


def test_every_backward_mistake_is_written_out_here():
    explicit = {m.name for m in MISTAKES if m.target.startswith("backprop.") and not m.same_signature}
    assert explicit == set(WRITTEN_AS_A_LEARNER)


@pytest.mark.parametrize("name", sorted(WRITTEN_AS_A_LEARNER))
def test_backward_mistake_written_by_a_learner_is_named(course, tmp_path, name):
    target, code = WRITTEN_AS_A_LEARNER[name]
    result = grade(course, tmp_path, solution_with("backprop", code), functions={target})
    lost = [out for test, out in failed(result).items() if test.startswith(target + ":")]
    assert lost, f"{name} lost nothing on {target}"
    assert any(message(name) in out for out in lost), lost


def test_large_logits_overflow_an_unstable_softmax_on_every_draw(course, tmp_path):
    """The test titled "stays finite ... for logits near 1e3" has logits beyond exp's overflow
    (about 709) whoever is graded: an unstable softmax loses it for five different learners."""
    unstable = solution_with("backprop", '''
_stable_mlp_forward = mlp_forward


def mlp_forward(X, params, hidden="relu", output="linear"):
    if output != "softmax":
        return _stable_mlp_forward(X, params, hidden, output)
    z, caches = _stable_mlp_forward(X, params, hidden, "linear")
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True), caches
''')
    from nnlab.grading.runner import grade_submission

    for learner in ("ada", "ben", "cy", "di", "ed"):
        folder = learner_folder(tmp_path / learner, "backprop", unstable)
        result = grade_submission(folder, course, warn_seed=False, learner=learner,
                                  modules=["backprop"], functions={"backprop.mlp_forward"})
        large = [t for t in result.tests if "logits near 1e3" in t.name]
        assert large and not large[0].passed, learner


def test_the_numerical_gradient_hint_leads_to_code_that_passes(course, tmp_path):
    """Written as the docstring's hint says (a float64 copy to nudge, the gradient handed back
    in x's dtype), numerical_gradient keeps every point, float32 included."""
    hint = (ROOT / "solutions" / "backprop.py").read_text()
    assert "point = np.array(x, dtype=np.float64)" in hint and "grad.astype(x.dtype)" in hint
    result = grade(course, tmp_path, solution_with("backprop", '''
def numerical_gradient(f, x, eps=1e-6):
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        keep = point[i]
        point[i] = keep + eps
        up = f(point)
        point[i] = keep - eps
        down = f(point)
        point[i] = keep
        grad[i] = (up - down) / (2 * eps)
    x = np.asarray(x)
    return grad.astype(x.dtype) if x.dtype.kind == "f" else grad
'''), functions={"backprop.numerical_gradient"})
    assert result.score == result.max_score > 0, failed(result)
