"""Word data sets in the registry (TOPICS [N]): word2vec's (input, target) pairs and GloVe's co-occurrences.

Both read a corpus (``path``: any UTF-8 text file; else ``corpus: python_help``, Python's own help
text, or ``corpus: planted``, a generated text with planted groups and analogies,
``dlx.data.planted_words``), tokenise it into words, keep the words seen ``min_count`` times
(the rest are ``<unk>``) and say the vocabulary as ``class_names`` (saved with the run).

``word_contexts`` (task ``word_context``), one row per (input words, target word):

- skip-gram (``method: skipgram``): the input is one centre word, the target one word of its
  window; as in word2vec, each centre's window is drawn from 1..``window`` (near words count more);
- CBOW (``method: cbow``): the input is the 2 ``window`` words around the target (full windows only).

With ``negatives: K`` > 0 each row also holds its target and K noise words drawn from
unigram^0.75 (negative sampling), X = [inputs, target, noise_1..noise_K]; with 0 the model
scores the whole vocabulary (full softmax) and X holds the inputs only. Frequent words are
subsampled first (``subsample``: t of ``dlx.data.text.subsample``). ``passes`` corpus passes
are drawn (fresh subsampling, windows and noise each), as word2vec's iterations: train them
in one epoch and a linear schedule decays the rate over all of them.

``cooccurrence`` (task ``cooccurrence``): one row per word pair (i, j) that co-occurs within
``window`` words, X = [i, j], y = [log X_ij, f(X_ij)] where X_ij adds 1/distance for every
co-occurrence and f(x) = min(1, (x / x_max)^alpha) is GloVe's weight (Pennington et al. 2014).
"""
from __future__ import annotations

import numpy as np

from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.data.planted_words import planted_text
from dlx.data.text import Vocabulary, noise_distribution, read_corpus, subsample, tokenise
from dlx.errors import ConfigError
from dlx.registry import datasets

WORD_CONTEXT = register_task_name("word_context")  # predict a target word from input words
COOCCURRENCE = register_task_name("cooccurrence")  # fit log co-occurrence counts
CORPORA = ("python_help", "planted")
METHODS = ("skipgram", "cbow")


def corpus_tokens(rng, path, corpus, limit, sentences) -> tuple[list[str], str]:
    """(word tokens, corpus name) of the file ``path`` or the named built-in corpus."""
    if corpus not in CORPORA:
        raise ConfigError(f"corpus must be one of {', '.join(CORPORA)}, got {corpus!r}; or give a file as path")
    if path is None and corpus == "planted":
        text, name = planted_text(np.random.default_rng(0), sentences=sentences), "planted"
    else:
        text, name = read_corpus(path, limit), (str(path) if path else "python-help")
    tokens = tokenise(text, "words")
    if len(tokens) < 2:
        raise ConfigError(f"corpus '{name}' holds {len(tokens)} word; give a text of at least two words")
    return tokens, name


