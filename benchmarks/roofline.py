"""The work of a training epoch in floating-point operations, and the machine's matrix-product peak.

An epoch's work is counted from the model's multiply-adds per sample (``dlx.models.trace``:
the products with weights; activations, pooling and the optimiser are left out) as

    FLOPs = 2 (a multiply and an add) x 3 (forward, gradient of the input, gradient of the
            weights) x multiply-adds per sample x samples

so achieved GFLOP/s = FLOPs / epoch time, on either side. The peak is a float32 1024^3 matrix
product in NumPy's BLAS with the same thread count: the fastest this machine multiplies, so
"share of peak" says how far a workload is from the physical limit, not only from PyTorch.
"""
from __future__ import annotations

import numpy as np

from benchmarks.pairs import timed
from dlx.models.trace import trace_model


def forward_multiply_adds(model, input_shape) -> int:
    """Multiply-adds per sample of the built model's forward pass."""
    return sum(node.multiply_adds for node in trace_model(model, tuple(input_shape)))


def epoch_flops(model, input_shape, samples: int) -> float:
    return 2.0 * 3.0 * forward_multiply_adds(model, input_shape) * samples


def best_of(fn, repeats: int) -> float:
    """The fastest of ``repeats`` timed calls after one untimed call."""
    fn()
    return min(timed(fn) for _ in range(repeats))


def matmul_gflops(m: int, k: int, n: int, repeats: int = 7) -> float:
    """Best GFLOP/s of a float32 (m, k) @ (k, n) product (the BLAS threads as currently limited);
    1024^3 is the peak of the roofline."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    out = np.empty((m, n), np.float32)
    return 2 * m * k * n / best_of(lambda: np.matmul(a, b, out=out), repeats) / 1e9
