"""The wire format carries plain data only, and refuses anything else."""

import io
import pickle

import numpy as np
import pytest

from nnlab.sandbox import protocol
from nnlab.sandbox.protocol import FunctionRef, Opaque, ProtocolError


def roundtrip(value, keep=None):
    blobs = []
    data = protocol.encode(value, blobs, keep)
    header, blobs = protocol.unpack(protocol.pack({"value": data}, blobs)[8:])
    return protocol.decode(header["value"], blobs)


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.0, "x"], (1, (2, 3)), {"a": 1, "b": [None]},
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3.5), np.int8(4), np.float32(1.5),
    (np.zeros((2, 0)), {"W1": np.ones(3, dtype=np.int64)}), np.array([1 + 2j]),
])
def test_plain_data_roundtrips_exactly(value):
    back = roundtrip(value)
    assert type(back) is type(value) or isinstance(value, np.generic)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, np.generic):
        assert back.dtype == value.dtype and back == value
    elif isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        assert np.array_equal(back[0], value[0]) and np.array_equal(back[1]["W1"], value[1]["W1"])
    else:
        assert back == value


def test_nan_and_inf_floats():
    back = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert np.isnan(back[0]) and back[1] == float("inf") and back[2] == -float("inf")


def test_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = roundtrip(np.zeros(3).view(Liar))
    assert type(back) is np.ndarray


def test_objects_stay_behind_a_handle_or_are_refused():
    class Model:
        pass

    kept = []
    back = roundtrip({"cache": Model()}, keep=lambda v: kept.append(v) or len(kept))
    assert back == {"cache": Opaque(1, "Model")} and isinstance(kept[0], Model)
    with pytest.raises(ProtocolError, match="cannot send a Model"):
        protocol.encode(Model(), [])
    assert roundtrip(FunctionRef("activations.sigmoid")) == FunctionRef("activations.sigmoid")


def test_pickled_and_object_arrays_are_refused():
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError):
        protocol.decode({"$array": 0}, [buffer.getvalue()])
    with pytest.raises(ProtocolError):
        protocol.decode({"$array": 0}, [pickle.dumps(np.zeros(2))])
    strings = io.BytesIO()
    np.lib.format.write_array(strings, np.array(["a"]))
    with pytest.raises(ProtocolError, match="numeric"):
        protocol.decode({"$array": 0}, [strings.getvalue()])


@pytest.mark.parametrize("data", [
    {"$array": 5}, {"$opaque": "x"}, {"$float": "1e999"}, {"$dict": [[1, 2]]}, {"what": 1},
    {"$tuple": "abc"},
])
def test_malformed_values_are_refused(data):
    with pytest.raises(ProtocolError):
        protocol.decode(data, [])


def test_deep_nesting_is_refused():
    value = []
    for _ in range(100):
        value = [value]
    with pytest.raises(ProtocolError, match="deeply"):
        protocol.encode(value, [])


def test_inline_json_form_round_trips_exactly_and_stays_readable():
    """`encode(v, None)` is the JSON form of the public checks: the same tags, arrays inline."""
    import json

    value = (np.array([[1.5, np.nan], [np.inf, -2.0]]), np.arange(3, dtype=np.int32),
             np.array([0.1, 1e-8], dtype=np.float32), {"axis": 0, "scale": np.float64(0.25)},
             [1, "text", None, float("-inf")])
    text = json.dumps(protocol.encode(value, None))
    assert "NaN" not in text and "Infinity" not in text  # strict JSON
    assert "0.1," in text and "1e-08" in text  # float32 by its shortest repr
    back = protocol.decode(json.loads(text), None)
    for got, want in zip(back[:3], value[:3]):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert back[3] == {"axis": 0, "scale": 0.25} and type(back[3]["scale"]) is np.float64
    assert back[4][:3] == [1, "text", None] and back[4][3] == float("-inf")


@pytest.mark.parametrize("payload", [
    {"$array": {"dtype": "object", "shape": [1], "data": [1]}},
    {"$array": {"dtype": "float64", "shape": [3], "data": [1.0]}},
    {"$array": {"dtype": "float64", "shape": [1], "data": ["oops"]}},
    {"$array": {"shape": [1], "data": [1.0]}},
])
def test_inline_arrays_that_are_not_plain_numbers_are_refused(payload):
    with pytest.raises(ProtocolError):
        protocol.decode(payload, None)


def test_generators_cross_by_state_and_bad_states_are_refused():
    rng = np.random.default_rng(3)
    rng.normal(size=4)
    back = protocol.decode(protocol.encode(rng, []), [])
    assert back is not rng and back.normal() == rng.normal()
    for state in ({"bit_generator": "MT19937", "state": {}}, {"bit_generator": "PCG64", "state": {"state": "x"}}):
        with pytest.raises(ProtocolError):
            protocol.decode({"$generator": state}, [])
    with pytest.raises(ProtocolError):
        protocol.encode(np.random.Generator(np.random.MT19937(1)), [])
