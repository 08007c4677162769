"""Live Keras/TensorFlow for the reference tests: one import, the skip rules, shared comparisons.

Test modules made only of Keras comparisons call `require_keras()` at import, which skips the
whole module unless Keras runs on the TensorFlow backend (the checks differentiate with
`tf.GradientTape`). Modules that mix Keras comparisons with plain NumPy checks mark each Keras
test with `@keras_test` instead, so the NumPy checks still run without TensorFlow. Both carry the
`keras` mark.

The comparisons of element-wise functions (activations, losses) are below: tensors built in the
input's dtype, values and `tf.GradientTape` gradients through the Keras function, and a
tolerance per dtype.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    import keras
    import tensorflow as tf
except ImportError:  # pragma: no cover - depends on the environment
    keras = tf = None

if keras is None:  # pragma: no cover - depends on the environment
    WHY_NOT = "needs TensorFlow/Keras installed"
elif keras.backend.backend() != "tensorflow":  # pragma: no cover - depends on KERAS_BACKEND
    WHY_NOT = "these checks need Keras on the TensorFlow backend (they use tf.GradientTape)"
else:
    WHY_NOT = None


def require_keras():
    """(keras, tf) for a module made only of Keras comparisons; skips the module otherwise."""
    if WHY_NOT is not None:
        pytest.skip(WHY_NOT, allow_module_level=True)
    return keras, tf


def keras_test(fn):
    """Mark one test as a Keras comparison: the `keras` mark, skipped without Keras."""
    return pytest.mark.keras(pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")(fn))


# ------------------------------------------------------------------------------------------
# element-wise functions: activations and losses
# ------------------------------------------------------------------------------------------


DTYPES = [np.float64, np.float32]


# float64: 1e-10 relative, with an absolute floor far below anything a learner could see; it
# covers values that are 0 in one implementation and a denormal in the other, and TensorFlow's
# sigmoid and tanh gradients y * (1 - y) and 1 - y**2, which lose relative accuracy where y
# rounds to nearly 1 (float32's floor of 1e-6 is the same effect at float32's precision).
TOL = {np.float64: dict(rtol=1e-10, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}


def close(actual, expected, dtype):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), **TOL[dtype])


def tensor(a, dtype):
    return tf.constant(np.asarray(a, dtype=dtype))


def keras_value(fn, *arrays, dtype):
    return fn(*[tensor(a, dtype) for a in arrays]).numpy()


def keras_grad(fn, *arrays, wrt=-1, dtype):
    """d sum(fn(*arrays)) / d arrays[wrt]: elementwise f'(x) for an activation, the gradient of
    a scalar loss w.r.t. its prediction for a loss."""
    tensors = [tensor(a, dtype) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors[wrt])
        out = fn(*tensors)
    return tape.gradient(out, tensors[wrt]).numpy()
