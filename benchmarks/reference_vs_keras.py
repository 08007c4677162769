"""Time the reference oracle against Keras on CPU, NumPy's own matrix product and scikit-learn.

Run by hand (not by CI), from the repository root:

    .venv/bin/python benchmarks/reference_vs_keras.py [--dtype float32|float64|both]
                                                     [--threads N] [--repeat 7]
                                                     [--openblas-coretype NAME | --auto-coretype]
                                                     [--both-coretypes]

For each kernel it prints the best time of the reference, of the Keras layer called eagerly and of
the same call compiled with tf.function, and the ratios reference / Keras (target: <= 1.5).
"fwd+bwd" rows time a forward pass followed by the backward pass (for Keras, a GradientTape over
the layer call and tape.gradient with the same upstream gradient), since Keras has no separate
backward call. For conv2d forward it also prints the achieved GFLOP/s against NumPy's matmul of
the very same GEMM on a ready-made contiguous im2col matrix (target: >= 50%). The last line times
one training epoch of reference.mlp.MLPClassifier on scikit-learn's load_digits against
scikit-learn's MLPClassifier.partial_fit (same hidden layer, batch size and Adam settings).

The NumPy side (reference, matmul, scikit-learn) is timed first, before TensorFlow is imported,
because TensorFlow's thread pools keep spinning after each op and steal the cores OpenBLAS needs;
the Keras side is timed afterwards in the same run, with the same inputs and weights, and every
Keras result is checked against the reference's before it is timed. `--threads N` caps OpenBLAS
and TensorFlow's intra-op pool alike (default: each library's own default, all cores). On a
shared machine, run it when the machine is idle: best-of-N timing removes short interruptions,
not a steady competing load.

OpenBLAS kernel. NumPy's wheels bundle an OpenBLAS built with DYNAMIC_ARCH, which picks its
kernels (its "core type") from the CPU when it is loaded, unless the environment variable
OPENBLAS_CORETYPE names one; on an AVX-512 CPU, the Haswell (AVX2) kernels run sgemm at about
half the speed of the SkylakeX ones. The variable only counts if it is set before NumPy is
imported, so these options re-execute the script with it set: `--openblas-coretype NAME` (for
example SkylakeX), `--auto-coretype` (SkylakeX, only when /proc/cpuinfo lists avx512f and the
kernel in use is Haswell), and `--both-coretypes` (the whole run twice, in two child processes:
the kernel the environment gives, then NAME or SkylakeX). The header names the kernel in use,
where OPENBLAS_CORETYPE came from (inherited, or which option set it), and the kernel OpenBLAS
picks by itself with the variable unset. The variable is set for this benchmark's processes
only; nothing else in the repository sets it. SciPy's OpenBLAS (loaded with scikit-learn, for
the MLP line) reads the same variable. TensorFlow does not use OpenBLAS.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from reference import conv, lstm  # noqa: E402

N_BATCH = 32
CONV_CASES = [((N_BATCH, 64, 64, 3), 32), ((N_BATCH, 32, 32, 32), 64)]
POOL_SHAPE = (N_BATCH, 62, 62, 32)  # the lecture CNN's first pooling input
LSTM_SIZE = (N_BATCH, 50, 16, 50)   # N, T, D, H
AUTO_CORETYPE = "SkylakeX"          # what --auto-coretype and --both-coretypes ask for


# ------------------------------------------------------------------------------------------
# OpenBLAS's kernel (core type)
# ------------------------------------------------------------------------------------------


def openblas_architectures() -> list[str]:
    """The core type of each OpenBLAS loaded in this process, as threadpoolctl reports it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [str(i.get("architecture")) for i in threadpool_info() if i.get("internal_api") == "openblas"]


def cpu_has_avx512f() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


_ORIGIN = "NNLAB_BENCH_CORETYPE_FROM"  # set on re-execution: which option chose the core type


