"""Time one training step of an MLP: dlx against the same step written directly in NumPy.

Step: a 784-256-128-10 ReLU MLP on a batch of 64 random float32 images with integer
labels; softmax cross-entropy; Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8, bias-corrected).

(a) dlx: ``Dense``/``ReLU`` in a ``Sequential``, ``dlx.ops.cross_entropy``, ``dlx.optim.Adam``;
    forward, zero_grad, backward on the tape, step.
(b) NumPy by hand: the same forward, the backward written out, Adam written out; buffers
    allocated once and filled with ``out=``, float32 throughout. The reference for the ratio.
(c) PyTorch (CPU), the same step, for context, if torch is importable.

First the three start from the same weights and batch; the script checks that (a) and
(b) give the same losses and updated weights for a few steps (float32 tolerance), so both
do the same work. Then it times them alternately in one process (``--rounds`` rounds of
``--steps`` steps each, the order rotated every round) and prints the median time per
step of each, and dlx / numpy (target <= 1.3). Above the target it profiles dlx (cProfile)
and prints where the time goes. Every library uses the same number of BLAS threads.

Usage::

    python benchmarks/bench_mlp.py                  # 7 rounds x 50 steps
    python benchmarks/bench_mlp.py --threads 1      # single-threaded BLAS and torch
"""
from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import blas_info  # noqa: E402
from dlx.nn import Dense, ReLU, Sequential  # noqa: E402
from dlx.ops import cross_entropy  # noqa: E402
from dlx.optim import Adam  # noqa: E402
from dlx.tensor import Tensor  # noqa: E402

SIZES, BATCH, LR, TARGET = (784, 256, 128, 10), 64, 1e-3, 1.3
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def make_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, SIZES[0]), dtype=np.float32), rng.integers(0, SIZES[-1], BATCH)


# ---- (a) dlx --------------------------------------------------------------------------------------
class DlxStep:
    """One dlx training step; parameters W1, b1, W2, b2, W3, b3 (W of shape (in, out))."""

    def __init__(self, weights: list[np.ndarray]):
        self.model = Sequential([Dense(SIZES[1]), ReLU(), Dense(SIZES[2]), ReLU(), Dense(SIZES[3])])
        self.model.build((SIZES[0],), np.random.default_rng(0))
        for param, value in zip(self.model.parameters(), weights):
            param.data = value.copy()
        self.optimiser = Adam(self.model.parameters(), lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS)

    def __call__(self, X: np.ndarray, y: np.ndarray) -> float:
        loss = cross_entropy(self.model(Tensor(X)), y)
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step()
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        return [p.data for p in self.model.parameters()]


