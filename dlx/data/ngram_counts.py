"""Count-based bigram language models, the baselines a neural language model must beat (TOPICS [N]).

From the (previous word, word) pairs of the training text, the probability of each held-out
pair, and the perplexity exp(-mean log p) over them:

- add-k: p(w | v) = (c(v w) + k) / (c(v) + k V); k = 1 is Laplace's rule;
- interpolated Kneser-Ney (Chen & Goodman 1998, absolute discount D):
  p(w | v) = max(c(v w) - D, 0) / c(v) + D N1+(v .) / c(v) p_cont(w), where
  p_cont(w) = max(N1+(. w) - D, 0) / N1+(. .) + D |{w: N1+(. w) > 0}| / N1+(. .) / V
  is the share of distinct contexts a word follows (itself interpolated with the uniform 1 / V,
  so that no word has probability 0); an unseen context v gives p_cont(w).

Counts are kept sparse (pairs as keys v V + w), so a vocabulary of tens of thousands is fine.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DataError


def _lookup(keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """counts[keys == query] for every query (0 where absent); ``keys`` sorted."""
    at = np.clip(np.searchsorted(keys, queries), 0, max(len(keys) - 1, 0))
    found = keys[at] == queries if len(keys) else np.zeros(len(queries), bool)
    return np.where(found, counts[at] if len(keys) else 0, 0)


class BigramCounts:
    """The bigram counts of (previous, next) id pairs over a vocabulary of ``size`` ids."""

    def __init__(self, previous: np.ndarray, following: np.ndarray, size: int):
        previous, following = np.asarray(previous, np.int64), np.asarray(following, np.int64)
        if not len(previous):
            raise DataError("bigram counts: no training pair; give a longer training text")
        self.size = int(size)
        self.keys, self.pair_counts = np.unique(previous * size + following, return_counts=True)
        self.context_counts = np.bincount(previous, minlength=size).astype(np.float64)  # c(v)
        first, second = self.keys // size, self.keys % size
        self.followers = np.bincount(first, minlength=size).astype(np.float64)  # N1+(v .)
        self.preceders = np.bincount(second, minlength=size).astype(np.float64)  # N1+(. w)

    def pair_count(self, previous: np.ndarray, following: np.ndarray) -> np.ndarray:
        return _lookup(self.keys, self.pair_counts, np.asarray(previous) * self.size + np.asarray(following))

    def add_k(self, previous, following, k: float = 1.0) -> np.ndarray:
        """p(w | v) with add-k smoothing."""
        c = self.pair_count(previous, following)
        return (c + k) / (self.context_counts[previous] + k * self.size)

    def kneser_ney(self, previous, following, discount: float = 0.75) -> np.ndarray:
        """p(w | v), interpolated Kneser-Ney (see the module doc)."""
        types = float(len(self.keys))  # N1+(. .)
        continuation = (np.maximum(self.preceders[following] - discount, 0.0)
                        + discount * np.count_nonzero(self.preceders) / self.size) / types
        c_v = self.context_counts[previous]
        c = self.pair_count(previous, following)
        seen = c_v > 0
        safe = np.where(seen, c_v, 1.0)
        higher = np.maximum(c - discount, 0.0) / safe + discount * self.followers[previous] / safe * continuation
        return np.where(seen, higher, continuation)


def perplexity(probabilities: np.ndarray) -> float:
    """exp(-mean log p)."""
    return float(np.exp(-np.mean(np.log(probabilities))))


def bigram_perplexities(train_pairs, held_pairs, size: int, k: float = 1.0, discount: float = 0.75) -> dict:
    """Held-out perplexities of the add-k and Kneser-Ney bigram models counted on ``train_pairs``
    ((previous, next) arrays)."""
    counts = BigramCounts(*train_pairs, size)
    previous, following = (np.asarray(a, np.int64) for a in held_pairs)
    return {f"add_{k:g}_bigram_perplexity": perplexity(counts.add_k(previous, following, k)),
            "kneser_ney_bigram_perplexity": perplexity(counts.kneser_ney(previous, following, discount))}
