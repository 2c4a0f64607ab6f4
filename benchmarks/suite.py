"""dlx against PyTorch on the same training workloads, timed interleaved in one process.

``python -m benchmarks`` (from the repository root) runs every workload with one thread and
with all cores and writes ``bench.json`` and ``bench.md`` to ``results/bench/<time>/``:

========== =====================================================================================
workload   one training epoch of
========== =====================================================================================
mlp        a 784-256-128-10 ReLU MLP on 2,000 MNIST-sized inputs, batch 64, Adam (lr 1e-3)
mnist_cnn  the network of ``configs/mnist_cnn.yaml`` (built from the file) on 2,000 1x28x28
           images, batch 64, Adam (lr 1e-3)
digits_cnn the network of ``configs/digits_cnn.yaml`` on scikit-learn's 1,797 digits (1x8x8),
           batch 32, Adam (lr 2e-3)
lstm       an LSTM 16 -> 128 over T = 50 steps whose last state feeds a dense layer of 10,
           1,024 sequences, batch 64, Adam (lr 1e-3)
========== =====================================================================================

An epoch is the same loop on both sides: a permutation of the samples, then per batch a
fancy-indexed slice, forward, softmax cross-entropy, zero_grad, backward and the optimiser
step; dropout is on (training mode). PyTorch's network is built from the same layer list
(``torch.nn`` layers; PyTorch is optional and never a dependency of dlx). The images of the
MLP and the MNIST CNN are uniform noise of MNIST's shape and the labels random: the time of
an epoch does not depend on the pixel values (no layer skips zeros), so the benchmark needs
no download.

Timing (``benchmarks/pairs.py``): after two untimed epochs on each side (first calls, caches,
PyTorch's oneDNN primitives), ``--repeats`` pairs each time one dlx epoch and one PyTorch epoch
back to back, the order alternating from pair to pair; the ratio is the median of the per-pair
ratios dlx / PyTorch, with their quartiles and spread (interquartile range / median). A run whose
spread is above ``NOISY`` gets no verdict against the target of issue 14 ("too noisy to judge").
Each workload also shows its achieved GFLOP/s on both sides next to the machine's measured matrix
product peak with the same threads (``benchmarks/roofline.py``): the distance to the physical limit.
Threads: NumPy's BLAS is limited with threadpoolctl, PyTorch with ``torch.set_num_threads``, and
dlx's own parallel loops (``dlx.parallel``) get the same count.

dlx-only figures: the peak of memory allocated during one epoch (``tracemalloc``, which
NumPy reports its arrays to; a separate, untimed epoch), the GFLOP/s of the MNIST CNN's
convolutions forward and backward next to a float32 matrix product of the same size and a
1024 x 1024 one, and the wall time of ``dlx --help`` in a fresh process (target < 0.5 s).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.pairs import NOISY, paired_times, ratio_statistics, timed  # noqa: E402
from benchmarks.roofline import best_of, epoch_flops, matmul_gflops  # noqa: E402
from dlx import buffers, parallel  # noqa: E402
from dlx.models.builder import build_model, layer_spec  # noqa: E402
from dlx.nn import LSTM, Dense, ReLU, Sequential  # noqa: E402
from dlx.ops import cross_entropy  # noqa: E402
from dlx.ops.conv import conv2d_backward, conv2d_forward  # noqa: E402
from dlx.optim import Adam  # noqa: E402
from dlx.tensor import Tensor  # noqa: E402

# dlx / PyTorch epoch time, issue 14: (one thread, all cores)
TARGETS = {"mlp": (1.0, 1.0), "mnist_cnn": (1.3, 1.5), "digits_cnn": (1.0, 1.0), "lstm": (1.2, 1.2)}
HELP_TARGET_S = 0.5


# ---- workloads -----------------------------------------------------------------------------------
@dataclass
class Workload:
    name: str
    description: str
    data: Callable[[], tuple[np.ndarray, np.ndarray]]
    dlx_model: Callable[[np.random.Generator], object]
    torch_model: Callable[[object], object]  # torch module -> nn.Module
    batch: int
    lr: float
    last_step: bool = False  # the model's output is a sequence: the loss takes its last step (torch LSTM)
    extra: dict = field(default_factory=dict)


def config_layers(name: str) -> list:
    return yaml.safe_load((ROOT / "configs" / name).read_text())["model"]["layers"]


def dlx_from_config(name: str, input_shape):
    return lambda rng: build_model({"layers": config_layers(name)}, input_shape, 10, rng)


def torch_from_config(name: str, input_shape):
    """The same layer list in torch.nn (Lazy layers take their input sizes from a first batch)."""
    def build(torch):
        nn, modules = torch.nn, []
        for spec in config_layers(name):
            kind, options = layer_spec(spec)
            if kind == "conv2d":
                modules.append(nn.LazyConv2d(options["filters"], options["kernel_size"],
                                             stride=options.get("stride", 1), padding=options.get("padding", 0)))
            elif kind == "max_pool2d":
                modules.append(nn.MaxPool2d(options.get("pool_size", 2)))
            elif kind == "relu":
                modules.append(nn.ReLU())
            elif kind == "flatten":
                modules.append(nn.Flatten())
            elif kind == "dense":
                units = options["units"]
                modules.append(nn.LazyLinear(10 if units == "outputs" else int(units)))
            elif kind == "dropout":
                modules.append(nn.Dropout(options.get("p", 0.5)))
            else:
                raise ValueError(f"benchmarks: no torch translation of layer '{kind}' in configs/{name}")
        model = nn.Sequential(*modules)
        model(torch.zeros((2, *input_shape)))  # materialise the lazy layers
        return model
    return build


def random_images(n: int, shape: tuple[int, ...], seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, (n, *shape)).astype(np.float32), rng.integers(0, 10, n)


def digits_images():
    from dlx.data.bundled import digits
    data = digits(flatten=False)
    return data.X.astype(np.float32), data.y.astype(np.int64)


def lstm_data(n: int = 1024, steps: int = 50, features: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, steps, features)).astype(np.float32), rng.integers(0, 10, n)


def torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def torch_lstm(torch):
    class LastState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = torch.nn.LSTM(16, 128, batch_first=True), torch.nn.Linear(128, 10)

        def forward(self, x):
            states, _ = self.lstm(x)
            return self.head(states[:, -1])
    return LastState()


def dlx_mlp(rng):
    model = Sequential([Dense(256), ReLU(), Dense(128), ReLU(), Dense(10)])
    model.build((784,), rng)
    return model


def dlx_lstm(rng):
    model = Sequential([LSTM(128), Dense(10)])
    model.build((50, 16), rng)
    return model


WORKLOADS = {
    "mlp": Workload("mlp", "MLP 784-256-128-10, 2,000 x 784, batch 64", lambda: random_images(2000, (784,)),
                    dlx_mlp, torch_mlp, 64, 1e-3),
    "mnist_cnn": Workload("mnist_cnn", "configs/mnist_cnn.yaml, 2,000 x 1x28x28, batch 64",
                          lambda: random_images(2000, (1, 28, 28)), dlx_from_config("mnist_cnn.yaml", (1, 28, 28)),
                          torch_from_config("mnist_cnn.yaml", (1, 28, 28)), 64, 1e-3),
    "digits_cnn": Workload("digits_cnn", "configs/digits_cnn.yaml, 1,797 digits 1x8x8, batch 32", digits_images,
                           dlx_from_config("digits_cnn.yaml", (1, 8, 8)), torch_from_config("digits_cnn.yaml", (1, 8, 8)),
                           32, 2e-3),
    "lstm": Workload("lstm", "LSTM 16->128, T=50, dense 10, 1,024 sequences, batch 64", lstm_data, dlx_lstm,
                     torch_lstm, 64, 1e-3),
}


# ---- one epoch on each side ------------------------------------------------------------------------
class DlxSide:
    def __init__(self, workload: Workload, seed: int = 0):
        self.model = workload.dlx_model(np.random.default_rng(seed))
        self.model.train()
        self.optimiser = Adam(self.model.parameters(), lr=workload.lr)
        self.batch = workload.batch

    def epoch(self, x, y, rng) -> float:
        order = rng.permutation(len(x))
        for start in range(0, len(x), self.batch):
            idx = order[start:start + self.batch]
            loss = cross_entropy(self.model(Tensor(x[idx])), y[idx])
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
        return float(loss.data)


class TorchSide:
    def __init__(self, torch, workload: Workload, seed: int = 0):
        torch.manual_seed(seed)
        self.torch = torch
        self.model = workload.torch_model(torch)
        self.model.train()
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=workload.lr)
        self.batch = workload.batch

    def epoch(self, x, y, rng) -> float:
        torch = self.torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        order = torch.from_numpy(rng.permutation(len(x)))
        for start in range(0, len(x), self.batch):
            idx = order[start:start + self.batch]
            loss = torch.nn.functional.cross_entropy(self.model(xt[idx]), yt[idx])
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
        return float(loss.item())


def peak_memory_mib(side: DlxSide, x, y) -> float:
    """The peak of memory allocated (Python objects and NumPy arrays) during one epoch, MiB; the pool
    of work arrays (``dlx.buffers``) is emptied first, so its arrays count as the epoch makes them."""
    rng = np.random.default_rng(2)
    buffers.clear()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        side.epoch(x, y, rng)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2 ** 20


def set_threads(threads: int, torch) -> object:
    """Limit BLAS, dlx's own loops and PyTorch to ``threads``; returns threadpoolctl's limiter."""
    from threadpoolctl import threadpool_limits
    limiter = threadpool_limits(threads)
    parallel.set_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)
    return limiter


def compare(workload: Workload, threads: int, repeats: int, torch) -> dict:
    """One workload at one thread count: ``repeats`` alternating pairs of epochs (after two warm-up
    epochs each), the median of the per-pair ratios with its spread, and the GFLOP/s of each side."""
    x, y = workload.data()
    ours = DlxSide(workload)
    theirs = TorchSide(torch, workload) if torch is not None else None
    rng = np.random.default_rng(1)
    flops = epoch_flops(ours.model, x.shape[1:], len(x))
    row = {"workload": workload.name, "description": workload.description, "threads": threads,
           "gflop_per_epoch": flops / 1e9}
    if theirs is None:
        ours.epoch(x, y, rng)
        times = [timed(lambda: ours.epoch(x, y, rng)) for _ in range(repeats)]
        return {**row, "dlx_ms": 1e3 * statistics.median(times), "dlx_all_ms": [1e3 * t for t in times],
                "dlx_gflops": flops / statistics.median(times) / 1e9}
    mine, other = paired_times(lambda: ours.epoch(x, y, rng), lambda: theirs.epoch(x, y, rng), repeats)
    stats = ratio_statistics([a / b for a, b in zip(mine, other)])
    row.update(dlx_ms=1e3 * statistics.median(mine), torch_ms=1e3 * statistics.median(other),
               dlx_all_ms=[1e3 * t for t in mine], torch_all_ms=[1e3 * t for t in other],
               ratio=stats["median"], ratio_q1=stats["q1"], ratio_q3=stats["q3"], spread=stats["spread"],
               judged=stats["judged"], dlx_gflops=flops / statistics.median(mine) / 1e9,
               torch_gflops=flops / statistics.median(other) / 1e9)
    return row


# ---- dlx-only figures ------------------------------------------------------------------------------
# the MNIST CNN's convolutions at batch 64: input shape, filters, kernel, padding
CONVOLUTIONS = {"conv1 1->16 5x5 on 28x28": ((64, 1, 28, 28), 16, 5, 2),
                "conv2 16->32 5x5 on 14x14": ((64, 16, 14, 14), 32, 5, 2)}


def conv_figures(repeats: int = 7) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for name, (shape, filters, kernel, pad) in CONVOLUTIONS.items():
        n, c, h, w = shape
        x = rng.standard_normal(shape).astype(np.float32)
        weight = (rng.standard_normal((filters, c, kernel, kernel)) * 0.1).astype(np.float32)
        bias = np.zeros(filters, np.float32)
        geometry = ((1, 1), (pad, pad, pad, pad), (1, 1))
        out, saved = conv2d_forward(x, weight, bias, *geometry)
        g = rng.standard_normal(out.shape).astype(np.float32)
        forward_s = best_of(lambda: conv2d_forward(x, weight, bias, *geometry), repeats)
        backward_s = best_of(lambda: conv2d_backward(g, saved, x.shape, weight, *geometry, (True, True, True)),
                             repeats)
        flops = 2 * n * filters * out.shape[2] * out.shape[3] * c * kernel * kernel  # multiply-adds x 2
        # the same work as one matrix product: (O, C k k) @ (C k k, N Ho Wo)
        same_size = matmul_gflops(filters, c * kernel * kernel, n * out.shape[2] * out.shape[3], repeats)
        rows.append({"convolution": name, "forward_gflops": flops / forward_s / 1e9,
                     "backward_gflops": 2 * flops / backward_s / 1e9, "matmul_same_size_gflops": same_size,
                     "forward_ms": 1e3 * forward_s, "backward_ms": 1e3 * backward_s})
    return rows


def help_seconds(repeats: int = 5) -> float:
    """Best wall time of ``dlx --help`` in a fresh process."""
    command = [shutil.which("dlx")] if shutil.which("dlx") else [sys.executable, "-m", "dlx.cli.app"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([*command, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


# ---- report -------------------------------------------------------------------------------------------
def fmt(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def verdict(row: dict) -> str:
    """yes / no against the target, or why there is no verdict."""
    if row.get("ratio") is None:
        return "-"
    if not row.get("judged", True):
        return "too noisy to judge"
    return "yes" if row["ratio"] <= row["target"] else "no"


def markdown(result: dict) -> str:
    lines = [f"dlx benchmarks, {result['when']}: {result['machine']}; NumPy {result['numpy']} "
             f"({result['blas']}), PyTorch {result['torch'] or 'not installed'}; "
             f"{result['repeats']} alternating pairs of epochs after 2 warm-up epochs each", "",
             "| workload | threads | dlx ms/epoch | PyTorch ms/epoch | dlx / PyTorch (median of pairs) | "
             "quartiles of the pairs | spread | target | met | dlx GFLOP/s | PyTorch GFLOP/s | peak GFLOP/s | "
             "dlx share of peak | dlx peak MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["workloads"]:
        peak = result["matmul_1024_gflops"].get(str(row["threads"]))
        quartile = "-" if "ratio_q1" not in row else f"{row['ratio_q1']:.2f}-{row['ratio_q3']:.2f}"
        share = "-" if not peak else f"{100 * row['dlx_gflops'] / peak:.0f}%"
        lines.append(f"| {row['workload']} | {row['threads']} | {fmt(row['dlx_ms'], 1)} | "
                     f"{fmt(row.get('torch_ms'), 1)} | {fmt(row.get('ratio'))} | {quartile} | "
                     f"{fmt(row.get('spread'))} | {fmt(row.get('target'), 1)} | {verdict(row)} | "
                     f"{fmt(row['dlx_gflops'], 1)} | {fmt(row.get('torch_gflops'), 1)} | {fmt(peak, 1)} | {share} | "
                     f"{fmt(row.get('peak_mib'), 1)} |")
    lines += ["", "GFLOP/s: 6 x multiply-adds per sample x samples / epoch time (forward, input gradient and "
                  "weight gradient of the products with weights; benchmarks/roofline.py); peak: a float32 "
                  "1024^3 matrix product with the same threads. spread: interquartile range of the per-pair "
                  f"ratios / their median; above {NOISY} no verdict is given."]
    lines += ["", "| convolution (batch 64) | threads | forward GFLOP/s | backward GFLOP/s | "
                  "matmul of that size GFLOP/s | matmul 1024^3 GFLOP/s |", "|---|---|---|---|---|---|"]
    for row in result["convolutions"]:
        lines.append(f"| {row['convolution']} | {row['threads']} | {fmt(row['forward_gflops'], 1)} | "
                     f"{fmt(row['backward_gflops'], 1)} | {fmt(row['matmul_same_size_gflops'], 1)} | "
                     f"{fmt(result['matmul_1024_gflops'][str(row['threads'])], 1)} |")
    if result.get("help_s") is not None:
        met = "yes" if result["help_s"] < HELP_TARGET_S else "no"
        lines += ["", f"`dlx --help` in a fresh process: {result['help_s']:.2f} s (best of 5; target < "
                      f"{HELP_TARGET_S} s: {met})"]
    return "\n".join(lines) + "\n"


def blas_info() -> tuple[str, int]:
    """The BLAS library NumPy uses (name and version) and its thread count now (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return f"{info.get('internal_api')} {info.get('version')}", int(info["num_threads"])
    except ImportError:
        pass
    return "BLAS unknown", os.cpu_count() or 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated, from {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--threads", default="1,all", help="thread counts to run, e.g. 1,all or 2 (default 1,all)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="alternating pairs of timed epochs, one per side (default 7)")
    parser.add_argument("--no-torch", action="store_true", help="time dlx alone even if PyTorch is installed")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for bench.json and bench.md (default results/bench/<time>)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}; choose from {', '.join(WORKLOADS)}")
    cores = os.cpu_count() or 1
    try:
        thread_counts = [cores if t.strip() == "all" else int(t) for t in args.threads.split(",")]
    except ValueError:
        parser.error(f"--threads takes numbers or 'all', got {args.threads!r}")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: dlx alone (pip install torch for the comparison)", file=sys.stderr)

    result = {"when": datetime.now().isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {cores} cores, {platform.system()}",
              "python": platform.python_version(), "numpy": np.__version__, "blas": blas_info()[0],
              "torch": getattr(torch, "__version__", None), "repeats": args.repeats,
              "workloads": [], "convolutions": [], "matmul_1024_gflops": {}}
    for threads in thread_counts:
        limiter = set_threads(threads, torch)
        try:
            for name in names:
                row = compare(WORKLOADS[name], threads, args.repeats, torch)
                row["target"] = TARGETS[name][0 if threads == 1 else 1]
                if threads == thread_counts[0]:
                    x, y = WORKLOADS[name].data()
                    row["peak_mib"] = peak_memory_mib(DlxSide(WORKLOADS[name]), x, y)
                result["workloads"].append(row)
                print(f"{name} threads {threads}: dlx {row['dlx_ms']:.1f} ms"
                      + (f", torch {row['torch_ms']:.1f} ms, ratio {row['ratio']:.2f}" if "ratio" in row else ""),
                      file=sys.stderr, flush=True)
            result["matmul_1024_gflops"][str(threads)] = matmul_gflops(1024, 1024, 1024)
            result["convolutions"] += [{**row, "threads": threads} for row in conv_figures()]
        finally:
            limiter.restore_original_limits()
            parallel.set_threads(None)
    result["help_s"] = help_seconds()

    out = args.out or ROOT / "results" / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (out / "bench.md").write_text(table)
    print(table)
    print(f"written: {out / 'bench.json'}, {out / 'bench.md'}", file=sys.stderr)
    return 0
