"""The wire format between the trusted parent and the sandboxed worker.

Only plain data crosses: numeric ndarrays as `.npy` blobs read back with `allow_pickle=False`,
and everything else as JSON (None, bool, int, float, str, and lists, tuples and dicts of these).
Anything else a learner function returns stays in the worker; the parent gets an `Opaque`
placeholder (an id and a type name) that it can hand back to the worker, e.g. a forward pass's
cache. The parent never unpickles, calls, or compares an object that learner code made.

A message on the wire: 8-byte big-endian length, then a 4-byte header length, the JSON header,
and the blobs back to back (their sizes are listed in the header).

This module is imported by the worker too, so it needs only the standard library and NumPy.
"""

from __future__ import annotations

import io
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32
NUMERIC_KINDS = "biufc"


class ProtocolError(Exception):
    """A message that is not well-formed plain data (too big, too deep, a forbidden dtype)."""


@dataclass(frozen=True)
class Opaque:
    """A value that stayed in the worker: only its handle id and type name cross."""

    id: int
    type_name: str
    # The parent-side worker the value lives in, set by the learner proxy (never sent).
    owner: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FunctionRef:
    """A learner function named by "module.function", passed as an argument (a callable)."""

    qualname: str


@dataclass(frozen=True)
class GraderFunction:
    """A function a grader writes for learner code to call (a loss bowl for gradient descent,
    say): its source travels and is compiled inside the worker, with `np` and `math` in scope,
    so it runs with the learner's rights, never the grader's. `name` is the def's name."""

    name: str
    source: str


# Bit generators whose state is plain integers: a Generator crosses the boundary by value.
GENERATOR_STATES = ("PCG64", "PCG64DXSM")


# ------------------------------------------------------------------------------------------
# Encoding values
# ------------------------------------------------------------------------------------------


