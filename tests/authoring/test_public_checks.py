"""The public-check builder: what `nnlab build` records for `nnlab check`."""

import json

import numpy as np

from nnlab.authoring.public_checks import record_checks, render_checks, same_checks
from nnlab.grading.compare import Comparator
from nnlab.sandbox.protocol import decode, encode


def test_each_case_records_the_reference_value_its_rules_and_the_mistakes_it_can_tell(course):
    with course.importable():
        data = record_checks("activations", Comparator(course.tolerances))
        import graders.public.activations as public
        from reference.activations import sigmoid_grad
    assert data["module"] == "activations" and len(data["cases"]) == len(public.CASES)
    case = next(c for c in data["cases"] if c["function"] == "sigmoid_grad"
                and c["label"] == "mixed signs")
    args = decode(case["args"], None)
    np.testing.assert_array_equal(decode(case["expected"], None), sigmoid_grad(*args))
    named = [m["looks_like"] for m in case["mistakes"]]
    assert any("x * (1 - x)" in m for m in named), named
    float32 = [c for c in data["cases"] if c["label"] == "float32 stays float32"]
    assert float32 and all(c["exact_dtype"] and decode(c["expected"], None).dtype == np.float32
                           for c in float32)
    assert any(c["no_warnings"] for c in data["cases"] if c["function"] == "sigmoid")


def test_forward_and_backward_cases_record_outputs_without_the_cache(course):
    with course.importable():
        data = record_checks("conv", Comparator(course.tolerances))
        from reference import conv
    forward = next(c for c in data["cases"] if c["kind"] == "forward"
                   and c["function"] == "conv2d_forward")
    args, kwargs = decode(forward["args"], None), decode(forward["kwargs"], None)
    np.testing.assert_array_equal(decode(forward["expected"], None),
                                  conv.conv2d_forward(*args, **kwargs)[0])
    backward = next(c for c in data["cases"] if c["kind"] == "backward" and c["grad"] == 1)
    args, kwargs = decode(backward["args"], None), decode(backward["kwargs"], None)
    (dout,) = decode(backward["upstream"], None)
    dkernel = conv.conv2d_backward(dout, conv.conv2d_forward(*args, **kwargs)[1])[1]
    np.testing.assert_array_equal(decode(backward["expected"], None), dkernel)
    assert any("averaged" in m["looks_like"] or "batch" in m["why"] for m in backward["mistakes"])


def test_rendered_checks_read_back_exactly_and_compare_by_value():
    value = (np.array([0.1, np.nan, -np.inf], dtype=np.float32), {"alpha": np.float64(0.25)})
    data = {"cases": [{"x": encode(value, None)}]}
    text = render_checks(data)
    assert '"data": [0.1,"nan","-inf"]' in text  # one line, float32's short repr, no bare NaN
    back = json.loads(text)
    array, kwargs = decode(back["cases"][0]["x"], None)
    np.testing.assert_array_equal(array, value[0])
    assert array.dtype == np.float32 and kwargs["alpha"] == 0.25
    assert same_checks(back, json.loads(render_checks(back)))
    wobble = json.loads(text.replace("0.1", "0.1000000000000001"))
    assert same_checks(back, wobble) and not same_checks(back, json.loads(text.replace("0.1", "0.2")))
