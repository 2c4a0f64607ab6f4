"""Word-level language-model data sets (TOPICS [N]): windows for a recurrent model, n-grams for Bengio's model.

Both read a corpus as ``dlx.data.word_sets`` does (``path``, or Python's help text; ``limit``
characters), keep the words seen ``min_count`` times (the rest are ``<unk>``, which the
models predict like any word) and say the vocabulary as ``class_names``.

- ``word_windows`` (task ``word_language_model``): windows of ``length`` words that tile the
  text, y the next word at every step, as ``characters`` does for characters; a random split
  of windows holds out text that no training window contains.
- ``word_ngrams`` (task ``next_word``): the n - 1 previous words (``context``) and the next
  word, one row per position (Bengio et al. 2003).

Both tasks report perplexity exp(cross-entropy) next to add-k and Kneser-Ney bigram baselines
counted on the training rows and measured on the same held-out words
(``dlx.data.ngram_counts``).
"""
from __future__ import annotations

import numpy as np

from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.data.text import Vocabulary
from dlx.data.word_sets import corpus_tokens
from dlx.errors import ConfigError
from dlx.registry import datasets

WORD_LANGUAGE_MODEL = register_task_name("word_language_model")  # the next word at every step
NEXT_WORD = register_task_name("next_word")  # the next word after a fixed context


def _corpus_ids(rng, path, corpus, limit, min_count) -> tuple[np.ndarray, Vocabulary, str]:
    tokens, name = corpus_tokens(rng, path, corpus, limit, 4000)
    vocab = Vocabulary.build(tokens, min_count=min_count)
    return vocab.encode(tokens), vocab, name


@datasets.register("word_windows")
def word_windows(rng: np.random.Generator | None = None, path: str | None = None, corpus: str = "python_help",
                 limit: int | None = None, length: int = 35, min_count: int = 3) -> Dataset:
    """Windows of ``length`` words and the next word at every step (see the module doc)."""
    ids, vocab, name = _corpus_ids(rng, path, corpus, limit, min_count)
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= len(ids) // 2 - 1:
        raise ConfigError(f"word_windows: length must be an integer in [1, {len(ids) // 2 - 1}] (half the "
                          f"{len(ids)} words), got {length!r}")
    starts = np.arange(0, len(ids) - length, length)
    chunks = ids[starts[:, None] + np.arange(length + 1)[None, :]]  # (N, T + 1)
    return Dataset(chunks[:, :-1], chunks[:, 1:], WORD_LANGUAGE_MODEL, f"{name}-words", class_names=vocab.tokens,
                   lengths=np.full(len(chunks), length, np.int64))


@datasets.register("word_ngrams")
def word_ngrams(rng: np.random.Generator | None = None, path: str | None = None, corpus: str = "python_help",
                limit: int | None = None, context: int = 3, min_count: int = 3) -> Dataset:
    """The ``context`` previous words and the next word, one row per position (see the module doc)."""
    ids, vocab, name = _corpus_ids(rng, path, corpus, limit, min_count)
    if isinstance(context, bool) or not isinstance(context, int) or not 1 <= context < len(ids):
        raise ConfigError(f"word_ngrams: context must be an integer in [1, {len(ids) - 1}], got {context!r}")
    positions = np.arange(context, len(ids))
    x = ids[positions[:, None] - np.arange(context, 0, -1)[None, :]]  # (N, context), oldest word first
    return Dataset(x, ids[positions], NEXT_WORD, f"{name}-{context + 1}grams", class_names=vocab.tokens)