def encode(value: Any, blobs: list[bytes] | None, keep: Any = None, depth: int = 0) -> Any:
    """Turn a value into JSON-able data, appending arrays to `blobs` as .npy bytes.

    With `blobs=None` arrays are written inline as readable, exact JSON (`nnlab build` stores
    the public checks this way): {"$array": {"dtype", "shape", "data"}}, floats by `repr` (which
    round-trips), nan and inf as strings. `keep(value) -> int` stores a value that is not plain
    data and returns its handle id (the worker's side); without it such a value is an error
    (the parent's side).
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and type(value) in (int, bool):
        return value
    if type(value) is float:
        return {"$float": repr(value)} if not np.isfinite(value) else value
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC_KINDS and value.dtype.fields is None:
        return {"$array": _array_payload(value, blobs)}
    if isinstance(value, np.generic) and np.dtype(type(value)).kind in NUMERIC_KINDS:
        return {"$scalar": _array_payload(np.asarray(value), blobs)}
    if type(value) is list:
        return [encode(v, blobs, keep, depth + 1) for v in value]
    if type(value) is tuple:
        return {"$tuple": [encode(v, blobs, keep, depth + 1) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"$dict": [[k, encode(v, blobs, keep, depth + 1)] for k, v in value.items()]}
    if isinstance(value, Opaque):
        return {"$opaque": value.id, "type": value.type_name}
    if isinstance(value, FunctionRef):
        return {"$function": value.qualname}
    if isinstance(value, GraderFunction):
        return {"$code": [value.name, value.source]}
    if isinstance(value, np.random.Generator) and \
            type(value.bit_generator).__name__ in GENERATOR_STATES:
        return {"$generator": value.bit_generator.state}
    if keep is not None:
        return {"$opaque": keep(value), "type": _type_name(value)}
    raise ProtocolError(f"cannot send a {type(value).__name__} across the sandbox boundary")


def _array_payload(array: np.ndarray, blobs: list[bytes] | None) -> Any:
    if blobs is not None:
        blobs.append(_npy_bytes(array))
        return len(blobs) - 1
    plain = np.asarray(array).view(np.ndarray)
    data = plain.tolist()
    if plain.dtype.kind == "f" and plain.dtype.itemsize < 8:
        # float32's shortest repr ("0.12", not float64's "0.11999999731779099") reads back
        # to the same float32 and keeps the file readable.
        data = np.array([float(str(v)) for v in plain.ravel()], dtype=np.float64)
        data = data.reshape(plain.shape).tolist()
    return {"dtype": str(plain.dtype), "shape": list(plain.shape), "data": _finite_or_text(data)}


def _finite_or_text(value: Any) -> Any:
    if isinstance(value, list):
        return [_finite_or_text(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    return value


def _from_text(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_text(v) for v in value]
    if isinstance(value, str):
        if value not in ("nan", "inf", "-inf"):
            raise ProtocolError("malformed inline array")
        return float(value)
    return value


def _type_name(value: Any) -> str:
    try:
        return str(type(value).__name__)[:80]
    except Exception:
        return "object"


def _npy_bytes(array: np.ndarray) -> bytes:
    # A view as the base class: an ndarray subclass's overrides never run in the parent.
    plain = np.asarray(array).view(np.ndarray)
    if not plain.flags.c_contiguous:  # (np.ascontiguousarray would turn 0-d into 1-d)
        plain = plain.copy(order="C")
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, plain, allow_pickle=False)
    return buffer.getvalue()


def decode(data: Any, blobs: list[bytes] | None, resolve: Any = None, depth: int = 0) -> Any:
    """The inverse of `encode`. `resolve(kind, payload)` maps handles and function refs (worker
    side); without it they decode to `Opaque` / `FunctionRef` (parent side)."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, blobs, resolve, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ProtocolError("malformed value")
    if "$array" in data:
        return _read_array(blobs, data["$array"])
    if "$scalar" in data:
        return _read_array(blobs, data["$scalar"])[()]
    if "$float" in data:
        text = data["$float"]
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError("malformed float")
        return float(text)
    if "$tuple" in data:
        return tuple(decode(v, blobs, resolve, depth + 1) for v in _list(data["$tuple"]))
    if "$dict" in data:
        out = {}
        for pair in _list(data["$dict"]):
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ProtocolError("malformed dict")
            out[pair[0]] = decode(pair[1], blobs, resolve, depth + 1)
        return out
    if "$opaque" in data:
        if not isinstance(data["$opaque"], int):
            raise ProtocolError("malformed handle")
        if resolve is not None:
            return resolve("opaque", data["$opaque"])
        return Opaque(data["$opaque"], str(data.get("type", "object"))[:80])
    if "$function" in data:
        if resolve is not None:
            return resolve("function", str(data["$function"]))
        return FunctionRef(str(data["$function"]))
    if "$code" in data:
        payload = data["$code"]
        if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload)):
            raise ProtocolError("malformed function source")
        function = GraderFunction(*payload)
        return resolve("code", function) if resolve is not None else function
    if "$generator" in data:
        return _generator(data["$generator"])
    raise ProtocolError("malformed value")


def _generator(state: Any) -> np.random.Generator:
    """A Generator from a PCG64 state: plain integers, checked before NumPy sees them."""
    if not (isinstance(state, dict) and state.get("bit_generator") in GENERATOR_STATES
            and isinstance(state.get("state"), dict)
            and all(isinstance(v, int) for v in state["state"].values())):
        raise ProtocolError("malformed random generator state")
    bit_generator = getattr(np.random, state["bit_generator"])()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise ProtocolError(f"malformed random generator state: {error}") from None
    return np.random.Generator(bit_generator)


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise ProtocolError("malformed container")
    return value


