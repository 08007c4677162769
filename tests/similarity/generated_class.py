"""A generated class for the similarity detector: learners who write activations.py each in
their own way, and planted copies of some of them under the usual disguises.

Each function has several correct ways to write it (`WAYS`); an independent learner picks one
at random for every function and, independently, a handful of habits (checking the input with
np.asarray, naming intermediate results, casting back to the input's dtype, the order of the
functions, comments and blank lines). A planted copy takes another learner's file and disguises
it: every local name renamed, the functions reordered, comments and blank lines changed, and a
loop or conditional expression rewritten where one exists.
"""

from __future__ import annotations

import random
import re

# {x}: the argument's name, {t}: a temporary's name. Every way is a correct body.
WAYS = {
    "linear": ["return {x}", "return {x} * 1", "{t} = np.array({x}, copy=True)\nreturn {t}"],
    "linear_grad": ["return np.ones_like({x})", "return np.full_like({x}, 1)",
                    "{t} = np.empty_like({x})\n{t}[...] = 1\nreturn {t}"],
    "binary_step": ["return ({x} >= 0).astype({x}.dtype)",
                    "return np.where({x} >= 0, 1, 0).astype({x}.dtype)",
                    "{t} = np.zeros_like({x})\n{t}[{x} >= 0] = 1\nreturn {t}",
                    "return np.heaviside({x}, 1).astype({x}.dtype)"],
    "binary_step_grad": ["return np.zeros_like({x})", "return {x} * 0",
                         "return np.full({x}.shape, 0, dtype={x}.dtype)"],
    "sigmoid": ["{t} = np.exp(-np.abs({x}))\nreturn np.where({x} >= 0, 1 / (1 + {t}), {t} / (1 + {t}))",
                "return 0.5 * (1 + np.tanh(0.5 * {x}))",
                "{t} = np.empty_like({x})\npos = {x} >= 0\n{t}[pos] = 1 / (1 + np.exp(-{x}[pos]))\n"
                "e = np.exp({x}[~pos])\n{t}[~pos] = e / (1 + e)\nreturn {t}",
                "return np.exp(-np.logaddexp(0, -{x}))"],
    "sigmoid_grad": ["{t} = sigmoid({x})\nreturn {t} * (1 - {t})",
                     "return sigmoid({x}) * sigmoid(-{x})",
                     "{t} = 0.5 * (1 + np.tanh(0.5 * {x}))\nreturn {t} - {t} ** 2",
                     "return 0.25 / np.cosh(0.5 * {x}) ** 2"],
    "tanh": ["return np.tanh({x})", "return 2 * sigmoid(2 * {x}) - 1",
             "{t} = np.exp(-2 * np.abs({x}))\nreturn np.sign({x}) * (1 - {t}) / (1 + {t})"],
    "tanh_grad": ["return 1 - np.tanh({x}) ** 2", "{t} = np.tanh({x})\nreturn 1 - {t} * {t}",
                  "return 1 / np.cosh({x}) ** 2", "return 4 * sigmoid_grad(2 * {x})"],
    "relu": ["return np.maximum({x}, 0)", "return np.where({x} > 0, {x}, 0).astype({x}.dtype)",
             "return {x} * ({x} > 0)", "{t} = {x}.copy()\n{t}[{t} < 0] = 0\nreturn {t}",
             "return np.clip({x}, 0, None)"],
    "relu_grad": ["return ({x} > 0).astype({x}.dtype)",
                  "return np.where({x} > 0, 1, 0).astype({x}.dtype)",
                  "{t} = np.zeros_like({x})\n{t}[{x} > 0] = 1\nreturn {t}",
                  "return np.heaviside({x}, 0).astype({x}.dtype)"],
    "leaky_relu": ["return np.where({x} > 0, {x}, alpha * {x})",
                   "return np.maximum({x}, 0) + alpha * np.minimum({x}, 0)",
                   "{t} = {x}.copy()\nneg = {t} < 0\n{t}[neg] = alpha * {t}[neg]\nreturn {t}",
                   "return {x} * np.where({x} > 0, 1, alpha).astype({x}.dtype)"],
    "leaky_relu_grad": ["return np.where({x} > 0, 1, alpha).astype({x}.dtype)",
                        "{t} = np.full_like({x}, alpha)\n{t}[{x} > 0] = 1\nreturn {t}",
                        "return alpha + (1 - alpha) * ({x} > 0).astype({x}.dtype)"],
    "elu": ["return np.where({x} > 0, {x}, alpha * np.expm1(np.minimum({x}, 0)))",
            "{t} = {x}.copy()\nneg = {x} <= 0\n{t}[neg] = alpha * (np.exp({x}[neg]) - 1)\nreturn {t}",
            "return np.maximum({x}, 0) + alpha * np.expm1(np.minimum({x}, 0))"],
    "elu_grad": ["return np.where({x} > 0, 1, alpha * np.exp(np.minimum({x}, 0))).astype({x}.dtype)",
                 "{t} = np.ones_like({x})\nneg = {x} <= 0\n{t}[neg] = alpha * np.exp({x}[neg])\nreturn {t}",
                 "return np.where({x} > 0, 1, elu({x}, alpha) + alpha).astype({x}.dtype)"],
    "softplus": ["return np.logaddexp(0, {x})",
                 "return np.maximum({x}, 0) + np.log1p(np.exp(-np.abs({x})))",
                 "{t} = np.abs({x})\nreturn np.log1p(np.exp(-{t})) + np.maximum({x}, 0)"],
    "softplus_grad": ["return sigmoid({x})", "return 1 - sigmoid(-{x})",
                      "return np.exp(-np.logaddexp(0, -{x}))"],
    "softmax": ["{t} = np.exp({x} - np.max({x}, axis=axis, keepdims=True))\n"
                "return {t} / np.sum({t}, axis=axis, keepdims=True)",
                "shifted = {x} - {x}.max(axis=axis, keepdims=True)\n{t} = np.exp(shifted)\n"
                "total = {t}.sum(axis=axis, keepdims=True)\nreturn {t} / total",
                "{t} = {x} - np.max({x}, axis=axis, keepdims=True)\n"
                "return np.exp({t} - np.log(np.sum(np.exp({t}), axis=axis, keepdims=True)))"],
}
SIGNATURES = {"leaky_relu": "{x}, alpha=0.01", "leaky_relu_grad": "{x}, alpha=0.01",
              "elu": "{x}, alpha=1.0", "elu_grad": "{x}, alpha=1.0", "softmax": "{x}, axis=-1"}