def own_choice() -> str:
    """The core type OpenBLAS picks by itself here: NumPy loaded in a child with the variable unset."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = ("import numpy, threadpoolctl; print(','.join(str(i.get('architecture')) for i in "
            "threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas'))")
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def kernel_line() -> str:
    """Which OpenBLAS kernel is active and why, for the header."""
    archs = ", ".join(openblas_architectures()) or "unknown (threadpoolctl missing or no OpenBLAS)"
    chosen = os.environ.get("OPENBLAS_CORETYPE")
    if not chosen:
        why = "OPENBLAS_CORETYPE unset: OpenBLAS's own choice"
    elif os.environ.get(_ORIGIN):
        why = f"OPENBLAS_CORETYPE={chosen}, set by {os.environ[_ORIGIN]}"
    else:
        why = f"OPENBLAS_CORETYPE={chosen}, inherited from the environment that started the benchmark"
    others = ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                       if k.startswith("OPENBLAS_") and k != "OPENBLAS_CORETYPE")
    return (f"OpenBLAS kernel: {archs} ({why}); its own choice here: {own_choice()}; "
            f"CPU avx512f: {'yes' if cpu_has_avx512f() else 'no'}" + (f"; also {others}" if others else ""))


def reexec(argv: list[str], coretype: str, origin: str) -> None:
    """Run this script again, in place of this process, with OPENBLAS_CORETYPE=coretype."""
    env = dict(os.environ, OPENBLAS_CORETYPE=coretype)
    env[_ORIGIN] = origin
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv], env)


def run_both(argv: list[str], coretype: str) -> int:
    """The whole benchmark twice, in child processes: the environment's kernel as it is, then `coretype`."""
    status = 0
    inherited = os.environ.get("OPENBLAS_CORETYPE")
    for chosen in (None, coretype):
        env = dict(os.environ)
        env.pop(_ORIGIN, None)
        if chosen:
            env.update({"OPENBLAS_CORETYPE": chosen, _ORIGIN: "--both-coretypes"})
            title = f"OPENBLAS_CORETYPE={chosen} (--both-coretypes)"
        else:
            title = (f"OPENBLAS_CORETYPE={inherited} (as inherited)" if inherited
                     else "OPENBLAS_CORETYPE unset (as inherited)")
        print(f"=== {title} ===", flush=True)
        status |= subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv], env=env).returncode
        print(flush=True)
    return status


def best_time(fn, repeat: int, budget: float = 0.05) -> float:
    """Best seconds per call over `repeat` rounds, each long enough (about `budget` s) to time."""
    fn()  # warm up: allocations, tf.function tracing
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    number = max(1, int(budget / max(once, 1e-6)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


# ------------------------------------------------------------------------------------------
# the NumPy side
# ------------------------------------------------------------------------------------------


def numpy_side(dtype: str, repeat: int) -> tuple[list, list, dict]:
    """Reference timings (label -> seconds), GEMM figures, and the cases for the Keras side."""
    rows, gemms, cases = [], [], {}
    rng = np.random.default_rng(0)

    for shape, filters in CONV_CASES:
        n, h, w, c = shape
        x = rng.normal(size=shape).astype(dtype)
        kernel = (rng.normal(size=(3, 3, c, filters)) / np.sqrt(9 * c)).astype(dtype)
        bias = rng.normal(size=filters).astype(dtype)
        out, cache = conv.conv2d_forward(x, kernel, bias)
        dout = rng.normal(size=out.shape).astype(dtype)
        label = f"conv2d {h}x{w}x{c}->{filters} 3x3, N={n}"
        t_fwd = best_time(lambda: conv.conv2d_forward(x, kernel, bias), repeat)

        def fwd_bwd(x=x, kernel=kernel, bias=bias, dout=dout):
            return conv.conv2d_backward(dout, conv.conv2d_forward(x, kernel, bias)[1])

        t_both = best_time(fwd_bwd, repeat)
        cases[label] = ("conv", x, kernel, bias, dout, out, conv.conv2d_backward(dout, cache))
        rows += [(label + " fwd", t_fwd), (label + " fwd+bwd", t_both)]

        # the same GEMM on a ready-made contiguous im2col matrix
        m, k = n * (h - 2) * (w - 2), 9 * c
        cols = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(1, 2))
                                    .transpose(0, 1, 2, 4, 5, 3)).reshape(m, k)
        kmat = kernel.reshape(k, filters)
        t_mm = best_time(lambda: cols @ kmat, repeat)
        flops = 2.0 * m * k * filters
        gemms.append((label, flops / t_fwd / 1e9, flops / t_mm / 1e9))

    # normal inputs (no tied maxima) and a ReLU output (many all-zero windows: tied maxima)
    for relu in (False, True):
        x = rng.normal(size=POOL_SHAPE).astype(dtype)
        if relu:
            np.maximum(x, 0, out=x)
        out, cache = conv.maxpool2d_forward(x, 2)
        dout = rng.normal(size=out.shape).astype(dtype)
        n, h, w, c = POOL_SHAPE
        label = f"maxpool2d 2x2 {h}x{w}x{c}{' ReLU' if relu else ''}, N={n}"
        rows.append((label + " fwd", best_time(lambda x=x: conv.maxpool2d_forward(x, 2), repeat)))
        rows.append((label + " fwd+bwd", best_time(
            lambda x=x, dout=dout: conv.maxpool2d_backward(dout, conv.maxpool2d_forward(x, 2)[1]), repeat)))
        cases[label] = ("pool", x, dout, out, conv.maxpool2d_backward(dout, cache))

    n, t, d, h = LSTM_SIZE
    x = rng.normal(size=(n, t, d)).astype(dtype)
    kernel = (rng.normal(size=(d, 4 * h)) / np.sqrt(d)).astype(dtype)
    recurrent = (rng.normal(size=(h, 4 * h)) / np.sqrt(h)).astype(dtype)
    bias = rng.normal(scale=0.1, size=4 * h).astype(dtype)
    h_seq, h_last, c_last, cache = lstm.lstm_forward(x, None, None, kernel, recurrent, bias)
    dout = rng.normal(size=h_seq.shape).astype(dtype)
    label = f"LSTM N={n} T={t} D={d} H={h}"
    rows.append((label + " fwd", best_time(lambda: lstm.lstm_forward(x, None, None, kernel, recurrent, bias), repeat)))
    rows.append((label + " fwd+bwd", best_time(
        lambda: lstm.lstm_backward(dout, lstm.lstm_forward(x, None, None, kernel, recurrent, bias)[3]), repeat)))
    grads = lstm.lstm_backward(dout, cache)
    cases[label] = ("lstm", x, kernel, recurrent, bias, dout, (h_seq, h_last, c_last),
                    (grads[0], *grads[3:]))
    return rows, gemms, cases