def _read_array(blobs: list[bytes] | None, payload: Any) -> np.ndarray:
    """An array from its blob (an index) or from its inline form (a dict)."""
    if not isinstance(payload, dict):
        return _read_npy(blobs or [], payload)
    try:
        dtype = np.dtype(payload["dtype"])
        array = np.array(_from_text(payload["data"]), dtype=dtype).reshape(payload["shape"])
    except (KeyError, TypeError, ValueError) as error:
        raise ProtocolError(f"malformed inline array: {error}") from None
    if array.dtype.kind not in NUMERIC_KINDS or array.dtype.fields is not None:
        raise ProtocolError(f"arrays must be numeric, got dtype {array.dtype}")
    return array


class SharedBlobs(list):
    """The blobs of a call's arguments as writable views of the memory the parent shares with
    the worker for that call (see `Worker._call`): arrays decoded from them are views, so what
    learner code writes into an argument lands where the parent reads it back after the call."""


def _npy_view(blob: memoryview) -> np.ndarray:
    """An array that views `blob` (.npy bytes) instead of copying it."""
    head = io.BytesIO(bytes(blob[:min(len(blob), 65536)]))
    try:
        version = np.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
        if dtype.hasobject:
            raise ValueError("object arrays cannot cross")
        count = 1
        for size in shape:
            count *= size
        flat = np.frombuffer(blob, dtype=dtype, count=count, offset=head.tell())
        return flat.reshape(shape, order="F" if fortran else "C")
    except Exception as error:
        raise ProtocolError(f"malformed array: {error}") from None


def _read_npy(blobs: list[bytes], index: Any) -> np.ndarray:
    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise ProtocolError("array reference out of range")
    if isinstance(blobs, SharedBlobs):
        array = _npy_view(blobs[index])
        if array.dtype.kind not in NUMERIC_KINDS or array.dtype.fields is not None:
            raise ProtocolError(f"arrays must be numeric, got dtype {array.dtype}")
        return array
    try:
        array = np.lib.format.read_array(io.BytesIO(blobs[index]), allow_pickle=False)
    except Exception as error:  # a malformed header, a pickled payload, a truncated blob
        raise ProtocolError(f"malformed array: {error}") from None
    if array.dtype.kind not in NUMERIC_KINDS or array.dtype.fields is not None:
        raise ProtocolError(f"arrays must be numeric, got dtype {array.dtype}")
    return array


# ------------------------------------------------------------------------------------------
# Framing over file descriptors
# ------------------------------------------------------------------------------------------


def pack(header: dict, blobs: list[bytes]) -> bytes:
    header = dict(header, blobs=[len(b) for b in blobs])
    head = json.dumps(header, separators=(",", ":")).encode()
    body = struct.pack(">I", len(head)) + head + b"".join(blobs)
    return struct.pack(">Q", len(body)) + body


def unpack(body: bytes) -> tuple[dict, list[bytes]]:
    if len(body) < 4:
        raise ProtocolError("truncated message")
    (head_len,) = struct.unpack(">I", body[:4])
    try:
        header = json.loads(body[4:4 + head_len])
    except (ValueError, RecursionError):
        raise ProtocolError("malformed header") from None
    if not isinstance(header, dict):
        raise ProtocolError("malformed header")
    sizes = header.pop("blobs", [])
    if not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise ProtocolError("malformed blob table")
    blobs, offset = [], 4 + head_len
    for size in sizes:
        blobs.append(body[offset:offset + size])
        offset += size
    if offset != len(body):
        raise ProtocolError("message length does not match its blobs")
    return header, blobs


def write_message(fd: int, header: dict, blobs: list[bytes]) -> None:
    data = memoryview(pack(header, blobs))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exactly(fd: int, size: int) -> bytes:
    """Read `size` bytes; EOFError if the other side closed first."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_length(fd: int) -> int:
    (size,) = struct.unpack(">Q", read_exactly(fd, 8))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes is over the {MAX_MESSAGE_BYTES} byte limit")
    return size


def read_message(fd: int) -> tuple[dict, list[bytes]]:
    return unpack(read_exactly(fd, read_length(fd)))
