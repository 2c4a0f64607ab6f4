"""The figures the trainer must not change: each shipped config, trained briefly through the CLI.

Runs ``dlx train`` in a fresh process for each config below (small budgets, fixed seeds), then
prints one JSON object per config: the test metrics (or the greedy evaluation) of summary.json
and a SHA-256 of its metrics rows without the wall-clock columns. Run it before and after a change
to the training loop; identical output means identical numbers::

    python -m experiments.same_numbers --out /tmp/before > before.jsonl
    python -m experiments.same_numbers --out /tmp/after > after.jsonl
    diff before.jsonl after.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

RUNS = {  # name: (config, overrides)
    "digits_mlp": ("digits_mlp", ["training.epochs=3"]),
    "digits_cnn": ("digits_cnn", ["training.epochs=3"]),
    "char_lm": ("char_lm", ["training.epochs=1", "dataset.options.limit=20000", "output.plots=false"]),
    "breast_cancer_mlp": ("breast_cancer_mlp", ["training.epochs=5"]),
    "vae_digits": ("vae_digits", ["training.epochs=3"]),
    "ae_digits": ("ae_digits", ["training.epochs=2"]),
    "gan_ring": ("gan_ring", ["training.steps=400"]),
    "frozenlake_q": ("frozenlake_q", ["budget.episodes=500", "evaluation.episodes=500"]),
    "cartpole_dqn": ("cartpole_dqn", ["budget.steps=300", "evaluation.episodes=5"]),
    "frozenlake_vi": ("frozenlake_vi", []),
}
CLOCK = ("epoch_seconds", "samples_per_second", "time", "seconds")


def rows_digest(run_dir: Path) -> str:
    """SHA-256 of the metrics rows with the wall-clock columns left out."""
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    kept = [{k: v for k, v in row.items() if k not in CLOCK} for row in rows]
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def headline(summary: dict) -> dict:
    if "evaluation" in summary:
        return {k: v for k, v in summary["evaluation"].items() if isinstance(v, (int, float))}
    test = summary.get("test")
    if isinstance(test, dict) and test:
        return {k: v for k, v in test.items() if isinstance(v, (int, float))}
    if "test_mse" in summary:  # an autoencoder's
        return {k: summary[k] for k in ("test_mse", "pca_test_mse")}
    return {k: v for k, v in (summary.get("final") or {}).items() if isinstance(v, (int, float)) and k not in CLOCK}


def run(name: str, out: Path) -> dict:
    config, overrides = RUNS[name]
    results = out / name
    command = [sys.executable, "-m", "dlx.cli.app", "train", f"configs/{config}.yaml", "--results", str(results)]
    for override in overrides:
        command += ["--set", override]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if done.returncode != 0:
        return {"name": name, "error": done.stderr.strip().splitlines()[-1:]}
    run_dir = next(p.parent for p in results.rglob("summary.json"))
    summary = json.loads((run_dir / "summary.json").read_text())
    return {"name": name, "status": summary["status"], "headline": headline(summary), "rows": rows_digest(run_dir)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a folder for the runs (must not exist)")
    parser.add_argument("names", nargs="*", default=list(RUNS), help="which configs (default: all)")
    args = parser.parse_args()
    for name in args.names:
        print(json.dumps(run(name, args.out), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
