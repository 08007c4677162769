"""Every public case whose title names a property exercises it (issue 19, item 3).

`PROPERTIES` maps a title's wording to a predicate on the case's inputs (and, where the title
promises an outcome, on the reference's value): an odd total padding where the title promises
the extra pixel at the bottom and right, inputs beyond exp's overflow where it promises none
near 1e3, a tie where it says tie, the stride, the sizes, the counts and the keyword values it
names. `CLAIMS` lists the wording that makes a claim: a title holding a claim that no
predicate's wording covers fails, so a new title cannot promise what nothing proves."""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import re

import numpy as np
import pytest

from nnlab.authoring import public_checks
from nnlab.grading.calls import outputs_of
from nnlab.sandbox.protocol import FunctionRef
from tests.support import ROOT

MODULES = sorted(p.stem for p in (ROOT / "graders" / "public").glob("*.py") if p.stem != "__init__")
CASES = [(module, case) for module in MODULES
         for case in importlib.import_module(f"graders.public.{module}").CASES]
EXP_OVERFLOWS = math.log(np.finfo(np.float64).max)  # about 709.78
TRUTH_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TABLES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


# ------------------------------------------------------------------------------------------
# What a case's inputs are, by name
# ------------------------------------------------------------------------------------------


def reference_module(module):
    return importlib.import_module(f"reference.{module}")


def bound(module, case):
    """{parameter name: value} of the call the case makes (the forward's, for a backward case;
    the constructor's settings and X, y for a model class)."""
    if case.function[:1].isupper():  # a model class: its settings, then the data it is fitted on
        return {**case.kwargs, "X": case.args[0], "y": case.args[1]}
    ref = reference_module(module)
    fn = getattr(ref, case.forward or case.function, None)
    if fn is None:
        return dict(case.kwargs)
    signature = inspect.signature(fn).bind(*case.args, **case.kwargs)
    signature.apply_defaults()
    return dict(signature.arguments)


def value(module, case):
    """The reference's value for the case (a forward pass's outputs without the cache)."""
    fn = getattr(reference_module(module), case.function)
    prepare = public_checks._as_given
    out = fn(*prepare(case.args), **prepare(case.kwargs))
    return outputs_of(out) if case.kind == "forward" else out


def arrays(item):
    """Every numeric array in a case's arguments, nested lists, tuples and dicts included."""
    if isinstance(item, np.ndarray) and item.dtype.kind in "fiu":
        yield item
    elif isinstance(item, (list, tuple)):
        for sub in item:
            yield from arrays(sub)
    elif isinstance(item, dict):
        for sub in item.values():
            yield from arrays(sub)


def first_array(b):
    return next(arrays(list(b.values())))


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def windows(module, case, b):
    """(input sizes, window, strides, padding) of a conv or pool case (H and W each)."""
    x = b["x"]
    if case.function.startswith("conv2d"):
        window, strides = b["kernel"].shape[:2], pair(b["stride"])
    else:
        window = pair(b["pool_size"])
        strides = pair(b["stride"]) if b["stride"] is not None else window
    return x.shape[1:3], window, strides, b["padding"]


