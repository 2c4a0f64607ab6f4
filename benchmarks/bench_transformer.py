"""Time one training step of a 2-layer Transformer encoder in dlx and in PyTorch (CPU), in alternating pairs.

Network (both): two post-norm encoder layers, d_model 128, 4 heads, feed-forward 512, relu,
dropout 0, over T = 64 steps of batch 32, then a dense layer to 10 classes at every step;
softmax cross-entropy over all steps, Adam (lr 1e-3). Data: random float32 sequences with
random labels per step (only the time matters). Both start from the same weights (dlx's copied
into ``nn.TransformerEncoderLayer``), and the script first checks that one step gives the same
loss in both. Then each repeat times one dlx step and one PyTorch step, the order alternating,
and the script prints the median of the per-pair ratios dlx / torch, their spread (quartiles),
and the medians of the steps (issue 19's target: <= 1.5 with one thread).

Usage::

    python benchmarks/bench_transformer.py --threads 1 [--repeats 20]
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.suite import blas_info, timed  # noqa: E402

from dlx.nn import Sequential, TimeDense  # noqa: E402
from dlx.nn.transformer import TransformerEncoderLayer  # noqa: E402
from dlx.ops import masked_cross_entropy  # noqa: E402
from dlx.optim import Adam  # noqa: E402
from dlx.tensor import Tensor  # noqa: E402

D, HEADS, HIDDEN, STEPS, BATCH, CLASSES, LAYERS, LR, TARGET = 128, 4, 512, 64, 32, 10, 2, 1e-3, 1.5


def dlx_setup(seed: int = 0):
    model = Sequential([TransformerEncoderLayer(num_heads=HEADS, hidden=HIDDEN) for _ in range(LAYERS)]
                       + [TimeDense(CLASSES)])
    model.build((STEPS, D), np.random.default_rng(seed))
    return model, Adam(model.parameters(), lr=LR)


def dlx_step(model, optimiser, x, y, mask) -> float:
    loss = masked_cross_entropy(model(Tensor(x)), y, mask)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def _copy_layer(torch, theirs, ours) -> None:
    attention, ff = ours.self_attention, ours.feed_forward
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a.data))  # noqa: E731
    theirs.self_attn.in_proj_weight.copy_(torch.cat([t(attention.w_q).T, t(attention.w_k).T, t(attention.w_v).T]))
    theirs.self_attn.in_proj_bias.copy_(torch.cat([t(attention.b_q), torch.zeros(D), t(attention.b_v)]))
    theirs.self_attn.out_proj.weight.copy_(t(attention.w_o).T)
    theirs.self_attn.out_proj.bias.copy_(t(attention.b_o))
    for linear, w, b in ((theirs.linear1, ff.w1, ff.b1), (theirs.linear2, ff.w2, ff.b2)):
        linear.weight.copy_(t(w).T), linear.bias.copy_(t(b))
    for norm, mine in ((theirs.norm1, ours.norm1), (theirs.norm2, ours.norm2)):
        norm.weight.copy_(t(mine.gamma)), norm.bias.copy_(t(mine.beta))


def torch_setup(dlx_model, threads: int):
    """The same network in PyTorch, holding dlx's initial weights."""
    import torch
    torch.set_num_threads(threads)
    layers = [torch.nn.TransformerEncoderLayer(D, HEADS, HIDDEN, dropout=0.0, batch_first=True)
              for _ in range(LAYERS)]
    head = torch.nn.Linear(D, CLASSES)
    with torch.no_grad():
        for theirs, ours in zip(layers, dlx_model.layers):
            _copy_layer(torch, theirs, ours)
        head.weight.copy_(torch.from_numpy(dlx_model.layers[-1].weight.data.T.copy()))
        head.bias.copy_(torch.from_numpy(dlx_model.layers[-1].b.data))
    model = torch.nn.Sequential(*layers, head)
    return torch, model, torch.optim.Adam(model.parameters(), lr=LR)


def torch_step(torch, model, optimiser, x, y) -> float:
    logits = model(torch.from_numpy(x))
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), torch.from_numpy(y).reshape(-1))
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="pairs of steps timed")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and torch threads (default: BLAS's own)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")
    threads = blas_info()[1]
    if importlib.util.find_spec("torch") is None:
        print("torch is not installed: no comparison")
        return 0
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, D)).astype(np.float32)
    y, mask = rng.integers(0, CLASSES, (BATCH, STEPS)), np.ones((BATCH, STEPS), dtype=bool)
    model, optimiser = dlx_setup()
    torch, tmodel, topt = torch_setup(model, threads)
    first_dlx, first_torch = dlx_step(model, optimiser, x, y, mask), torch_step(torch, tmodel, topt, x, y)
    print(f"check: first step from the same weights, loss dlx {first_dlx:.6f}, torch {first_torch:.6f}")
    if abs(first_dlx - first_torch) > 1e-4 * abs(first_torch):
        print("dlx and torch disagree: the timing would compare unequal work", file=sys.stderr)
        return 1
    steps = {"dlx": lambda: dlx_step(model, optimiser, x, y, mask), "torch": lambda: torch_step(torch, tmodel, topt, x, y)}
    times = {"dlx": [], "torch": []}
    for r in range(args.repeats):
        for name in ("dlx", "torch") if r % 2 == 0 else ("torch", "dlx"):
            times[name].append(timed(steps[name]))
    print(report(times, args.repeats, threads, torch))
    return 0


def report(times: dict, repeats: int, threads: int, torch) -> str:
    """The medians of the steps and the median and spread of the per-pair ratios dlx / torch."""
    ratios = sorted(d / t for d, t in zip(times["dlx"], times["torch"]))
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    lines = [f"Transformer encoder x{LAYERS}: d_model {D}, {HEADS} heads, feed-forward {HIDDEN}, T={STEPS}, "
             f"batch {BATCH}; {repeats} pairs; threads: NumPy BLAS {threads}, torch {torch.get_num_threads()} "
             f"(torch {torch.__version__})"]
    lines += [f"{name:5} median step {statistics.median(times[name]) * 1e3:8.1f} ms (min {min(times[name]) * 1e3:.1f})"
              for name in ("dlx", "torch")]
    lines.append(f"ratio dlx / torch per pair: median {median:.2f}, quartiles {q1:.2f}-{q3:.2f}, range "
                 f"{ratios[0]:.2f}-{ratios[-1]:.2f} (target <= {TARGET}: {'met' if median <= TARGET else 'NOT met'})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
