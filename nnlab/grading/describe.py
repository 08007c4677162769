"""How a wrong output differs from the expected one, in the course's words.

`describe_difference(actual, expected, ...)` looks at a learner's value that the comparator has
already found wrong and says what the difference looks like, whether or not a catalogued mistake
explains it: a constant factor ("exactly -1 times the expected values: a sign is flipped"; "the
expected ones divided by N = 8, the number of samples"), a constant offset, the bias added twice
or left out, swapped axes, an order reversed or shifted by one step, or errors confined to one
part of the array: one time step ("only time step t = 0 differs; every other time step
matches"), a border row or column of an image, one gate block of an LSTM's 4H columns ("only the
forget gate's block of dkernel differs"), the samples whose maximum is tied, or the entries where
the input sits at an activation's kink.

It reads only plain values (the decoded learner output, the expected value, the call's inputs by
name), and it never raises: an unusual value simply gets no description (None).

Shapes: `actual` and `expected` are arrays of one shape (or numbers); `inputs` maps the reference
signature's argument names to the call's arguments; `qualname` ("lstm.lstm_backward") and
`label` ("dkernel", "h_seq", "[2]") say what the array is, which names its axes.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, permutations
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nnlab.course import Tolerance

# How a failure message introduces the description (after any catalogued diagnosis).
PATTERN = "What differs: "

# The gate blocks of an LSTM's 4H columns, in Keras's order [i | f | c | o].
GATES = ("input gate", "forget gate", "candidate (cell input)", "output gate")

# What lstm_gates returns, in order.
GATE_OUTPUTS = ("input gate i", "forget gate f", "candidate g", "output gate o")

# Argument names that hold a bias vector, added once per output unit.
BIAS_NAMES = ("bias", "b", "b1", "b2")


def describe_difference(actual: Any, expected: Any, *, tol: Tolerance, qualname: str = "",
                        label: str = "", inputs: dict[str, Any] | None = None) -> str | None:
    """One or two sentences on how `actual` differs from `expected`, or None when nothing
    specific can be said (or the values are not two numeric arrays of one shape).

    Structures (tuples, lists, dicts) are walked to their first differing numeric part, whose
    name ("[1]", "['W1']") prefixes the sentence.
    """
    try:
        path = _equal_steps(actual, expected, tol)
        if path:
            return path
        part, a, e = _first_differing_part(actual, expected, tol, label)
        if a is None:
            return None
        with np.errstate(all="ignore"):
            said = _Describer(a, e, tol, qualname, part, inputs or {}).describe()
        only = _only_part(actual, expected, tol, part, qualname)
    except Exception:  # a description is a courtesy; the verdict stands without one
        return None
    if only and said:
        return f"{only}; {said}"
    return only or said


def _only_part(actual: Any, expected: Any, tol: Tolerance, part: str, qualname: str) -> str:
    """"only the forget gate f (output [1]) differs, the other outputs match" when a structured
    value is wrong in exactly one of several parts; "" otherwise."""
    if not isinstance(expected, (tuple, list, dict)) or len(expected) < 2:
        return ""
    keys = list(expected) if isinstance(expected, dict) else list(range(len(expected)))
    try:
        wrong = [k for k in keys if _first_differing_part(actual[k], expected[k], tol, "")[1]
                 is not None or _numeric(actual[k]) is None and actual[k] != expected[k]]
    except Exception:
        return ""
    if len(wrong) != 1:
        return ""
    key = wrong[0]
    named = f"output {part}" if part.startswith("[") else part
    if qualname == "lstm.lstm_gates" and isinstance(key, int) and key < 4:
        named = f"the {GATE_OUTPUTS[key]} (output [{key}])"
    return f"only {named} differs, the other parts match"


def _first_differing_part(actual: Any, expected: Any, tol: Tolerance, label: str):
    """(label, actual array, expected array) of the first numeric leaf that is not close;
    (label, None, None) when there is none or the structures do not line up."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return label, None, None
        for i, (a, e) in enumerate(zip(actual, expected)):
            found = _first_differing_part(a, e, tol, f"{label}[{i}]")
            if found[1] is not None:
                return found
        return label, None, None
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return label, None, None
        for key in expected:
            found = _first_differing_part(actual[key], expected[key], tol, f"{label}[{key!r}]")
            if found[1] is not None:
                return found
        return label, None, None
    a, e = _numeric(actual), _numeric(expected)
    if a is None or e is None or a.shape != e.shape or e.dtype.kind not in "fiub" \
            or a.dtype.kind not in "fiub":
        return label, None, None
    a, e = a.astype(np.float64), e.astype(np.float64)
    if not (np.isfinite(a).all() and np.isfinite(e).all()):
        return label, None, None
    if np.isclose(a, e, rtol=tol.rtol, atol=tol.atol).all():
        return label, None, None
    return label, a, e


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two equally long vectors (0 where one is constant)."""
    ra, rb = np.argsort(np.argsort(a)).astype(float), np.argsort(np.argsort(b)).astype(float)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / denominator if denominator else 0.0


def _equal_steps(actual: Any, expected: Any, tol: Tolerance) -> str:
    """"your output[1] takes the same step every time ..." when a part of a structured output
    is a path (successive states along its first axis) whose every step equals the first,
    where the expected path's steps differ; "" otherwise."""
    if not isinstance(expected, (tuple, list)) or not isinstance(actual, (tuple, list)) \
            or len(actual) != len(expected):
        return ""
    for i, (a, e) in enumerate(zip(actual, expected)):
        a, e = _numeric(a), _numeric(e)
        if a is None or e is None or a.shape != e.shape or a.ndim < 1 or a.shape[0] < 3 \
                or a.dtype.kind not in "fiu" or e.dtype.kind not in "fiu":
            continue
        a, e = a.astype(np.float64), e.astype(np.float64)
        if not (np.isfinite(a).all() and np.isfinite(e).all()):
            continue
        da, de = np.diff(a, axis=0), np.diff(e, axis=0)
        same = np.isclose(da, da[:1], rtol=tol.rtol * 10, atol=tol.atol * 10).all()
        if same and np.abs(da[0]).max() > tol.atol * 10 and \
                not np.isclose(de, de[:1], rtol=tol.rtol * 10, atol=tol.atol * 10).all():
            return (f"your output[{i}] takes the same step every time (each entry minus the one "
                    f"before is the first step again), where the expected steps change as the "
                    f"point moves: what the step is computed from is never updated (the "
                    f"gradient at w0 reused, not taken at the current point)")
    return ""


