"""`nnlab baselines record`: Keras's outputs and gradients on fixed cases, written as `.npz`.

`record_baselines(out_dir)` runs every case through live Keras on the TensorFlow backend and
writes one file per family into `out_dir` (the course keeps them in graders/baselines/). Graders
and `nnlab verify` read those files with `nnlab.baselines.load_baselines`, so grading never
imports TensorFlow. TensorFlow is imported inside `record_baselines` only.

How the cases are made:

- Every input, weights included, is drawn from a NumPy generator seeded by the case's name and
  rounded to a multiple of 2**-12, so it is exact in float32 and float64 alike; Keras draws
  nothing (weights go in with `set_weights`). Re-recording on any machine sees the same inputs.
- A gradient is the `tf.GradientTape` gradient of sum(output * upstream) for a fixed upstream
  array that the case stores (dout, dh_seq, ...): what a backward pass receives as dLoss/dout.
  Losses are differentiated themselves.
- Each case computes in one dtype: layers are built with dtype="float64" (or "float32" in the
  float32 cases), and an output of any other dtype stops the recording, so a silent float32
  computation cannot pass for float64.
- Optimizer hyperparameters are exact in float32 unless a case says otherwise: Keras keeps the
  learning rate in a float32 variable and takes beta_1, beta_2 and momentum through float32
  even for float64 variables, so only such values can be matched to the last bit.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from nnlab.baselines.store import (
    CASES_KEY, FAMILIES, FORMAT, PROVENANCE_KEY, BaselineError, family_path, json_array, write_npz,
)

NEEDS_TENSORFLOW = "nnlab baselines record needs TensorFlow: pip install 'nnlab[keras]'"

# |reference - Keras| <= atol + rtol * |Keras|: float64 agrees to rounding; float32 kernels
# (oneDNN, Eigen) sum in their own order, so a float32 case allows float32 rounding noise.
TOL_FLOAT64 = {"rtol": 1e-10, "atol": 1e-12}
TOL_FLOAT32 = {"rtol": 2e-5, "atol": 2e-6}

_GRID = 2.0 ** -12  # inputs are multiples of this: exact in float32 and in float64


# ------------------------------------------------------------------------------------------
# the recording of one family
# ------------------------------------------------------------------------------------------


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    return np.round(rng.normal(scale=scale, size=shape) / _GRID) * _GRID


def _uniform(rng: np.random.Generator, shape, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    return np.round(rng.uniform(low, high, size=shape) / _GRID) * _GRID


def _cast(dtype: str, *arrays: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(a).astype(dtype) for a in arrays]


def _numpy(value) -> np.ndarray:
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


class _Recording:
    """The cases of one family, collected as they are recorded."""

    def __init__(self, family: str):
        self.family = family
        self.cases: dict[str, dict] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def rng(self, case: str) -> np.random.Generator:
        # seeded by the case's text: stable across runs and machines, unlike hash()
        return np.random.default_rng(list(f"{self.family}/{case}".encode()))

    def add(self, case: str, *, kind: str, keras: str, dtype: str, inputs: dict, outputs: dict,
            settings: dict, note: str, tolerance: dict | None = None) -> None:
        if case in self.cases or "/" in case:
            raise BaselineError(f"{self.family}: bad or repeated case name {case!r}")
        dtype = np.dtype(dtype)
        config = {
            "kind": kind, "keras": keras, "dtype": dtype.name, "settings": settings, "note": note,
            "tolerance": tolerance or (TOL_FLOAT64 if dtype == np.float64 else TOL_FLOAT32),
            "inputs": {}, "outputs": {},
        }
        for role, named in (("inputs", inputs), ("outputs", outputs)):
            for name, value in named.items():
                array = _numpy(value)
                if array.dtype.kind == "f" and array.dtype != dtype:
                    raise BaselineError(f"{self.family}/{case}: {role[:-1]} {name} is {array.dtype}, "
                                        f"but the case computes in {dtype}")
                config[role][name] = list(array.shape)
                self.arrays[f"{case}/{name}"] = array
        self.cases[case] = config

    def write(self, out_dir: Path, provenance: dict) -> Path:
        arrays = dict(self.arrays)
        arrays[CASES_KEY] = json_array({"family": self.family, "format": FORMAT, "cases": self.cases})
        arrays[PROVENANCE_KEY] = json_array(provenance)
        return write_npz(family_path(out_dir, self.family), arrays)


def _tape(tf, forward: Callable, watched: list, variables: list):
    """(outputs, gradients): forward() -> (outputs, total) under a tape; gradients of total with
    respect to the watched constants, then the variables."""
    with tf.GradientTape() as tape:
        for tensor in watched:
            tape.watch(tensor)
        outputs, total = forward()
    return outputs, tape.gradient(total, [*watched, *variables])


# ------------------------------------------------------------------------------------------
# the families
# ------------------------------------------------------------------------------------------


def _record_dense(rec: _Recording, keras, tf) -> None:
    layers = [
        # name, dtype, activation, (N, D_in, D_out), note
        ("f64_linear", "float64", "linear", (4, 5, 3), "no activation: out = x @ kernel + bias"),
        ("f64_relu", "float64", "relu", (4, 5, 3), "ReLU after the affine map"),
        ("f64_relu_kinks", "float64", "relu", (3, 4, 3),
         "a zero input row and zero bias entries make some pre-activations exactly 0, where "
         "ReLU's derivative is 0 (TensorFlow's rule and the curriculum's)"),
        ("f64_sigmoid", "float64", "sigmoid", (4, 5, 3), "sigmoid after the affine map"),
        ("f64_tanh", "float64", "tanh", (4, 5, 3), "tanh after the affine map"),
        ("f32_linear", "float32", "linear", (3, 6, 4), "float32 in, float32 out"),
        ("f32_tanh", "float32", "tanh", (3, 6, 4), "float32 with an activation"),
    ]
    for name, dtype, activation, (n, d_in, d_out), note in layers:
        rng = rec.rng(name)
        x = _normal(rng, (n, d_in))
        kernel = _normal(rng, (d_in, d_out), 1 / math.sqrt(d_in))
        bias = _normal(rng, (d_out,), 0.5)
        dout = _normal(rng, (n, d_out))
        if name.endswith("kinks"):
            x[0] = 0.0
            bias[::2] = 0.0
        x, kernel, bias, dout = _cast(dtype, x, kernel, bias, dout)
        layer = keras.layers.Dense(d_out, activation=activation, dtype=dtype)
        layer.build((None, d_in))
        layer.set_weights([kernel, bias])
        xt = tf.constant(x)

        def forward():
            out = layer(xt)
            return out, tf.reduce_sum(out * dout)

        out, (dx, dkernel, dbias) = _tape(tf, forward, [xt], [layer.kernel, layer.bias])
        rec.add(name, kind="dense",
                keras=f"keras.layers.Dense({d_out}, activation={activation!r}, dtype={dtype!r})",
                dtype=dtype, inputs={"x": x, "kernel": kernel, "bias": bias, "dout": dout},
                outputs={"out": out, "dx": dx, "dkernel": dkernel, "dbias": dbias},
                settings={"activation": activation, "upstream": "dout"}, note=note)

    mlps = [
        # name, N, layer sizes (D_0, ..., D_L), hidden, output, note
        ("f64_mlp_tanh_linear", 4, (5, 6, 3), "tanh", "linear", "two layers, tanh hidden layer"),
        ("f64_mlp_relu_sigmoid", 5, (4, 6, 5, 2), "relu", "sigmoid",
         "three layers, ReLU hidden layers, sigmoid output (dout is dLoss/dsigmoid)"),
    ]
    for name, n, sizes, hidden, output, note in mlps:
        rng = rec.rng(name)
        x = _normal(rng, (n, sizes[0]))
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{i}"] = _normal(rng, (fan_in, fan_out), 1 / math.sqrt(fan_in))
            params[f"b{i}"] = _normal(rng, (fan_out,), 0.5)
        dout = _normal(rng, (n, sizes[-1]))
        layers = []
        for i, size in enumerate(sizes[1:], start=1):
            layer = keras.layers.Dense(size, activation=hidden if i < len(sizes) - 1 else output,
                                       dtype="float64")
            layer.build((None, sizes[i - 1]))
            layer.set_weights([params[f"W{i}"], params[f"b{i}"]])
            layers.append(layer)
        xt = tf.constant(x)

        def forward():
            out = xt
            for layer in layers:
                out = layer(out)
            return out, tf.reduce_sum(out * dout)

        variables = [v for layer in layers for v in (layer.kernel, layer.bias)]
        out, grads = _tape(tf, forward, [], variables)
        activations = [hidden] * (len(sizes) - 2) + [output]
        rec.add(name, kind="mlp",
                keras=" -> ".join(f"Dense({size}, activation={act!r}, dtype='float64')"
                                  for size, act in zip(sizes[1:], activations)),
                dtype="float64", inputs={"x": x, **params, "dout": dout},
                outputs={"out": out, **{f"d{key}": g for key, g in zip(params, grads)}},
                settings={"hidden": hidden, "output": output, "layer_sizes": list(sizes),
                          "upstream": "dout"}, note=note)


def _record_conv2d(rec: _Recording, keras, tf) -> None:
    cases = [
        # name, dtype, x shape (N, H, W, C_in), kernel (kh, kw), C_out, stride, padding, note
        ("valid_k3_s1", "float64", (2, 7, 7, 3), (3, 3), 4, 1, "valid", "the plain case"),
        ("same_k3_s1", "float64", (2, 7, 7, 3), (3, 3), 4, 1, "same", "one zero pixel on every side"),
        ("same_k3_s2_even", "float64", (2, 8, 8, 2), (3, 3), 3, 2, "same",
         "even input at stride 2: one pad pixel per axis, which TensorFlow puts at the bottom/right"),
        ("valid_k3_s2", "float64", (2, 8, 8, 2), (3, 3), 3, 2, "valid",
         "stride 2 never reads the last row and column: their gradient is 0"),
        ("same_k2x3_s1x2", "float64", (2, 7, 6, 3), (2, 3), 5, [1, 2], "same",
         "non-square kernel and a stride pair; kernel height 2 pads 0 rows above, 1 below"),
        ("valid_k2x3_s1x2", "float64", (2, 7, 6, 3), (2, 3), 5, [1, 2], "valid",
         "non-square kernel and a stride pair"),
        ("same_k4_s1", "float64", (1, 6, 5, 2), (4, 4), 2, 1, "same",
         "even kernel: 3 pad pixels per axis, 1 before and 2 after"),
        ("f32_same_k3_s2_even", "float32", (2, 8, 8, 2), (3, 3), 3, 2, "same", "float32"),
        ("f32_valid_k3_s1", "float32", (2, 6, 6, 3), (3, 3), 4, 1, "valid", "float32"),
    ]
    for name, dtype, shape, (kh, kw), c_out, stride, padding, note in cases:
        rng = rec.rng(name)
        x = _normal(rng, shape)
        kernel = _normal(rng, (kh, kw, shape[3], c_out), 1 / math.sqrt(kh * kw * shape[3]))
        bias = _normal(rng, (c_out,), 0.5)
        x, kernel, bias = _cast(dtype, x, kernel, bias)
        strides = tuple(stride) if isinstance(stride, list) else stride
        layer = keras.layers.Conv2D(c_out, (kh, kw), strides=strides, padding=padding, dtype=dtype)
        layer.build((None, *shape[1:]))
        layer.set_weights([kernel, bias])
        xt = tf.constant(x)
        dout = _cast(dtype, _normal(rng, tuple(layer(xt).shape)))[0]

        def forward():
            out = layer(xt)
            return out, tf.reduce_sum(out * dout)

        out, (dx, dkernel, dbias) = _tape(tf, forward, [xt], [layer.kernel, layer.bias])
        rec.add(name, kind="conv2d",
                keras=f"keras.layers.Conv2D({c_out}, {(kh, kw)}, strides={strides!r}, "
                      f"padding={padding!r}, dtype={dtype!r})",
                dtype=dtype, inputs={"x": x, "kernel": kernel, "bias": bias, "dout": dout},
                outputs={"out": out, "dx": dx, "dkernel": dkernel, "dbias": dbias,
                         "out_size": np.array(out.shape[1:3], dtype=np.int64)},
                settings={"stride": stride, "padding": padding, "upstream": "dout"}, note=note)


def _record_maxpool2d(rec: _Recording, keras, tf) -> None:
    cases = [
        # name, dtype, x shape, values, pool_size, stride (None: Keras's default), padding, note
        ("valid_p2", "float64", (2, 6, 6, 2), "normal", 2, None, "valid",
         "the lecture's 2x2 pooling; stride defaults to the pool size"),
        ("valid_p2_odd", "float64", (2, 7, 7, 2), "normal", 2, None, "valid",
         "odd input: the last row and column are dropped"),
        ("valid_p3_s2", "float64", (2, 7, 7, 2), "normal", 3, 2, "valid", "overlapping windows"),
        ("valid_p2_s1", "float64", (1, 5, 5, 2), "normal", 2, 1, "valid",
         "explicit stride 1: overlapping windows"),
        ("same_p2_negative", "float64", (2, 7, 7, 2), "negative", 2, None, "same",
         "negative inputs, padded bottom/right: the pad (-inf) never wins a window"),
        ("same_p3_s1_negative", "float64", (1, 5, 6, 2), "negative", 3, 1, "same",
         "negative inputs, one pad pixel on every side"),
        ("same_p3_s2", "float64", (2, 8, 8, 2), "normal", 3, 2, "same",
         "overlapping windows with one pad pixel at the bottom/right"),
        ("same_p2x3_s1x2", "float64", (1, 6, 7, 2), "normal", [2, 3], [1, 2], "same",
         "non-square pool and stride pair"),
        ("ties_p2", "float64", (2, 6, 6, 2), "ties", 2, None, "valid",
         "integer-valued inputs with tied maxima: the gradient goes to the first maximum "
         "of each window in row-major order"),
        ("ties_p2_s1", "float64", (1, 5, 5, 2), "ties", 2, 1, "valid",
         "ties in overlapping windows"),
        ("ties_p3_s2_same", "float64", (2, 7, 7, 2), "ties", 3, 2, "same",
         "ties in overlapping, padded windows"),
        ("f32_valid_p2", "float32", (2, 6, 6, 3), "normal", 2, None, "valid", "float32"),
        ("f32_ties_p3_s2_same", "float32", (2, 7, 7, 2), "ties", 3, 2, "same", "float32 with ties"),
    ]
    for name, dtype, shape, values, pool, stride, padding, note in cases:
        rng = rec.rng(name)
        if values == "ties":
            x = rng.integers(0, 3, size=shape).astype(np.float64)
        elif values == "negative":
            x = -np.abs(_normal(rng, shape)) - _GRID
        else:
            x = _normal(rng, shape)
        (x,) = _cast(dtype, x)
        as_keras = (lambda v: tuple(v) if isinstance(v, list) else v)
        layer = keras.layers.MaxPooling2D(as_keras(pool), strides=as_keras(stride), padding=padding,
                                          dtype=dtype)
        xt = tf.constant(x)
        dout = _cast(dtype, _normal(rng, tuple(layer(xt).shape)))[0]

        def forward():
            out = layer(xt)
            return out, tf.reduce_sum(out * dout)

        out, (dx,) = _tape(tf, forward, [xt], [])
        rec.add(name, kind="maxpool2d",
                keras=f"keras.layers.MaxPooling2D({as_keras(pool)!r}, strides={as_keras(stride)!r}, "
                      f"padding={padding!r}, dtype={dtype!r})",
                dtype=dtype, inputs={"x": x, "dout": dout}, outputs={"out": out, "dx": dx},
                settings={"pool_size": pool, "stride": stride, "padding": padding, "upstream": "dout"},
                note=note)


def _record_flatten(rec: _Recording, keras, tf) -> None:
    cases = [
        ("f64_nhwc", "float64", (2, 3, 4, 5), "images: Flatten reads (H, W, C) in row-major order"),
        ("f64_sequence", "float64", (3, 4, 2), "a batch of sequences (N, T, D)"),
        ("f32_nhwc", "float32", (2, 2, 3, 4), "float32"),
    ]
    for name, dtype, shape, note in cases:
        rng = rec.rng(name)
        x, dout = _cast(dtype, _normal(rng, shape), _normal(rng, (shape[0], int(np.prod(shape[1:])))))
        layer = keras.layers.Flatten(dtype=dtype)
        xt = tf.constant(x)

        def forward():
            out = layer(xt)
            return out, tf.reduce_sum(out * dout)

        out, (dx,) = _tape(tf, forward, [xt], [])
        rec.add(name, kind="flatten", keras=f"keras.layers.Flatten(dtype={dtype!r})", dtype=dtype,
                inputs={"x": x, "dout": dout}, outputs={"out": out, "dx": dx},
                settings={"upstream": "dout"}, note=note)


def _record_cnn(rec: _Recording, keras, tf) -> None:
    name, dtype, image = "lecture_16x16x3", "float64", (16, 16, 3)
    rng = rec.rng(name)
    x = _uniform(rng, (2, *image))
    shapes = [(3, 3, 3, 32), (32,), (3, 3, 32, 64), (64,), (256, 128), (128,), (128, 10), (10,)]
    weights = []
    for shape in shapes:
        if len(shape) == 1:
            weights.append(_normal(rng, shape, 0.05))
        else:  # He-normal scale keeps the activations of order 1 through the layers
            weights.append(_normal(rng, shape, math.sqrt(2.0 / np.prod(shape[:-1]))))
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(image, dtype=dtype),
        layers.Conv2D(32, (3, 3), activation="relu", dtype=dtype),
        layers.MaxPooling2D((2, 2), dtype=dtype),
        layers.Conv2D(64, (3, 3), activation="relu", dtype=dtype),
        layers.MaxPooling2D((2, 2), dtype=dtype),
        layers.Flatten(dtype=dtype),
        layers.Dense(128, activation="relu", dtype=dtype),
        layers.Dense(10, activation="softmax", dtype=dtype),
    ])
    model.set_weights(_cast(dtype, *weights))
    probs = model(tf.constant(x.astype(dtype)), training=False)
    recorded = model.get_weights()
    rec.add(name, kind="cnn",
            keras="Sequential: Conv2D(32, 3x3, relu), MaxPooling2D(2x2), Conv2D(64, 3x3, relu), "
                  "MaxPooling2D(2x2), Flatten, Dense(128, relu), Dense(10, softmax)",
            dtype=dtype,
            inputs={"x": x.astype(dtype), **{f"weight_{i}": w for i, w in enumerate(recorded)}},
            outputs={"probs": probs},
            settings={"weights": [f"weight_{i}" for i in range(len(recorded))]},
            note="the lecture's network on two 16x16 RGB images; weight_0 ... weight_7 are "
                 "model.get_weights()")


def _recurrent_inputs(rng, dtype, n, t, d, hidden, gates, with_cell):
    x = _normal(rng, (n, t, d))
    h0 = _normal(rng, (n, hidden), 0.5)
    c0 = _normal(rng, (n, hidden), 0.5) if with_cell else None
    kernel = _normal(rng, (d, gates * hidden), 1 / math.sqrt(d))
    recurrent = _normal(rng, (hidden, gates * hidden), 0.5 / math.sqrt(hidden))
    bias = _normal(rng, (gates * hidden,), 0.5)
    dh_seq = _normal(rng, (n, t, hidden))
    named = {"x": x, "h0": h0, "c0": c0, "kernel": kernel, "recurrent_kernel": recurrent,
             "bias": bias, "dh_seq": dh_seq}
    return {k: v.astype(dtype) for k, v in named.items() if v is not None}


_RECURRENT_CASES = [
    # name, dtype, (N, T, D, H), note
    ("f64", "float64", (3, 5, 4, 3), "a short batch of sequences from given initial states"),
    ("f64_one_step", "float64", (2, 1, 3, 4),
     "T = 1: the whole sequence is one step, so a step function meets Keras directly"),
    ("f64_long", "float64", (2, 12, 2, 4), "a longer sequence: gradients flow back 12 steps"),
    ("f32", "float32", (2, 4, 3, 5), "float32"),
]


def _record_recurrent(rec: _Recording, keras, tf, kind: str, layer_class: str, gate_blocks: int,
                      states: tuple[str, ...], upstream: str) -> None:
    """Record a Keras recurrent layer over `_RECURRENT_CASES`: SimpleRNN (states ("h",)) or
    LSTM (states ("h", "c"), four gate blocks), from the given initial states, with the
    gradients of sum(h_seq * dh_seq)."""
    for name, dtype, (n, t, d, hidden), note in _RECURRENT_CASES:
        a = _recurrent_inputs(rec.rng(name), dtype, n, t, d, hidden, gate_blocks, with_cell="c" in states)
        layer = getattr(keras.layers, layer_class)(hidden, return_sequences=True, return_state=True,
                                                   dtype=dtype)
        layer.build((None, t, d))
        layer.set_weights([a["kernel"], a["recurrent_kernel"], a["bias"]])
        xt, initial = tf.constant(a["x"]), [tf.constant(a[f"{s}0"]) for s in states]

        def forward():
            seq, *last = layer(xt, initial_state=initial)
            return (seq, *last), tf.reduce_sum(seq * a["dh_seq"])

        cell = layer.cell
        (seq, *last), grads = _tape(tf, forward, [xt, *initial],
                                    [cell.kernel, cell.recurrent_kernel, cell.bias])
        grad_names = ("dx", *(f"d{s}0" for s in states), "dkernel", "drecurrent_kernel", "dbias")
        rec.add(name, kind=kind,
                keras=f"keras.layers.{layer_class}({hidden}, return_sequences=True, return_state=True, "
                      f"dtype={dtype!r})(x, initial_state=[{', '.join(f'{s}0' for s in states)}])",
                dtype=dtype, inputs=a,
                outputs={"h_seq": seq, **{f"{s}_T": v for s, v in zip(states, last)},
                         **dict(zip(grad_names, grads))},
                settings={"upstream": upstream}, note=note)


def _record_simple_rnn(rec: _Recording, keras, tf) -> None:
    _record_recurrent(rec, keras, tf, "simple_rnn", "SimpleRNN", 1, ("h",), "dh_seq")


def _record_lstm(rec: _Recording, keras, tf) -> None:
    _record_recurrent(rec, keras, tf, "lstm", "LSTM", 4, ("h", "c"),
                      "dh_seq (the final states get no upstream gradient)")


_EXACT = "hyperparameters exact in float32, so the trajectory can be matched to the last bit"
_ROUNDED = ("Keras's usual values, which are not exact in float32: Keras keeps the learning rate "
            "in a float32 variable and takes beta_1/beta_2/momentum through float32 even for "
            "float64 variables, so an implementation using the exact values differs from it by "
            "about 1e-6 relative; the tolerance allows that")
_ROUNDED_TOL = {"rtol": 1e-5, "atol": 1e-7}


def _record_optimizers(rec: _Recording, keras, tf) -> None:
    steps = 20
    cases = [
        # name, dtype, optimizer, settings, note, tolerance
        ("adam_f64", "float64", "Adam",
         {"lr": 2 ** -6, "beta_1": 0.875, "beta_2": 1 - 2 ** -10, "epsilon": 1e-7}, _EXACT, None),
        ("adam_f32", "float32", "Adam",
         {"lr": 2 ** -6, "beta_1": 0.875, "beta_2": 1 - 2 ** -10, "epsilon": 1e-7}, _EXACT, None),
        ("adam_keras_defaults_f64", "float64", "Adam",
         {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}, _ROUNDED, _ROUNDED_TOL),
        ("sgd_momentum_f64", "float64", "SGD", {"lr": 2 ** -6, "momentum": 0.875}, _EXACT, None),
        ("sgd_momentum_f32", "float32", "SGD", {"lr": 0.01, "momentum": 0.9},
         "the lecture's momentum 0.9 in float32, where Keras and NumPy round it alike", None),
        ("sgd_momentum_keras_f64", "float64", "SGD", {"lr": 0.01, "momentum": 0.9}, _ROUNDED,
         _ROUNDED_TOL),
        ("sgd_f64", "float64", "SGD", {"lr": 2 ** -4, "momentum": 0.0},
         "plain gradient descent: w <- w - lr * g", None),
    ]
    for name, dtype, kind, hp, note, tolerance in cases:
        rng = rec.rng(name)
        w0, b0 = _normal(rng, (3, 4)), _normal(rng, (4,), 0.5)
        w_grads, b_grads = _normal(rng, (steps, 3, 4)), _normal(rng, (steps, 4))
        w0, b0, w_grads, b_grads = _cast(dtype, w0, b0, w_grads, b_grads)
        if kind == "Adam":
            optimizer = keras.optimizers.Adam(learning_rate=hp["lr"], beta_1=hp["beta_1"],
                                              beta_2=hp["beta_2"], epsilon=hp["epsilon"])
            code = (f"keras.optimizers.Adam(learning_rate={hp['lr']!r}, beta_1={hp['beta_1']!r}, "
                    f"beta_2={hp['beta_2']!r}, epsilon={hp['epsilon']!r})")
        else:
            optimizer = keras.optimizers.SGD(learning_rate=hp["lr"], momentum=hp["momentum"])
            code = f"keras.optimizers.SGD(learning_rate={hp['lr']!r}, momentum={hp['momentum']!r})"
        w = keras.Variable(w0, dtype=dtype, name="w")
        b = keras.Variable(b0, dtype=dtype, name="b")
        w_path, b_path = [w0], [b0]
        for step in range(steps):
            optimizer.apply_gradients([(tf.constant(w_grads[step]), w), (tf.constant(b_grads[step]), b)])
            w_path.append(_numpy(w))
            b_path.append(_numpy(b))
        rec.add(name, kind=kind.lower(), keras=code, dtype=dtype,
                inputs={"w_init": w0, "b_init": b0, "w_grads": w_grads, "b_grads": b_grads},
                outputs={"w_path": np.stack(w_path), "b_path": np.stack(b_path)},
                settings={**hp, "steps": steps, "params": ["w", "b"],
                          "upstream": "w_grads[t], b_grads[t] at step t"},
                note=note, tolerance=tolerance)

    # logistic regression: full-batch SGD on binary cross-entropy from zero weights
    name, dtype, lr, epochs = "logistic_regression_f64", "float64", 0.5, 20
    rng = rec.rng(name)
    X = _normal(rng, (16, 3))
    y = (X @ np.array([1.5, -2.0, 0.5]) + _normal(rng, (16,), 0.75) > 0).astype(dtype)
    w = keras.Variable(np.zeros((3, 1), dtype), dtype=dtype, name="w")
    b = keras.Variable(np.zeros((1,), dtype), dtype=dtype, name="b")
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    bce = keras.losses.BinaryCrossentropy(dtype=dtype)
    Xt, yt = tf.constant(X), tf.constant(y[:, None])
    losses = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            p = keras.activations.sigmoid(keras.ops.matmul(Xt, w) + b)
            loss = bce(yt, p)
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        losses.append(_numpy(loss))
    rec.add(name, kind="logistic_regression",
            keras=f"Dense(1, sigmoid) weights from zeros, BinaryCrossentropy, "
                  f"SGD(learning_rate={lr}), {epochs} full-batch steps",
            dtype=dtype, inputs={"X": X, "y": y},
            outputs={"w": _numpy(w)[:, 0], "b": _numpy(b)[0], "losses": np.array(losses)},
            settings={"lr": lr, "epochs": epochs},
            note="losses[e] is the loss before step e; Keras takes the cross-entropy from the "
                 "sigmoid's logits, which equals the clipped one while p stays inside "
                 "[1e-7, 1 - 1e-7]")


def _record_losses(rec: _Recording, keras, tf) -> None:
    eps = float(keras.config.epsilon())
    classes = {"mse": keras.losses.MeanSquaredError,
               "binary_crossentropy": keras.losses.BinaryCrossentropy,
               "categorical_crossentropy": keras.losses.CategoricalCrossentropy}
    cases = [
        # name, dtype, loss, from_logits, shape, values, note
        ("mse_f64", "float64", "mse", False, (4, 3), "normal",
         "mean over each sample's elements, then over the batch"),
        ("mse_f32", "float32", "mse", False, (5, 2), "normal", "float32"),
        ("bce_f64", "float64", "binary_crossentropy", False, (4, 3), "probabilities",
         "p holds exact 0s and 1s and values beyond [eps, 1 - eps]: clipped, with a 0 gradient"),
        ("bce_f32", "float32", "binary_crossentropy", False, (3, 4), "probabilities", "float32"),
        ("cce_f64", "float64", "categorical_crossentropy", False, (4, 5), "softmax",
         "one-hot targets, rows of p summing to 1"),
        ("cce_unnormalized_f64", "float64", "categorical_crossentropy", False, (4, 5), "unnormalized",
         "rows of p not summing to 1 (Keras 3 rescales them) and one entry clipped at eps"),
        ("cce_f32", "float32", "categorical_crossentropy", False, (3, 4), "softmax", "float32"),
        ("cce_logits_f64", "float64", "categorical_crossentropy", True, (4, 5), "logits",
         "from logits: softmax cross-entropy"),
        ("cce_logits_large_f64", "float64", "categorical_crossentropy", True, (3, 4), "large_logits",
         "logits of size 1000: exp overflows unless the maximum is subtracted first"),
    ]
    for name, dtype, loss_name, from_logits, shape, values, note in cases:
        rng = rec.rng(name)
        n, k = shape
        if loss_name == "mse":
            y_true, y_pred = _normal(rng, shape), _normal(rng, shape)
        elif loss_name == "binary_crossentropy":
            y_true = rng.integers(0, 2, size=shape).astype(np.float64)
            y_pred = _uniform(rng, shape, 0.01, 0.99)
            y_pred.flat[:4] = [0.0, 1.0, 1e-9, 1 - 1e-9]
        else:
            y_true = np.eye(k)[rng.integers(0, k, size=n)]
            logits = _normal(rng, shape, 2.0)
            if values == "large_logits":
                logits = logits * 500
            if values in ("logits", "large_logits"):
                y_pred = logits
            else:
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                y_pred = e / e.sum(axis=1, keepdims=True)
                if values == "unnormalized":
                    y_pred = y_pred * _uniform(rng, (n, 1), 0.5, 2.0)
                    y_pred[0, int(np.argmax(y_true[0]) + 1) % k] = 1e-12
                    y_pred[1, int(np.argmax(y_true[1]))] = 1e-12
        y_true, y_pred = _cast(dtype, y_true, y_pred)
        options = {"from_logits": True} if from_logits else {}
        loss_fn = classes[loss_name](dtype=dtype, **options)
        pt = tf.constant(y_pred)

        def forward():
            loss = loss_fn(y_true, pt)
            return loss, loss

        loss, (grad,) = _tape(tf, forward, [pt], [])
        option_text = ", from_logits=True" if from_logits else ""
        rec.add(name, kind=loss_name,
                keras=f"keras.losses.{classes[loss_name].__name__}(dtype={dtype!r}{option_text})",
                dtype=dtype, inputs={"y_true": y_true, "y_pred": y_pred},
                outputs={"loss": loss, "grad": grad},
                settings={"from_logits": from_logits, "epsilon": eps,
                          "upstream": "none: the gradient of the loss itself w.r.t. y_pred"},
                note=note)


def _record_logistic_sklearn(rec: _Recording) -> None:
    """scikit-learn's unpenalised LogisticRegression on two overlapping clouds: its predictions
    and accuracy, which gradient descent on the same cross-entropy must reproduce. (Keras and
    TensorFlow are not used; scikit-learn is imported here only.)"""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise BaselineError("nnlab baselines record needs scikit-learn for the logistic_sklearn "
                            "family: pip install scikit-learn") from None
    case = "two_clouds_f64"
    rng = rec.rng(case)
    n = 200
    y = (np.arange(n) % 2).astype(np.float64)
    rng.shuffle(y)
    X = _normal(rng, (n, 2)) + np.where(y[:, None] == 1, [0.8, 0.6], [-0.8, -0.6])
    # C=inf is penalty=None (scikit-learn 1.8 deprecates the spelling): the plain maximum-
    # likelihood fit, which full-batch descent on the mean cross-entropy converges to
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    predictions = model.predict(X).astype(np.int64)
    rec.add(case, kind="logistic_sklearn", dtype="float64",
            keras="sklearn.linear_model.LogisticRegression(penalty=None), fitted by lbfgs",
            inputs={"X": X, "y": y},
            outputs={"predictions": predictions,
                     "accuracy": np.float64(np.mean(predictions == y))},
            settings={"lr": 0.5, "epochs": 500,
                      "predict": "1 where X @ w + b >= 0, else 0 (probability >= 0.5)"},
            note="the classes overlap (87.5% accuracy), so the maximum-likelihood fit is "
                 "finite; no sample's logit under it is within 0.01 of 0, so a converged descent "
                 "predicts every sample as scikit-learn does")


# Keras takes an activation's negative slope through float32 even for float64 inputs, so on
# float64 cases leaky_relu differs from x * 0.01 in exact float64 by about 2e-8 relative
_SLOPE_NOTE = ("Keras multiplies by the slope rounded to float32 even in float64, about 2e-8 "
               "relative from the exact slope; the tolerance allows that")
_SLOPE_TOL = {"rtol": 5e-8, "atol": 1e-12}


def _activation_input(rng, values: str, shape) -> np.ndarray:
    """normal values with exact zeros ("kinks": a whole row and a whole column), normal values
    without zeros ("smooth"), or |x| up to 1e3 with the extremes, 0 and exp's overflow points
    ("large")."""
    if values == "large":
        x = _uniform(rng, shape, -1000.0, 1000.0)
        x.flat[:8] = [-1000.0, 1000.0, 0.0, -720.0, 720.0, -40.0, 40.0, -1.0]
        return x
    x = _normal(rng, shape, 3.0)
    if values == "kinks":
        x[1, :] = 0.0
        x[:, 2] = 0.0
    else:
        x[x == 0] = _GRID
    return x


def _record_activations(rec: _Recording, keras, tf) -> None:
    act = keras.activations
    table = {
        # name: (Keras code, the call on a tensor with the case's options)
        "linear": ("keras.activations.linear(x)", lambda x, o: act.linear(x)),
        "binary_step": ("keras.ops.heaviside(x, 1.0)",
                        lambda x, o: keras.ops.heaviside(x, tf.constant(1.0, dtype=x.dtype))),
        "sigmoid": ("keras.activations.sigmoid(x)", lambda x, o: act.sigmoid(x)),
        "tanh": ("keras.activations.tanh(x)", lambda x, o: act.tanh(x)),
        "relu": ("keras.activations.relu(x)", lambda x, o: act.relu(x)),
        "leaky_relu": ("keras.activations.leaky_relu(x, negative_slope={alpha!r})",
                       lambda x, o: act.leaky_relu(x, negative_slope=o["alpha"])),
        "elu": ("keras.activations.elu(x, alpha={alpha!r})",
                lambda x, o: act.elu(x, alpha=o["alpha"])),
        "softplus": ("keras.activations.softplus(x)", lambda x, o: act.softplus(x)),
        "softmax": ("keras.activations.softmax(x, axis={axis!r})",
                    lambda x, o: act.softmax(x, axis=o["axis"])),
    }
    kinks = "random inputs with a row and a column of exact zeros (x == 0, a kink for some)"
    cases = [
        # name, dtype, function, options, values, shape, note, tolerance
        ("linear_f64", "float64", "linear", {}, "kinks", (4, 6), "the identity; derivative 1", None),
        ("binary_step_f64", "float64", "binary_step", {}, "kinks", (4, 6),
         "the lecture's step is Keras's heaviside with value 1 at x == 0; no gradient flows "
         "through a step, so the tape's grad is 0 (unconnected gradients as zeros)", None),
        ("sigmoid_f64", "float64", "sigmoid", {}, "kinks", (4, 6), kinks, None),
        ("sigmoid_large_f64", "float64", "sigmoid", {}, "large", (4, 6),
         "|x| up to 1e3: exp(-x) overflows unless the formula is chosen by the sign of x", None),
        ("tanh_f64", "float64", "tanh", {}, "kinks", (4, 6), kinks, None),
        ("tanh_large_f64", "float64", "tanh", {}, "large", (4, 6), "|x| up to 1e3", None),
        ("relu_f64", "float64", "relu", {}, "kinks", (4, 6),
         kinks + ", where TensorFlow's derivative is 0", None),
        ("leaky_relu_f64", "float64", "leaky_relu", {"alpha": 0.01}, "kinks", (4, 6),
         "the lecture's slope 0.01 given explicitly (Keras's own default is 0.2, its LeakyReLU "
         "layer's 0.3); at x == 0 TensorFlow's derivative is the slope. " + _SLOPE_NOTE,
         _SLOPE_TOL),
        ("leaky_relu_slope02_f64", "float64", "leaky_relu", {"alpha": 0.2}, "kinks", (4, 6),
         "a non-default slope. " + _SLOPE_NOTE, _SLOPE_TOL),
        ("elu_f64", "float64", "elu", {"alpha": 1.0}, "kinks", (4, 6),
         kinks + ", where the derivative is the right-hand value 1", None),
        ("elu_alpha15_f64", "float64", "elu", {"alpha": 1.5}, "smooth", (4, 6),
         "alpha = 1.5 on inputs without zeros (at x == 0 TensorFlow's derivative is then alpha, "
         "the curriculum's the right-hand value 1)", None),
        ("elu_large_f64", "float64", "elu", {"alpha": 1.0}, "large", (4, 6), "|x| up to 1e3", None),
        ("softplus_f64", "float64", "softplus", {}, "kinks", (4, 6), "derivative: the sigmoid", None),
        ("softplus_large_f64", "float64", "softplus", {}, "large", (4, 6),
         "|x| up to 1e3: log(1 + exp(x)) overflows unless written stably", None),
        ("softmax_f64", "float64", "softmax", {"axis": -1}, "smooth", (4, 5),
         "rows of an (N, K) batch", None),
        ("softmax_axis0_f64", "float64", "softmax", {"axis": 0}, "smooth", (5, 3),
         "axis=0: each column sums to 1", None),
        ("softmax_large_f64", "float64", "softmax", {"axis": -1}, "large", (3, 6),
         "logits up to 1e3, and a row tied at the top: exp overflows unless each row's maximum "
         "is subtracted first", None),
    ]
    f32 = {"linear": {}, "binary_step": {}, "sigmoid": {}, "tanh": {}, "relu": {},
           "leaky_relu": {"alpha": 0.01}, "elu": {"alpha": 1.0}, "softplus": {},
           "softmax": {"axis": -1}}
    cases += [(f"{name}_f32", "float32", name, options, "smooth" if name == "softmax" else "kinks",
               (3, 5), "float32 in, float32 out", None) for name, options in f32.items()]
    for name, dtype, function, options, values, shape, note, tolerance in cases:
        rng = rec.rng(name)
        x = _activation_input(rng, values, shape)
        if function == "softmax" and values == "large":
            x[1, :] = 1000.0
        (x,) = _cast(dtype, x)
        code, apply = table[function]
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = apply(xt, options)
            total = tf.reduce_sum(out)
        outputs = {"out": out}
        if function != "softmax":  # elementwise: the gradient of sum(f(x)) is f'(x)
            outputs["grad"] = tape.gradient(total, xt,
                                            unconnected_gradients=tf.UnconnectedGradients.ZERO)
        rec.add(name, kind="activation", keras=code.format(**options), dtype=dtype,
                inputs={"x": x}, outputs=outputs,
                settings={"function": function, **options,
                          "upstream": "ones: grad is the derivative f'(x) at each x"},
                note=note, tolerance=tolerance)


# The lecture's XOR network: Dense(H, sigmoid) -> Dense(1, sigmoid) on the four XOR points, its
# output, its half-SSE loss (the lecture's 0.5 * sum((Y - Y_hat)**2) / N, written out in
# TensorFlow: Keras has no such loss) and one plain SGD step on it by keras.optimizers.SGD.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
XOR_LR = 0.5  # exact in float32, so Keras's float32 learning rate is exactly the curriculum's


def _record_xor(rec: _Recording, keras, tf) -> None:
    cases = [
        # name, dtype, hidden units, note
        ("f64_h2", "float64", 2, "the lecture's 2-2-1 sigmoid network, non-zero biases"),
        ("f64_h3", "float64", 3, "three hidden units: no H == 2 hidden in a transposed weight"),
        ("f32_h2", "float32", 2, "float32 weights and inputs stay float32"),
    ]
    for name, dtype, hidden, note in cases:
        rng = rec.rng(name)
        params = {"W1": _normal(rng, (2, hidden)), "b1": _normal(rng, (hidden,), 0.5),
                  "W2": _normal(rng, (hidden, 1)), "b2": _normal(rng, (1,), 0.5)}
        X, Y, *values = _cast(dtype, XOR_X, XOR_Y, *params.values())
        params = dict(zip(params, values))
        model = keras.Sequential([keras.Input((2,), dtype=dtype),
                                  keras.layers.Dense(hidden, activation="sigmoid", dtype=dtype),
                                  keras.layers.Dense(1, activation="sigmoid", dtype=dtype)])
        model.layers[0].set_weights([params["W1"], params["b1"]])
        model.layers[1].set_weights([params["W2"], params["b2"]])
        variables = [v for layer in model.layers for v in (layer.kernel, layer.bias)]
        xt, yt = tf.constant(X), tf.constant(Y)

        def forward():
            y_hat = model(xt)
            loss = 0.5 * tf.reduce_sum((yt - y_hat) ** 2) / len(X)
            return (y_hat, loss), loss

        (y_hat, loss), grads = _tape(tf, forward, [], variables)
        keras.optimizers.SGD(learning_rate=XOR_LR).apply_gradients(zip(grads, variables))
        after = dict(zip(("W1", "b1", "W2", "b2"), (_numpy(v) for v in variables)))
        rec.add(name, kind="xor_mlp", dtype=dtype,
                keras=(f"keras.Sequential([Dense({hidden}, activation='sigmoid'), Dense(1, "
                       f"activation='sigmoid')], dtype={dtype!r}), one "
                       f"keras.optimizers.SGD(learning_rate={XOR_LR}) step on the half-SSE loss"),
                inputs={"X": X, "Y": Y, **params},
                outputs={"y_hat": y_hat, "loss": loss, **{f"{k}_next": v for k, v in after.items()}},
                settings={"hidden": hidden, "lr": XOR_LR,
                          "loss": "0.5 * sum((Y - y_hat)**2) / N, before the step"}, note=note)


# A Keras MLP trained as the mlp grader trains the learner's MLPClassifier on the digits (the
# sklearn_mlp family's "digits" case: the same split, hidden sizes, activation, Adam learning
# rate, epochs and batch size), one fit per seed; its test accuracies are the Keras outcome the
# learner's model is held to. The pixels are stored as integers 0..16 (X = pixels / 16), which
# keeps the file small; op determinism keeps the recording byte-reproducible.
KERAS_MLP_SEEDS = tuple(range(5))
KERAS_MLP_MARGIN = 0.03


def _record_keras_mlp(rec: _Recording, keras, tf) -> None:
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise BaselineError("nnlab baselines record -f keras_mlp needs scikit-learn for the "
                            "digits: pip install scikit-learn") from None
    name, estimator, settings, note = SKLEARN_MLP_CASES[0]
    assert name == "digits" and estimator == "MLPClassifier"
    digits = load_digits()
    pixels = digits.data.astype(np.uint8)
    P_train, P_test, y_train, y_test = train_test_split(
        pixels, digits.target.astype(np.int64), test_size=0.2, random_state=42)
    X_train, X_test = P_train / 16.0, P_test / 16.0
    tf.config.experimental.enable_op_determinism()
    accuracies = []
    for seed in KERAS_MLP_SEEDS:
        keras.utils.set_random_seed(seed)
        layers = [keras.Input((X_train.shape[1],))]
        layers += [keras.layers.Dense(size, activation=settings["activation"])
                   for size in settings["hidden_layer_sizes"]]
        model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=settings["learning_rate_init"]),
                      loss="sparse_categorical_crossentropy")
        model.fit(X_train, y_train, epochs=settings["max_iter"], batch_size=settings["batch_size"],
                  shuffle=True, verbose=0)
        predicted = np.argmax(model.predict(X_test, verbose=0), axis=1)
        accuracies.append(float(np.mean(predicted == y_test)))
    accuracies = np.array(accuracies)
    sizes = ", ".join(f"Dense({size}, activation={settings['activation']!r})"
                      for size in settings["hidden_layer_sizes"])
    rec.add("digits", kind="keras_MLPClassifier", dtype="float64",
            keras=(f"keras.Sequential([{sizes}, Dense(10, activation='softmax')]) compiled with "
                   f"Adam(learning_rate={settings['learning_rate_init']}) and "
                   f"sparse_categorical_crossentropy, fit(epochs={settings['max_iter']}, "
                   f"batch_size={settings['batch_size']}, shuffle=True) after "
                   f"keras.utils.set_random_seed(seed), in Keras's default float32"),
            inputs={"pixels_train": P_train, "y_train": y_train, "pixels_test": P_test,
                    "y_test": y_test},
            outputs={"accuracy_mean": np.float64(accuracies.mean()),
                     "accuracy_min": np.float64(accuracies.min())},
            settings={**settings, "estimator": estimator, "pixel_scale": 16,
                      "seeds": list(KERAS_MLP_SEEDS),
                      "accuracies": [round(a, 12) for a in accuracies.tolist()],
                      "margin": KERAS_MLP_MARGIN, "score": "accuracy"},
            tolerance={"rtol": 0.0, "atol": KERAS_MLP_MARGIN},
            note="Keras's MLP with the grader's settings on " + note)


_RECORDERS = {
    "dense": _record_dense,
    "conv2d": _record_conv2d,
    "maxpool2d": _record_maxpool2d,
    "flatten": _record_flatten,
    "cnn": _record_cnn,
    "simple_rnn": _record_simple_rnn,
    "lstm": _record_lstm,
    "optimizers": _record_optimizers,
    "losses": _record_losses,
    "activations": _record_activations,
    "xor": _record_xor,
    "keras_mlp": _record_keras_mlp,
}


# ------------------------------------------------------------------------------------------
# scikit-learn families: no Keras, no TensorFlow
# ------------------------------------------------------------------------------------------

NEEDS_SKLEARN = "nnlab baselines record -f sklearn_mlp needs scikit-learn: pip install scikit-learn"

# The lecture's data sets (deck 000) and digits, each with the settings the mlp grader trains
# the learner's model with: few epochs, so that a vectorised NumPy learner trains in well under
# a second, and scikit-learn's score under the very same settings is the bar.
SKLEARN_MLP_SEEDS = tuple(range(10))
SKLEARN_MLP_CASES = (
    # name, estimator, settings (scikit-learn's argument names, also the curriculum's), note
    ("digits", "MLPClassifier",
     {"hidden_layer_sizes": [100], "activation": "relu", "learning_rate_init": 0.001,
      "max_iter": 20, "batch_size": 32},
     "load_digits() with the pixels scaled to [0, 1] (X / 16), an 80/20 split (random_state=42)"),
    ("classification", "MLPClassifier",
     {"hidden_layer_sizes": [100, 50], "activation": "relu", "learning_rate_init": 0.001,
      "max_iter": 20, "batch_size": 32},
     "the lecture's make_classification(n_samples=1000, n_features=20, n_classes=2, "
     "random_state=42), an 80/20 split (random_state=42), its two hidden layers (100, 50)"),
    ("regression", "MLPRegressor",
     {"hidden_layer_sizes": [100], "activation": "relu", "learning_rate_init": 0.01,
      "max_iter": 20, "batch_size": 32},
     "the lecture's make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=42), "
     "an 80/20 split (random_state=42); targets unscaled, hence the learning rate 0.01"),
)
# |learner - scikit-learn| bars the mlp grader applies to the worst of the recorded seeds
SKLEARN_MLP_MARGIN = {"MLPClassifier": 0.03, "MLPRegressor": 0.05}


def _sklearn_mlp_data(name: str):
    from sklearn.datasets import load_digits, make_classification, make_regression
    from sklearn.model_selection import train_test_split

    if name == "digits":
        digits = load_digits()
        X, y = digits.data / 16.0, digits.target.astype(np.int64)
    elif name == "classification":
        X, y = make_classification(n_samples=1000, n_features=20, n_classes=2, random_state=42)
        y = y.astype(np.int64)
    else:
        X, y = make_regression(n_samples=1000, n_features=20, noise=0.1, random_state=42)
    return train_test_split(X.astype(np.float64), y, test_size=0.2, random_state=42)


def _record_sklearn_mlp(rec: _Recording) -> None:
    """scikit-learn's MLPClassifier/MLPRegressor test scores on the lecture's data sets, one per
    seed, with the settings the grader gives the learner's model (Adam, no L2 penalty, exactly
    max_iter epochs: scikit-learn's early stop is switched off)."""
    import warnings

    try:
        from sklearn import neural_network
    except ImportError:
        raise BaselineError(NEEDS_SKLEARN) from None
    for name, estimator, settings, note in SKLEARN_MLP_CASES:
        X_train, X_test, y_train, y_test = _sklearn_mlp_data(name)
        scores = []
        for seed in SKLEARN_MLP_SEEDS:
            model = getattr(neural_network, estimator)(
                hidden_layer_sizes=tuple(settings["hidden_layer_sizes"]),
                activation=settings["activation"], solver="adam", alpha=0.0,
                batch_size=settings["batch_size"], learning_rate_init=settings["learning_rate_init"],
                max_iter=settings["max_iter"], n_iter_no_change=10 ** 6, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs on purpose
                model.fit(X_train, y_train)
            scores.append(float(model.score(X_test, y_test)))
        scores = np.array(scores)
        margin = SKLEARN_MLP_MARGIN[estimator]
        rec.add(name, kind=f"sklearn_{estimator}", dtype="float64",
                keras=f"sklearn.neural_network.{estimator}(solver='adam', alpha=0.0, "
                      f"n_iter_no_change=10**6, random_state=seed, **settings)",
                inputs={"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test},
                outputs={"score_mean": np.float64(scores.mean()), "score_min": np.float64(scores.min())},
                settings={**settings, "estimator": estimator, "seeds": list(SKLEARN_MLP_SEEDS),
                          "scores": [round(s, 12) for s in scores.tolist()], "margin": margin,
                          "score": "accuracy" if estimator == "MLPClassifier" else "R^2"},
                tolerance={"rtol": 0.0, "atol": margin}, note=note)


# Families recorded with scikit-learn alone (TensorFlow is not imported for them).
_SKLEARN_RECORDERS = {"logistic_sklearn": _record_logistic_sklearn, "sklearn_mlp": _record_sklearn_mlp}
assert (*_RECORDERS, *_SKLEARN_RECORDERS) == FAMILIES


# ------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------


def _import_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras
        import tensorflow as tf
    except ImportError:
        raise BaselineError(NEEDS_TENSORFLOW) from None
    if keras.backend.backend() != "tensorflow":
        raise BaselineError(f"nnlab baselines record needs Keras on the TensorFlow backend, "
                            f"not {keras.backend.backend()!r}: set KERAS_BACKEND=tensorflow")
    # floatx is the dtype of the optimizers' learning-rate variable, epsilon the losses' clip:
    # the recorded cases describe Keras with its defaults
    if keras.config.floatx() != "float32" or keras.config.epsilon() != 1e-7:
        raise BaselineError(f"nnlab baselines record needs Keras's default floatx 'float32' and "
                            f"epsilon 1e-07, not {keras.config.floatx()!r} and "
                            f"{keras.config.epsilon()!r}")
    return keras, tf


def record_baselines(out_dir: Path, families: Iterable[str] | None = None) -> list[Path]:
    """Record Keras's outputs on every fixed case and write `out_dir/<family>.npz`.

    Args:
        out_dir: the folder to write (created if missing); the course's is graders/baselines.
        families: a subset of `FAMILIES` to record; all of them by default.

    Returns:
        The paths written, in `FAMILIES` order.

    Raises:
        BaselineError: TensorFlow/Keras is missing, not on the TensorFlow backend or not at its
        default floatx/epsilon, or a family name is unknown (one line for the user).
    """
    wanted = FAMILIES if families is None else tuple(families)
    unknown = [f for f in wanted if f not in FAMILIES]
    if unknown:
        raise BaselineError(f"unknown baseline families {unknown}; expected some of {list(FAMILIES)}")
    # TensorFlow only when a Keras family is wanted (the scikit-learn families need none)
    keras, tf = _import_keras() if any(f in _RECORDERS for f in wanted) else (None, None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for family in FAMILIES:
        if family in wanted:
            recording = _Recording(family)
            if family in _RECORDERS:
                _RECORDERS[family](recording, keras, tf)
                provenance = {"tensorflow": tf.__version__, "keras": keras.__version__,
                              "numpy": np.__version__}
            else:
                _SKLEARN_RECORDERS[family](recording)
                import sklearn

                provenance = {"scikit-learn": sklearn.__version__, "numpy": np.__version__}
            paths.append(recording.write(out_dir, provenance))
    return paths
