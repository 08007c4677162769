"""The public-check builder: what `nnlab build` records for `nnlab check`."""

import json

import numpy as np

import os
import subprocess
import sys

import pytest

from nnlab.authoring import public_checks
from nnlab.authoring.public_checks import record_checks, render_checks, settled
from nnlab.grading.compare import Comparator
from nnlab.sandbox.protocol import decode, encode


def assert_settled(stored, computed, course):
    """`stored` is `computed` rounded far inside (1/40 of) its tolerance, in its dtype."""
    tol = course.tolerances.float32 if computed.dtype == np.float32 else course.tolerances.float64
    assert stored.dtype == computed.dtype and stored.shape == computed.shape
    exact = computed.astype(np.float64)
    assert np.all(np.abs(stored - exact) <= (tol.atol + tol.rtol * np.abs(exact)) / 40 + np.spacing(exact))


def test_each_case_records_the_reference_value_its_rules_and_the_mistakes_it_can_tell(course):
    with course.importable():
        data = record_checks("activations", Comparator(course.tolerances))
        import graders.public.activations as public
        from reference.activations import sigmoid_grad
    assert data["module"] == "activations" and len(data["cases"]) == len(public.CASES)
    case = next(c for c in data["cases"] if c["function"] == "sigmoid_grad"
                and c["label"] == "mixed signs")
    args = decode(case["args"], None)
    assert_settled(decode(case["expected"], None), sigmoid_grad(*args), course)
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
    assert_settled(decode(forward["expected"], None), conv.conv2d_forward(*args, **kwargs)[0], course)
    backward = next(c for c in data["cases"] if c["kind"] == "backward" and c["grad"] == 1)
    args, kwargs = decode(backward["args"], None), decode(backward["kwargs"], None)
    (dout,) = decode(backward["upstream"], None)
    dkernel = conv.conv2d_backward(dout, conv.conv2d_forward(*args, **kwargs)[1])[1]
    assert_settled(decode(backward["expected"], None), dkernel, course)
    assert any("averaged" in m["looks_like"] or "batch" in m["why"] for m in backward["mistakes"])


def test_rendered_checks_read_back_exactly():
    value = (np.array([0.1, np.nan, -np.inf], dtype=np.float32), {"alpha": np.float64(0.25)})
    data = {"cases": [{"x": encode(value, None)}]}
    text = render_checks(data)
    assert '"data": [0.1,"nan","-inf"]' in text  # one line, float32's short repr, no bare NaN
    back = json.loads(text)
    array, kwargs = decode(back["cases"][0]["x"], None)
    np.testing.assert_array_equal(array, value[0])
    assert array.dtype == np.float32 and kwargs["alpha"] == 0.25
    assert render_checks(back) == text


def test_settled_values_are_rounded_far_inside_their_tolerance(course):
    comparator = Comparator(course.tolerances)
    raw = np.array([-7.510415000000002, 1e-13, 123456.789012345, 0.0, np.inf, np.nan, -3e-5])
    value = settled(lambda prepare: prepare(raw), comparator)
    assert value.dtype == np.float64 and list(value[:4]) == [-7.510415, 0.0, 123456.789, 0.0]
    assert np.isposinf(value[4]) and np.isnan(value[5])
    tol = course.tolerances.float64
    finite = np.isfinite(raw)
    assert np.all(np.abs(value[finite] - raw[finite]) <= (tol.atol + tol.rtol * np.abs(raw[finite])) / 40)
    # float32 results are taken from the same work in float64, where the two agree ...
    x = np.array([0.1, 2.5, 1000.0], dtype=np.float32)
    sums = settled(lambda prepare: np.cumsum(prepare(x) / 3), comparator, narrow_inputs=True)
    assert sums.dtype == np.float32
    assert sums.tolist() == np.array([0.0333333, 0.866667, 334.2], dtype=np.float32).tolist()
    # ... but an overflow that only float32 has is kept: it is what a float32 mistake returns
    big = np.array([100.0, -1.0], dtype=np.float32)
    exp = settled(lambda prepare: np.exp(prepare(big)), comparator, narrow_inputs=True)
    assert np.isposinf(exp[0]) and exp[1] == np.float32(0.367879)


def jittered(evaluate):
    """`evaluate` with every float in its result moved by up to 4 units in the last place, as
    another BLAS, thread count or summation order moves it."""
    rng = np.random.default_rng(12)

    def shake(value):
        if isinstance(value, (tuple, list)):
            return type(value)(shake(v) for v in value)
        if isinstance(value, dict):
            return {k: shake(v) for k, v in value.items()}
        if isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f":
            array = np.array(value)
            steps = rng.integers(-4, 5, size=array.shape)
            direction = np.where(steps < 0, -np.inf, np.inf).astype(array.dtype)
            for _ in range(4):
                move = np.abs(steps) > 0
                array = np.where(move, np.nextafter(array, direction), array)
                steps = steps - np.sign(steps)
            return array if isinstance(value, np.ndarray) else array[()]
        if type(value) is float:
            return float(np.nextafter(value, np.inf))
        return value

    def noisy(compute, prepare):
        return shake(evaluate(compute, prepare))
    return noisy


def test_last_bit_noise_changes_no_byte_of_any_checks_file(course, monkeypatch):
    """Every module's public checks, recorded again with each computed value moved by a few
    units in the last place (float32 and float64 alike), render to the same bytes."""
    comparator = Comparator(course.tolerances)
    with course.importable():
        modules = [m for m in course.modules if (course.root / "graders" / "public" / f"{m}.py").is_file()]
        clean = {m: render_checks(record_checks(m, comparator)) for m in modules}
        monkeypatch.setattr(public_checks, "evaluate", jittered(public_checks.evaluate))
        noisy = {m: render_checks(record_checks(m, comparator)) for m in modules}
    assert len(modules) >= 9
    assert [m for m in modules if noisy[m] != clean[m]] == []
    assert all((course.root / "exercises" / "checks" / f"{m}.json").read_text() == clean[m]
               for m in modules)


def test_a_build_on_another_blas_kernel_and_cpu_gives_the_same_bytes(course):
    """OpenBLAS's kernels for an older CPU, one thread, and NumPy without its AVX2 loops: the
    reference's values move in their last bits (they did before values were settled, in 8 of 9
    modules), the checks files do not."""
    env = {**os.environ, "OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "NPY_DISABLE_CPU_FEATURES": "X86_V3 AVX2 FMA3 AVX512F"}
    probe = subprocess.run([sys.executable, "-c", "import numpy"], env=env, capture_output=True, text=True)
    if probe.returncode != 0:  # a NumPy that does not know these feature names
        env.pop("NPY_DISABLE_CPU_FEATURES")
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "build", "--check", "--course",
                           str(course.root)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
