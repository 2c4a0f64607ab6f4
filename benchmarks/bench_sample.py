"""``dlx sample`` of a character language model: the cost of N characters beyond the command's start-up.

Trains a small character LSTM (the network of configs/char_lm.yaml, one epoch on 20,000
characters) in a temporary folder, then times whole ``dlx sample`` processes, alternating a
1-character and an N-character command in pairs. Per pair it reports the extra time of the
N characters over the 1-character command, as a share of that command's own time (the
start-up: imports, loading the run); the median share and its spread across pairs. A
second, in-process table times one character carried (one step of the network, the state
kept) against one character by rereading the 64-character window, which ``dlx sample``
did before.

    python benchmarks/bench_sample.py [--length 3000] [--pairs 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's dlx, as in the timed processes


def dlx(*args, cwd) -> float:
    """Wall seconds of ``python -m dlx.cli.app ARGS`` in a fresh process (it must succeed)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dlx.cli.app", *map(str, args)], cwd=cwd, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def train_char_model(folder: Path) -> Path:
    dlx("train", ROOT / "configs" / "char_lm.yaml", "--set", "training.epochs=1", "--set",
        "dataset.options.limit=20000", "--results", folder / "results", cwd=folder)
    (summary,) = (folder / "results").glob("*/*/summary.json")
    return summary.parent


def per_character(run: Path, repeats: int = 200) -> tuple[float, float]:
    """Seconds per character, carried and by rereading the window (in process, after the seed text)."""
    from dlx.inference.loaded import load_run
    from dlx.inference.text import StatefulReader
    from dlx.tasks import predict_outputs
    network = load_run(run).network
    network.eval()
    tokens = np.zeros((1, 64), dtype=np.int64)
    reader = StatefulReader(network)
    reader.read(tokens)
    start = time.perf_counter()
    for _ in range(repeats):
        reader.read(tokens[:, :1])
    carried = (time.perf_counter() - start) / repeats
    start = time.perf_counter()
    for _ in range(repeats // 10):
        predict_outputs(network, tokens)
    return carried, (time.perf_counter() - start) / (repeats // 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run = train_char_model(folder)
        dlx("sample", run, "--length", "1", cwd=folder)  # warm the file cache
        shares, starts = [], []
        for pair in range(args.pairs):
            order = (1, args.length) if pair % 2 == 0 else (args.length, 1)
            times = {n: dlx("sample", run, "--length", str(n), cwd=folder) for n in order}
            starts.append(times[1])
            shares.append((times[args.length] - times[1]) / times[1])
        carried, reread = per_character(run)
    print(f"dlx sample --length {args.length} against --length 1, {args.pairs} alternating pairs")
    print(f"start-up (--length 1): median {statistics.median(starts):.3f} s")
    print(f"extra time of {args.length} characters / start-up: median {statistics.median(shares):.3f}, "
          f"min {min(shares):.3f}, max {max(shares):.3f} (target <= 0.5)")
    print(f"per character in process: carried {carried * 1e6:.0f} us, rereading 64 characters "
          f"{reread * 1e6:.0f} us ({reread / carried:.1f}x)")


if __name__ == "__main__":
    main()
