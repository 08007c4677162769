"""Plain data as readable, exact JSON: how public checks store arrays and numbers.

Floats are written with `repr`, which round-trips exactly; float32 values widen to float64
exactly and narrow back to the same float32. nan and inf are spelled out as strings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.ndarray):
        return {"array": _nested(value.tolist()), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return {"scalar": _nested(value.item()), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"tuple": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {"dict": {str(k): to_json(v) for k, v in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__} in a public check")


def _nested(value: Any) -> Any:
    if isinstance(value, list):
        return [_nested(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def from_json(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_json(v) for v in data]
    if "array" in data:
        flat = _unnest(data["array"])
        return np.array(flat, dtype=data["dtype"]).reshape(data["shape"])
    if "scalar" in data:
        return np.dtype(data["dtype"]).type(_unnest(data["scalar"]))
    if "float" in data:
        return float(data["float"])
    if "tuple" in data:
        return tuple(from_json(v) for v in data["tuple"])
    if "dict" in data:
        return {k: from_json(v) for k, v in data["dict"].items()}
    raise ValueError(f"unknown stored value {sorted(data)}")


def _unnest(value: Any) -> Any:
    if isinstance(value, list):
        return [_unnest(v) for v in value]
    if isinstance(value, str):
        return float(value)
    return value