def mlp_side(repeat: int):
    """(reference seconds, scikit-learn seconds) for one epoch on load_digits, or why not."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.neural_network import MLPClassifier as SkMLP
    except ImportError as exc:
        return f"skipped: scikit-learn is not installed ({exc})"
    try:
        from reference.mlp import MLPClassifier
    except Exception as exc:  # noqa: BLE001 (another module of the oracle; report, do not crash)
        return f"skipped: reference.mlp does not import ({type(exc).__name__}: {exc})"
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    classes = np.unique(y)

    def ours():
        MLPClassifier(hidden_layer_sizes=(100,), learning_rate_init=0.001, max_iter=1, batch_size=32,
                      random_state=0).fit(X, y)

    def theirs():
        SkMLP(hidden_layer_sizes=(100,), learning_rate_init=0.001, batch_size=32, alpha=0.0,
              random_state=0).partial_fit(X, y, classes=classes)

    return best_time(ours, repeat, 0.2), best_time(theirs, repeat, 0.2)


# ------------------------------------------------------------------------------------------
# the Keras side
# ------------------------------------------------------------------------------------------


def keras_side(dtype: str, cases: dict, repeat: int) -> dict:
    """label -> (eager seconds, tf.function seconds), after checking Keras against the reference."""
    import keras
    import tensorflow as tf

    def check(ours, theirs, what):
        tol = 1e-4 if dtype == "float32" else 1e-9
        for a, b in zip(ours, theirs):
            b = np.asarray(b)
            err = float(np.max(np.abs(np.asarray(a, np.float64) - b))) / max(1.0, float(np.max(np.abs(b))))
            if err > tol:
                raise SystemExit(f"{what} ({dtype}): the reference and Keras disagree (relative error {err:.3g})")

    def fwd_bwd(layer):
        def step(x, g):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
                if isinstance(y, (list, tuple)):
                    y = y[0]
            return tape.gradient(y, [x, *layer.trainable_weights], output_gradients=g)
        return step, tf.function(step)

    times = {}
    for label, case in cases.items():
        kind = case[0]
        if kind == "conv":
            _, x, kernel, bias, dout, out, grads = case
            layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], dtype=dtype)
            layer.build((None, *x.shape[1:]))
            layer.set_weights([kernel, bias])
            outs = [out]
        elif kind == "pool":
            _, x, dout, out, dx = case
            layer = keras.layers.MaxPooling2D(2, dtype=dtype)
            outs, grads = [out], [dx]
        else:
            _, x, kernel, recurrent, bias, dout, outs, grads = case
            layer = keras.layers.LSTM(recurrent.shape[0], return_sequences=True, return_state=True, dtype=dtype)
            layer.build((None, *x.shape[1:]))
            layer.set_weights([kernel, recurrent, bias])
        xt, dt = tf.constant(x), tf.constant(dout)
        step, step_compiled = fwd_bwd(layer)
        forward_compiled = tf.function(lambda a: layer(a))
        result = layer(xt)
        check(outs, result if isinstance(result, (list, tuple)) else [result], label + " forward")
        check(grads, step(xt, dt), label + " backward")
        times[label + " fwd"] = (best_time(lambda: layer(xt), repeat), best_time(lambda: forward_compiled(xt), repeat))
        times[label + " fwd+bwd"] = (best_time(lambda: step(xt, dt), repeat),
                                     best_time(lambda: step_compiled(xt, dt), repeat))
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--threads", type=int, default=None, help="threads for OpenBLAS and TensorFlow")
    parser.add_argument("--repeat", type=int, default=7)
    kernel = parser.add_mutually_exclusive_group()
    kernel.add_argument("--openblas-coretype", metavar="NAME", default=None,
                        help="re-run with OPENBLAS_CORETYPE=NAME (e.g. SkylakeX, Haswell)")
    kernel.add_argument("--auto-coretype", action="store_true",
                        help=f"re-run with OPENBLAS_CORETYPE={AUTO_CORETYPE} when the CPU has AVX-512 "
                             "but OpenBLAS chose Haswell")
    parser.add_argument("--both-coretypes", action="store_true",
                        help="run everything twice: the kernel the environment gives, then NAME "
                             f"(default {AUTO_CORETYPE})")
    args = parser.parse_args(argv)
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]

    # the kernel options act before anything is timed; the child processes get the other options
    passed = ["--dtype", args.dtype, "--repeat", str(args.repeat)]
    if args.threads:
        passed += ["--threads", str(args.threads)]
    if args.both_coretypes:
        return run_both(passed, args.openblas_coretype or AUTO_CORETYPE)
    if args.openblas_coretype and os.environ.get("OPENBLAS_CORETYPE") != args.openblas_coretype:
        reexec(passed, args.openblas_coretype, "--openblas-coretype")
    if (args.auto_coretype and os.environ.get("OPENBLAS_CORETYPE") != AUTO_CORETYPE  # no loop
            and cpu_has_avx512f() and "Haswell" in openblas_architectures()):
        reexec(passed, AUTO_CORETYPE, "--auto-coretype")

    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        threadpool_info = threadpool_limits = None
    if args.threads and threadpool_limits is not None:
        threadpool_limits(args.threads)
    blas = ", ".join(f"{i.get('internal_api')} {i.get('num_threads')} threads"
                     for i in threadpool_info()) if threadpool_info else "unknown"
    try:
        load = "load average %.2f" % os.getloadavg()[0]
    except OSError:
        load = "load unknown"
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, {load}; NumPy {np.__version__} ({blas})")
    print(kernel_line())

    numpy_rows, gemms, cases = {}, {}, {}
    for dtype in dtypes:
        numpy_rows[dtype], gemms[dtype], cases[dtype] = numpy_side(dtype, args.repeat)
    mlp = mlp_side(args.repeat)

    import tensorflow as tf  # only now: see the module docstring
    import keras
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, intra-op threads "
          f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}")
    keras_times = {dtype: keras_side(dtype, cases[dtype], args.repeat) for dtype in dtypes}

    print()
    header = (f"{'kernel':<42} {'dtype':<8} {'ref ms':>8} {'eager ms':>9} {'tf.fn ms':>9} "
              f"{'ref/eager':>10} {'ref/tf.fn':>10}")
    print(header)
    print("-" * len(header))
    for dtype in dtypes:
        for label, t_ref in numpy_rows[dtype]:
            t_eager, t_fn = keras_times[dtype][label]
            flag = "" if t_ref <= 1.5 * min(t_eager, t_fn) else "  > 1.5x"
            print(f"{label:<42} {dtype:<8} {t_ref * 1e3:8.2f} {t_eager * 1e3:9.2f} {t_fn * 1e3:9.2f} "
                  f"{t_ref / t_eager:10.2f} {t_ref / t_fn:10.2f}{flag}")

    print()
    header = (f"{'conv2d forward vs matmul of its GEMM':<42} {'dtype':<8} {'conv GF/s':>10} "
              f"{'matmul GF/s':>12} {'fraction':>9}")
    print(header)
    print("-" * len(header))
    for dtype in dtypes:
        for label, g_conv, g_mm in gemms[dtype]:
            flag = "" if g_conv >= 0.5 * g_mm else "  < 50%"
            print(f"{label:<42} {dtype:<8} {g_conv:10.1f} {g_mm:12.1f} {g_conv / g_mm:9.0%}{flag}")

    print()
    if isinstance(mlp, str):
        print(f"MLP epoch on load_digits: {mlp}")
    else:
        t_ours, t_sk = mlp
        print(f"MLP epoch on load_digits (64-100-10, batch 32, Adam, float64): reference {t_ours * 1e3:.1f} ms, "
              f"scikit-learn partial_fit {t_sk * 1e3:.1f} ms, ratio {t_ours / t_sk:.2f}")
    if threadpool_info is not None:  # scikit-learn brings SciPy's own OpenBLAS, which reads the same variable
        print("BLAS libraries loaded: " + "; ".join(
            f"{Path(i.get('filepath', '?')).name} ({i.get('internal_api')}, {i.get('architecture', '-')})"
            for i in threadpool_info()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
