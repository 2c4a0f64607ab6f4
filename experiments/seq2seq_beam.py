"""Greedy decoding against beam search on a trained seq2seq run's test split.

Greedy decoding commits to the most probable token at each step; beam search keeps the
``--width`` most probable prefixes and picks the best finished one by log p / |y|^alpha
(``dlx.inference.decoding``). This script decodes every test sample of a run both ways and
prints the exact match of each, e.g. on the addition run, where greedy decoding is not perfect:

    python -m experiments.seq2seq_beam results/addition-attention/<run> --width 4 --alpha 1.0
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dlx.data.seq2seq_sets import decode_tokens
from dlx.experiments import load_experiment
from dlx.inference.decoding import beam_search
from dlx.inference.loaded import load_run
from dlx.inference.splits import run_splits
from dlx.tasks.seq2seq import sequence_model, until_end


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--width", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--limit", type=int, default=1000, help="at most this many test samples")
    args = parser.parse_args(argv)
    run = load_run(args.run_dir)
    test = run_splits(args.run_dir, load_experiment(args.run_dir / "config.yaml"))["test"]
    net, names = sequence_model(run.network), run.class_names
    net.eval()
    hits = {"greedy": 0, f"beam {args.width}": 0}
    count = min(len(test), args.limit)
    for i in range(count):
        source, target = test.X[i, :test.lengths[i]], decode_tokens(test.y[i], names)
        greedy = until_end(net.greedy(source[None], None, test.y.shape[1])[1][0], net.end_token)
        beam = beam_search(net, source, args.width, args.alpha, test.y.shape[1]).tokens
        hits["greedy"] += decode_tokens(np.array(greedy), names) == target and net.end_token in greedy
        hits[f"beam {args.width}"] += decode_tokens(np.array(beam), names) == target and net.end_token in beam
    result = {name: value / count for name, value in hits.items()}
    print(f"{count} test samples: " + ", ".join(f"{k} exact match {v:.4f}" for k, v in result.items()))
    return result


if __name__ == "__main__":
    main()
