"""Where one dlx training epoch of the MNIST CNN goes, per operation, and how far it is from the roofline.

The network of configs/mnist_cnn.yaml, 2,000 random 1x28x28 images, batch 64, Adam: the suite's
``mnist_cnn`` workload (``python -m benchmarks``). One epoch is run under cProfile and each
function's own time (NumPy's products and ufuncs count in the Python function that calls them) is
put into a part: im2col, the convolution products, the layout changes around them, col2im, pooling,
ReLU, the dense layers, the loss, Adam, the work arrays (allocation) and the tape. The shares are of
the profiled epoch (cProfile slows the Python-heavy parts a little); the unprofiled epoch time is
printed beside it.

The roofline part: the epoch's counted work (6 x multiply-adds per sample x samples, as the suite
counts it) over its time, the convolutions' three products alone over their time, and a float32
1024^3 matrix product (the machine's peak) with the same thread count.

    python benchmarks/profile_cnn.py [--threads 1] [--repeats 3]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARTS = [  # (part, file name ends with, function names or None for every function of the file)
    ("im2col (columns, padding)", "ops/conv.py", {"_columns", "copy", "_padded_images"}),
    ("col2im", "ops/conv.py", {"col2im", "add"}),
    ("conv products, forward", "ops/conv.py", {"conv2d_forward"}),
    ("conv products, backward (dW, dcols, db)", "ops/conv.py", {"conv2d_backward"}),
    ("conv layout changes", "ops/conv.py", {"from_columns_order", "to_columns_order", "transpose_2d", "block"}),
    ("max pooling", "ops/pool.py", None),
    ("ReLU", "ops/activation.py", None),
    ("dense layers", "ops/linalg.py", None),
    ("loss", "ops/losses.py", None),
    ("Adam", "optim/", None),
    ("work arrays (allocation)", "buffers.py", None),
    ("tape (backward walk, graph)", "tensor.py", None),
    ("threads (parallel_for)", "parallel.py", None),
]


def part_of(filename: str, function: str) -> str:
    for part, file, functions in PARTS:
        if filename.replace(os.sep, "/").endswith(file) or (file.endswith("/") and f"/{file}" in filename):
            if functions is None or function in functions:
                return part
    if "dlx" in filename:
        return "other dlx (layers, dropout, flatten, ...)"
    return "other (Python, NumPy's own Python)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="unprofiled epochs timed (the fastest counts)")
    args = parser.parse_args()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import numpy as np

    from benchmarks.roofline import best_of, epoch_flops, matmul_gflops
    from benchmarks.suite import WORKLOADS, DlxSide, conv_figures, set_threads

    set_threads(args.threads, None)
    workload = WORKLOADS["mnist_cnn"]
    x, y = workload.data()
    side = DlxSide(workload)
    rng = np.random.default_rng(0)
    side.epoch(x, y, rng)  # warm: the work arrays exist, the imports are done
    epoch = min(best_of(lambda: side.epoch(x, y, rng), 1) for _ in range(args.repeats))
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(side.epoch, x, y, rng)
    profiled = time.perf_counter() - start
    parts: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        parts[part_of(filename, function)] += own
    total = sum(parts.values())
    print(f"MNIST CNN, one epoch of 2,000 images, {args.threads} thread(s): {epoch * 1000:.0f} ms "
          f"(profiled: {profiled * 1000:.0f} ms)")
    print(f"{'part':<44}{'ms':>8}{'share':>8}")
    for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{part:<44}{seconds / total * profiled * 1000:>8.1f}{seconds / total:>8.1%}")
    flops = epoch_flops(side.model, (1, 28, 28), len(x))
    peak = matmul_gflops(1024, 1024, 1024)
    print(f"\nroofline: the epoch {flops / 1e9:.2f} GFLOP counted -> {flops / epoch / 1e9:.1f} GFLOP/s; "
          f"float32 1024^3 matrix product (peak) {peak:.1f} GFLOP/s; the epoch at {flops / epoch / 1e9 / peak:.0%} "
          f"of the peak")
    for row in conv_figures(args.repeats):
        print("  " + ", ".join(f"{key} {value:.3g}" if isinstance(value, float) else f"{key} {value}"
                               for key, value in row.items()))


if __name__ == "__main__":
    main()