# ---- (b) NumPy by hand ------------------------------------------------------------------------------
class NumpyStep:
    """The same step without autograd: hand-written backward and Adam, buffers reused across steps."""

    def __init__(self, weights: list[np.ndarray]):
        self.params = [w.copy() for w in weights]                  # W1, b1, W2, b2, W3, b3
        self.grads = [np.empty_like(w) for w in self.params]
        self.m = [np.zeros_like(w) for w in self.params]
        self.v = [np.zeros_like(w) for w in self.params]
        self.work = [np.empty_like(w) for w in self.params]
        self.t = 0
        n, (_, h1, h2, k) = BATCH, SIZES
        self.a1, self.a2 = np.empty((n, h1), np.float32), np.empty((n, h2), np.float32)
        self.z, self.d2, self.d1 = np.empty((n, k), np.float32), np.empty((n, h2), np.float32), \
            np.empty((n, h1), np.float32)
        self.rows = np.arange(n)

    def __call__(self, X: np.ndarray, y: np.ndarray) -> float:
        loss = self.forward_backward(X, y)
        self.adam()
        return loss

    def forward_backward(self, X: np.ndarray, y: np.ndarray) -> float:
        W1, b1, W2, b2, W3, b3 = self.params
        gW1, gb1, gW2, gb2, gW3, gb3 = self.grads
        a1, a2, z, d2, d1, n = self.a1, self.a2, self.z, self.d2, self.d1, len(X)
        np.matmul(X, W1, out=a1); a1 += b1; np.maximum(a1, 0, out=a1)     # (N, 256)
        np.matmul(a1, W2, out=a2); a2 += b2; np.maximum(a2, 0, out=a2)    # (N, 128)
        np.matmul(a2, W3, out=z); z += b3                                  # (N, 10) logits
        z -= z.max(axis=1, keepdims=True)                                  # log-sum-exp shift
        log_sums = np.log(np.exp(z).sum(axis=1))                           # (N,)
        loss = float(log_sums.sum() - z[self.rows, y].sum()) / n
        # d loss / d logits = (softmax - onehot) / N, written into z
        z -= log_sums[:, None]; np.exp(z, out=z); z[self.rows, y] -= 1.0; z *= 1.0 / n
        np.matmul(a2.T, z, out=gW3); z.sum(axis=0, out=gb3)
        np.matmul(z, W3.T, out=d2); np.multiply(d2, a2 > 0, out=d2)       # through ReLU 2
        np.matmul(a1.T, d2, out=gW2); d2.sum(axis=0, out=gb2)
        np.matmul(d2, W2.T, out=d1); np.multiply(d1, a1 > 0, out=d1)      # through ReLU 1
        np.matmul(X.T, d1, out=gW1); d1.sum(axis=0, out=gb1)
        return loss

    def adam(self) -> None:
        """theta -= lr * m_hat / (sqrt(v_hat) + eps), in place (Kingma & Ba, Algorithm 1)."""
        self.t += 1
        step_size = LR / (1.0 - BETA1 ** self.t)
        root_c2 = 1.0 / math.sqrt(1.0 - BETA2 ** self.t)
        for p, g, m, v, w in zip(self.params, self.grads, self.m, self.v, self.work):
            m *= BETA1; np.multiply(g, 1.0 - BETA1, out=w); m += w         # first moment
            v *= BETA2; np.multiply(g, g, out=w); w *= 1.0 - BETA2; v += w  # second moment
            np.sqrt(v, out=w); w *= root_c2; w += EPS                        # sqrt(v_hat) + eps
            np.divide(m, w, out=w); w *= step_size; p -= w

    def weights(self) -> list[np.ndarray]:
        return self.params


# ---- (c) PyTorch ------------------------------------------------------------------------------------
class TorchStep:
    """The same step in PyTorch (nn.Linear keeps W as (out, in): copied transposed)."""

    def __init__(self, weights: list[np.ndarray], threads: int):
        import torch
        torch.set_num_threads(threads)
        self.torch = torch
        self.model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
                                         torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.ReLU(),
                                         torch.nn.Linear(SIZES[2], SIZES[3]))
        with torch.no_grad():
            for param, value in zip(self.model.parameters(), weights):
                param.copy_(torch.from_numpy(value.T.copy() if value.ndim == 2 else value))
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def __call__(self, X: np.ndarray, y: np.ndarray) -> float:
        loss = self.torch.nn.functional.cross_entropy(self.model(self.torch.from_numpy(X)),
                                                      self.torch.from_numpy(y))
        self.optimiser.zero_grad()
        loss.backward()
        self.optimiser.step()
        return loss.item()

    def weights(self) -> list[np.ndarray]:
        return [p.detach().numpy().T if p.ndim == 2 else p.detach().numpy() for p in self.model.parameters()]


# ---- checks, timing, profile --------------------------------------------------------------------------
def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """dlx's own initialisation (Glorot uniform weights, zero biases), float32."""
    model = Sequential([Dense(SIZES[1]), ReLU(), Dense(SIZES[2]), ReLU(), Dense(SIZES[3])])
    model.build((SIZES[0],), np.random.default_rng(seed))
    return [p.data.copy() for p in model.parameters()]


def compare(reference, other, X, y, steps: int = 3) -> tuple[float, float]:
    """Largest relative loss difference and largest weight difference over ``steps`` steps."""
    loss_gap = weight_gap = 0.0
    for _ in range(steps):
        a, b = reference(X, y), other(X, y)
        loss_gap = max(loss_gap, abs(a - b) / abs(a))
        weight_gap = max(weight_gap, max(float(np.abs(p - q).max())
                                         for p, q in zip(reference.weights(), other.weights())))
    return loss_gap, weight_gap