def _numeric(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (np.generic, bool, int, float)):
        return np.asarray(value)
    return None


class _Describer:
    """One description: the arrays, their context, and the detectors tried in turn."""

    def __init__(self, a: np.ndarray, e: np.ndarray, tol: Tolerance, qualname: str, label: str,
                 inputs: dict[str, Any]):
        self.a, self.e, self.tol = a, e, tol
        self.module, _, self.function = qualname.partition(".")
        self.label = label.strip()
        self.inputs = inputs
        # the array's name as the feedback says it ("your dkernel", "your output")
        self.name = self.label if self.label and not self.label.startswith("[") else (
            f"output{self.label}" if self.label else "output")
        self.bad = ~np.isclose(a, e, rtol=tol.rtol, atol=tol.atol)

    # -- helpers -------------------------------------------------------------------------

    def close(self, a: np.ndarray, e: np.ndarray, loose: float = 1.0) -> bool:
        return a.shape == e.shape and bool(np.isclose(a, e, rtol=self.tol.rtol * loose,
                                                      atol=self.tol.atol * loose).all())

    def arrays(self) -> dict[str, np.ndarray]:
        """The inputs that are numeric arrays, by name."""
        out = {}
        for name, value in self.inputs.items():
            arr = _numeric(value) if isinstance(value, (np.ndarray, np.generic)) else None
            if arr is not None and arr.dtype.kind in "fiub" and arr.ndim:
                out[name] = arr
        return out

    def scalars(self) -> dict[str, float]:
        """The inputs that are plain numbers (lr, momentum, epsilon...), by name."""
        out = {}
        for name, value in self.inputs.items():
            if isinstance(value, (bool, np.bool_)):
                continue
            if isinstance(value, (int, float, np.integer, np.floating)):
                out[name] = float(value)
        return out

    def batch_size(self) -> int | None:
        for name in ("x", "X", "y_true", "y_pred", "z", "x_t", "p", "dout", "dh_seq"):
            arr = self.arrays().get(name)
            if arr is not None and arr.ndim >= 1 and arr.shape[0] > 1:
                return int(arr.shape[0])
        return None

    def steps(self) -> int | None:
        for name in ("x", "dh_seq"):
            arr = self.arrays().get(name)
            if arr is not None and arr.ndim == 3 and self.module in ("rnn", "lstm"):
                return int(arr.shape[1])
        return None

    def axis_names(self) -> list[str]:
        """What each axis of the array means, as the course names it ("time step", "row")."""
        nd = self.a.ndim
        label = self.label.lower()
        if self.module in ("rnn", "lstm") and nd == 3:
            return ["sample", "time step", "unit" if "x" not in label else "feature"]
        if self.module == "conv" and nd == 4:
            if "kernel" in label:
                return ["kernel row", "kernel column", "input channel", "filter"]
            return ["sample", "row", "column", "channel"]
        if nd == 2 and ("kernel" in label or label.startswith("dw") or label.startswith("w")):
            return ["row", "column"]
        if nd == 2:
            return ["sample", "column"]
        if nd == 1:
            return ["entry"]
        return [f"axis {k}" for k in range(nd)]

    # -- the description ---------------------------------------------------------------------

    def describe(self) -> str | None:
        """The first thing that can be said, most specific first: a relation of the whole
        array (a factor, the bias, swapped axes, a shift...), then where the errors are (the
        kink, tied maxima, a gate block, time steps, a border), then weaker patterns."""
        for detector in (self.all_zero, self.unchanged, self.signed_sum, self.misplaced_constant,
                         self.factor, self.count_off_by_one, self.step, self.unreached, self.bias, self.offset, self.axes, self.shift, self.clipped,
                         self.squashed,
                         self.kink, self.ties, self.by_sign, self.where, self.per_sample,
                         self.signs, self.zero_at_wrong):
            said = detector()
            if said:
                return said
        return None

    def signed_sum(self) -> str | None:
        """Weights that are a positive multiple of sum((2y - 1) x) over the samples: every
        sample added its update, whether it was classified right or not."""
        X, y = self.arrays().get("X"), self.arrays().get("y")
        if X is None or y is None or X.ndim != 2 or self.a.shape != (X.shape[1],) \
                or y.reshape(-1).shape[0] != X.shape[0] or set(np.unique(y)) != {0, 1}:
            return None
        direction = (2 * y.reshape(-1).astype(np.float64) - 1) @ X.astype(np.float64)
        norm = float(direction @ direction)
        if norm == 0:
            return None
        k = float(self.a @ direction) / norm
        if k <= 0 or not self.close(self.a, k * direction):
            return None
        expected_k = float(self.e @ direction) / norm
        if self.close(self.e, expected_k * direction) and not k >= 2 * abs(expected_k):
            return None  # the expected weights lie along it too, about as far
        lr = self.scalars().get("lr")
        times = f"lr x {k / lr:g}" if lr and np.isclose(k / lr, round(k / lr)) else f"{k:.4g}"
        return (f"your {self.name} is {times} x sum((2y - 1) x), the sum of every sample "
                f"signed by its label: every sample moved the weights, whatever the prediction "
                f"(the rule updates only when a sample is misclassified)")

    def misplaced_constant(self) -> str | None:
        """Values off by a little, and the most where the input they come from is smallest: a
        small constant (an epsilon) added in another place than the lecture's."""
        olds = self.old_values()
        if not olds or int(self.bad.sum()) < 2 or self.a.size < 4:
            return None
        # the value being updated is the input nearest the expected output (a parameter moves a
        # little; measured from a gradient instead, any error looks small beside the "step")
        nearest = min(olds, key=lambda n: float(np.abs(self.e - olds[n]).sum())
                      if olds[n].shape == self.e.shape else np.inf)
        for old_name, old in [(nearest, olds[nearest])]:
            step = self.e - old
            moved = np.abs(step) > 0
            if moved.sum() < 4:
                continue
            rel = np.abs(self.a - self.e)[moved] / np.abs(step)[moved]
            if not 0 < rel.max() < 0.1:
                continue
            for source_name, source in olds.items():
                if source_name == old_name:
                    continue
                size = np.abs(source)[moved]
                if _rank_correlation(rel, size) <= -0.8:
                    eps = next((f" ({n} = {v:g})" for n, v in self.scalars().items()
                                if n in ("eps", "epsilon")), "")
                    return (f"your {self.name} is off by a little, and the most where "
                            f"{source_name} is smallest (relative error {rel.max():.2g} of the "
                            f"step at its smallest entry): the small constant epsilon{eps} "
                            f"enters in another place than the lecture's (inside the square "
                            f"root instead of added after it, say)")
        return None

    def unreached(self) -> str | None:
        """An input gradient of an image that is 0 in its bottom rows or right columns where the
        expected is not: the windows never reach that part of the input."""
        if self.module != "conv" or self.a.ndim != 4 or "kernel" in self.label:
            return None
        sides = []
        for axis, name in ((1, "rows"), (2, "columns")):
            length = self.a.shape[axis]
            start = length
            while start > 0 and not np.take(self.a, [start - 1], axis=axis).any():
                start -= 1
            if 0 < start < length and np.take(self.e, range(start, length), axis=axis).any():
                sides.append(f"{name} {start} to {length - 1}" if start < length - 1 else
                             f"{name[:-1]} {start}")
        if not sides:
            return None
        stride = self.inputs.get("stride")
        strides = (stride, stride) if isinstance(stride, (int, np.integer)) else stride
        why = ""
        if isinstance(strides, (tuple, list)) and any(int(s) > 1 for s in strides):
            why = (f", as when the windows move one pixel at a time instead of by the stride "
                   f"{stride}: window (i, j) starts at row i x stride and column j x stride")
        return (f"your {self.name} is 0 in {' and '.join(sides)} (the bottom and right of the "
                f"input), where the expected is not: the gradient never reaches that part of "
                f"the input{why}")

    def zero_at_wrong(self) -> str | None:
        wrong = self.a[self.bad]
        if wrong.size and not wrong.any() and self.bad.size > 1:
            return (f"your {self.name} is 0 at every entry that differs ({wrong.size} of "
                    f"{self.bad.size}): something is cut off or never computed there (a ReLU or "
                    f"mask where none belongs?)")
        return None

    def count_off_by_one(self) -> str | None:
        """A whole number (a size, a count) one more or one less than expected."""
        if self.a.size != 1 or self.e != np.round(self.e) or self.a != np.round(self.a):
            return None
        d = float(self.a - self.e)
        if abs(d) != 1:
            return None
        return (f"yours is one {'more' if d > 0 else 'less'} than expected: an off-by-one, such "
                f"as rounding {'up' if d > 0 else 'down'} where the formula rounds "
                f"{'down' if d > 0 else 'up'}, or a missing or extra + 1")

    def all_zero(self) -> str | None:
        if self.a.size > 1 and not self.a.any():
            return f"your {self.name} is all zeros (nothing was computed or accumulated into it)"
        return None

    def factor_names(self) -> list[tuple[float, str, str]]:
        """(value, how to say it, why it might be there) for the factors worth naming."""
        names: list[tuple[float, str, str]] = [
            (-1.0, "exactly -1 times the expected values", "a sign is flipped"),
            (2.0, "exactly twice the expected values", "something is counted twice, or a "
             "factor 1/2 (as in the 1/2 of a squared error) is missing"),
            (0.5, "exactly half the expected values", "an extra factor 1/2, or a factor 2 "
             "(the derivative of a square) is missing"),
            (-2.0, "exactly -2 times the expected values", "a sign is flipped and a factor 2 is off"),
            (100.0, "exactly 100 times the expected values", "a percentage where the course "
             "expects a fraction between 0 and 1"),
            (-0.5, "exactly -1/2 times the expected values", "a sign is flipped and a factor 2 is off"),
        ]
        n = self.batch_size()
        if n:
            names += [(1 / n, f"the expected values divided by N = {n}, the number of samples",
                       "an extra division by N: a mean where the lecture takes a sum, or the "
                       "upstream gradient already held the 1/N"),
                      (float(n), f"N = {n} times the expected values (N is the number of samples)",
                       "a sum over the samples where the lecture takes the mean (the 1/N is missing)"),
                      (-1 / n, f"the expected values divided by -N (N = {n}, the number of samples)",
                       "a sign is flipped and a division by N is extra")]
        if self.a.ndim == 2 and self.a.shape[1] > 1 and n and self.a.shape[1] != n:
            k = self.a.shape[1]
            names += [(1 / k, f"the expected values divided by K = {k}, the number of columns "
                       f"(classes)", "a mean over the classes where the lecture sums them"),
                      (n / k, f"the expected values times N/K (N = {n} samples, K = {k} classes)",
                       "a division by the number of classes where the lecture divides by the "
                       "number of samples"),
                      (float(k), f"K = {k} (the number of columns) times the expected values",
                       "a sum over the classes where the lecture takes the mean")]
        t = self.steps()
        if t:
            names += [(1 / t, f"the expected values divided by T = {t}, the number of time steps",
                       "an average over time steps where the lecture adds them up"),
                      (float(t), f"T = {t} times the expected values (T is the number of time steps)",
                       "every time step adds the same thing: look at what each step should add")]
        for name, s in self.scalars().items():
            if s in (0.0, 1.0, -1.0):
                continue
            names += [(s, f"{name} = {s:g} times the expected values", f"an extra factor {name}"),
                      (1 / s, f"the expected values divided by {name} = {s:g}",
                       f"a division by {name} that should not be there, or {name} is missing")]
            if 0 < s < 1:
                names += [(1 - s, f"(1 - {name}) = {1 - s:g} times the expected values",
                           f"an extra factor (1 - {name}), as in a damped or averaged update"),
                          (1 / (1 - s), f"the expected values divided by (1 - {name}) = {1 - s:g}",
                           f"a division by (1 - {name}) that should not be there (a bias "
                           f"correction applied where it does not belong?)"),
                          (1 / np.sqrt(1 - s), f"the expected values divided by "
                           f"sqrt(1 - {name}) = {np.sqrt(1 - s):.4g}",
                           f"a missing bias correction of a running average with {name}: "
                           f"divide it by (1 - {name}^t) before taking its square root"),
                          (np.sqrt(1 - s), f"sqrt(1 - {name}) = {np.sqrt(1 - s):.4g} times "
                           f"the expected values", f"an extra factor sqrt(1 - {name})")]
        return names

    def named_factor(self, k: float) -> tuple[str, str] | None:
        """(how to say it, why) for a factor k that has a name; where two names fit (half is
        also 1/N for N = 2 samples) both are said, since either may be the cause."""
        found = [(said, why) for value, said, why in self.factor_names()
                 if np.isclose(k, value, rtol=1e-3, atol=0)]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        (said, why), (other, other_why) = found[:2]
        return f"{said}, which is also {other}", f"{why}; or {other_why}"

    def old_values(self) -> dict[str, np.ndarray]:
        """Inputs this output may be an updated copy of: arrays of its shape, and, for a part
        ['W1'] of a dict output, each dict input's 'W1' ("params['W1']")."""
        found = {name: x.astype(np.float64) for name, x in self.arrays().items()
                 if x.shape == self.a.shape and x.dtype.kind == "f"}
        key = self.label.rsplit("[", 1)[-1].rstrip("]").strip("'\"") if self.label.endswith("']") else None
        if key:
            for name, value in self.inputs.items():
                if isinstance(value, dict) and isinstance(value.get(key), np.ndarray) \
                        and value[key].shape == self.a.shape:
                    found[f"{name}[{key!r}]"] = value[key].astype(np.float64)
        return found

    def unchanged(self) -> str | None:
        for name, old in self.old_values().items():
            if self.close(self.a, old) and not self.close(self.e, old):
                return f"your {self.name} is {name} unchanged: it was not updated"
        return None

    def step(self) -> str | None:
        """The change from an old value (a parameter update) off by a nameable factor."""
        for name, old in self.old_values().items():
            da, de = (self.a - old).ravel(), (self.e - old).ravel()
            norm = float(de @ de)
            if norm == 0:
                continue
            k = float(da @ de) / norm
            if not np.isfinite(k) or not self.close(self.a, old + k * (self.e - old), loose=10):
                continue
            named = self.named_factor(k)
            if named:
                said, why = named
                said = said.replace("the expected values", "the expected step")
                return f"your step from {name} (new value minus old) is {said}: {why}"
        return None

    def clipped(self) -> str | None:
        """The expected values clipped to [-c, c] (gradient clipping left in)."""
        c = float(np.max(np.abs(self.a)))
        if self.a.size > 1 and (np.abs(self.a) == c).sum() > 1 and c > 0 and c < float(np.max(np.abs(self.e))) and \
                self.close(self.a, np.clip(self.e, -c, c)):
            return (f"your {self.name} is the expected one clipped to [-{c:.4g}, {c:.4g}]: "
                    f"leave clipping out where the lecture has none")
        return None

    def squashed(self) -> str | None:
        """The expected values passed through an activation (sigmoid, tanh, ReLU): an
        activation applied where the lecture has none, as on a linear output layer."""
        if self.e.dtype.kind != "f" or self.e.size < 2:
            return None
        with np.errstate(all="ignore"):
            for name, f in (("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("tanh", np.tanh),
                            ("ReLU", lambda z: np.maximum(z, 0))):
                if self.close(self.a, f(self.e), loose=10):
                    return (f"your {self.name} is {name} of the expected values: an activation "
                            f"applied where the lecture has none (a linear output layer gives "
                            f"its weighted sums as they are)")
        return None

    def by_sign(self) -> str | None:
        """Errors only where an input of the output's shape is negative (or positive)."""
        for name, x in self.arrays().items():
            if x.shape != self.a.shape or x.dtype.kind != "f":
                continue
            for side, mask in (("< 0", x < 0), ("> 0", x > 0), ("<= 0", x <= 0),
                               (">= 0", x >= 0)):
                if not mask.any() or mask.all() or (self.bad & ~mask).any():
                    continue
                a, e = self.a[self.bad], self.e[self.bad]
                ratio = ""
                if (e != 0).all():
                    k = a / e
                    if np.allclose(k, k[0], rtol=1e-3):
                        ratio = f" (yours are {k[0]:.4g} times the expected there)"
                        for value, said, _ in self.factor_names():
                            if np.isclose(k[0], value, rtol=1e-3):
                                ratio = f" (yours are {said} there)"
                                break
                return (f"only the entries where {name} {side} differ, everywhere else yours "
                        f"matches{ratio}: look at the branch for {name} {side}, and at the "
                        f"parameter it uses")
        return None

    def factor(self) -> str | None:
        e, a = self.e.ravel(), self.a.ravel()
        norm = float(e @ e)
        if norm == 0:
            return None
        k = float(a @ e) / norm
        if not np.isfinite(k) or abs(k) < 1e-12 or not self.close(a, k * e, loose=10):
            return None
        named = self.named_factor(k)
        if named:
            said, why = named
            return f"your {self.name} is {said}: {why}"
        if self.a.size < 4 or np.isclose(k, 1.0, rtol=1e-3) or not 0.02 < abs(k) < 50:
            # one number is always some multiple of another, and a huge or tiny factor says
            # more about values near 0 than about the code
            return None
        frac = Fraction(k).limit_denominator(12)
        shown = str(frac) if abs(float(frac) - k) < 1e-6 * abs(k) else f"{k:.4g}"
        return (f"every entry of your {self.name} is the expected value times the same constant "
                f"{shown}: the shape of the computation is right, a scale factor is wrong")

    def bias(self) -> str | None:
        d = self.a - self.e
        for name in BIAS_NAMES:
            b = self.arrays().get(name)
            if b is None or b.ndim != 1 or not self.a.ndim or b.shape[0] != self.a.shape[-1]:
                continue
            if not np.any(np.abs(b) > self.tol.atol):
                continue
            if self.close(d, np.broadcast_to(b, d.shape), loose=10):
                return (f"your {self.name} is the expected value plus {name} once more: the bias "
                        f"is added twice")
            if self.close(d, -np.broadcast_to(b, d.shape), loose=10):
                return f"your {self.name} is the expected value without {name}: the bias is left out"
        for name in BIAS_NAMES:
            b = self.scalars().get(name)
            if b is None or abs(b) <= self.tol.atol * 10:
                continue
            for times, said in ((1, f"plus {name} once more: the bias is added twice"),
                                (-1, f"without {name}: the bias is left out"),
                                (-2, f"with {name} subtracted instead of added: the bias "
                                     f"subtracted where the lecture adds it")):
                if self.close(d, np.full(d.shape, times * b), loose=10):
                    return f"your {self.name} is the expected value {said}"
        return None

    def per_sample(self) -> str | None:
        """The same difference for every sample: something added once per unit."""
        d = self.a - self.e
        if self.a.ndim >= 2 and self.a.shape[0] > 1 and self.label not in ("dkernel", "dW") \
                and self.close(d, np.broadcast_to(d[:1], d.shape), loose=10) \
                and np.ptp(d[0]) > self.tol.atol * 10:
            return (f"your {self.name} differs from the expected by the same amounts for every "
                    f"sample: look at what is added once per unit, such as the bias")
        return None

    def offset(self) -> str | None:
        if self.a.size < 2:
            return None
        d = self.a - self.e
        c = float(np.mean(d))
        if self.close(self.a, self.e + c, loose=10):
            return (f"every entry of your {self.name} is off by the same constant {c:.4g}: "
                    f"something constant is added or left out")
        return None

    def axes(self) -> str | None:
        """Swapped axes (a transpose) or an axis reversed (an order run backwards)."""
        names = self.axis_names()
        nd = self.e.ndim
        if nd >= 2:
            for perm in permutations(range(nd)):
                if perm == tuple(range(nd)):
                    continue
                moved = self.e.transpose(perm)
                if moved.shape == self.a.shape and self.close(self.a, moved):
                    swapped = [k for k in range(nd) if perm[k] != k]
                    if len(swapped) == 2:
                        i, j = swapped
                        what = "transposed" if nd == 2 else f"with its {names[i]} and {names[j]} axes swapped"
                        return (f"your {self.name} is the expected array {what}: check the "
                                f"order of a matrix product's factors or a .T")
                    return f"your {self.name} holds the expected values with its axes in another order"
        for axis in range(nd):
            if self.e.shape[axis] > 1 and self.close(self.a, np.flip(self.e, axis)):
                return (f"your {self.name} is the expected array with its {names[axis]} order "
                        f"reversed")
        return None

    def shift(self) -> str | None:
        """The right values one position off along an axis (or along rows and columns at once,
        for an image)."""
        names = self.axis_names()
        if self.module == "conv" and self.e.ndim == 4 and min(self.e.shape[1:3]) >= 3:
            for dr in (1, -1):
                for dc in (1, -1):
                    a = self.a[:, max(dr, 0):self.a.shape[1] + min(dr, 0),
                               max(dc, 0):self.a.shape[2] + min(dc, 0)]
                    e = self.e[:, max(-dr, 0):self.e.shape[1] + min(-dr, 0),
                               max(-dc, 0):self.e.shape[2] + min(-dc, 0)]
                    if self.close(a, e):
                        return (f"your {self.name} is the expected image shifted by one row and "
                                f"one column: the padding is on one side only, or the windows "
                                f"start one pixel off (split an odd total padding with the extra "
                                f"pixel at the bottom and right)")
        for axis in range(self.e.ndim):
            length = self.e.shape[axis]
            if length < 3:
                continue
            head = [slice(None)] * self.e.ndim
            tail = list(head)
            head[axis], tail[axis] = slice(1, None), slice(None, -1)
            head, tail = tuple(head), tuple(tail)
            if self.close(self.a[head], self.e[tail]):
                return (f"your {self.name} is shifted by one along the {names[axis]} axis: your "
                        f"{names[axis]} k holds the expected {names[axis]} k - 1 (an off-by-one)")
            if self.close(self.a[tail], self.e[head]):
                return (f"your {self.name} is shifted by one along the {names[axis]} axis: your "
                        f"{names[axis]} k holds the expected {names[axis]} k + 1 (an off-by-one)")
        return None

    # -- where the errors are -----------------------------------------------------------------

    def where(self) -> str | None:
        """Errors confined to a part of the array: a gate block, time steps, a border, samples,
        the entries at a kink."""
        border = self.border()
        if border:
            return border
        parts = []
        gates = self.gate_blocks()
        if gates:
            parts.append(gates)
        names = self.axis_names()
        for axis, axis_name in enumerate(names):
            if gates and axis == self.a.ndim - 1:
                continue
            said = self.confined(axis, axis_name)
            if said:
                parts.append(said)
        if not parts:
            return None
        said = "; ".join(parts)
        zero = self.zero_where_wrong()
        return f"{said}{zero}"

    def zero_where_wrong(self) -> str:
        wrong = self.a[self.bad]
        if wrong.size and not wrong.any():
            return " (yours are 0 there)"
        if wrong.size and self.close(wrong, -self.e[self.bad]):
            return " (yours have the opposite sign there)"
        return ""

    def confined(self, axis: int, name: str) -> str | None:
        length = self.a.shape[axis]
        if length < 2:
            return None
        others = tuple(k for k in range(self.a.ndim) if k != axis)
        rows = np.flatnonzero(self.bad.any(axis=others) if others else self.bad)
        if len(rows) == length or not len(rows):
            return None
        last = length - 1
        if name == "time step":
            if list(rows) == [0]:
                return (f"only time step t = 0 of your {self.name} differs; every other time "
                        f"step matches (look at the first step: the initial state, or a loop "
                        f"that stops before t = 0)")
            if list(rows) == [last]:
                return (f"only the last time step (t = {last}) of your {self.name} differs; "
                        f"every earlier step matches")
            if list(rows) == list(range(1, length)):
                return (f"time step t = 0 of your {self.name} matches but every later step "
                        f"differs (what step t passes to step t + 1 is wrong)")
            if list(rows) == list(range(0, last)):
                return (f"the last time step of your {self.name} matches but every earlier step "
                        f"differs (what flows back from step t + 1 to step t is wrong)")
            return f"only time steps {', '.join(map(str, rows))} of your {self.name} differ"
        if name in ("row", "column") and self.module == "conv":
            if set(rows) <= {0, last}:
                side = {"row": {0: "top", last: "bottom"}, "column": {0: "left", last: "right"}}[name]
                which = " and ".join(f"the {side[r]} {name}" for r in rows)
                return (f"only {which} of your {self.name} differ{'s' if len(rows) == 1 else ''}: "
                        f"an error at the border, where the padding matters (with 'same' padding "
                        f"an odd total padding puts its extra pixel at the bottom and right)")
        if name == "sample":
            shown = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
            return f"only samples {shown} of your {self.name} differ, the others match"
        if name in ("column", "unit", "filter", "channel", "entry", "row"):
            if len(rows) <= 3:
                which = ", ".join(map(str, rows))
                plural = "s" if len(rows) > 1 else ""
                return f"only {name}{plural} {which} of your {self.name} differ{'s' if not plural else ''}"
        return None

    def border(self) -> str | None:
        """Errors only on the border rows and columns of an image (N, H, W, C)."""
        if self.module != "conv" or self.a.ndim != 4 or "kernel" in self.label \
                or min(self.a.shape[1:3]) < 3:
            return None
        sides = {"top row": (slice(None), 0), "bottom row": (slice(None), -1),
                 "left column": (slice(None), slice(None), 0),
                 "right column": (slice(None), slice(None), -1)}
        masks = {}
        for name, where in sides.items():
            mask = np.zeros(self.a.shape, bool)
            mask[where] = True
            masks[name] = mask
        for size in (1, 2):
            for chosen in combinations(sides, size):
                covered = np.logical_or.reduce([masks[name] for name in chosen])
                if not (self.bad & ~covered).any() and \
                        all((self.bad & masks[name]).any() for name in chosen):
                    which = " and the ".join(chosen)
                    return (f"only the {which} of your {self.name} differ: an error at the "
                            f"border, where the padding matters (with 'same' padding an odd "
                            f"total padding puts its extra pixel at the bottom and right)")
        return None

    def gate_blocks(self) -> str | None:
        """Which of an LSTM's four gate blocks hold the errors, for arrays whose last axis is 4H."""
        if self.module != "lstm" or not self.a.ndim:
            return None
        width = self.a.shape[-1]
        recurrent = self.arrays().get("recurrent_kernel")
        hidden = recurrent.shape[0] if recurrent is not None and recurrent.ndim == 2 else None
        if width % 4 or (hidden is not None and width != 4 * hidden):
            return None
        h = width // 4
        blocks = [bool(self.bad[..., k * h:(k + 1) * h].any()) for k in range(4)]
        if all(blocks) or not any(blocks):
            return None
        which = [GATES[k] for k in range(4) if blocks[k]]
        named = which[0] + "'s block" if len(which) == 1 else \
            ", ".join(which[:-1]) + f" and {which[-1]}'s blocks"
        return (f"only the {named} of your {self.name} differ{'s' if len(which) == 1 else ''} "
                f"(its 4H columns are the gates in Keras's order [i | f | c | o]); the other "
                f"gates match")

    def kink(self) -> str | None:
        """Errors only where an input of the output's shape sits at 0, an activation's kink."""
        for name, x in self.arrays().items():
            if x.shape != self.a.shape or x.dtype.kind != "f":
                continue
            at = x == 0
            if at.any() and not at.all() and not (self.bad & ~at).any():
                return (f"only the entries where {name} = 0 differ: at the kink (x = 0) the "
                        f"derivative is a convention; use the course's value there (see the "
                        f"lesson), everywhere else yours matches")
        return None

    def ties(self) -> str | None:
        """Errors only in samples, or pooling windows, whose maximum is tied."""
        if self.a.ndim < 1:
            return None
        for name, x in self.arrays().items():
            if x.ndim == 2 and x.shape[0] == self.a.shape[0] and self.a.shape[0] > 1:
                top = x.max(axis=1, keepdims=True)
                tied = (x == top).sum(axis=1) > 1
                bad_rows = self.bad.reshape(self.a.shape[0], -1).any(axis=1)
                if tied.any() and not tied.all() and bad_rows.any() and not (bad_rows & ~tied).any():
                    return (f"only the samples whose largest {name} is tied differ: with a tie, "
                            f"the course takes the first maximum (as np.argmax does)")
        if self.function == "maxpool2d_backward" or (self.module == "conv" and "pool" in self.function):
            x = self.arrays().get("x")
            if x is not None and x.shape == self.a.shape and self.bad.any():
                # an entry is tied when another entry of its 3x3 neighbourhood holds the same value
                tied = np.zeros(x.shape, bool)
                for dr in (-1, 0, 1):
                    for dc in (-1, 0, 1):
                        if dr or dc:
                            tied |= x == np.roll(np.roll(x, dr, axis=1), dc, axis=2)
                if not (self.bad & ~tied).any():
                    return ("only entries whose pooling window has a tied maximum differ: with a "
                            "tie the gradient goes to the window's first maximum in row-major "
                            "order only (TensorFlow's rule), not to every maximum")
        return None

    def signs(self) -> str | None:
        """Right magnitudes, wrong signs somewhere."""
        if self.close(np.abs(self.a), np.abs(self.e)):
            flipped = int(self.bad.sum())
            entries = "1 entry has" if flipped == 1 else f"{flipped} entries have"
            return f"your {self.name} has the right magnitudes but {entries} the opposite sign"
        return None
