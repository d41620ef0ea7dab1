"""Times NumPy's `a @ b` (float32, so OpenBLAS's sgemm) in process: warm-up
runs, then N timed products (time.perf_counter_ns around each). Prints one
JSON line: median_us, min_us, max_us, runs, threads, numpy and OpenBLAS
versions, the BLAS library NumPy loaded. Writes the last product to
OUTPUT_DIR/y.npy when asked.

    OPENBLAS_NUM_THREADS=T /usr/bin/python3 blas_bench.py A.npy B.npy \
        [--warmup W] [--runs N] [--output-dir DIR]

The harness (run.py) starts it with OPENBLAS_NUM_THREADS set and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment, so that
OpenBLAS picks its kernels for this CPU itself.
"""

import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np


def blas_library():
    """The BLAS shared object NumPy's process has mapped (Debian's numpy
    links libblas.so.3, which the alternatives system points at OpenBLAS
    when libopenblas0-pthread is installed)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    for p in sorted(paths):
        if "openblas" in p:
            return p
    for p in sorted(paths):
        if "blas" in os.path.basename(p):
            return p
    return None


def openblas_info(path):
    try:
        lib = ctypes.CDLL(path)  # the already mapped library, not a copy
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return {"config": lib.openblas_get_config().decode(),
                "core": lib.openblas_get_corename().decode(),
                "threads": lib.openblas_get_num_threads()}
    except (OSError, AttributeError):
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--output-dir")
    args = p.parse_args()
    a, b = np.load(args.a), np.load(args.b)
    if a.dtype != np.float32 or b.dtype != np.float32:
        sys.exit("blas_bench: error: expected float32 inputs")
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    y = a @ b  # maps the BLAS library
    lib = blas_library()
    info = openblas_info(lib) if lib and "openblas" in lib else None
    if info is None:
        sys.exit(f"blas_bench: error: NumPy does not use OpenBLAS (BLAS: "
                 f"{lib}); install Debian's libopenblas0-pthread "
                 f"(scripts/install-deps.sh)")
    out = np.empty_like(y)
    for _ in range(args.warmup):
        np.matmul(a, b, out=out)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter_ns()
        np.matmul(a, b, out=out)
        times.append((time.perf_counter_ns() - start) / 1e3)
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
        np.save(os.path.join(args.output_dir, "y.npy"), out)
    print(json.dumps({
        "median_us": median, "min_us": times[0], "max_us": times[-1],
        "runs": n, "times_us": times, "threads": info["threads"],
        "numpy_version": np.__version__, "blas_library": lib,
        "openblas_config": info["config"], "openblas_core": info["core"],
    }))


if __name__ == "__main__":
    main()
