"""Word vectors on the planted corpus: word2vec (skip-gram, CBOW; negative sampling, full softmax) and GloVe.

The corpus (``dlx.data.planted_words``) plants 8 groups of 4 words and 336 analogies
a - b + c = d. Each variant trains through ``dlx train``'s own path (``start_run`` on
configs/word2vec_planted.yaml or configs/glove_planted.yaml with overrides) and is scored on:

- analogies: the share of planted (a, b, c, d) whose nearest word to a - b + c (a, b, c
  excluded, cosine) is d;
- groups: the share of planted words whose 3 nearest neighbours are the 3 other words of their
  group, among the planted words (and, harder, among the whole vocabulary, where the context
  words of a concept, e.g. "antctx0", compete: they share its contexts);
- similarity: Spearman's rho between cosine similarity and a planted score for every pair of
  planted words (2: same group, 1: same form, 0: neither);
- words per second: corpus words x passes (or epochs) / the run's processor time (this process,
  one thread: BLAS held to one thread), data preparation included. ``--gensim`` adds gensim's skip-gram (one worker, same corpus and settings) if it
  is installed (``pip install gensim``); it is never a dependency.

Run ``python -m experiments.word_vectors`` (about a minute); ``--seeds 0 1 2`` for several seeds.
"""
from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

from dlx.config import load_config
from dlx.data.planted_words import planted_analogies, planted_groups, planted_text
from dlx.data.text import tokenise
from dlx.inference.word_vectors import (WordVectors, analogy_accuracy, group_neighbour_share,
                                        similarity_correlation)
from dlx.train.runner import start_run

ROOT = Path(__file__).resolve().parents[1]
WORD2VEC, GLOVE = ROOT / "configs" / "word2vec_planted.yaml", ROOT / "configs" / "glove_planted.yaml"
SOFTMAX = ["dataset.options.negatives=0", "model.options.negatives=0", "loss=cross_entropy"]
VARIANTS = {  # name -> (config, overrides)
    "skip-gram, negative sampling": (WORD2VEC, []),
    "skip-gram, full softmax": (WORD2VEC, SOFTMAX),
    "CBOW, negative sampling": (WORD2VEC, ["dataset.options.method=cbow", "dataset.options.window=2"]),
    "CBOW, full softmax": (WORD2VEC, ["dataset.options.method=cbow", "dataset.options.window=2"] + SOFTMAX),
    "GloVe": (GLOVE, []),
}


def planted_similarities() -> list[tuple[str, str, float]]:
    """Every pair of planted words with its planted score: 2 same group, 1 same form, 0 neither."""
    groups = planted_groups()
    words = [(w, g, f) for g, group in enumerate(groups) for f, w in enumerate(group)]
    return [(a, b, 2.0 if ga == gb else 1.0 if fa == fb else 0.0)
            for (a, ga, fa), (b, gb, fb) in itertools.combinations(words, 2)]


def score(vectors: WordVectors) -> dict:
    groups = planted_groups()
    planted = [w for g in groups for w in g]
    return {"analogies": analogy_accuracy(vectors, planted_analogies()),
            "groups (planted words)": group_neighbour_share(vectors, groups, among=planted),
            "groups (whole vocabulary)": group_neighbour_share(vectors, groups),
            "similarity rho": similarity_correlation(vectors, planted_similarities())}


def corpus_words(sentences: int = 4000) -> int:
    return len(tokenise(planted_text(np.random.default_rng(0), sentences)))


def train_dlx(config: Path, overrides: list[str], seed: int, folder: str) -> dict:
    loaded = load_config(config, overrides + [f"training.seed={seed}", "output.plots=false"])
    start = time.process_time()
    result = start_run(loaded, results_dir=folder)
    seconds = time.process_time() - start
    options = loaded.config.dataset.options
    passes = options.get("passes", 1) * loaded.config.training.epochs
    return {**score(WordVectors.from_run(result.run_dir)), "words/s": corpus_words() * passes / seconds}


def train_gensim(seed: int) -> dict | None:
    """gensim's skip-gram with negative sampling, one worker, word2vec_planted.yaml's settings."""
    try:
        from gensim.models import Word2Vec
    except ImportError:
        return None
    text = planted_text(np.random.default_rng(0), 4000)
    sentences = [tokenise(line) for line in text.splitlines()]
    start = time.process_time()
    model = Word2Vec(sentences, vector_size=30, window=5, min_count=5, sg=1, hs=0, negative=5, sample=1e-3,
                     alpha=0.025, min_alpha=0.025 * 1e-4, epochs=5, workers=1, seed=seed + 1)
    seconds = time.process_time() - start
    words = list(model.wv.index_to_key)
    vectors = WordVectors(words, np.asarray(model.wv.vectors, np.float32))
    return {**score(vectors), "words/s": corpus_words() * 5 / seconds}


def table(rows: dict[str, list[dict]]) -> str:
    keys = ["analogies", "groups (planted words)", "groups (whole vocabulary)", "similarity rho", "words/s"]
    lines = ["| variant | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, results in rows.items():
        cells = []
        for key in keys:
            values = np.array([r[key] for r in results])
            spread = f" ± {values.std():.2g}" if len(values) > 1 else ""
            cells.append(f"{values.mean():.0f}{spread}" if key == "words/s" else f"{values.mean():.3f}{spread}")
        lines.append(f"| {name} (seeds: {len(results)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--gensim", action="store_true", help="add gensim's skip-gram (if installed)")
    args = parser.parse_args(argv)
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.variants:
            config, overrides = VARIANTS[name]
            rows[name] = [train_dlx(config, overrides, seed, folder) for seed in args.seeds]
            print(f"{name}: done", flush=True)
    if args.gensim:
        found = [train_gensim(seed) for seed in args.seeds]
        if found[0] is None:
            print("gensim is not installed: pip install gensim to compare")
        else:
            rows["gensim skip-gram, negative sampling (1 worker)"] = found
    print(table(rows))


if __name__ == "__main__":
    main()
