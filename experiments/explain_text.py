"""Explaining text models, checked against what is known: a bag of words' own weights, and completeness.

Trains configs/docstrings_bow.yaml and configs/docstrings_cnn.yaml (seed 0) and, on the first
``--texts`` test docstrings:

- LIME for text (``dlx.explain.text.lime_text``, words removed, 500 samples, the predicted
  class's logit) on the bag-of-words logistic regression: the share of texts whose five
  largest LIME weights are, in order, the five largest of the model's own weights for the
  text's words; and the same for the class probability, which is not linear in the words;
- token integrated gradients (64 and 256 steps) on both models: the largest relative completeness
  gap |sum of attributions - (f(x) - f(baseline))| / |f(x) - f(baseline)|.

Run ``python -m experiments.explain_text`` (about a minute).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from dlx.config import load_config
from dlx.explain.text import lime_text, token_integrated_gradients
from dlx.inference import load_run
from dlx.inference.splits import run_splits
from dlx.train.runner import start_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def trained(config: str, folder: str):
    loaded = load_config(CONFIGS / config, ["output.plots=false"])
    run_dir = start_run(loaded, results_dir=folder).run_dir
    return load_run(run_dir).network, run_splits(run_dir, loaded)["test"].X


def top_five_agrees(words: np.ndarray, weights: np.ndarray, own: np.ndarray) -> bool:
    """Whether the five words of largest LIME weight (a repeated word: the mean over its places) are, in order,
    the five of largest own weight."""
    distinct = np.unique(words)
    lime = np.array([weights[words == w].mean() for w in distinct])
    mine = np.array([own[words == w][0] for w in distinct])
    order = lambda values: list(distinct[np.argsort(-values, kind="stable")[:5]])  # noqa: E731
    return order(lime) == order(mine)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        bow, texts = trained("docstrings_bow.yaml", folder)
        cnn, _ = trained("docstrings_cnn.yaml", folder)
    texts = [t for t in texts if np.count_nonzero(t) >= 6][:args.texts]
    agree = {"logit": 0, "probability": 0}
    gaps = {(name, steps): [] for name in ("bag of words", "text CNN") for steps in (64, 256)}
    for ids in texts:
        logits = bow(ids[None]).data[0]
        c = int(np.argmax(logits))
        own = bow.word_weights()[ids[ids != 0], c]
        for output in agree:
            found = lime_text(bow, ids, c, output=output, rng=np.random.default_rng(0))
            agree[output] += top_five_agrees(ids[ids != 0], found["weights"], own)
        for name, steps in gaps:
            found = token_integrated_gradients(bow if name == "bag of words" else cnn, ids, c, steps=steps)
            change = max(abs(found["output"] - found["baseline_output"]), 1e-12)
            gaps[name, steps].append(found["completeness_gap"] / change)
    print(f"texts: {len(texts)}")
    for output, count in agree.items():
        print(f"LIME ({output}) top-5 words in the model's own order: {count}/{len(texts)}")
    for (name, steps), values in gaps.items():
        print(f"token IG on the {name}, {steps} steps: largest relative completeness gap {max(values):.2e}, "
              f"above 1% in {sum(v > 0.01 for v in values)} of {len(values)} texts")


if __name__ == "__main__":
    main()
