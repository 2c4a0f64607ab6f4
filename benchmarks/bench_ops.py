"""Single operations, forward + backward, dlx against PyTorch (CPU), best of ``--repeats``.

``python benchmarks/bench_ops.py [--threads 1] [--repeats 30]`` times, at batch 64 and float32:

- conv2d 1->16 5x5 pad 2 on 28x28 and 16->32 5x5 pad 2 on 14x14 (the MNIST CNN's), in each of
  the two column orders of ``dlx.ops.conv`` (``LAYOUT`` forced) and in the order its rule picks;
- batch norm (training) on (64, 32, 14, 14), (64, 16, 28, 28) and (256, 128);
- 2x2 max pooling on (64, 16, 28, 28) and (64, 32, 14, 14).

Each line gives the fastest forward + backward of dlx and of PyTorch (the same numbers, the
same upstream gradient) and their ratio. The op-level figures of issue 14's closing note
come from this script.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import best_of  # noqa: E402
from dlx.ops import conv as conv_module  # noqa: E402
from dlx.ops.conv import conv2d  # noqa: E402
from dlx.ops.norm import batch_norm  # noqa: E402
from dlx.ops.pool import max_pool2d  # noqa: E402
from dlx.tensor import Tensor  # noqa: E402


def dlx_step(op, arrays, upstream):
    def run():
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        op(*tensors).backward(upstream)
    return run


def torch_step(torch, op, arrays, upstream):
    grad = torch.from_numpy(upstream)

    def run():
        tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
        op(*tensors).backward(grad)
    return run


def cases(torch, rng):
    functional = torch.nn.functional if torch else None
    for shape, filters in (((64, 1, 28, 28), 16), ((64, 16, 14, 14), 32)):
        x = rng.standard_normal(shape).astype(np.float32)
        w = (rng.standard_normal((filters, shape[1], 5, 5)) * 0.1).astype(np.float32)
        b = np.zeros(filters, np.float32)
        g = rng.standard_normal((shape[0], filters, shape[2], shape[3])).astype(np.float32)
        for layout in ("channel_major", "batch_last", None):
            name = f"conv2d {shape[1]}->{filters} 5x5 on {shape[2]}x{shape[3]}, {layout or 'rule'}"
            yield (name, lambda layout=layout: setattr(conv_module, "LAYOUT", layout),
                   (lambda x, w, b: conv2d(x, w, b, padding=2)), [x, w, b], g,
                   functional and (lambda x, w, b: functional.conv2d(x, w, b, padding=2)))
    for shape in ((64, 32, 14, 14), (64, 16, 28, 28), (256, 128)):
        x = rng.standard_normal(shape).astype(np.float32)
        gamma, beta = np.ones(shape[1], np.float32), np.zeros(shape[1], np.float32)
        yield (f"batch_norm {shape}", None, (lambda x, gm, bt: batch_norm(x, gm, bt, training=True)),
               [x, gamma, beta], rng.standard_normal(shape).astype(np.float32),
               functional and (lambda x, gm, bt: functional.batch_norm(x, None, None, gm, bt, training=True)))
    for shape in ((64, 16, 28, 28), (64, 32, 14, 14)):
        x = np.maximum(rng.standard_normal(shape), 0).astype(np.float32)  # after a ReLU: ties of zeros
        out_shape = (shape[0], shape[1], shape[2] // 2, shape[3] // 2)
        yield (f"max_pool2d 2x2 {shape}", None, (lambda x: max_pool2d(x, 2)), [x],
               rng.standard_normal(out_shape).astype(np.float32), functional and (lambda x: functional.max_pool2d(x, 2)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS, dlx and torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    from dlx import parallel
    threadpool_limits(args.threads)
    parallel.set_threads(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    print(f"{'operation (forward + backward)':<52} {'dlx ms':>8} {'torch ms':>9} {'ratio':>6}")
    for name, setup, op, arrays, upstream, torch_op in cases(torch, np.random.default_rng(0)):
        if setup:
            setup()
        ours = 1e3 * best_of(dlx_step(op, arrays, upstream), args.repeats)
        theirs = 1e3 * best_of(torch_step(torch, torch_op, arrays, upstream), args.repeats) if torch else None
        ratio = f"{ours / theirs:6.2f}" if theirs else "     -"
        print(f"{name:<52} {ours:8.2f} {theirs if theirs else float('nan'):9.2f} {ratio}")
    conv_module.LAYOUT = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
