"""Reading the recorded baselines: `load_baselines(folder)` -> {family: [BaselineCase, ...]}.

Plain NumPy and JSON: nothing here imports TensorFlow, so graders and `nnlab verify` can use the
recordings wherever the course runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from nnlab.baselines.store import (
    CASES_KEY, FAMILIES, FORMAT, PROVENANCE_KEY, BaselineError, family_path, parse_json_array,
    read_npz,
)


@dataclass(frozen=True, eq=False)
class BaselineCase:
    """One recorded case: the inputs given to Keras and what Keras returned.

    `config` is the case's entry in the family's "__cases__" JSON:

    - "kind": what was recorded ("dense", "mlp", "conv2d", "maxpool2d", "flatten", "cnn",
      "simple_rnn", "lstm", "adam", "sgd", "logistic_regression", "mse",
      "binary_crossentropy", "categorical_crossentropy", "activation", "xor_mlp",
      "keras_MLPClassifier");
    - "keras": the Keras object that produced the outputs, as code;
    - "dtype": the floating dtype of the computation ("float64" or "float32");
    - "inputs", "outputs": {name: shape}; every gradient output is the gradient of
      sum(output * upstream) for the upstream array the case names in "settings";
    - "settings": the arguments in the curriculum's terms (stride, padding, pool_size, ...);
    - "tolerance": {"rtol", "atol"}: a value agrees with the recording where
      |value - recorded| <= atol + rtol * |recorded| elementwise (integer outputs exactly);
    - "note": why the case is there.
    """

    family: str
    name: str
    config: dict
    arrays: dict[str, np.ndarray] = field(repr=False)

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"

    @property
    def kind(self) -> str:
        return self.config["kind"]

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.config["dtype"])

    @property
    def settings(self) -> dict:
        return self.config.get("settings", {})

    @property
    def tolerance(self) -> tuple[float, float]:
        tol = self.config["tolerance"]
        return float(tol["rtol"]), float(tol["atol"])

    @property
    def inputs(self) -> dict[str, np.ndarray]:
        return {name: self.arrays[name] for name in self.config["inputs"]}

    @property
    def outputs(self) -> dict[str, np.ndarray]:
        """What Keras returned, by name."""
        return {name: self.arrays[name] for name in self.config["outputs"]}

    def __getitem__(self, name: str) -> np.ndarray:
        """An input or output array; a fresh copy, so callers may modify it."""
        return self.arrays[name].copy()


def load_family(folder: Path, family: str) -> list[BaselineCase]:
    """The cases of one family file, in recording order (sorted by name).

    Read once per process while the file is unchanged: a batch grades many learners in one
    process, and graders load their families at import, once per learner. The cases are shared
    (their arrays are read-only; `case[name]` gives a copy)."""
    path = family_path(folder, family)
    try:
        stat = path.stat()
    except OSError:
        return list(_read_family(path, family, None))  # read_npz says what is wrong
    return list(_read_family(path.resolve(), family, (stat.st_mtime_ns, stat.st_size, stat.st_ino)))


@functools.lru_cache(maxsize=64)
def _read_family(path: Path, family: str, version: tuple | None) -> tuple[BaselineCase, ...]:
    arrays = read_npz(path)
    if CASES_KEY not in arrays:
        raise BaselineError(f"{path} has no {CASES_KEY} entry")
    meta = parse_json_array(arrays[CASES_KEY], f"{path}: {CASES_KEY}")
    if meta.get("format") != FORMAT:
        raise BaselineError(f"{path} has format {meta.get('format')!r}; this nnlab reads "
                            f"format {FORMAT}: run `nnlab baselines record`")
    if meta.get("family") != family:
        raise BaselineError(f"{path} holds family {meta.get('family')!r}, not {family!r}")
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for key, array in arrays.items():
        if key in (CASES_KEY, PROVENANCE_KEY):
            continue
        case, sep, name = key.partition("/")
        if not sep or case not in meta["cases"]:
            raise BaselineError(f"{path}: array {key!r} belongs to no case")
        array.flags.writeable = False  # shared by every caller; copies come from case[name]
        grouped.setdefault(case, {})[name] = array
    cases = []
    for case, config in sorted(meta["cases"].items()):
        have = grouped.get(case, {})
        for role in ("inputs", "outputs"):
            for name, shape in config[role].items():
                if name not in have:
                    raise BaselineError(f"{path}: case {case!r} lacks its {role[:-1]} {name!r}")
                if list(have[name].shape) != list(shape):
                    raise BaselineError(f"{path}: {case}/{name} has shape {have[name].shape}, "
                                        f"the case says {tuple(shape)}")
        cases.append(BaselineCase(family, case, config, have))
    return tuple(cases)


def load_baselines(folder: Path | str, families: Iterable[str] | None = None
                   ) -> dict[str, list[BaselineCase]]:
    """Every family's cases from `folder` (graders/baselines), read with allow_pickle=False.

    Raises BaselineError with one line naming the file when one is missing or malformed.
    """
    folder = Path(folder)
    wanted = FAMILIES if families is None else tuple(families)
    unknown = [f for f in wanted if f not in FAMILIES]
    if unknown:
        raise BaselineError(f"unknown baseline families {unknown}; expected some of {list(FAMILIES)}")
    return {family: load_family(folder, family) for family in wanted}
