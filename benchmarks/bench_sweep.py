"""Sweep benchmarks (not tests): parallel speed-up, and what ASHA saves.

``python benchmarks/bench_sweep.py parallel``: one 12-trial sweep of the digits MLP (12 learning
rates, one trial forced to fail by a last layer of the wrong width) on a pool of 1 worker and on a
pool of 2 (the same conditions: spawned, one BLAS thread each), alternated ``--repeats`` times in
the same run; prints the wall times, their ratios and the median ratio (the target: at most 0.65),
next to the ceiling the machine allows at that moment (two CPU-bound tasks in a pool vs in a row),
and checks that the 11 others complete and that the failure and its cause reach trials.jsonl,
summary.csv and report.md, with exit code 2.

``python benchmarks/bench_sweep.py asha``: experiments/sweeps/lr_digits_asha.yaml (16 learning rates,
9 epochs) as a full sweep and with ASHA; prints each one's best group and the epochs it ran.

Options: ``--workers N`` (default 2), ``--epochs E`` (parallel: epochs per trial, default the config's 60),
``--results DIR`` (default a temporary folder).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlx.sweep.driver import execute_sweep, prepare_sweep  # noqa: E402
from dlx.sweep.report import compute_saved  # noqa: E402
from dlx.sweep.spec import load_sweep, sweep_from_mapping  # noqa: E402

LRS = [0.001, 0.002, 0.004, 0.007, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3]


def twelve_trials(epochs: int | None):
    """The sweep; ``epochs`` None keeps the config's own (60)."""
    epochs_set = [] if epochs is None else [f"training.epochs={epochs}"]
    raw = {"name": "bench-parallel", "base": str(ROOT / "configs" / "digits_mlp.yaml"),
           "set": ["optimiser.name=sgd", "optimiser.schedule=null", "regularisation.early_stopping=null",
                   *epochs_set, "training.checkpoint=false", "output.plots=false"],
           "parameters": {"optimiser.lr": LRS}}
    return sweep_from_mapping(raw, "bench")


def timed_run(loaded, results: Path, workers: int):
    """(seconds, outcome) of one run of the sweep, one trial forced to fail."""
    sweep_dir, plan = prepare_sweep(loaded, str(results))
    broken = plan[5].trial
    plan[5] = replace(plan[5], trial=replace(broken, overrides=(*broken.overrides, "model.layers.4.dense.units=3")))
    start = time.perf_counter()
    outcome = execute_sweep(loaded, plan, sweep_dir, workers=workers)
    return time.perf_counter() - start, outcome


def check_failure_reported(outcome) -> str:
    records = [json.loads(line) for line in (outcome.sweep_dir / "trials.jsonl").read_text().splitlines()]
    failed = [r for r in records if r["status"] == "failed"]
    finished = [r for r in records if r["status"] == "finished"]
    cause = failed[0]["message"].split(":")[0] if failed else ""
    checks = {"11 finished": len(finished) == 11, "1 failed": len(failed) == 1,
              "cause in summary.csv": cause and cause in (outcome.sweep_dir / "summary.csv").read_text(),
              "cause in report.md": cause and cause in (outcome.sweep_dir / "report.md").read_text(),
              "exit code 2": outcome.exit_code == 2}
    return ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items()) + f" (cause {cause})"


def burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_ceiling(workers: int, n: int = 30_000_000) -> float:
    """The best ratio this machine allows now: ``workers`` CPU-bound tasks in a pool vs one after another."""
    import multiprocessing
    start = time.perf_counter()
    for _ in range(workers):
        burn(n)
    serial = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(burn, [1] * workers)  # the workers have started: time only the work
        start = time.perf_counter()
        pool.map(burn, [n] * workers)
        return (time.perf_counter() - start) / serial


def parallel(args, results: Path) -> None:
    """Alternate 1 worker and N workers ``--repeats`` times (a shared machine's load drifts); median ratio."""
    loaded = twelve_trials(args.epochs)
    epochs = args.epochs or "the config's 60"
    print(f"12 trials, digits MLP, {epochs} epochs each, one forced to fail")
    ratios = []
    for repeat in range(args.repeats):
        one, outcome_one = timed_run(loaded, results / f"one{repeat}", 1)
        many, outcome_many = timed_run(loaded, results / f"many{repeat}", args.workers)
        ratios.append(many / one)
        ceiling = machine_ceiling(args.workers)
        print(f"1 worker: {one:.1f} s; {args.workers} pool workers: {many:.1f} s; "
              f"ratio {many / one:.2f} (this machine's ceiling now: {ceiling:.2f}, pure CPU tasks)", flush=True)
        print("  1 worker:", check_failure_reported(outcome_one))
        print(f"  {args.workers} workers:", check_failure_reported(outcome_many), flush=True)
    print(f"median ratio {float(np.median(ratios)):.2f} over {len(ratios)} pairs (target <= 0.65)")


def asha(args, results: Path) -> None:
    path = ROOT / "experiments" / "sweeps" / "lr_digits_asha.yaml"
    for label, overrides in (("full sweep", ["prune=null"]), ("ASHA", [])):
        loaded = load_sweep(path, overrides)
        sweep_dir, plan = prepare_sweep(loaded, str(results / label.replace(" ", "_")))
        start = time.perf_counter()
        outcome = execute_sweep(loaded, plan, sweep_dir, workers=args.workers)
        ran, planned = compute_saved(outcome.records)
        best = outcome.table[0]
        print(f"{label}: best group {best['group']} (val_loss {best['val_loss_mean']:.4f}); {ran} of {planned} "
              f"epochs ({ran / planned:.0%}); {outcome.counts.get('pruned', 0)} pruned; "
              f"{time.perf_counter() - start:.1f} s; {sweep_dir}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["parallel", "asha"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=None, help="parallel: epochs per trial (default: the config's 60)")
    parser.add_argument("--repeats", type=int, default=3, help="parallel: pairs of runs (median ratio)")
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args()
    results = args.results or Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    (parallel if args.what == "parallel" else asha)(args, results)


if __name__ == "__main__":
    main()
