"""Sweep benchmarks (not tests): parallel speed-up, and what ASHA saves.

``python benchmarks/bench_sweep.py parallel``: one 12-trial sweep of the digits MLP (12 learning
rates, one trial forced to fail by a last layer of the wrong width) on a pool of 1 worker and on a
pool of 2 (the same conditions: spawned, one BLAS thread each), alternated ``--repeats`` times in
the same run; prints the wall times, their ratios and the median ratio (the target: at most 0.65),
next to the ceiling the machine allows at that moment (two CPU-bound tasks in a pool vs in a row),
and checks that the 11 others complete and that the failure and its cause reach trials.jsonl,
summary.csv and report.md, with exit code 2.

``python benchmarks/bench_sweep.py startup``: the pool's start-up alone, as ``--repeats`` lines: the
coordinator's manager process, and the wall time until ``--workers`` workers could each start a trial,
with each worker's CPU seconds (interpreter, imports, set-up).

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

# dlx is imported inside the functions: the pool's spawned processes import this file again as their
# main module, and the coordinator's process (see ``startup``) needs none of dlx's training modules.

LRS = [0.001, 0.002, 0.004, 0.007, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3]


def twelve_trials(epochs: int | None):
    """The sweep; ``epochs`` None keeps the config's own (60)."""
    from dlx.sweep.spec import sweep_from_mapping
    epochs_set = [] if epochs is None else [f"training.epochs={epochs}"]
    raw = {"name": "bench-parallel", "base": str(ROOT / "configs" / "digits_mlp.yaml"),
           "set": ["optimiser.name=sgd", "optimiser.schedule=null", "regularisation.early_stopping=null",
                   *epochs_set, "training.checkpoint=false", "output.plots=false"],
           "parameters": {"optimiser.lr": LRS}}
    return sweep_from_mapping(raw, "bench")


def timed_run(loaded, results: Path, workers: int):
    """(seconds, outcome) of one run of the sweep, one trial forced to fail."""
    from dlx.sweep.driver import execute_sweep, prepare_sweep
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
    from dlx.sweep.driver import execute_sweep, prepare_sweep
    from dlx.sweep.report import compute_saved
    from dlx.sweep.spec import load_sweep
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


def ready() -> tuple[int, float]:
    """In a pool worker: its process id and the CPU seconds it has used so far (its start-up)."""
    import os
    used = time.process_time()
    time.sleep(0.3)  # each worker takes one of these
    return os.getpid(), used


def startup(args, results: Path) -> None:
    """The pool's start-up as a sweep starts it: the coordinator's manager process, then ``--workers``
    spawned workers up to the point where each could run its first trial (interpreter, imports, one BLAS
    thread, the data set cache); wall seconds and each worker's CPU seconds, ``--repeats`` times."""
    import concurrent.futures as futures
    import multiprocessing
    from dlx.sweep import executors
    context = multiprocessing.get_context("spawn")
    for _ in range(args.repeats):
        with executors.single_threaded_children():
            start = time.perf_counter()
            manager = executors.start_manager(context)
            manager.Coordinator("val_loss", None)
            managed = time.perf_counter()
            pool = futures.ProcessPoolExecutor(args.workers, mp_context=context, initializer=executors.pool_worker_setup)
            workers = [f.result() for f in [pool.submit(ready) for _ in range(args.workers)]]
            done = time.perf_counter() - 0.3
            pool.shutdown()
            manager.shutdown()
        print(f"coordinator process {managed - start:.2f} s; {args.workers} workers ready after {done - managed:.2f} s "
              f"(wall); CPU per worker " + ", ".join(f"{cpu:.2f} s" for _, cpu in workers)
              + f" ({len({pid for pid, _ in workers})} processes)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["parallel", "asha", "startup"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=None, help="parallel: epochs per trial (default: the config's 60)")
    parser.add_argument("--repeats", type=int, default=3, help="parallel: pairs of runs (median ratio)")
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args()
    results = args.results or Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    {"parallel": parallel, "asha": asha, "startup": startup}[args.what](args, results)


if __name__ == "__main__":
    main()
