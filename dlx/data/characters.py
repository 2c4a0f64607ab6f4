"""A character corpus for language models, and the n-gram baselines to beat (TOPICS [N]).

``CharCorpus`` holds a text, its vocabulary (the sorted distinct characters), encodes and
decodes, splits off held-out text and cuts training windows (input, next character).
Without a text it uses Python's own documentation, ``pydoc_data.topics`` (shipped with
CPython, about 0.5 MB of English prose and code), so nothing is downloaded.

The baselines give bits per character on held-out text, -mean log2 p(c_t | context), with
add-one (Laplace) smoothing, so that unseen characters have a probability:
unigram p(c) = (count(c) + 1) / (N + V), bigram p(b | a) = (count(a b) + 1) / (count(a) + V).
A character language model is worth something only below the bigram figure. On the
default text (200,000 characters, V = 100, the last 10% held out): unigram 5.06 bits per
character, bigram 3.51 (log2 V = 6.64 for guessing uniformly).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, DataError


def default_text(limit: int | None = 200_000) -> str:
    """Python's help topics (``pydoc_data.topics``), in sorted order, at most ``limit`` characters."""
    from pydoc_data.topics import topics
    text = "\n".join(topics[key] for key in sorted(topics))
    return text if limit is None else text[:limit]


class CharCorpus:
    """A text as integer tokens, one per character.

    Args:
        text (str, default None): the corpus; ``default_text()`` if None.

    Example::

        >>> corpus = CharCorpus("hello world")
        >>> corpus.decode(corpus.encode("hello"))
        'hello'
        >>> x, y = corpus.windows(4, rng=np.random.default_rng(0))   # y is x shifted by one
    """

    def __init__(self, text: str | None = None):
        self.text = default_text() if text is None else str(text)
        if len(self.text) < 2:
            raise DataError("CharCorpus: the text needs at least two characters")
        self.vocabulary = sorted(set(self.text))
        self.index = {c: i for i, c in enumerate(self.vocabulary)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise DataError(f"CharCorpus: characters {unknown[:5]} are not in the vocabulary; "
                            f"build the corpus from a text that contains them")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, tokens) -> str:
        return "".join(self.vocabulary[int(t)] for t in np.asarray(tokens).reshape(-1))

    def split(self, held_out: float = 0.1) -> tuple[str, str]:
        """(training text, held-out text): the last ``held_out`` fraction is held out (no shuffling:
        neighbouring characters must not be split between the two)."""
        if not 0.0 < held_out < 1.0:
            raise ConfigError(f"held_out must lie in (0, 1), got {held_out}")
        cut = int(round(len(self.text) * (1.0 - held_out)))
        return self.text[:cut], self.text[cut:]

    def windows(self, length: int, n: int | None = None, text: str | None = None,
                rng: np.random.Generator | None = None):
        """Training pairs for next-character prediction.

        Args:
            length (int): characters per window T.
            n (int, default None): windows drawn at random starts; None: consecutive windows
                that tile the text (stride T).
            text (str, default None): cut from this text (e.g. the training part of ``split``),
                else the whole corpus.
            rng: generator for the random starts.

        Returns:
            x (n, T) int64, y (n, T) int64 with y[:, t] = x[:, t + 1] (the next character).
        """
        tokens = self.encode(self.text if text is None else text)
        if length < 1 or len(tokens) < length + 1:
            raise ConfigError(f"windows: length must be in [1, {len(tokens) - 1}], got {length}")
        if n is None:
            starts = np.arange(0, len(tokens) - length, length)
        else:
            rng = rng if rng is not None else np.random.default_rng(0)
            starts = rng.integers(0, len(tokens) - length, n)
        offsets = starts[:, None] + np.arange(length + 1)[None, :]
        chunks = tokens[offsets]  # (n, T + 1)
        return chunks[:, :-1], chunks[:, 1:]


def unigram_bits_per_char(train: str, test: str, vocabulary) -> float:
    """Held-out bits per character of p(c) = (count(c) + 1) / (N + V)."""
    index = {c: i for i, c in enumerate(vocabulary)}
    counts = np.bincount([index[c] for c in train], minlength=len(index)) + 1.0
    probabilities = counts / counts.sum()
    return float(-np.mean(np.log2(probabilities[[index[c] for c in test]])))


def bigram_bits_per_char(train: str, test: str, vocabulary) -> float:
    """Held-out bits per character of p(b | a) = (count(a b) + 1) / (count(a) + V); the first test
    character is predicted by the last training character."""
    index = {c: i for i, c in enumerate(vocabulary)}
    V = len(index)
    train_tokens = np.array([index[c] for c in train])
    pairs = np.zeros((V, V))
    np.add.at(pairs, (train_tokens[:-1], train_tokens[1:]), 1.0)
    pairs += 1.0
    conditional = pairs / pairs.sum(axis=1, keepdims=True)
    test_tokens = np.array([index[train[-1]]] + [index[c] for c in test])
    return float(-np.mean(np.log2(conditional[test_tokens[:-1], test_tokens[1:]])))
