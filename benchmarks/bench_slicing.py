"""Time stepping through a sequence with ``x[:, t]``: the sparse slice gradient against the old dense one.

Step function (an Elman-style recurrence, batch 64, 32 input features, 32 hidden units)::

    h = 0
    for t in range(T):
        h = tanh(x[:, t] @ W + h @ U)
    loss = sum(h * h)

(a) dlx now: ``x[:, t]`` is ``dlx.ops.getitem``, whose backward returns an ``IndexedGrad``;
    the engine adds the T slice gradients into one buffer of x's shape: O(T) work.
(b) the old getitem, reproduced here as the reference: its backward returns a full zero
    array of x's shape with the slice filled in, and the engine sums T such arrays:
    O(T^2) work and T full allocations.

Both give the same gradients (checked first). Forward + backward is timed for
T = 50, 100, 200 (``--lengths``), alternately in one process, after one warm-up run,
as the CPU time of this process (``time.process_time``) with one BLAS thread, so that
other work on a shared machine adds little; the table shows the best of ``--rounds``;
the table shows the time per time step and the growth of the total time against
T / T_0 (linear growth: ratio = T / T_0; quadratic: (T / T_0)^2 for large T).

Usage::

    python benchmarks/bench_slicing.py
    python benchmarks/bench_slicing.py --lengths 50,100,200,400 --rounds 9
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlx import ops  # noqa: E402
from dlx.tensor import Tensor, from_op  # noqa: E402

BATCH, FEATURES, HIDDEN = 64, 32, 32


def dense_getitem(a: Tensor, index) -> Tensor:
    """The getitem of before: a full zero array per slice in the backward."""
    def backward(g):
        full = np.zeros_like(a.data, dtype=g.dtype)
        full[index] = g
        return (full,)

    return from_op(a.data[index], (a,), backward, "getitem")


def forward_backward(x0, w0, u0, slicer) -> tuple[np.ndarray, ...]:
    x, w, u = (Tensor(a, requires_grad=True) for a in (x0, w0, u0))
    h = None
    for t in range(x0.shape[1]):
        step = slicer(x, (slice(None), t)) @ w
        h = ops.tanh(step if h is None else step + h @ u)
    (h * h).sum().backward()
    return x.grad, w.grad, u.grad


def inputs(length: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, length, FEATURES), dtype=np.float32)
    w = (rng.standard_normal((FEATURES, HIDDEN)) / np.sqrt(FEATURES)).astype(np.float32)
    u = (rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)).astype(np.float32)
    return x, w, u


def check_same_gradients(length: int) -> None:
    new = forward_backward(*inputs(length), ops.getitem)
    old = forward_backward(*inputs(length), dense_getitem)
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(new, old))
    print(f"T={length}: largest gradient difference new vs old = {worst:.2e}")
    if worst > 1e-5:
        sys.exit("the two getitem backwards disagree; the timing would compare unequal work")


def time_once(args, slicer) -> float:
    start = time.process_time()
    forward_backward(*args, slicer)
    return time.process_time() - start


def best_times(lengths: list[int], rounds: int) -> dict[str, dict[int, float]]:
    """The least CPU time of ``rounds`` runs per engine and length, the engines alternating."""
    times = {"new": {}, "old": {}}
    slicers = {"new": ops.getitem, "old": dense_getitem}
    for length in lengths:
        args = inputs(length)
        for key, slicer in slicers.items():  # warm-up
            forward_backward(*args, slicer)
        runs = {"new": [], "old": []}
        for _ in range(rounds):
            for key, slicer in slicers.items():
                runs[key].append(time_once(args, slicer))
        for key in runs:
            times[key][length] = min(runs[key])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", default="50,100,200", help="comma-separated sequence lengths T")
    parser.add_argument("--rounds", type=int, default=7, help="timed repetitions per length and engine")
    options = parser.parse_args()
    lengths = [int(n) for n in options.lengths.split(",")]
    check_same_gradients(min(lengths))
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):
        times = best_times(lengths, options.rounds)
    first = lengths[0]
    print(f"\nforward + backward, batch {BATCH}, {FEATURES} features, {HIDDEN} hidden; CPU time, 1 thread, best of {options.rounds}")
    print(f"{'T':>5} {'T/T0':>6} | {'new ms':>8} {'us/step':>8} {'growth':>7} | "
          f"{'old ms':>8} {'us/step':>8} {'growth':>7} | {'old/new':>7}")
    for length in lengths:
        new, old = times["new"][length], times["old"][length]
        print(f"{length:>5} {length / first:>6.1f} | {new * 1e3:>8.1f} {new / length * 1e6:>8.1f} "
              f"{new / times['new'][first]:>7.2f} | {old * 1e3:>8.1f} {old / length * 1e6:>8.1f} "
              f"{old / times['old'][first]:>7.2f} | {old / new:>7.2f}")


if __name__ == "__main__":
    main()
