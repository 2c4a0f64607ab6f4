"""Time one training epoch of an LSTM with a dense head in dlx and in PyTorch (CPU), in the same run.

Network (both): LSTM 16 -> 128 over T = 50 steps, the last state -> dense 10, softmax
cross-entropy, Adam (lr 1e-3), batch 64; data: ``--n`` (default 1024, so 16 steps per epoch)
random float32 sequences with random labels (only the time matters). dlx runs its fused
``lstm_sequence`` (one node per layer call, BPTT by hand); torch runs ``nn.LSTM``.

Both start from the same weights (torch's gates (i, f, g, o) mapped to dlx's (i, f, o, g)); the
script first checks that one step on the same batch gives the same loss in both, so both do the
same work. Then each repeat times one dlx epoch and one torch epoch, alternately, and the script
prints the medians and dlx / torch (target <= 1.5). PyTorch gets as many threads as NumPy's BLAS;
``--threads 1`` limits both (steadier timings on a busy machine).

Usage::

    python benchmarks/bench_lstm.py                # BLAS's own thread count
    python benchmarks/bench_lstm.py --threads 1
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import blas_info, timed  # noqa: E402

from dlx.nn import LSTM, Dense, Sequential  # noqa: E402
from dlx.ops import cross_entropy  # noqa: E402
from dlx.optim import Adam  # noqa: E402
from dlx.tensor import Tensor  # noqa: E402

FEATURES, UNITS, STEPS, CLASSES, BATCH, LR, TARGET = 16, 128, 50, 10, 64, 1e-3, 1.5
TORCH_GATES = [0, 1, 3, 2]  # dlx block k comes from torch block TORCH_GATES[k]


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, STEPS, FEATURES)).astype(np.float32), rng.integers(0, CLASSES, n)


def dlx_setup(seed: int = 0):
    model = Sequential([LSTM(UNITS), Dense(CLASSES)])
    model.build((STEPS, FEATURES), np.random.default_rng(seed))
    return model, Adam(model.parameters(), lr=LR)


def dlx_step(model, optimiser, x, y) -> float:
    loss = cross_entropy(model(Tensor(x)), y)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def torch_setup(dlx_model, threads: int):
    """nn.LSTM + nn.Linear holding dlx's initial weights."""
    import torch
    torch.set_num_threads(threads)
    lstm, head = torch.nn.LSTM(FEATURES, UNITS, batch_first=True), torch.nn.Linear(UNITS, CLASSES)
    layer, dense = dlx_model.layers

    def to_torch(w):  # dlx (in, 4H) blocks (i, f, o, g) -> torch (4H, in) blocks (i, f, g, o)
        blocks = np.split(w, 4, axis=-1)
        return torch.from_numpy(np.concatenate([blocks[TORCH_GATES.index(k)] for k in range(4)], axis=-1).T.copy())

    with torch.no_grad():
        lstm.weight_ih_l0.copy_(to_torch(layer.w_x.data))
        lstm.weight_hh_l0.copy_(to_torch(layer.w_h.data))
        lstm.bias_ih_l0.copy_(to_torch(layer.b.data[None])[:, 0])
        lstm.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(dense.weight.data.T.copy()))
        head.bias.copy_(torch.from_numpy(dense.b.data))
    model = torch.nn.ModuleDict({"lstm": lstm, "head": head})
    return torch, model, torch.optim.Adam(model.parameters(), lr=LR)


def torch_step(torch, model, optimiser, x, y) -> float:
    states, _ = model["lstm"](torch.from_numpy(x))
    loss = torch.nn.functional.cross_entropy(model["head"](states[:, -1]), torch.from_numpy(y))
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def epoch(step, x, y, rng) -> None:
    order = rng.permutation(len(x))
    for start in range(0, len(x), BATCH):
        idx = order[start:start + BATCH]
        step(x[idx], y[idx])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024, help="sequences per epoch")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="BLAS and torch threads (default: BLAS's own)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")
    threads = blas_info()[1]
    x, y = make_data(args.n)
    model, optimiser = dlx_setup()
    try:
        torch, tmodel, topt = torch_setup(model, threads)
    except ImportError:
        print("torch is not installed: no comparison")
        return 0
    first_dlx = dlx_step(model, optimiser, x[:BATCH], y[:BATCH])
    first_torch = torch_step(torch, tmodel, topt, x[:BATCH], y[:BATCH])
    print(f"check: first step on the same batch from the same weights, loss dlx {first_dlx:.6f}, "
          f"torch {first_torch:.6f}")
    if abs(first_dlx - first_torch) > 1e-4 * abs(first_torch):
        print("dlx and torch disagree: the timing would compare unequal work", file=sys.stderr)
        return 1
    dlx_fn = lambda a, b: dlx_step(model, optimiser, a, b)  # noqa: E731
    torch_fn = lambda a, b: torch_step(torch, tmodel, topt, a, b)  # noqa: E731
    rng = np.random.default_rng(1)
    epoch(dlx_fn, x, y, rng), epoch(torch_fn, x, y, rng)  # warm-up
    dlx_times, torch_times = [], []
    for r in range(args.repeats):
        pair = [(dlx_times, dlx_fn), (torch_times, torch_fn)]
        for times, fn in pair if r % 2 == 0 else pair[::-1]:
            times.append(timed(lambda: epoch(fn, x, y, rng)))
    print(f"LSTM {FEATURES}->{UNITS}, T={STEPS}, dense {CLASSES}, batch {BATCH}, {args.n} sequences per epoch, "
          f"{args.repeats} repeats; threads: NumPy BLAS {threads}, torch {torch.get_num_threads()} "
          f"(torch {torch.__version__})")
    d, t = statistics.median(dlx_times), statistics.median(torch_times)
    print(f"dlx   median epoch {d * 1e3:8.1f} ms (min {min(dlx_times) * 1e3:.1f})")
    print(f"torch median epoch {t * 1e3:8.1f} ms (min {min(torch_times) * 1e3:.1f})")
    print(f"ratio dlx / torch: {d / t:.2f} (target <= {TARGET}: {'met' if d / t <= TARGET else 'NOT met'}); "
          f"of the fastest epochs {min(dlx_times) / min(torch_times):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
