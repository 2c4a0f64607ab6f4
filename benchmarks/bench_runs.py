"""``dlx runs`` on a large results folder (a benchmark, not a test).

``python benchmarks/bench_runs.py [--runs 2000] [--repeats 3] [--results DIR]`` writes ``--runs``
generated run folders (summary.json, config.yaml, metrics.jsonl of 20 epochs, as dlx writes
them, over 10 run names with varying optimiser, learning rate, width and seed) and times, each in
a fresh process as a user types it:

- ``dlx runs --reindex``: the index rebuilt from the folders alone (target: under 10 s);
- ``dlx runs``: the table from the index, every folder checked for a change (target: under 1 s);
- ``dlx runs --filter ... --sort -val_accuracy``;
- ``dlx runs`` with no index at all (deleted), which builds it.

Prints the median and best of ``--repeats`` wall times of each, and the median CPU time (user +
system), which a busy shared machine disturbs less than the wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
FILTER = "status=finished and val_accuracy>0.9 and optimiser.name in (adam, sgd)"


def generate(results: Path, count: int, seed: int = 0) -> None:
    """``count`` run folders under ``results`` (10 names; statuses mostly finished)."""
    rng = np.random.default_rng(seed)
    statuses = ["finished"] * 8 + ["early_stopped", "diverged", "interrupted", "failed"]
    for i in range(count):
        name = f"exp-{i % 10}"
        folder = results / name / f"202612{1 + i // 600:02d}-{(i // 60) % 24:02d}{i % 60:02d}00-{i:06x}"
        (folder / "plots").mkdir(parents=True)
        optimiser, lr, units = ["adam", "sgd", "rmsprop"][i % 3], float(10 ** rng.uniform(-4, -1)), [32, 64, 128][i % 3]
        config = {"dataset": {"name": "digits", "validation": 0.2}, "model": {"layers": [{"dense": {"units": units}},
                  "relu", {"dense": {"units": "outputs"}}]}, "loss": "cross_entropy",
                  "optimiser": {"name": optimiser, "lr": lr}, "training": {"epochs": 20, "seed": i % 5},
                  "output": {"run_name": name}}
        (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        rows = [{"epoch": e, "train_loss": float(2 / e), "val_loss": float(2.1 / e),
                 "val_accuracy": float(min(0.99, 0.5 + e * rng.uniform(0.01, 0.03)))} for e in range(1, 21)]
        (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        summary = {"status": statuses[i % len(statuses)], "run_dir": str(folder), "seed": i % 5, "task": "multiclass",
                   "epochs_completed": 20, "epochs_planned": 20, "final": rows[-1], "best": rows[-1],
                   "test": {"accuracy": rows[-1]["val_accuracy"] - 0.01, "loss": rows[-1]["val_loss"]},
                   "provenance": {"git": {"commit": "0" * 40, "dirty": False}}}
        (folder / "summary.json").write_text(json.dumps(summary, indent=2))


def timed(*args: str) -> tuple[float, float]:
    """(wall, CPU) seconds of ``python -m dlx.cli.app ARGS`` in a fresh process (asserting it succeeds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dlx.cli.app", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--results", type=Path, default=None)
    options = parser.parse_args()
    results = options.results or Path(tempfile.mkdtemp(prefix="bench-runs-")) / "results"
    if not results.is_dir():
        start = time.perf_counter()
        generate(results, options.runs)
        print(f"generated {options.runs} runs in {results} ({time.perf_counter() - start:.1f} s)")
    where = ("--results", str(results))
    cases = {"dlx runs --reindex": lambda: timed("runs", "--reindex", *where),
             "dlx runs": lambda: timed("runs", *where),
             f"dlx runs --filter '{FILTER}' --sort -val_accuracy": lambda: timed("runs", "--filter", FILTER, "--sort",
                                                                                 "-val_accuracy", *where),
             "dlx runs (no index: builds it)": lambda: (results / "index.sqlite").unlink() or timed("runs", *where),
             "dlx --help": lambda: timed("--help")}
    print(f"| command ({options.runs} runs) | median wall s | best wall s | median CPU s | all wall s |")
    print("|---|---|---|---|---|")
    for label, case in cases.items():
        walls, cpus = zip(*[case() for _ in range(options.repeats)])
        print(f"| {label} | {statistics.median(walls):.2f} | {min(walls):.2f} | {statistics.median(cpus):.2f} | "
              f"{', '.join(f'{t:.2f}' for t in walls)} |")


if __name__ == "__main__":
    main()
