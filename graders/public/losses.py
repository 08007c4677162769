"""Public checks for losses.py, on a fixed, published seed.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/losses.json; `nnlab check losses` compares yours.
"""

import numpy as np

from nnlab.authoring.public_case import Case


def textbook_categorical_cross_entropy_grad(y_true, p, eps=1e-7):
    """The lectures' gradient of categorical cross-entropy, -y_true / (N p), with p clipped as
    in the loss (and 0 where the clip holds p). The course follows Keras 3, which first rescales
    each row of p to sum to 1; chained through a softmax both give the same gradient with
    respect to the logits, so the graders accept either (CURRICULUM.md, losses)."""
    from reference.losses import _clip_bounds, _samples, _working_float

    (y_true, p), dtype = _working_float(y_true, p)
    lo, hi = _clip_bounds(dtype, eps)
    inside = (p >= lo) & (p <= hi)
    return np.where(inside, -y_true / np.clip(p, lo, hi), dtype.type(0)) / dtype.type(_samples(p))


# Names for the two accepted gradients of categorical cross-entropy, as the feedback says them.
KERAS_CCE_GRAD = "Keras 3's gradient (through the rescaling of each row of p)"
TEXTBOOK_CCE_GRAD = "the textbook gradient -y_true / (N p)"
CCE_GRAD_ALTERNATIVES = {"alternatives": {TEXTBOOK_CCE_GRAD: textbook_categorical_cross_entropy_grad},
                         "accepted_as": KERAS_CCE_GRAD}

rng = np.random.default_rng(20250102)


def _round(a):
    return np.round(a, 3)


# regression: a batch of 4 samples with 2 outputs each, and a single-output batch
Y = _round(rng.normal(size=(4, 2)))
Y_HAT = _round(rng.normal(size=(4, 2)))
Y1 = _round(rng.normal(size=(5,)))
Y1_HAT = _round(rng.normal(size=(5,)))
Y32, Y32_HAT = Y.astype(np.float32), Y_HAT.astype(np.float32)

# binary labels with probabilities, and the same with saturated probabilities
LABELS = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
PROBS = np.array([[0.9, 0.2, 0.6], [0.3, 0.05, 0.75]])
# against LABELS: right, right, wrong in the first row; wrong, right, right in the second
SATURATED = np.array([[1.0, 0.0, 0.0], [1.0, 1e-12, 1.0]])

# one-hot targets with softmax probabilities, unnormalised scores and logits
ONE_HOT = np.eye(3)[[0, 2, 1]]
CLASS_PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]])
SCORES = np.array([[2.0, 1.0, 1.0], [0.5, 0.5, 0.5], [0.2, 1.2, 0.6]])  # rows do not sum to 1
ONE_HOT_SATURATED = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
LOGITS = _round(rng.normal(scale=2.0, size=(3, 3)))
LARGE_LOGITS = np.array([[1000.0, -1000.0, 0.0], [-500.0, 900.0, 899.0], [3.0, 2.0, 1.0]])

CASES = [
    Case("mse", "a batch of 4 samples, 2 outputs each", args=(Y, Y_HAT)),
    Case("mse", "one output per sample", args=(Y1, Y1_HAT)),
    Case("mse_grad", "a batch of 4 samples, 2 outputs each", args=(Y, Y_HAT)),
    Case("mse_grad", "one output per sample", args=(Y1, Y1_HAT)),
    Case("half_sse", "a batch of 4 samples, 2 outputs each", args=(Y, Y_HAT)),
    Case("half_sse", "one output per sample", args=(Y1, Y1_HAT)),
    Case("half_sse_grad", "a batch of 4 samples, 2 outputs each", args=(Y, Y_HAT)),
    Case("binary_cross_entropy", "labels and probabilities", args=(LABELS, PROBS)),
    Case("binary_cross_entropy", "p exactly 0 or 1 is clipped", args=(LABELS, SATURATED),
         no_warnings=True),
    Case("binary_cross_entropy", "eps=1e-3", args=(LABELS, SATURATED), kwargs={"eps": 1e-3}),
    Case("binary_cross_entropy_grad", "labels and probabilities", args=(LABELS, PROBS)),
    Case("binary_cross_entropy_grad", "zero gradient where p is clipped", args=(LABELS, SATURATED),
         no_warnings=True),
    Case("categorical_cross_entropy", "one-hot targets, probabilities",
         args=(ONE_HOT, CLASS_PROBS)),
    Case("categorical_cross_entropy", "rows not summing to 1 are rescaled", args=(ONE_HOT, SCORES)),
    Case("categorical_cross_entropy", "p exactly 0 or 1 is clipped",
         args=(ONE_HOT, ONE_HOT_SATURATED), no_warnings=True),
    Case("categorical_cross_entropy_grad", "one-hot targets, probabilities",
         args=(ONE_HOT, CLASS_PROBS), **CCE_GRAD_ALTERNATIVES),
    Case("categorical_cross_entropy_grad", "through the rescaling", args=(ONE_HOT, SCORES),
         **CCE_GRAD_ALTERNATIVES),
    Case("categorical_cross_entropy_grad", "zero gradient where p is clipped",
         args=(ONE_HOT, ONE_HOT_SATURATED), no_warnings=True, **CCE_GRAD_ALTERNATIVES),
    Case("softmax_cross_entropy", "one-hot targets, logits", args=(ONE_HOT, LOGITS)),
    Case("softmax_cross_entropy", "logits up to 1e3, no overflow", args=(ONE_HOT, LARGE_LOGITS),
         no_warnings=True),
    Case("softmax_cross_entropy_grad", "one-hot targets, logits", args=(ONE_HOT, LOGITS)),
    Case("softmax_cross_entropy_grad", "logits up to 1e3, no overflow",
         args=(ONE_HOT, LARGE_LOGITS), no_warnings=True),
]

# float32 in, float32 out, for every function: the same exact-dtype rule the graders apply.
F32 = {"mse": (Y32, Y32_HAT), "mse_grad": (Y32, Y32_HAT), "half_sse": (Y32, Y32_HAT),
       "half_sse_grad": (Y32, Y32_HAT)}
F32.update({name: (LABELS.astype(np.float32), PROBS.astype(np.float32))
            for name in ("binary_cross_entropy", "binary_cross_entropy_grad")})
F32.update({name: (ONE_HOT.astype(np.float32), CLASS_PROBS.astype(np.float32))
            for name in ("categorical_cross_entropy", "categorical_cross_entropy_grad")})
F32.update({name: (ONE_HOT.astype(np.float32), LOGITS.astype(np.float32))
            for name in ("softmax_cross_entropy", "softmax_cross_entropy_grad")})
CASES += [Case(name, "float32 stays float32", args=args, exact_dtype=True,
               **(CCE_GRAD_ALTERNATIVES if name == "categorical_cross_entropy_grad" else {}))
          for name, args in F32.items()]
