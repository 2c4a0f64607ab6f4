"""Time one training epoch of a LeNet-style CNN in dlx and in PyTorch (CPU), in the same run.

Data: random single-channel images with random labels of 10 classes, the size of
scikit-learn's digits (N=1437 training images of 1x8x8, the default) or, with
``--size 28``, MNIST-sized 1x28x28 images (N=1437 as well unless ``--n`` says otherwise).
Only the time matters, so the data need not be real.

Network (both frameworks; ``--widths 32,64,128`` gives that of configs/digits_cnn.yaml):
    conv2d 16 3x3 pad 1 -> relu -> maxpool 2 -> conv2d 32 3x3 pad 1 -> relu -> maxpool 2
    -> flatten -> dense 64 -> relu -> dense 10, cross-entropy, batch 32,
    Adam (lr 1e-3) from ``dlx.optim`` if it exists, else plain SGD written here; ``--optimiser sgd``
    forces plain SGD on both sides.

PyTorch gets as many threads as NumPy's BLAS uses (threadpoolctl if installed, else the
OPENBLAS/OMP environment variables, else 1 per core); ``--threads 1`` limits both (steadier
timings on a busy machine). Each repeat times one dlx epoch and
one torch epoch; the script prints the medians and the ratio dlx / torch.

Usage::

    python benchmarks/bench_cnn.py                 # 8x8 digits-like
    python benchmarks/bench_cnn.py --size 28       # 28x28 MNIST-like
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dlx  # noqa: E402
from dlx.nn import Dense, ReLU, Sequential  # noqa: E402
from dlx.nn.conv import Conv2D  # noqa: E402
from dlx.nn.pooling import MaxPool2D  # noqa: E402
from dlx.nn.shape import Flatten  # noqa: E402
from dlx.ops.loss import cross_entropy  # noqa: E402


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
        counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def make_data(n: int, size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 1, size, size)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return x, y


# ---- dlx ---------------------------------------------------------------------------------------
def dlx_model(size: int, seed: int, widths=(16, 32, 64)) -> Sequential:
    c1, c2, hidden = widths
    model = Sequential([Conv2D(c1, 3, padding=1), ReLU(), MaxPool2D(2),
                        Conv2D(c2, 3, padding=1), ReLU(), MaxPool2D(2),
                        Flatten(), Dense(hidden), ReLU(), Dense(10)])
    model.build((1, size, size), np.random.default_rng(seed))
    return model


def dlx_step_function(model: Sequential, optimiser: str, lr: float):
    params = model.parameters()
    if optimiser == "adam":
        try:
            from dlx.optim import Adam
            adam = Adam(params, lr=lr)
            return adam.step, "dlx.optim.Adam"
        except ImportError:
            pass

    def sgd_step():  # p <- p - lr * dL/dp
        for p in params:
            if p.grad is not None:
                p.data -= lr * p.grad

    return sgd_step, "hand-written SGD"


def dlx_epoch(model, step, x, y, batch, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch):
        idx = order[start:start + batch]
        model.zero_grad()
        loss = cross_entropy(model(dlx.Tensor(x[idx])), y[idx])
        loss.backward()
        step()
    return float(loss.data)


# ---- torch -------------------------------------------------------------------------------------
def torch_setup(size: int, optimiser: str, lr: float, threads: int, seed: int, widths=(16, 32, 64)):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    feature = size // 4
    c1, c2, hidden = widths
    model = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(c2 * feature * feature, hidden), nn.ReLU(),
                          nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=lr) if optimiser == "adam" \
        else torch.optim.SGD(model.parameters(), lr=lr)
    return torch, model, opt


def torch_epoch(torch, model, opt, x, y, batch, rng):
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.functional.cross_entropy
    order = torch.from_numpy(rng.permutation(len(x)))
    for start in range(0, len(x), batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        loss = loss_fn(model(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return float(loss.item())


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=8, choices=(8, 28), help="image side: 8 (digits) or 28 (MNIST)")
    parser.add_argument("--n", type=int, default=1437, help="training images per epoch")
    parser.add_argument("--widths", default="16,32,64",
                        help="filters of the two convolutions and hidden units, e.g. 32,64,128 "
                             "(the network of configs/digits_cnn.yaml)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--optimiser", choices=("adam", "sgd"), default="adam")
    parser.add_argument("--lr", type=float, default=None, help="default 1e-3 (adam) or 0.05 (sgd)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit NumPy's BLAS (needs threadpoolctl) and torch to this many threads")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads, user_api="blas")
    lr = args.lr or (1e-3 if args.optimiser == "adam" else 0.05)
    threads = blas_threads()
    x, y = make_data(args.n, args.size)

    widths = tuple(int(w) for w in args.widths.split(","))
    if len(widths) != 3 or min(widths) < 1:
        parser.error("--widths takes three positive integers, e.g. 32,64,128")
    model = dlx_model(args.size, seed=0, widths=widths)
    step, step_name = dlx_step_function(model, args.optimiser, lr)
    have_torch = True
    try:
        torch, tmodel, topt = torch_setup(args.size, args.optimiser, lr, threads, seed=0, widths=widths)
    except ImportError:
        have_torch = False

    rng = np.random.default_rng(1)
    dlx_epoch(model, step, x, y, args.batch, rng)  # warm-up
    if have_torch:
        torch_epoch(torch, tmodel, topt, x, y, args.batch, rng)
    dlx_times, torch_times = [], []
    for _ in range(args.repeats):
        dlx_times.append(timed(lambda: dlx_epoch(model, step, x, y, args.batch, rng)))
        if have_torch:
            torch_times.append(timed(lambda: torch_epoch(torch, tmodel, topt, x, y, args.batch, rng)))

    print(f"images {args.n} x (1, {args.size}, {args.size}), widths {widths}, batch {args.batch}, "
          f"{args.repeats} repeats")
    print(f"threads: NumPy BLAS {threads}" + (f", torch {torch.get_num_threads()} "
                                              f"(torch {torch.__version__})" if have_torch else ""))
    dlx_median = statistics.median(dlx_times)
    print(f"dlx   ({step_name}): median epoch {dlx_median * 1e3:8.1f} ms")
    if have_torch:
        torch_median = statistics.median(torch_times)
        print(f"torch ({type(topt).__name__}): median epoch {torch_median * 1e3:8.1f} ms")
        print(f"ratio dlx / torch: {dlx_median / torch_median:.2f}")
    else:
        print("torch is not installed: no comparison")


if __name__ == "__main__":
    main()
