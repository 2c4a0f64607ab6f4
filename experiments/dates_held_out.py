"""Dates to ISO 8601 on held-out dates, in the formats the run trained on and in held-out combinations.

``configs/dates_attention.yaml`` trains on dates written in every format combination but the
held-out ones (``dlx.data.dates.HELD_OUT``: each template, day, month and year style is seen,
never these combinations of them). This script opens the trained run and measures the exact
match of greedy decoding on

- its own test split: dates of the seen formats that no training sample holds in that format;
- ``--n`` dates drawn anew (seed ``--seed``) in the held-out combinations, keeping only dates
  that appear in no training sample at all (so the date itself is new as well as its format).

Run ``python -m experiments.dates_held_out results/dates-attention/<run>``; it prints one line
per part and writes ``held_out.json`` into the run folder.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dlx.data.seq2seq_sets import decode_tokens, dates
from dlx.experiments import load_experiment
from dlx.inference.loaded import load_run
from dlx.inference.splits import run_splits
from dlx.runs.files import json_text


def held_out_dates(train, n: int, seed: int):
    """``n`` held-out-format samples whose date no training sample holds."""
    seen = {decode_tokens(y, train.class_names) for y in train.y}
    fresh = dates(rng=np.random.default_rng(seed), n=n, formats="held_out")
    keep = np.array([decode_tokens(y, fresh.class_names) not in seen for y in fresh.y])
    return fresh.subset(np.flatnonzero(keep))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    run = load_run(args.run_dir)
    splits = run_splits(args.run_dir, load_experiment(args.run_dir / "config.yaml"))
    held = held_out_dates(splits["train"], args.n, args.seed)
    results = {}
    for name, part in (("test_seen_formats", splits["test"]), ("held_out_formats_new_dates", held)):
        metrics = run.task.evaluate(run.model, part, run.loss, run.n_outputs)
        results[name] = {"samples": len(part), **metrics}
        print(f"{name}: {len(part)} samples, exact match {metrics['exact_match']:.4f}, "
              f"token accuracy {metrics['token_accuracy']:.4f}")
    (args.run_dir / "held_out.json").write_text(json_text(results))
    return results


if __name__ == "__main__":
    main()
