"""Catalogued mistakes of backprop.py, each in the learner's terms (see the package docstring)."""

import math  # noqa: F401  (entries may use it)

import numpy as np

from reference.mistakes.helpers import (_mistake_activate, _mistake_each_entry, _mistake_init_layers,
                                        _mistake_local_derivative, _mistake_nudged)
from reference.mistakes.registry import mistake


# Backward entries take the forward inputs, not a cache (whose contents are the learner's
# business), so they are `same_signature=False`; each docstring gives the signature.


@mistake("backprop.dense_backward", same_signature=False,
         looks_like="gradients averaged over the batch inside the layer",
         why="dW = x^T @ dout and db = dout summed over the batch; any 1/N is already in dout, "
             "which comes from the mean loss")
def backprop_dense_backward_averaged(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    n = dout.shape[0]
    return dout @ W.T, x.T @ dout / n, dout.sum(axis=0) / n


@mistake("backprop.dense_backward", same_signature=False,
         looks_like="a bias gradient without the batch sum",
         why="the same bias is added to every sample, so its gradient sums dout over the batch "
             "axis: db = dout.sum(axis=0), shape (D_out,)")
def backprop_dense_backward_db_not_summed(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    return dout @ W.T, x.T @ dout, dout.copy()


@mistake("backprop.dense_backward", same_signature=False, looks_like="a transposed dW",
         why="dW has the kernel's shape (D_in, D_out): dW = x^T @ dout, not dout^T @ x")
def backprop_dense_backward_dW_transposed(dout, x, W, b):
    """Takes (dout (N, D_out), x (N, D_in), W (D_in, D_out), b (D_out,)); returns (dx, dW, db)."""
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@mistake("backprop.activation_backward", same_signature=False,
         looks_like="the local derivative without the upstream gradient",
         why="the chain rule multiplies the local derivative by the gradient arriving from "
             "above: dz = da * f'(z)")
def backprop_activation_backward_no_upstream(da, z, name):
    """Takes (da, z, name): the upstream gradient, the pre-activation and the activation name
    given to activation_forward (same shapes); returns dz."""
    return _mistake_local_derivative(z, name) * np.ones_like(np.asarray(da, dtype=np.float64))


@mistake("backprop.activation_backward", same_signature=False,
         looks_like="a derivative formula applied to z instead of to f(z)",
         why="sigmoid' = s (1 - s) and tanh' = 1 - t**2 are written in terms of the activation "
             "s = sigmoid(z) or t = tanh(z), not of the pre-activation z")
def backprop_activation_backward_formula_on_z(da, z, name):
    """Takes (da, z, name) as above; applies only to "sigmoid" and "tanh"; returns dz."""
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return da * z * (1 - z)
    if name == "tanh":
        return da * (1 - z**2)
    raise ValueError("only sigmoid and tanh")


@mistake("backprop.activation_backward", same_signature=False,
         looks_like="the derivative evaluated at the activation's output f(z) instead of at z",
         why="f'(z) takes the pre-activation z, the input of the activation: keep z in the "
             "cache and compute da * f'(z); f'(f(z)) differs for sigmoid, tanh, ELU and softplus")
def backprop_activation_backward_at_output(da, z, name):
    """Takes (da, z, name) as above; returns dz."""
    a = _mistake_activate(np.asarray(z, dtype=np.float64), name)
    return np.asarray(da, dtype=np.float64) * _mistake_local_derivative(a, name)


@mistake("backprop.mlp_backward", same_signature=False,
         looks_like="backprop that skips the hidden activations' derivative",
         why="going back through a hidden layer multiplies by its activation's derivative at "
             "that layer's pre-activation, dz = da * f'(z), before the Dense backward")
def backprop_mlp_backward_no_hidden_derivative(dout, X, params, hidden="relu", output="linear"):
    """Takes (dout, X, params, hidden="relu", output="linear"): dout as mlp_backward's, and the
    arguments that were given to mlp_forward; returns the grads dict."""
    n_layers = len([k for k in params if k.startswith("W")])
    a, zs, inputs = np.asarray(X, dtype=np.float64), [], []
    for i in range(1, n_layers + 1):
        inputs.append(a)
        z = a @ params[f"W{i}"] + params[f"b{i}"]
        zs.append(z)
        a = z if i == n_layers else _mistake_activate(z, hidden)
    if output == "sigmoid":
        s = 1 / (1 + np.exp(-zs[-1]))
        delta = dout * s * (1 - s)
    else:
        delta = np.asarray(dout, dtype=np.float64)
    grads = {}
    for i in range(n_layers, 0, -1):
        grads[f"W{i}"] = inputs[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        delta = delta @ params[f"W{i}"].T  # the bug: no * f'(z) of the layer below
    return {k: grads[k] for i in range(1, n_layers + 1) for k in (f"W{i}", f"b{i}")}





@mistake("backprop.init_mlp", looks_like="weights drawn from N(0, 1) without scaling",
         why="He and Glorot scale the weights by the layer's fan: He normal has standard "
             "deviation sqrt(2 / fan_in), Glorot uniform the limit sqrt(6 / (fan_in + fan_out))")
def backprop_init_mlp_unscaled(layer_sizes, rng, init="he"):
    return _mistake_init_layers(layer_sizes, lambda a, c: rng.standard_normal((a, c)))  # no fan scaling


@mistake("backprop.init_mlp", looks_like="He normal without the factor 2",
         why="He's standard deviation is sqrt(2 / fan_in): the 2 makes up for ReLU zeroing half "
             "of its inputs; sqrt(1 / fan_in) shrinks the signal at every layer")
def backprop_init_mlp_he_without_two(layer_sizes, rng, init="he"):
    def draw(a, c):
        if init == "he":
            return rng.normal(0.0, np.sqrt(1.0 / a), size=(a, c))  # sqrt(1 / fan_in) (should be sqrt(2 / fan_in))
        limit = np.sqrt(6.0 / (a + c))
        return rng.uniform(-limit, limit, size=(a, c))

    return _mistake_init_layers(layer_sizes, draw)


@mistake("backprop.numerical_gradient", looks_like="one-sided differences",
         why="(f(x + eps) - f(x)) / eps has an error proportional to eps; the centred "
             "(f(x + eps) - f(x - eps)) / (2 eps) is accurate to eps**2")
def backprop_numerical_gradient_one_sided(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    base = float(f(x.copy()))  # f(x) itself (should be f(x - eps) at each entry, over 2 * eps)
    return _mistake_each_entry(x, lambda i: (float(f(_mistake_nudged(x, i, eps))) - base) / eps)


@mistake("backprop.numerical_gradient", looks_like="centred differences divided by eps",
         why="the two evaluation points are 2 * eps apart, so the difference is divided by "
             "2 * eps; dividing by eps doubles the gradient")
def backprop_numerical_gradient_missing_two(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    # divided by eps (should be 2 * eps)
    return _mistake_each_entry(x, lambda i: (float(f(_mistake_nudged(x, i, eps)))
                                             - float(f(_mistake_nudged(x, i, -eps)))) / eps)


@mistake("backprop.relative_error", looks_like="the largest difference over the largest magnitude",
         why="the relative error is taken entry by entry, |a - b| / max(1e-8, |a| + |b|), and "
             "then the largest of those is returned; dividing maxima lets big entries hide "
             "wrong small ones")
def backprop_relative_error_ratio_of_maxima(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-8, float(np.max(np.abs(a) + np.abs(b)))))


@mistake("backprop.relative_error", looks_like="the absolute error",
         why="max |a - b| must be divided by max(1e-8, |a| + |b|) entry by entry, so that "
             "large and small gradients are judged alike")
def backprop_relative_error_absolute(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))