def _positive(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def skipgram_rows(ids: np.ndarray, window: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(centre (N, 1), context (N,)): every pair within each centre's window, drawn from 1..window."""
    reach = rng.integers(1, window + 1, len(ids))  # each centre's window (word2vec's reduced window b)
    centres, contexts = [], []
    for offset in range(1, window + 1):
        left = np.flatnonzero(reach[offset:] >= offset) + offset  # centre i sees i - offset
        right = np.flatnonzero(reach[:-offset] >= offset)  # centre i sees i + offset
        centres += [ids[left], ids[right]]
        contexts += [ids[left - offset], ids[right + offset]]
    return np.concatenate(centres)[:, None], np.concatenate(contexts)


def cbow_rows(ids: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(context (N, 2 window), centre (N,)) for every centre with a full window."""
    n = len(ids) - 2 * window
    if n < 1:
        return np.zeros((0, 2 * window), np.int64), np.zeros(0, np.int64)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    centres = np.arange(window, window + n)
    return ids[centres[:, None] + offsets[None, :]], ids[centres]


def noise_words(p: np.ndarray, shape, rng, table_size: int = 1 << 20) -> np.ndarray:
    """Words drawn from ``p`` through word2vec's unigram table: ``table_size`` cells, cell c holding the
    word at quantile (c + 1/2) / table_size of ``p`` (each word fills p * table_size cells, to within one), so
    a draw is one uniform integer and one lookup (about 9x faster than ``rng.choice(p=...)``)."""
    cdf = np.cumsum(p)
    ends = np.round(cdf / cdf[-1] * table_size).astype(np.int64)  # word w fills cells ends[w - 1] .. ends[w] - 1
    table = np.repeat(np.arange(len(p)), np.diff(ends, prepend=0))
    return table[rng.integers(0, table_size, shape)]


@datasets.register("word_contexts", "word2vec_pairs")
def word_contexts(rng: np.random.Generator | None = None, path: str | None = None, corpus: str = "python_help",
                  limit: int | None = 200_000, sentences: int = 4000, method: str = "skipgram", window: int = 5,
                  negatives: int = 5, min_count: int = 5, subsample_threshold: float = 1e-3,
                  passes: int = 1) -> Dataset:
    """word2vec's training rows from a corpus (see the module doc; ``sentences``: of the planted corpus)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    if method not in METHODS:
        raise ConfigError(f"word_contexts: method must be one of {', '.join(METHODS)}, got {method!r}")
    window, passes = _positive("window", window), _positive("passes", passes)
    negatives = _positive("negatives", negatives, 0)
    tokens, name = corpus_tokens(rng, path, corpus, limit, sentences)
    vocab = Vocabulary.build(tokens, min_count=min_count)
    ids, noise = vocab.encode(tokens), noise_distribution(vocab.counts)
    inputs, targets = [], []
    for _ in range(passes):
        kept = subsample(ids, vocab.counts, subsample_threshold, rng)
        x, y = skipgram_rows(kept, window, rng) if method == "skipgram" else cbow_rows(kept, window)
        inputs.append(x)
        targets.append(y)
    x, y = np.concatenate(inputs), np.concatenate(targets)
    if not len(y):
        raise ConfigError(f"word_contexts: the corpus '{name}' gives no {method} row of window {window}; "
                          f"give a longer text or a smaller window")
    names = [f"input{k}" for k in range(x.shape[1])]
    if negatives:
        x = np.concatenate([x, y[:, None], noise_words(noise, (len(y), negatives), rng)], axis=1)
        names += ["target"] + [f"noise{k}" for k in range(1, negatives + 1)]
    return Dataset(x.astype(np.int64), y, WORD_CONTEXT, f"{name}-{method}", feature_names=names,
                   class_names=vocab.tokens)


def cooccurrence_counts(ids: np.ndarray, window: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (M, 2), X_ij (M,)): symmetric counts within ``window`` words, each weighted 1 / distance."""
    keys, weights = [], []
    for offset in range(1, window + 1):
        left, right = ids[:-offset], ids[offset:]
        keys += [left * size + right, right * size + left]
        weights += [np.full(2 * len(left), 1.0 / offset)]
    unique, where = np.unique(np.concatenate(keys), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate(weights))
    return np.stack([unique // size, unique % size], axis=1), counts


@datasets.register("cooccurrence", "glove_counts")
def cooccurrence(rng: np.random.Generator | None = None, path: str | None = None, corpus: str = "python_help",
                 limit: int | None = 200_000, sentences: int = 4000, window: int = 10, min_count: int = 5,
                 x_max: float = 100.0, alpha: float = 0.75) -> Dataset:
    """GloVe's co-occurrence entries from a corpus (see the module doc)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    window = _positive("window", window)
    if not x_max > 0 or not 0 < alpha <= 1:
        raise ConfigError(f"cooccurrence: x_max must be > 0 and alpha in (0, 1], got {x_max} and {alpha}")
    tokens, name = corpus_tokens(rng, path, corpus, limit, sentences)
    vocab = Vocabulary.build(tokens, min_count=min_count)
    pairs, counts = cooccurrence_counts(vocab.encode(tokens), window, len(vocab))
    weight = np.minimum(1.0, (counts / x_max) ** alpha)
    y = np.stack([np.log(counts), weight], axis=1)
    return Dataset(pairs.astype(np.int64), y, COOCCURRENCE, f"{name}-cooccurrence", feature_names=["word", "context"],
                   class_names=vocab.tokens)
