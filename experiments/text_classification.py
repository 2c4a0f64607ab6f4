"""Text classification on real text that ships with Python: standard-library docstrings labelled by package.

The data (``dlx.data.docstrings``): the class and function docstrings of asyncio, email,
importlib, logging, multiprocessing, unittest, xml and http, read from the source files with
``ast`` (nothing downloaded, nothing imported), the first 60 words of each. Three models, each
trained by ``start_run`` on its config with seeds 0, 1, 2 (the seed also draws the
stratified train/validation/test split, so each seed is a different split, the same for all
three models):

- configs/docstrings_bow.yaml: logistic regression on word counts (the baseline);
- configs/docstrings_cnn.yaml: Kim's (2014) text CNN, widths 3, 4, 5, max-over-time, dropout;
- configs/docstrings_lstm.yaml: an LSTM classifier (its last state over the unpadded words).

Prints test accuracy and macro F1, mean ± standard deviation over the seeds, and each seed's
accuracies. Run ``python -m experiments.text_classification`` (a few minutes on one core).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from dlx.config import load_config
from dlx.train.runner import start_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
MODELS = {"bag-of-words logistic regression": "docstrings_bow.yaml", "text CNN (Kim 2014)": "docstrings_cnn.yaml",
          "LSTM classifier": "docstrings_lstm.yaml"}


def test_metrics(config: str, seed: int, folder: str) -> dict:
    loaded = load_config(CONFIGS / config, [f"training.seed={seed}", "output.plots=false"])
    summary = start_run(loaded, results_dir=folder).summary
    return {key: summary["test"][f"test_{key}"] for key in ("accuracy", "f1")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    args = parser.parse_args(argv)
    lines = ["| model | test accuracy | test macro F1 | accuracy per seed |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models:
            runs = [test_metrics(MODELS[name], seed, folder) for seed in args.seeds]
            accuracy, f1 = (np.array([r[key] for r in runs]) for key in ("accuracy", "f1"))
            lines.append(f"| {name} | {accuracy.mean():.3f} ± {accuracy.std():.3f} | {f1.mean():.3f} ± "
                         f"{f1.std():.3f} | {', '.join(f'{a:.3f}' for a in accuracy)} |")
            print(f"{name}: done", flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
