"""Optuna's TPE against random search on the digits MLP: is TPE's best validation loss at least as good?

Both searches draw Adam's learning rate and weight decay 30 times (experiments/sweeps/search_digits_tpe.yaml
and search_digits_random.yaml: log-uniform ranges, 10 epochs per draw, one training seed), each with three
search seeds (``sample_seed`` 0, 1, 2). The claim (issue 25): for every search seed, TPE's best last-epoch
validation loss is <= random search's. Verdict: held if it is so for all three, failed otherwise.

Run ``python -m experiments.search_tpe_vs_random [--workers N]`` (the optuna extra); the sweeps are ordinary
dlx sweeps under results/sweeps/search-digits-*/, with their tables and reports.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

from dlx.components import load_components
from dlx.sweep.driver import run_sweep
from dlx.sweep.spec import load_sweep

SWEEPS = Path(__file__).resolve().parent / "sweeps"
SEARCH_SEEDS = (0, 1, 2)


def best_loss(search: str, seed: int, workers: int | None) -> tuple[float, Path]:
    loaded = load_sweep(SWEEPS / f"search_digits_{search}.yaml", [f"sample_seed={seed}"])
    outcome = run_sweep(loaded, backend="serial" if workers is None else "local", workers=workers)
    values = [r["metric"] for r in outcome.records if isinstance(r["metric"], float) and math.isfinite(r["metric"])]
    return min(values), outcome.sweep_dir


def main(argv: list[str]) -> int:
    load_components()
    workers = int(argv[argv.index("--workers") + 1]) if "--workers" in argv else None
    rows = []
    for seed in SEARCH_SEEDS:
        (tpe, tpe_dir), (random, random_dir) = best_loss("tpe", seed, workers), best_loss("random", seed, workers)
        rows.append((seed, tpe, random))
        print(f"search seed {seed}: best val_loss TPE {tpe:.4f} ({tpe_dir}), random {random:.4f} ({random_dir})",
              flush=True)
    held = all(tpe <= random for _, tpe, random in rows)
    print(f"expect tpe_at_least_as_good_as_random: every seed's TPE best <= random best: "
          f"{'held' if held else 'failed'}")
    return 0 if held else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