ARGUMENTS = ["x", "z", "a", "values", "inp", "arr", "u", "v"]
TEMPORARIES = ["out", "result", "res", "y", "s", "tmp", "r", "ans", "output", "val"]
COMMENTS = ["# done", "# elementwise", "# see the lecture", "# stable version",
            "# TODO check dtype", "# works for any shape", "# vectorised", "# careful with overflow"]


def _body(way: str, x: str, t: str, rng: random.Random, habits: dict) -> list[str]:
    lines = way.format(x=x, t=t).split("\n")
    if habits["asarray"] and rng.random() < 0.8:
        lines.insert(0, f"{x} = np.asarray({x})")
    if habits["name_result"] and lines[-1].startswith("return ") and t not in lines[-1] \
            and rng.random() < 0.7:
        lines[-1:] = [f"{t} = {lines[-1][7:]}", f"return {t}"]
    if habits["comments"] and rng.random() < 0.5:
        lines.insert(rng.randrange(len(lines)), rng.choice(COMMENTS))
    return lines


def independent_learner(rng: random.Random) -> str:
    """One learner's activations.py, written their own way."""
    habits = {"asarray": rng.random() < 0.4, "name_result": rng.random() < 0.4,
              "comments": rng.random() < 0.5, "docstrings": rng.random() < 0.5}
    x = rng.choice(ARGUMENTS)
    functions = list(WAYS)
    if rng.random() < 0.5:
        rng.shuffle(functions)
    parts = ["import numpy as np", ""]
    for name in functions:
        t = rng.choice(TEMPORARIES)
        parts.append(f"def {name}({SIGNATURES.get(name, '{x}').format(x=x)}):")
        if habits["docstrings"]:
            parts.append(f'    """{name.replace("_", " ")} of {x}."""')
        parts += ["    " + line for line in _body(rng.choice(WAYS[name]), x, t, rng, habits)]
        parts += [""] * rng.choice([1, 2])
    return "\n".join(parts) + "\n"


def disguised_copy(source: str, rng: random.Random) -> str:
    """`source` as a copier hands it in: names renamed, functions reordered, comments and blank
    lines changed, one loop-free rewrite of a conditional where the code has one."""
    renames = {}
    pool = [n for n in ARGUMENTS + TEMPORARIES + ["pos", "neg", "e", "shifted", "total"]]
    fresh = iter(f"{w}_{i}" for i, w in enumerate(rng.sample(["val", "arr", "q", "w", "k", "m", "p",
                                                              "h", "d", "g", "c", "b"], 12)))
    for name in pool:
        if re.search(rf"\b{name}\b", source):
            renames[name] = next(fresh, f"n{len(renames)}")
    text = re.sub(r"\b(" + "|".join(map(re.escape, renames)) + r")\b",
                  lambda m: renames[m.group(1)], source) if renames else source
    text = re.sub(r"^\s*#.*\n", "", text, flags=re.M)  # their comments go ...
    chunks = re.split(r"\n(?=def )", text)
    head, functions = chunks[0], chunks[1:]
    rng.shuffle(functions)
    out = [head.rstrip() + "\n"]
    for function in functions:
        lines = function.rstrip().split("\n")
        if rng.random() < 0.3:  # ... new ones come
            lines.insert(1, "    " + rng.choice(["# my own work", "# from the slides", "# ok"]))
        out.append("\n".join(lines) + "\n" * rng.choice([2, 3]))
    text = "\n".join(out)
    # a conditional expression turned around, where the tokens allow
    return text.replace(">= 0, 1, 0)", "< 0, 0, 1)", 1)


def generated_class(seed: int, learners: int = 40, copies: int = 4):
    """(sources: learner -> {"activations": text}, planted: set of frozenset pairs).

    The last two copies share one source, so three learners form one group."""
    rng = random.Random(seed)
    sources = {f"learner{i:02d}": {"activations": independent_learner(rng)} for i in range(learners)}
    originals = rng.sample(sorted(sources), copies - 1)
    originals.append(originals[-1])
    planted = set()
    for i, original in enumerate(originals):
        name = f"copier{i}"
        sources[name] = {"activations": disguised_copy(sources[original]["activations"], rng)}
        planted.add(frozenset((name, original)))
    planted.add(frozenset((f"copier{copies - 2}", f"copier{copies - 1}")))
    return sources, planted
