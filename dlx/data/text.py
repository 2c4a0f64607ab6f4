"""Text as tokens (TOPICS [N]): tokenisation, a vocabulary, frequent-word subsampling, corpora.

A corpus is any UTF-8 text file, or the built-in text (Python's help topics,
``pydoc_data``: nothing is downloaded)::

    text = read_corpus(None)                       # the built-in text
    tokens = tokenise(text, "words")               # ["the", "with", "statement", ...]
    vocab = Vocabulary.build(tokens, min_count=5)  # index 0 is the unknown token "<unk>"
    ids = vocab.encode(tokens)                     # rare words become 0
    kept = subsample(ids, vocab.counts, 1e-3, rng) # frequent words dropped at random

Subsampling (Mikolov et al. 2013, the word2vec C code): a word of corpus frequency f
is kept with probability min(1, (sqrt(f / t) + 1) t / f), so "the" is mostly dropped
and rare words always kept; t (``threshold``) is typically 1e-3 to 1e-5.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from dlx.data.characters import default_text
from dlx.data.sources import note_data_file
from dlx.errors import ConfigError, DataError

UNKNOWN = "<unk>"
PADDING = "<pad>"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]", re.IGNORECASE)  # words, numbers, single punctuation
LEVELS = ("words", "characters")


def tokenise(text: str, level: str = "words", lowercase: bool = True, punctuation: bool = False) -> list[str]:
    """The tokens of ``text``.

    Args:
        level (default "words"): "words" (letters and digits, an apostrophe inside a word kept:
            "don't") or "characters" (every character, spaces included).
        lowercase (default True): fold case first.
        punctuation (default False): keep punctuation marks as tokens of their own (words only).

    Example::

        >>> tokenise("The cat, the hat.")
        ['the', 'cat', 'the', 'hat']
    """
    if level not in LEVELS:
        raise ConfigError(f"tokenise: level must be one of {', '.join(LEVELS)}, got {level!r}")
    text = text.lower() if lowercase else text
    if level == "characters":
        return list(text)
    tokens = WORD.findall(text)
    return tokens if punctuation else [t for t in tokens if t[0].isalnum()]


class Vocabulary:
    """Tokens <-> integer ids, most frequent first, with an unknown token (and optionally padding).

    Args:
        tokens (list of str): the vocabulary in id order.
        counts (array, default None): how often each token occurred in the corpus it was built from.

    Example::

        >>> vocab = Vocabulary.build("a b a c a".split(), min_count=2)
        >>> vocab.tokens, vocab.encode(["a", "c"]).tolist()
        (['<unk>', 'a'], [1, 0])
    """

    def __init__(self, tokens: list[str], counts=None):
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise DataError("vocabulary: a token appears twice; give each token once")
        self.counts = np.zeros(len(self.tokens), np.int64) if counts is None else np.asarray(counts, np.int64)

    @classmethod
    def build(cls, tokens, min_count: int = 1, max_size: int | None = None, padding: bool = False) -> "Vocabulary":
        """The tokens seen at least ``min_count`` times (at most ``max_size`` of the most frequent), after
        ``<pad>`` (id 0, if ``padding``) and ``<unk>``; the rest count as unknown. Ties go alphabetically."""
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ConfigError(f"vocabulary: min_count must be a positive integer, got {min_count!r}")
        counted = Counter(tokens)
        kept = sorted((t for t, c in counted.items() if c >= min_count and t not in (UNKNOWN, PADDING)),
                      key=lambda t: (-counted[t], t))
        kept = kept[:max_size] if max_size else kept
        if not kept:
            raise DataError(f"vocabulary: no token occurs {min_count} times or more in a corpus of {len(tokens)} "
                            f"tokens; lower min_count or give a longer text")
        special = [PADDING] * padding + [UNKNOWN]
        unknown = sum(counted.values()) - sum(counted[t] for t in kept)
        return cls(special + kept, [0] * padding + [unknown] + [counted[t] for t in kept])

    @property
    def unknown_id(self) -> int:
        return self.index[UNKNOWN]

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens) -> np.ndarray:
        """Ids of ``tokens``; tokens outside the vocabulary get the unknown id."""
        unknown = self.unknown_id
        return np.array([self.index.get(t, unknown) for t in tokens], dtype=np.int64)

    def id_of(self, token: str) -> int:
        """The id of one token a user asked for; DataError naming it (and the closest known) if unknown."""
        if token not in self.index or token in (UNKNOWN, PADDING):
            from dlx.registry import closest
            guess = closest(token, [t for t in self.tokens if t not in (UNKNOWN, PADDING)])
            hint = f" Did you mean '{guess}'?" if guess else ""
            raise DataError(f"the word '{token}' is not in the vocabulary ({len(self)} words).{hint} "
                            f"Pick a word of the training text")
        return self.index[token]


def keep_probabilities(counts: np.ndarray, threshold: float) -> np.ndarray:
    """Per id, the probability min(1, (sqrt(f / t) + 1) t / f) of keeping a word of frequency f (0 counts: 1)."""
    if threshold <= 0:
        return np.ones(len(counts))
    frequency = counts / max(counts.sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(frequency / threshold) + 1.0) * threshold / frequency
    return np.where(frequency > 0, np.minimum(keep, 1.0), 1.0)


def subsample(ids: np.ndarray, counts: np.ndarray, threshold: float, rng: np.random.Generator) -> np.ndarray:
    """``ids`` with frequent words dropped at random (see the module doc); 0 or less keeps everything."""
    if threshold <= 0:
        return ids
    return ids[rng.random(len(ids)) < keep_probabilities(counts, threshold)[ids]]


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """Negative-sampling noise: P(w) proportional to count(w)^power (the unigram^0.75 of word2vec)."""
    weights = np.asarray(counts, np.float64) ** power
    if weights.sum() <= 0:
        raise DataError("negative sampling: the vocabulary has no counted word")
    return weights / weights.sum()


def read_corpus(path: str | None, limit: int | None = None, what: str = "corpus") -> str:
    """The text of the UTF-8 file ``path`` (None: the built-in help text), at most ``limit`` characters.

    An empty file, a folder, a binary or non-UTF-8 file is a DataError of one line.
    """
    if path is None:
        return default_text(limit)
    file = Path(str(path)).expanduser()
    if not file.is_file():
        what_is = "is a folder" if file.is_dir() else "does not exist"
        raise DataError(f"{what}: '{path}' {what_is}; give dataset.options.path of a UTF-8 text file, "
                        f"or leave it out for the built-in text")
    data = file.read_bytes()
    note_data_file(file)
    if b"\x00" in data[:65536]:
        raise DataError(f"{what}: '{path}' is a binary file (it holds NUL bytes); give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{what}: '{path}' is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                        f"{error.start}); convert it, e.g. iconv -t utf-8") from None
    if not text.strip():
        raise DataError(f"{what}: '{path}' is empty; give a file with text in it")
    return text if limit is None else text[:limit]