def time_alternately(steps: dict, X, y, rounds: int, per_round: int) -> dict[str, list[float]]:
    """Seconds per step of each implementation, one entry per round; the order rotates each round."""
    names, times = list(steps), {name: [] for name in steps}
    for fn in steps.values():        # warm-up: caches, allocator, lazy imports
        for _ in range(5):
            fn(X, y)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn = steps[name]
            start = time.perf_counter()
            for _ in range(per_round):
                fn(X, y)
            times[name].append((time.perf_counter() - start) / per_round)
    return times


def profile(fn, X, y, steps: int = 200, top: int = 18) -> str:
    """cProfile of ``steps`` calls, the ``top`` functions by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        fn(X, y)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


REFERENCE = "numpy (by hand)"


def implementations(weights: list[np.ndarray], threads: int) -> dict:
    """Constructors of the steps to time, each starting from ``weights``; torch only if importable."""
    factories = {REFERENCE: lambda: NumpyStep(weights), "dlx": lambda: DlxStep(weights),
                 "torch": lambda: TorchStep(weights, threads)}
    try:
        import torch  # noqa: F401
    except ImportError:
        del factories["torch"]
    return factories


def print_setup(blas: str, threads: int, has_torch: bool) -> None:
    print(f"MLP {'-'.join(map(str, SIZES))} ReLU, batch {BATCH}, float32, softmax cross-entropy, Adam lr {LR:g}")
    print(f"threads: NumPy BLAS ({blas}) {threads}, torch " + (f"{threads}" if has_torch else "not installed"))
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load + threads > cores + 0.5:
        print(f"warning: load average {load:.1f} on {cores} cores; other processes compete with the "
              f"{threads} BLAS thread(s), so the times are noisy (a quiet machine gives trustworthy ones; "
              f"--threads 1 suffers least)")


def check_equal_work(factories: dict, X, y) -> bool:
    """Each implementation against the reference for 3 steps; False if dlx disagrees."""
    for name in [n for n in factories if n != REFERENCE]:
        loss_gap, weight_gap = compare(factories[REFERENCE](), factories[name](), X, y)
        print(f"check {name} vs numpy, 3 steps from the same weights: loss rel. diff {loss_gap:.1e}, "
              f"weights max |diff| {weight_gap:.1e}")
        if name == "dlx" and (loss_gap > 1e-5 or weight_gap > 1e-5):
            print("dlx and the NumPy reference disagree beyond float32 tolerance: the timing would compare "
                  "unequal work; fix the disagreement first", file=sys.stderr)
            return False
    return True


def print_table(times: dict[str, list[float]]) -> float:
    """The table of medians (ms per step) and ratios; returns dlx / numpy of the medians."""
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians[REFERENCE]
    print(f"{'implementation':<16} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'/ numpy':>8}")
    for name, t in times.items():
        print(f"{name:<16} {medians[name] * 1e3:>10.3f} {min(t) * 1e3:>8.3f} {max(t) * 1e3:>8.3f} "
              f"{medians[name] / base:>8.2f}")
    ratio = medians["dlx"] / base
    paired = statistics.median(a / b for a, b in zip(times["dlx"], times[REFERENCE]))
    print(f"\ndlx / numpy = {ratio:.2f} (target <= {TARGET}): {'met' if ratio <= TARGET else 'NOT met'}")
    print(f"  steadier on a busy machine: median of the per-round ratios {paired:.2f}, "
          f"ratio of the fastest rounds {min(times['dlx']) / min(times[REFERENCE]):.2f}")
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=50, help="steps per round")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and torch threads (default: BLAS's own)")
    parser.add_argument("--profile", action="store_true", help="profile dlx even if within the target")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")
    blas, threads = blas_info()
    weights, (X, y) = initial_weights(), make_batch()
    factories = implementations(weights, threads)
    print_setup(blas, threads, "torch" in factories)
    if not check_equal_work(factories, X, y):
        return 1
    steps = {name: make() for name, make in factories.items()}
    times = time_alternately(steps, X, y, args.rounds, args.steps)
    print(f"\n{args.rounds} rounds x {args.steps} steps, alternating")
    ratio = print_table(times)
    if args.profile or ratio > TARGET:
        print("\nwhere dlx spends its time (cProfile, 200 steps, by own time):")
        print(profile(steps["dlx"], X, y))
    return 0


if __name__ == "__main__":
    sys.exit(main())
