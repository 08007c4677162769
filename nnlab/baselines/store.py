"""The on-disk format of the recorded baselines: one `.npz` per family, written byte for byte
the same way every time.

A family file holds

- `"<case>/<name>"`: one array per input and per recorded Keras output of each case;
- `"__cases__"`: a 0-d unicode array holding JSON, `{"family": ..., "format": 1, "cases":
  {case: config}}`, where a config names the case's inputs and outputs with their shapes, its
  dtype, its tolerance and its layer settings (see `nnlab.baselines.recorded.BaselineCase`);
- `"__recorded_with__"`: a 0-d unicode array holding JSON with the TensorFlow, Keras and NumPy
  versions that made the recording (provenance only; freshness checks ignore it).

Everything loads with `np.load(path, allow_pickle=False)`. `np.savez` stamps each member with
the current time, so two recordings of the same numbers would differ as bytes; `write_npz`
writes the zip itself with a fixed timestamp and sorted members instead.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

FAMILIES = ("dense", "conv2d", "maxpool2d", "flatten", "cnn", "simple_rnn", "lstm",
            "optimizers", "losses", "activations", "xor", "keras_mlp",
            "logistic_sklearn", "sklearn_mlp")
FORMAT = 1
CASES_KEY = "__cases__"
PROVENANCE_KEY = "__recorded_with__"

# zip's earliest representable time: a fixed stamp keeps the bytes reproducible
_EPOCH = (1980, 1, 1, 0, 0, 0)


class BaselineError(Exception):
    """The baselines cannot be recorded or read; the message is one line for the user."""


def family_path(folder: Path, family: str) -> Path:
    return Path(folder) / f"{family}.npz"


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write `arrays` as an `.npz` with sorted members and fixed timestamps, atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for key in sorted(arrays):
            array = np.asarray(arrays[key])
            if array.dtype.hasobject:
                raise BaselineError(f"{path.name}: {key} is an object array, which cannot be "
                                    f"loaded without pickle")
            buffer = io.BytesIO()
            # not np.ascontiguousarray, which turns a 0-d array into a 1-d one
            np.lib.format.write_array(buffer, np.array(array, order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
    os.replace(tmp, path)
    return path


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an `.npz`, read without pickle."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise BaselineError(f"{path} is missing: run `nnlab baselines record`") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise BaselineError(f"{path} is not a readable baseline file: {exc}") from None


def json_array(value) -> np.ndarray:
    """`value` as canonical JSON (sorted keys) in a 0-d unicode array."""
    return np.array(json.dumps(value, sort_keys=True, separators=(",", ":")))


def parse_json_array(array: np.ndarray, what: str):
    if array.ndim != 0 or array.dtype.kind != "U":
        raise BaselineError(f"{what} must be a 0-d unicode array holding JSON")
    try:
        return json.loads(str(array[()]))
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{what} is not valid JSON: {exc}") from None