def odd_same_padding(module, case, b):
    """True when a "same" case pads an odd total along rows or columns."""
    sizes, window, strides, padding = windows(module, case, b)
    totals = [max((-(-n // s) - 1) * s + k - n, 0) for n, k, s in zip(sizes, window, strides)]
    return padding == "same" and any(t % 2 for t in totals)


def stride_named(module, case, b, match):
    n = int(match.group(1))
    if case.function == "conv2d_output_size":
        return b["stride"] == n
    if case.function.startswith("maxpool"):
        return windows(module, case, b)[2] == (n, n)
    return pair(b["stride"]) == (n, n)


def has_tie(module, case, b):
    return any((a == a.max()).sum() > 1 or any((row == row.max()).sum() > 1
                                               for row in a.reshape(-1, a.shape[-1]))
               for a in arrays(case.args) if a.size)


def leading_count(module, case, b, match):
    """"N samples": the data's first axis has N entries."""
    return first_array(b).shape[0] == int(match.group(1))


def steps(module, case, b, match):
    n = int(match.group(1))
    if "n_steps" in b:
        return b["n_steps"] == n
    return first_array(b).shape[1] == n  # a sequence's time steps (N, T, D)


def keyword(module, case, b, match):
    """"name=value" in a title: the call's argument of that name has that value."""
    name, text = match.group(1), match.group(2)
    if name not in b:
        return False
    want = b[name]
    try:
        return math.isclose(float(text), float(want))
    except (TypeError, ValueError):
        return str(want) == text


def arrows(module, case, b, match):
    """"3 -> 5 -> 2": the layer sizes, from the weights or the sizes list."""
    sizes = [int(s) for s in re.findall(r"\d+", re.sub(r"\(\w+\)", "", match.group(0)))]
    if "layer_sizes" in b:
        return list(b["layer_sizes"]) == sizes
    if "params" in b:
        params = b["params"]
        layers = len(params) // 2
        return [params["W1"].shape[0]] + [params[f"W{i}"].shape[1] for i in range(1, layers + 1)] == sizes
    return (b["W"].shape[0], b["W"].shape[1]) == tuple(sizes)


def by_size(module, case, b, match):
    """"32 x 32 image, 3 x 3 filter", "2 x 2 pooling of a 29 x 29 map", "10 x 10 image"."""
    n = int(match.group(1))
    word = match.group(2)
    if case.function == "conv2d_output_size":
        return (b["kernel"] if word in ("filter", "pooling") else b["size"]) == n
    if word == "windows":
        return windows(module, case, b)[1] == (n, n)
    return first_array(b).shape[1:3] == (n, n)


def names_a_function(module, case, b, match):
    refs = [v for v in b.values() if isinstance(v, FunctionRef)]
    return any(r.qualname == f"numpy.{match.group(1)}" for r in refs)


def table_of(y):
    return np.asarray(y).reshape(-1).astype(int).tolist()


def gate_named(module, case, b, match):
    name = match.group(1)
    if case.function == "logic_gates":
        return True  # the scenario compares every gate's truth table (nnlab.grading.scenarios)
    return np.array_equal(b["X"], TRUTH_INPUTS) and table_of(b["y"]) == TABLES[name]


def activation_named(module, case, b, match):
    name = match.group(1)
    return name in [v for v in b.values() if isinstance(v, str)] or \
        any(v.qualname == f"numpy.{name}" for v in b.values() if isinstance(v, FunctionRef))


def moved_by_about_lr(module, case, b):
    new = value(module, case)
    new = new[0] if isinstance(new, tuple) else new  # the new params, without the state
    return all(np.allclose(np.abs(new[k] - b["params"][k]), b["lr"], rtol=0.05) for k in new)


def keeps_size(module, case, b):
    return value(module, case) == b["size"]


def gradient_of_bowl(module, case, b):
    grad = public_checks._callables(b["grad_fn"])
    w = np.array([[0.5, -1.0], [4.0, 2.0]])
    return np.allclose(grad(w), 2 * (w - 3))


def elongated(module, case, b):
    grad = public_checks._callables(b["grad_fn"])
    g = grad(np.ones(2))
    return max(abs(g)) >= 5 * min(abs(g))  # curvatures at least 5 apart


def far_apart_rows(module, case, b):
    """A shift by the global maximum leaves some row's every exp underflowing to 0."""
    x = first_array(b)
    return bool(np.any(x.max(axis=-1) < x.max() - 745))


def blocks_separated(module, case, b):
    """Each of the four H-column blocks lies apart from the others: another order changes
    every gate."""
    z = b["z"]
    H = z.shape[1] // 4
    spans = [(z[:, i * H:(i + 1) * H].min(), z[:, i * H:(i + 1) * H].max()) for i in range(4)]
    return all(spans[i][1] < spans[i + 1][0] for i in range(3))


def off(b):
    """Where a and b differ by more than a part in a million."""
    return ~np.isclose(b["a"], b["b"], rtol=1e-6, atol=0)


def output_exactly(module, case, b):
    from reference.xor import xor_forward

    out = xor_forward(b["X"], b["params"])
    return bool(np.any(out == 0.5)) and bool(np.all(np.asarray(value(module, case))[out == 0.5] == 1))


# (title wording, what it promises, predicate(module, case, bound[, match]))
PROPERTIES = [
    (r"extra (pixel|-inf row and column|row and column) at the bottom and right",
     "an odd total padding", odd_same_padding),
    (r"\|[xz]\| up to 1e3|logits up to 1e3|no overflow|without an overflow warning",
     "an input beyond exp's overflow (709.78)",
     lambda m, c, b: any(np.max(np.abs(a)) > EXP_OVERFLOWS for a in arrays(c.args))),
    (r"float32 stays float32", "only float32 floating inputs",
     lambda m, c, b: all(a.dtype == np.float32 for a in arrays((c.args, c.kwargs, c.upstream))
                         if a.dtype.kind == "f")),
    (r"\bti(e|ed|es)\b", "a tied maximum", has_tie),
    (r"[xz] == 0|exactly is class 1|the corner x == 0|at x == 0", "an exact zero",
     lambda m, c, b: any((a == 0).any() for a in arrays(c.args))),
    (r"stride (\d)", "that stride", stride_named),
    (r"\"(valid|same)\"", "that padding", lambda m, c, b: b["padding"] == re.search(
        r"\"(valid|same)\"", c.label).group(1)),
    (r"keeps the size", "an output size equal to the input's", keeps_size),
    (r"rounding up", "an input size the stride does not divide",
     lambda m, c, b: b["size"] % b["stride"] != 0),
    (r"on an even input", "an even input size", lambda m, c, b: b["size"] % 2 == 0),
    (r"an even kernel", "an even kernel", lambda m, c, b: b["kernel"] % 2 == 0),
    (r"the last column unused", "a window that does not reach the last column",
     lambda m, c, b: (b["size"] - b["kernel"]) % b["stride"] != 0),
    (r"a non-square kernel", "a kernel of unequal height and width",
     lambda m, c, b: b["kernel"].shape[0] != b["kernel"].shape[1]),
    (r"(\d+) x \d+ (image|filter|pooling|map|windows)", "those sizes", by_size),
    (r"(\d+) (?:samples|images)\b", "that many samples", leading_count),
    (r"a batch of (two) images", "two images", lambda m, c, b, _: b["x"].shape[0] == 2),
    (r"(\d+) steps", "that many steps", steps),
    (r"T = (\d)", "that many time steps", lambda m, c, b, mt: b["x"].shape[1] == int(mt.group(1))),
    (r"(\d+) epochs", "that many epochs",
     lambda m, c, b, mt: b.get("epochs", b.get("max_iter")) == int(mt.group(1))),
    (r"learning rate 1e-7", "a learning rate of 1e-7",
     lambda m, c, b: b["learning_rate_init"] == 1e-7),
    (r"the mean over all (\d+) samples", "that many samples, the last batch smaller than the others",
     lambda m, c, b, mt: len(b["X"]) == int(mt.group(1)) and 0 < len(b["X"]) % b["batch_size"]
     < b["batch_size"] and c.scenario == "epoch_means"),
    (r"batches of (\d+)", "that batch size", lambda m, c, b, mt: b["batch_size"] == int(mt.group(1))),
    (r"the last batch holds the (\d+) left over", "that remainder",
     lambda m, c, b, mt: len(b["X"]) % b["batch_size"] == int(mt.group(1))),
    (r"shuffled together, every sample once", "labels that identify their rows",
     lambda m, c, b: len(np.unique(b["y"])) == len(b["y"])
     and np.array_equal(b["X"][:, 0] * 5, b["y"])),
    (r"(\d+) neurons", "that many neurons", lambda m, c, b, mt: b["w"].shape[-1] == int(mt.group(1))),
    (r"(\d+) outputs each", "that many outputs",
     lambda m, c, b, mt: first_array(b).shape[1] == int(mt.group(1))),
    (r"one output per sample", "one output per sample", lambda m, c, b: first_array(b).ndim == 1),
    (r"\b(\w+)=([-\w.]+)", "that argument's value", keyword),
    (r"\d+(?: \(\w+\))? -> \d+(?: \(\w+\))?(?: -> \d+(?: \(\w+\))?)?", "those layer sizes", arrows),
    (r"a \(3, 4\) x", "that shape", lambda m, c, b: first_array(b).shape == (3, 4)),
    (r"a 3-d x", "a 3-d x", lambda m, c, b: first_array(b).ndim == 3),
    (r"a \(2, 2\) w0", "that shape", lambda m, c, b: b["w0"].shape == (2, 2)),
    (r"\(N, T, K\)", "a 3-d input", lambda m, c, b: first_array(b).ndim == 3),
    (r"np\.(\w+)", "that NumPy function", names_a_function),
    (r"\b(AND|OR|NAND|XOR)\b", "that gate's truth table", gate_named),
    (r"XOR never converges", "a truth table no line separates",
     lambda m, c, b: table_of(b["y"]) == TABLES["XOR"]),
    (r"the truth table's inputs", "the four inputs 00, 01, 10, 11",
     lambda m, c, b: np.array_equal(b["X"], TRUTH_INPUTS)),
    (r"\b(sigmoid|tanh|relu)\b", "that activation", activation_named),
    (r"\(8,\) relu|\(6, 4\)", "those hidden layers",
     lambda m, c, b: tuple(b["hidden_layer_sizes"]) in ((8,), (6, 4))),
    (r"(\d) blobs", "that many classes",
     lambda m, c, b, mt: len(np.unique(b["y"])) == int(mt.group(1))),
    (r"He normal|xavier \(Glorot uniform\)", "that initialiser",
     lambda m, c, b: b["init"] == ("he" if "He" in c.label else "xavier")),
    (r"a softmax output", "a softmax output", lambda m, c, b: b["output"] == "softmax"),
    (r"default (slope 0.01|alpha 1)", "the default",
     lambda m, c, b: "alpha" not in c.kwargs and len(c.args) == 1),
    (r"the lecture's example gives (-?\d+)", "that value",
     lambda m, c, b, mt: float(value(m, c)) == float(mt.group(1))),
    (r"the lecture's example is class (\d)", "that class",
     lambda m, c, b, mt: int(np.ravel(value(m, c))[0]) == int(mt.group(1))),
    (r"the lecture's 32 x 32 image", "the lecture's sizes", lambda m, c, b: b["size"] == 32),
    (r"an output of exactly 0.5 is class 1", "an output of exactly 0.5, predicted as 1",
     output_exactly),
    (r"x == 0 gives 1", "a 1 where x == 0",
     lambda m, c, b: bool(np.all(np.asarray(value(m, c))[first_array(b) == 0] == 1))),
    (r"both zero gives 0", "a relative error of 0", lambda m, c, b: value(m, c) == 0),
    (r"opposite signs give 1", "a relative error of 1", lambda m, c, b: value(m, c) == 1),
    (r"reproduce their truth tables", "each gate judged on its truth table",
     lambda m, c, b: c.scenario == "logic_gates"),
    (r"the lecture's network", "the lecture's layers (32, 64, 128 and 10 units)",
     lambda m, c, b: [w.shape[-1] for w in b["weights"][::2]] == [32, 64, 128, 10]),
    (r"rows far apart", "rows whose maxima are farther apart than exp's range", far_apart_rows),
    (r"Keras's \[i \| f \| c \| o\] order", "four blocks apart from each other", blocks_separated),
    (r"cell states beyond \+-1", "a cell state beyond +-1",
     lambda m, c, b: bool(np.any(np.abs(b["c"]) > 1))),
    (r"from a non-zero h0", "a non-zero h0", lambda m, c, b: bool(np.any(b["h0"] != 0))),
    (r"velocity None", "no velocity", lambda m, c, b: b["velocity"] is None),
    (r"with a velocity from before", "a velocity", lambda m, c, b: b["velocity"] is not None),
    (r"from state None", "no state", lambda m, c, b: b["state"] is None),
    (r"moves each parameter by about lr", "a first step of about lr", moved_by_about_lr),
    (r"f\(w\) = sum\(\(w - 3\)\^2\)", "that function's gradient", gradient_of_bowl),
    (r"an elongated bowl", "unequal curvatures", elongated),
    (r"p exactly 0 or 1 is clipped|zero gradient where p is clipped", "a p of exactly 0 or 1",
     lambda m, c, b: bool(np.any((b["p"] == 0) | (b["p"] == 1)))),
    (r"rows not summing to 1 are rescaled|through the rescaling", "a row of p that does not sum to 1",
     lambda m, c, b: bool(np.any(np.abs(b["p"].sum(axis=-1) - 1) > 1e-3))),
    (r"one-hot targets", "one-hot rows",
     lambda m, c, b: bool(np.all(np.sort(b["y_true"], axis=1)[:, :-1] == 0)
                          and np.all(b["y_true"].max(axis=1) == 1))),
    (r"labels and probabilities", "labels in {0, 1} and p strictly inside (0, 1)",
     lambda m, c, b: set(np.unique(b["y_true"])) <= {0, 1}
     and bool(np.all((b["p"] > 0) & (b["p"] < 1)))),
    (r"identical arrays", "equal arrays", lambda m, c, b: np.array_equal(b["a"], b["b"])),
    (r"a small entry off beside large right ones", "one small entry off",
     lambda m, c, b: int(np.sum(off(b))) == 1
     and float(np.abs(b["a"][off(b)]).max()) < 0.01 * float(np.abs(b["a"]).max())),
    (r"both zero", "two zero arrays",
     lambda m, c, b: not np.any(b["a"]) and not np.any(b["b"])),
    (r"opposite signs", "b = -a", lambda m, c, b: np.array_equal(b["a"], -b["b"])),
    (r"\bscalars\b", "scalars", lambda m, c, b: np.ndim(b["a"]) == 0 and np.ndim(b["b"]) == 0),
    (r"mixed signs", "positive and negative entries",
     lambda m, c, b: any((a > 0).any() and (a < 0).any() for a in arrays(c.args))),
    (r"hidden=2000 \(enough draws to judge the spread\)", "thousands of draws per kernel",
     lambda m, c, b: b["hidden"] >= 1000),
    (r"one step", "a single step",
     lambda m, c, b: "x_t" in b or c.function.endswith("train_step")),
]

# Wording that claims something of the inputs or the outcome: each such phrase in a title must
# lie inside the wording of some property above.
CLAIMS = re.compile(
    r"\bti(e|ed|es)\b|stride|extra|odd|overflow|1e3|beyond|float32|== 0|exactly|corner"
    r"|default|never|far apart|one-hot|clipped|rescal|left over|shuffled|every sample|order\b"
    r"|keeps the size|rounding|\beven\b|unused|non-|T = \d|None|from before|about lr"
    r"|mixed signs|identical|opposite|both zero|scalars|truth table|\d+ (samples|steps|epochs"
    r"|neurons|outputs|images|blobs)|one output|\w+=|->|\d+ x \d+|3-d|\(\d+(, \d+)*,?\)|blobs"
    r"|He normal|xavier|np\.\w+|gives? -?\d|class \d|\b(AND|OR|NAND|XOR)\b|lecture's|\^2"
    r"|elongated|learning rate|mean over|\"(valid|same)\"|\b(sigmoid|tanh|relu)\b|softmax output|\(N, T, K\)|hidden=")


def matches(label):
    """[(start, end, what, predicate, match)] of every property wording in a title."""
    return [(m.start(), m.end(), what, holds, m)
            for pattern, what, holds in PROPERTIES for m in re.finditer(pattern, label)]


def holds(predicate, module, case, b, match):
    takes_match = len(inspect.signature(predicate).parameters) == 4
    return predicate(module, case, b, match) if takes_match else predicate(module, case, b)


def test_every_property_wording_is_used_by_some_case():
    labels = [case.label for _, case in CASES]
    unused = [pattern for pattern, _, _ in PROPERTIES
              if not any(re.search(pattern, label) for label in labels)]
    assert unused == []


@pytest.mark.parametrize("module, case", CASES, ids=lambda v: getattr(v, "label", v))
def test_every_claim_in_a_title_has_a_predicate(module, case):
    spans = [(start, end) for start, end, *_ in matches(case.label)]
    unproven = [m.group(0) for m in CLAIMS.finditer(case.label)
                if not any(start <= m.start() and m.end() <= end for start, end in spans)]
    assert unproven == [], f"{module}.{case.function} [{case.label}] claims {unproven} and no " \
                           f"predicate in PROPERTIES proves it"


@pytest.mark.parametrize("module, case", CASES, ids=lambda v: getattr(v, "label", v))
def test_a_case_exercises_what_its_title_names(course, module, case):
    with course.importable():
        b = bound(module, case)
        for _, _, what, predicate, match in matches(case.label):
            assert holds(predicate, module, case, b, match), \
                f"{module}.{case.function} [{case.label}] lacks {what} ({match.group(0)!r})"


def test_a_title_claiming_what_no_predicate_proves_fails():
    """The claim check itself: a made-up title with a new claim is caught."""
    label = "stride 2 with odd total padding and a ragged batch"
    spans = [(s, e) for s, e, *_ in matches(label)]
    unproven = [m.group(0) for m in CLAIMS.finditer(label)
                if not any(s <= m.start() and m.end() <= e for s, e in spans)]
    assert unproven == ["odd"]


def test_a_predicate_fails_on_inputs_that_lack_its_property(course):
    """The predicates can fail: the conv "extra pixel" case on an input whose total padding is
    even, and the softmax "up to 1e3" case on logits below exp's overflow."""
    with course.importable():
        conv = next(c for m, c in CASES if m == "conv" and c.function == "conv2d_forward"
                    and "extra pixel" in c.label)
        even = copy.copy(conv)
        object.__setattr__(even, "args", (np.zeros((1, 6, 6, 3)), *conv.args[1:]))
        assert odd_same_padding("conv", conv, bound("conv", conv))
        # kernel 3 x 2 at stride 2 on 6 x 6: totals 1 and 0; on 5 x 5 the rows' total is even
        five = copy.copy(conv)
        object.__setattr__(five, "args", (np.zeros((1, 5, 6, 3)), *conv.args[1:]))
        assert not odd_same_padding("conv", five, bound("conv", five))
        soft = next(c for m, c in CASES if m == "activations" and "logits up to 1e3" in c.label)
        low = copy.copy(soft)
        object.__setattr__(low, "args", (soft.args[0] * 0.5,))
        _, _, _, beyond, match = next(x for x in matches(soft.label) if "overflow" in x[2])
        assert holds(beyond, "activations", soft, {}, match)
        assert not holds(beyond, "activations", low, {}, match)


def test_there_is_a_maxpool_same_case_forward_and_backward():
    same = {case.function for module, case in CASES if module == "conv"
            and case.kwargs.get("padding") == "same"}
    assert {"conv2d_forward", "conv2d_backward", "maxpool2d_forward", "maxpool2d_backward"} <= same
