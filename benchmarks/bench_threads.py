"""Where a second BLAS thread starts to pay, and what dlx's thread policy costs a real run.

Two measurements (``dlx/threads.py`` reads the first, the README reports the second)::

    python -m benchmarks.bench_threads products [--repeats 15]
    python -m benchmarks.bench_threads train [--config configs/digits_mlp.yaml] [--pairs 3] [--busy]

``products``: float32 matrix products m x k by k x n, from 1e4 to 1e9 multiply-adds, among
them the products of the shipped workloads (the digits MLP at batch 32, an LSTM step, the
MNIST CNN's im2col products at batch 64); each is timed (best of ``--repeats``) with one BLAS
thread and with every core, interleaved, and the table gives the ratios one / all of the
best and of the median times. Above 1: the other threads pay. On a busy machine the medians
show what the best times hide: a BLAS thread that waits for a descheduled partner costs a
scheduler slice (milliseconds) on a product of microseconds.

``train``: ``dlx train CONFIG`` in fresh processes, the default setting against one thread
(``DLX_NUM_THREADS=1``) and every core (``DLX_NUM_THREADS=<cores>``), interleaved in pairs in
the same run, so each ratio compares runs that saw the same machine. ``--busy`` starts a
process that keeps one core busy (``while True: pass``) for the whole measurement.
Wall times include starting Python and writing the run folder, as a user sees them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import numpy as np

# (name, m, k, n): the workloads' own products and a ladder of square-ish ones
PRODUCTS = [("digits MLP 32x64 @ 64x256", 32, 64, 256), ("MLP 64x784 @ 784x256", 64, 784, 256),
            ("LSTM step 64x128 @ 128x512", 64, 128, 512), ("conv1 im2col 50176x25 @ 25x16", 50176, 25, 16),
            ("conv2 im2col 12544x400 @ 400x32", 12544, 400, 32)] + \
           [(f"square {s}^3", s, s, s) for s in (32, 64, 128, 192, 256, 384, 512, 1024)]


def times_of(fn, repeats: int) -> list[float]:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def products(repeats: int) -> None:
    """Print one thread against every core for each product, smallest first: best and median times."""
    from threadpoolctl import threadpool_limits

    from dlx.threads import cores
    rng = np.random.default_rng(0)
    every = cores()
    print(f"float32 products, {repeats} x 3 interleaved rounds; {every} cores; load {os.getloadavg()[0]:.2f}")
    print(f"| product | multiply-adds | 1 thread best / median ms | {every} threads best / median ms | "
          f"1 / {every} best | 1 / {every} median |")
    print("|---|---|---|---|---|---|")
    for name, m, k, n in sorted(PRODUCTS, key=lambda p: p[1] * p[2] * p[3]):
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        timings = {1: [], every: []}
        for _ in range(3):  # interleaved rounds: both counts see the same machine
            for threads in timings:
                with threadpool_limits(threads, user_api="blas"):
                    timings[threads] += times_of(lambda: np.matmul(a, b, out=out), repeats)
        (b1, m1), (bn, mn) = [(min(t) * 1e3, statistics.median(t) * 1e3) for t in timings.values()]
        print(f"| {name} | {m * k * n:.3g} | {b1:.4f} / {m1:.4f} | {bn:.4f} / {mn:.4f} | {b1 / bn:.2f} | "
              f"{m1 / mn:.2f} |", flush=True)


@contextmanager
def busy_core(enabled: bool):
    """A process that keeps one core busy while the block runs."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if enabled else None
    try:
        yield
    finally:
        if process is not None:
            process.kill()
            process.wait()


def train_once(config: str, results: str, threads: str | None) -> float:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DLX_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if threads is not None:
        env["DLX_NUM_THREADS"] = threads
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dlx.cli.app", "train", config, "--set", f"output.results_dir={results}"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def train(config: str, pairs: int, busy: bool, all_cores: bool = True) -> None:
    """Print the wall times of the default, one thread and every core, and the ratios per round."""
    from dlx.threads import cores
    settings = {"default": None, "1 thread": "1"} | ({f"{cores()} threads": str(cores())} if all_cores else {})
    times = {name: [] for name in settings}
    with tempfile.TemporaryDirectory() as results, busy_core(busy):
        for round_ in range(pairs):
            order = list(settings) if round_ % 2 == 0 else list(reversed(settings))
            for name in order:
                times[name].append(train_once(config, results, settings[name]))
            print(f"round {round_ + 1}: " + ", ".join(f"{name} {times[name][-1]:.2f} s" for name in settings),
                  flush=True)
    print(f"dlx train {config}, {pairs} rounds, {'one core kept busy' if busy else 'no extra load'}, "
          f"{cores()} cores, load {os.getloadavg()[0]:.2f}")
    default = times["default"]
    for name in list(settings)[1:]:
        ratios = [d / t for d, t in zip(default, times[name])]
        print(f"default / {name}: per round {', '.join(f'{r:.2f}' for r in ratios)}; median "
              f"{statistics.median(ratios):.2f} (median wall {statistics.median(default):.2f} s against "
              f"{statistics.median(times[name]):.2f} s)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_threads", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("products", "train"))
    parser.add_argument("--repeats", type=int, default=15, help="products: timings per size and round")
    parser.add_argument("--config", default="configs/digits_mlp.yaml", help="train: the config to train")
    parser.add_argument("--pairs", type=int, default=3, help="train: interleaved rounds")
    parser.add_argument("--busy", action="store_true", help="train: keep one core busy meanwhile")
    parser.add_argument("--no-all-cores", action="store_true", help="train: compare with one thread only")
    args = parser.parse_args(argv)
    if args.what == "products":
        products(args.repeats)
    else:
        train(args.config, args.pairs, args.busy, not args.no_all_cores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
