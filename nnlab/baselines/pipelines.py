"""What reference/ computes on a recorded case, and the same computation with one curriculum
function swapped for another (a catalogued mistake, or any candidate with the same contract).

Each kind of case has *slots*: a curriculum function ("conv.conv2d_backward") and how to drive
it from the case's inputs so that it produces some of the case's recorded outputs. The forward
and backward functions a case records directly are its primary slots; together they make
`reference_outputs(case)`. Secondary slots reach the recording through a composition with the
reference: a step function run over every time step, `lstm_gates` feeding the reference's cell
and hidden state, `activation_backward` feeding the reference's `dense_backward`, plain
`gradient_descent` on the recorded gradient sequence, and so on.

A replacement function is called the way its kind is called (CURRICULUM.md). With
`same_signature=False` it follows the convention of reference/mistakes/ for entries that
cannot take a cache: a backward function receives the upstream gradient(s) followed by the
forward function's arguments, e.g. `(dout, x, kernel, bias, stride, padding)`, and
`activation_backward` receives `(da, z, name)`.

Some slots are a single call of their function on the case's inputs (the losses, the
activations): `recorded_call(case, target)` gives that call's arguments and the recorded output
it is compared with, so a grader can make the same call to a learner's function.

Nothing here imports TensorFlow; reference/ is imported when first needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from nnlab.baselines.recorded import BaselineCase
from nnlab.baselines.store import BaselineError

Outputs = dict[str, np.ndarray]
Runner = Callable[[BaselineCase, Callable, bool], Outputs]


@dataclass(frozen=True)
class _Slot:
    target: str
    run: Runner
    primary: bool
    applies: Callable[[BaselineCase], bool]
    tolerance: tuple[float, float] | None  # None: the case's own


_SLOTS: dict[str, dict[str, _Slot]] = {}


def _slot(kind: str, target: str, *, primary: bool = False, applies=None, tolerance=None):
    def register(run: Runner) -> Runner:
        _SLOTS.setdefault(kind, {})[target] = _Slot(
            target, run, primary, applies or (lambda case: True), tolerance)
        return run

    return register


@dataclass(frozen=True)
class Call:
    """How a case calls one curriculum function directly: `fn(*args, **kwargs)` is compared with
    the recorded output `output` (fresh copies of the case's arrays each time)."""

    args: tuple
    kwargs: dict
    output: str


# kind -> target -> (case -> Call): the slots whose pipeline is a single call of the target
_CALLS: dict[str, dict[str, Callable[[BaselineCase], Call]]] = {}


def _direct(kind: str, target: str, output: str, arguments, *, applies=None,
            primary: bool = True, tolerance=None) -> None:
    """Register a slot whose pipeline is one call, `fn(*args, **kwargs)` -> output `output`;
    `arguments(case, output)` gives (args, kwargs). Graders can call a learner's function the
    same way (`recorded_call`)."""

    def call(case: BaselineCase) -> Call:
        args, kwargs = arguments(case, output)
        return Call(tuple(args), dict(kwargs), output)

    def run(case, fn, explicit):
        spec = call(case)
        return {output: fn(*spec.args, **spec.kwargs)}

    _slot(kind, target, primary=primary, applies=applies, tolerance=tolerance)(run)
    _CALLS.setdefault(kind, {})[target] = call


def _ref(module: str):
    try:
        return importlib.import_module(f"reference.{module}")
    except ImportError as exc:
        raise BaselineError(f"reference/ is not importable ({exc}): run from the course root, "
                            f"the folder that holds reference/") from None


def _reference_function(target: str) -> Callable:
    module, name = target.split(".", 1)
    return getattr(_ref(module), name)


def _pair(value):
    return tuple(value) if isinstance(value, list) else value


# ------------------------------------------------------------------------------------------
# public
# ------------------------------------------------------------------------------------------


def targets(case: BaselineCase) -> list[str]:
    """The curriculum functions ("module.function") that this case can drive."""
    return [t for t, slot in _SLOTS.get(case.kind, {}).items() if slot.applies(case)]


def variant_outputs(case: BaselineCase, target: str, fn: Callable | None = None, *,
                    same_signature: bool = True) -> Outputs:
    """The outputs this case's pipeline produces with `target` computed by `fn`.

    `fn=None` uses reference/'s own function. Keys are recorded output names (a subset of
    `case.outputs`); values are arrays as `fn` made them (dtype included). Exceptions from
    `fn` propagate.
    """
    slot = _SLOTS.get(case.kind, {}).get(target)
    if slot is None or not slot.applies(case):
        raise BaselineError(f"{case.id} cannot drive {target}; it drives {targets(case)}")
    if fn is None:
        fn, same_signature = _reference_function(target), True
    return {name: np.asarray(value) for name, value in slot.run(case, fn, not same_signature).items()}


def reference_outputs(case: BaselineCase) -> Outputs:
    """What reference/ computes on the case's inputs, keyed like `case.outputs`."""
    outputs: Outputs = {}
    for target, slot in _SLOTS.get(case.kind, {}).items():
        if slot.primary and slot.applies(case):
            outputs.update(variant_outputs(case, target))
    missing = set(case.outputs) - set(outputs)
    if missing:
        raise BaselineError(f"{case.id}: no reference pipeline computes {sorted(missing)}")
    return outputs


def recorded_call(case: BaselineCase, target: str) -> Call:
    """How `case` calls `target` directly: its arguments and the recorded output the result is
    compared with. BaselineError when the case drives `target` only through a composition (a
    step function run over time, a backward pass on a forward pass's cache)."""
    if target not in targets(case):
        raise BaselineError(f"{case.id} cannot drive {target}; it drives {targets(case)}")
    call = _CALLS.get(case.kind, {}).get(target)
    if call is None:
        raise BaselineError(f"{case.id} drives {target} only through a longer pipeline, not "
                            f"by one call on its recorded inputs")
    return call(case)


def tolerance_for(case: BaselineCase, target: str | None = None) -> tuple[float, float]:
    """(rtol, atol) for comparing `target`'s outputs on this case with the recording."""
    slot = _SLOTS.get(case.kind, {}).get(target) if target else None
    return slot.tolerance if slot is not None and slot.tolerance else case.tolerance


# ------------------------------------------------------------------------------------------
# dense layers and MLPs (backprop.py)
# ------------------------------------------------------------------------------------------


def _dense_case(case):
    bp = _ref("backprop")
    x, kernel, bias = case["x"], case["kernel"], case["bias"]
    name = case.settings["activation"]
    z, dense_cache = bp.dense_forward(x, kernel, bias)
    return bp, x, kernel, bias, name, z, dense_cache


@_slot("dense", "backprop.dense_forward", primary=True)
def _dense_forward(case, fn, explicit):
    bp, x, kernel, bias, name, _, _ = _dense_case(case)
    return {"out": bp.activation_forward(fn(x, kernel, bias)[0], name)[0]}


@_slot("dense", "backprop.activation_forward")
def _dense_activation_forward(case, fn, explicit):
    _, _, _, _, name, z, _ = _dense_case(case)
    return {"out": fn(z, name)[0]}


@_slot("dense", "backprop.dense_backward", primary=True)
def _dense_backward(case, fn, explicit):
    bp, x, kernel, bias, name, z, dense_cache = _dense_case(case)
    dz = bp.activation_backward(case["dout"], bp.activation_forward(z, name)[1])
    grads = fn(dz, x, kernel, bias) if explicit else fn(dz, dense_cache)
    return dict(zip(("dx", "dkernel", "dbias"), grads))


@_slot("dense", "backprop.activation_backward")
def _dense_activation_backward(case, fn, explicit):
    bp, _, _, _, name, z, dense_cache = _dense_case(case)
    dout = case["dout"]
    dz = fn(dout, z, name) if explicit else fn(dout, bp.activation_forward(z, name)[1])
    return dict(zip(("dx", "dkernel", "dbias"), bp.dense_backward(dz, dense_cache)))


def _smooth_float64(case) -> bool:
    """float64, and no ReLU pre-activation near its kink, where a centred difference gives
    the average of the two slopes instead of the curriculum's derivative 0."""
    if case.dtype != np.float64:
        return False
    z = case.arrays["x"] @ case.arrays["kernel"] + case.arrays["bias"]
    return case.settings["activation"] != "relu" or float(np.min(np.abs(z))) > 1e-4


# On these cases centred differences (eps = 1e-6) land within 5e-10 of Keras's gradient (the
# rounding of f over 2 eps); a one-sided difference is off by eps * f'' / 2, over 1.5e-7 on
# the sigmoid and tanh cases. 1e-8 sits between the two with a factor of 20 either side.
@_slot("dense", "backprop.numerical_gradient", applies=_smooth_float64, tolerance=(1e-9, 1e-8))
def _dense_numerical_gradient(case, fn, explicit):
    bp, _, kernel, bias, name, _, _ = _dense_case(case)
    dout = case["dout"]

    def f(x):
        return float(np.sum(bp.activation_forward(bp.dense_forward(x, kernel, bias)[0], name)[0] * dout))

    return {"dx": fn(f, case["x"])}


def _mlp_case(case):
    sizes = case.settings["layer_sizes"]
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"], params[f"b{i}"] = case[f"W{i}"], case[f"b{i}"]
    return case["x"], params, case.settings["hidden"], case.settings["output"]


@_slot("mlp", "backprop.mlp_forward", primary=True)
def _mlp_forward(case, fn, explicit):
    x, params, hidden, output = _mlp_case(case)
    return {"out": fn(x, params, hidden, output)[0]}


@_slot("mlp", "backprop.mlp_backward", primary=True)
def _mlp_backward(case, fn, explicit):
    x, params, hidden, output = _mlp_case(case)
    dout = case["dout"]
    if explicit:
        grads = fn(dout, x, params, hidden, output)
    else:
        grads = fn(dout, _ref("backprop").mlp_forward(x, params, hidden, output)[1])
    return {f"d{key}": grads[key] for key in params}


# ------------------------------------------------------------------------------------------
# convolution, pooling, flatten, the lecture's CNN (conv.py)
# ------------------------------------------------------------------------------------------


def _conv_args(case):
    return (case["x"], case["kernel"], case["bias"], _pair(case.settings["stride"]),
            case.settings["padding"])


@_slot("conv2d", "conv.conv2d_forward", primary=True)
def _conv2d_forward(case, fn, explicit):
    return {"out": fn(*_conv_args(case))[0]}


@_slot("conv2d", "conv.conv2d_backward", primary=True)
def _conv2d_backward(case, fn, explicit):
    args = _conv_args(case)
    dout = case["dout"]
    grads = fn(dout, *args) if explicit else fn(dout, _ref("conv").conv2d_forward(*args)[1])
    return dict(zip(("dx", "dkernel", "dbias"), grads))


@_slot("conv2d", "conv.conv2d_output_size", primary=True)
def _conv2d_output_size(case, fn, explicit):
    stride = case.settings["stride"]
    strides = stride if isinstance(stride, list) else [stride, stride]
    sizes = case.config["inputs"]["x"][1:3]
    kernel = case.config["inputs"]["kernel"][:2]
    padding = case.settings["padding"]
    return {"out_size": np.array([fn(sizes[a], kernel[a], strides[a], padding) for a in (0, 1)],
                                 dtype=np.int64)}


def _pool_args(case):
    s = case.settings
    return case["x"], _pair(s["pool_size"]), _pair(s["stride"]), s["padding"]


@_slot("maxpool2d", "conv.maxpool2d_forward", primary=True)
def _maxpool2d_forward(case, fn, explicit):
    return {"out": fn(*_pool_args(case))[0]}


@_slot("maxpool2d", "conv.maxpool2d_backward", primary=True)
def _maxpool2d_backward(case, fn, explicit):
    args = _pool_args(case)
    dout = case["dout"]
    return {"dx": fn(dout, *args) if explicit else fn(dout, _ref("conv").maxpool2d_forward(*args)[1])}


@_slot("flatten", "conv.flatten_forward", primary=True)
def _flatten_forward(case, fn, explicit):
    return {"out": fn(case["x"])[0]}


@_slot("flatten", "conv.flatten_backward", primary=True)
def _flatten_backward(case, fn, explicit):
    x, dout = case["x"], case["dout"]
    return {"dx": fn(dout, x) if explicit else fn(dout, _ref("conv").flatten_forward(x)[1])}


@_slot("cnn", "conv.cnn_forward", primary=True)
def _cnn_forward(case, fn, explicit):
    return {"probs": fn(case["x"], [case[name] for name in case.settings["weights"]])}


# ------------------------------------------------------------------------------------------
# SimpleRNN (rnn.py)
# ------------------------------------------------------------------------------------------

_RNN_GRADS = ("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")
_LSTM_GRADS = ("dx", "dh0", "dc0", "dkernel", "drecurrent_kernel", "dbias")


def _rnn_args(case):
    return case["x"], case["h0"], case["kernel"], case["recurrent_kernel"], case["bias"]


@_slot("simple_rnn", "rnn.rnn_forward", primary=True)
def _rnn_forward(case, fn, explicit):
    h_seq = np.asarray(fn(*_rnn_args(case))[0])
    return {"h_seq": h_seq, "h_T": h_seq[:, -1]}


@_slot("simple_rnn", "rnn.rnn_backward", primary=True)
def _rnn_backward(case, fn, explicit):
    args = _rnn_args(case)
    dh_seq = case["dh_seq"]
    grads = fn(dh_seq, *args) if explicit else fn(dh_seq, _ref("rnn").rnn_forward(*args)[1])
    return dict(zip(_RNN_GRADS, grads))


@_slot("simple_rnn", "rnn.rnn_step_forward")
def _rnn_step_forward(case, fn, explicit):
    x, h, kernel, recurrent, bias = _rnn_args(case)
    hs = []
    for t in range(x.shape[1]):
        h = fn(x[:, t], h, kernel, recurrent, bias)[0]
        hs.append(np.asarray(h))
    return {"h_seq": np.stack(hs, axis=1), "h_T": hs[-1]}


@_slot("simple_rnn", "rnn.rnn_step_backward")
def _rnn_step_backward(case, fn, explicit):
    """Backpropagation through time, one step function call per step."""
    rnn = _ref("rnn")
    x, h0, kernel, recurrent, bias = _rnn_args(case)
    dh_seq = case["dh_seq"]
    hs, caches = [h0], []
    for t in range(x.shape[1]):
        h, cache = rnn.rnn_step_forward(x[:, t], hs[-1], kernel, recurrent, bias)
        hs.append(h)
        caches.append(cache)
    dxs, sums, dh_next = [], None, 0
    for t in reversed(range(x.shape[1])):
        dh = dh_seq[:, t] + dh_next
        grads = (fn(dh, x[:, t], hs[t], kernel, recurrent, bias) if explicit else fn(dh, caches[t]))
        dx_t, dh_next, *weights = (np.asarray(g) for g in grads)
        dxs.append(dx_t)
        sums = weights if sums is None else [s + w for s, w in zip(sums, weights)]
    return dict(zip(_RNN_GRADS, [np.stack(dxs[::-1], axis=1), dh_next, *sums]))


# ------------------------------------------------------------------------------------------
# LSTM (lstm.py)
# ------------------------------------------------------------------------------------------


def _lstm_args(case):
    return (case["x"], case["h0"], case["c0"], case["kernel"], case["recurrent_kernel"],
            case["bias"])


@_slot("lstm", "lstm.lstm_forward", primary=True)
def _lstm_forward(case, fn, explicit):
    h_seq, h_T, c_T = fn(*_lstm_args(case))[:3]
    return {"h_seq": h_seq, "h_T": h_T, "c_T": c_T}


@_slot("lstm", "lstm.lstm_backward", primary=True)
def _lstm_backward(case, fn, explicit):
    args = _lstm_args(case)
    dh_seq = case["dh_seq"]
    grads = fn(dh_seq, *args) if explicit else fn(dh_seq, _ref("lstm").lstm_forward(*args)[3])
    return dict(zip(_LSTM_GRADS, grads))


def _lstm_loop(case, step) -> Outputs:
    """Run step(x_t, h, c, z) -> (h, c) over the sequence; z is the step's pre-activation."""
    x, h, c, kernel, recurrent, bias = _lstm_args(case)
    hs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        h, c = (np.asarray(v) for v in step(x[:, t], h, c, z))
        hs.append(h)
    return {"h_seq": np.stack(hs, axis=1), "h_T": h, "c_T": c}


@_slot("lstm", "lstm.lstm_step_forward")
def _lstm_step_forward(case, fn, explicit):
    _, _, _, kernel, recurrent, bias = _lstm_args(case)
    return _lstm_loop(case, lambda x_t, h, c, z: fn(x_t, h, c, kernel, recurrent, bias)[:2])


def _lstm_step_with(gates=None, cell_state=None, hidden_state=None):
    """step(x_t, h, c, z) -> (h, c) for `_lstm_loop`, built from the reference's gates, cell
    state and hidden state, with the one function under test given in their place."""
    lstm = _ref("lstm")
    gates, cell_state = gates or lstm.lstm_gates, cell_state or lstm.lstm_cell_state
    hidden_state = hidden_state or lstm.lstm_hidden_state

    def step(x_t, h, c, z):
        i, f, g, o = gates(z)
        c = cell_state(f, i, g, c)
        return hidden_state(o, c), c

    return step


@_slot("lstm", "lstm.lstm_gates")
def _lstm_gates(case, fn, explicit):
    return _lstm_loop(case, _lstm_step_with(gates=fn))


@_slot("lstm", "lstm.lstm_cell_state")
def _lstm_cell_state(case, fn, explicit):
    return _lstm_loop(case, _lstm_step_with(cell_state=fn))


@_slot("lstm", "lstm.lstm_hidden_state")
def _lstm_hidden_state(case, fn, explicit):
    return _lstm_loop(case, _lstm_step_with(hidden_state=fn))


@_slot("lstm", "lstm.lstm_step_backward")
def _lstm_step_backward(case, fn, explicit):
    """Backpropagation through time, one step function call per step; the explicit convention
    is (dh, dc, x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)."""
    lstm = _ref("lstm")
    x, h0, c0, kernel, recurrent, bias = _lstm_args(case)
    dh_seq = case["dh_seq"]
    hs, cs, caches = [h0], [c0], []
    for t in range(x.shape[1]):
        h, c, cache = lstm.lstm_step_forward(x[:, t], hs[-1], cs[-1], kernel, recurrent, bias)
        hs.append(h)
        cs.append(c)
        caches.append(cache)
    dxs, sums, dh_next, dc_next = [], None, 0, np.zeros_like(c0)
    for t in reversed(range(x.shape[1])):
        dh = dh_seq[:, t] + dh_next
        grads = (fn(dh, dc_next, x[:, t], hs[t], cs[t], kernel, recurrent, bias) if explicit
                 else fn(dh, dc_next, caches[t]))
        dx_t, dh_next, dc_next, *weights = (np.asarray(g) for g in grads)
        dxs.append(dx_t)
        sums = weights if sums is None else [s + w for s, w in zip(sums, weights)]
    return dict(zip(_LSTM_GRADS, [np.stack(dxs[::-1], axis=1), dh_next, dc_next, *sums]))


# ------------------------------------------------------------------------------------------
# optimizers and logistic regression (gradient_descent.py)
# ------------------------------------------------------------------------------------------


def _trajectory(case, step) -> Outputs:
    """Paths of every parameter under params <- step(params, grads of step t)."""
    names = case.settings["params"]
    params = {n: case[f"{n}_init"] for n in names}
    grads = {n: case[f"{n}_grads"] for n in names}
    paths = {n: [params[n]] for n in names}
    for t in range(case.settings["steps"]):
        params = step(params, {n: grads[n][t] for n in names})
        for n in names:
            paths[n].append(np.asarray(params[n]))
    return {f"{n}_path": np.stack(paths[n]) for n in names}


@_slot("adam", "gradient_descent.adam_step", primary=True)
def _adam(case, fn, explicit):
    s = case.settings
    state = None

    def step(params, grads):
        nonlocal state
        params, state = fn(params, grads, state, lr=s["lr"], beta_1=s["beta_1"],
                           beta_2=s["beta_2"], epsilon=s["epsilon"])
        return params

    return _trajectory(case, step)


@_slot("sgd", "gradient_descent.momentum_step", primary=True)
def _momentum(case, fn, explicit):
    s = case.settings
    velocity = None

    def step(params, grads):
        nonlocal velocity
        params, velocity = fn(params, grads, velocity, lr=s["lr"], momentum=s["momentum"])
        return params

    return _trajectory(case, step)


def _plain(case) -> bool:
    return case.settings["momentum"] == 0


@_slot("sgd", "gradient_descent.sgd_step", applies=_plain)
def _sgd_step(case, fn, explicit):
    return _trajectory(case, lambda params, grads: fn(params, grads, case.settings["lr"]))


@_slot("sgd", "gradient_descent.gradient_descent", applies=_plain)
def _gradient_descent(case, fn, explicit):
    """One parameter at a time, with grad_fn handing out the recorded gradients in order."""
    steps = case.settings["steps"]
    outputs = {}
    for n in case.settings["params"]:
        grads = case[f"{n}_grads"]
        calls = iter(range(steps))

        def grad_fn(w, grads=grads, calls=calls):
            t = next(calls, None)
            if t is None:
                raise BaselineError(f"grad_fn called more than n_steps = {steps} times")
            return grads[t].copy()

        outputs[f"{n}_path"] = fn(grad_fn, case[f"{n}_init"], case.settings["lr"], steps)[1]
    return outputs


@_slot("logistic_regression", "gradient_descent.train_logistic_regression", primary=True)
def _logistic_regression(case, fn, explicit):
    w, b, losses = fn(case["X"], case["y"], case.settings["lr"], case.settings["epochs"])
    return {"w": w, "b": b, "losses": losses}


@_slot("logistic_sklearn", "gradient_descent.train_logistic_regression", primary=True)
def _logistic_sklearn(case, fn, explicit):
    """Train by descent, then classify as scikit-learn's predict does (probability >= 0.5)."""
    w, b, _ = fn(case["X"], case["y"], case.settings["lr"], case.settings["epochs"])
    predictions = (case["X"] @ np.asarray(w) + b >= 0).astype(np.int64)
    return {"predictions": predictions,
            "accuracy": np.float64(np.mean(predictions == case["y"]))}


# ------------------------------------------------------------------------------------------
# losses (losses.py)
# ------------------------------------------------------------------------------------------


def _loss_slots(kind: str, loss: str, *, eps: bool, applies=None) -> None:
    def call(case, output):
        extra = {"eps": case.settings["epsilon"]} if eps else {}
        return (case["y_true"], case["y_pred"]), extra

    _direct(kind, f"losses.{loss}", "loss", call, applies=applies)
    _direct(kind, f"losses.{loss}_grad", "grad", call, applies=applies)


def _from_logits(case) -> bool:
    return bool(case.settings["from_logits"])


_loss_slots("mse", "mse", eps=False)
_loss_slots("binary_crossentropy", "binary_cross_entropy", eps=True)
_loss_slots("categorical_crossentropy", "categorical_cross_entropy", eps=True,
            applies=lambda case: not _from_logits(case))
_loss_slots("categorical_crossentropy", "softmax_cross_entropy", eps=False, applies=_from_logits)


# ------------------------------------------------------------------------------------------
# scikit-learn's MLPs on the lecture's data sets (mlp.py)
# ------------------------------------------------------------------------------------------


def _sklearn_mlp(case, fn, explicit):
    """One fit of `fn` (reference/'s class, seed 0) under the case's settings; its test score
    stands for both the mean and the worst of scikit-learn's seeds (within the case's margin)."""
    s = case.settings
    model = fn(hidden_layer_sizes=tuple(s["hidden_layer_sizes"]), activation=s["activation"],
               learning_rate_init=s["learning_rate_init"], max_iter=s["max_iter"],
               batch_size=s["batch_size"], random_state=0)
    model.fit(case["X_train"], case["y_train"])
    score = np.float64(model.score(case["X_test"], case["y_test"]))
    return {"score_mean": score, "score_min": score}


_slot("sklearn_MLPClassifier", "mlp.MLPClassifier", primary=True)(_sklearn_mlp)


@_slot("keras_MLPClassifier", "mlp.MLPClassifier", primary=True)
def _keras_mlp(case, fn, explicit):
    """One fit of `fn` (seed 0) under the case's settings on the stored digits; its test
    accuracy stands for both the mean and the worst of Keras's seeds (within the margin)."""
    s = case.settings
    model = fn(hidden_layer_sizes=tuple(s["hidden_layer_sizes"]), activation=s["activation"],
               learning_rate_init=s["learning_rate_init"], max_iter=s["max_iter"],
               batch_size=s["batch_size"], random_state=0)
    model.fit(case["pixels_train"] / s["pixel_scale"], case["y_train"])
    predicted = np.asarray(model.predict(case["pixels_test"] / s["pixel_scale"]))
    accuracy = np.float64(np.mean(predicted == case["y_test"]))
    return {"accuracy_mean": accuracy, "accuracy_min": accuracy}
_slot("sklearn_MLPRegressor", "mlp.MLPRegressor", primary=True)(_sklearn_mlp)


# ------------------------------------------------------------------------------------------
# the XOR network (xor.py)
# ------------------------------------------------------------------------------------------

_XOR_PARAMS = ("W1", "b1", "W2", "b2")


def _xor_params(case) -> dict:
    return {key: case[key] for key in _XOR_PARAMS}


_direct("xor_mlp", "xor.xor_forward", "y_hat", lambda case, output: ((case["X"], _xor_params(case)), {}))


@_slot("xor_mlp", "xor.xor_train_step", primary=True)
def _xor_train_step(case, fn, explicit):
    new, loss = fn(_xor_params(case), case["X"], case["Y"], case.settings["lr"])
    # the curriculum returns the loss as a Python float: compared in the case's dtype
    return {"loss": np.asarray(loss, dtype=case.dtype),
            **{f"{key}_next": new[key] for key in _XOR_PARAMS}}


# ------------------------------------------------------------------------------------------
# activations (activations.py)
# ------------------------------------------------------------------------------------------

# Each activation case records one function of the table: "out" is f(x) and "grad" its
# elementwise derivative f'(x) (softmax records "out" only: the curriculum has no softmax_grad).
# The keyword arguments the recording gave Keras (alpha, axis) are passed the same way.
ACTIVATION_OPTIONS = {"leaky_relu": ("alpha",), "elu": ("alpha",), "softmax": ("axis",)}


def _activation_slots(name: str) -> None:
    def call(case, output):
        options = {key: case.settings[key] for key in ACTIVATION_OPTIONS.get(name, ())}
        return (case["x"],), options

    def applies(case):
        return case.settings["function"] == name

    _direct("activation", f"activations.{name}", "out", call, applies=applies)
    if name != "softmax":
        _direct("activation", f"activations.{name}_grad", "grad", call, applies=applies)


for _name in ("linear", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
              "softmax"):
    _activation_slots(_name)
