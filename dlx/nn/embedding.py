"""Embedding: a learned dense vector per token (notes: word representations), a table lookup.

Vectors trained elsewhere (word2vec's text format: an optional "V d" line, then a word and its
d numbers per line, ``read_word_vectors``) start the table with ``pretrained: FILE``; a text data
set given the same file as ``vectors`` numbers its words in the file's order after ``<pad>`` and
``<unk>``, so row 2 + i is the file's word i. ``frozen: true`` keeps them as they are.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import ConfigError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.embedding import embedding
from dlx.registry import layers
from dlx.tensor import Tensor


@layers.register("embedding")
class Embedding(Module):
    """Map integer tokens to learned vectors: y[n, t] = W[x[n, t]].

    The same as a dense layer on one-hot vectors, without building them.

    Args:
        vocab_size (int): number of tokens V; inputs lie in [0, V).
        dim (int): length E of each vector.
        init (str or dict, default "uniform"): initialiser of W (V, E); "uniform" is U(-0.05, 0.05).
        pretrained (str, default None): a word2vec text file whose vectors fill rows 2, 3, ... (rows 0
            and 1, ``<pad>`` and ``<unk>``, start at zero); vocab_size must be 2 + its words, dim its length.
        rng: generator for the initial table; otherwise built (seeded) with the model.

    Shape:
        input integer (N, T) (any shape), output (N, T, E).

    Example::

        >>> layer = Embedding(10, 4, rng=np.random.default_rng(0))
        >>> layer(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    per_step = True

    def __init__(self, vocab_size: int, dim: int, init="uniform", pretrained: str | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__()
        for what, value in (("vocab_size", vocab_size), ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"embedding: {what} must be a positive integer, got {value!r}")
        self.vocab_size, self.dim, self.init, self.pretrained = int(vocab_size), int(dim), init, pretrained
        self.built = False
        if rng is not None:
            self.build((), rng)

    @staticmethod
    def example():
        return {"vocab_size": 7, "dim": 3}, (5,)

    @staticmethod
    def example_input(rng, shape):
        """Integer tokens for the common layer tests."""
        return rng.integers(0, 7, shape)

    def output_shape(self, input_shape):
        return tuple(input_shape) + (self.dim,)

    def build(self, input_shape, rng):
        if self.pretrained is not None:
            self.weight = Parameter(self.pretrained_table())
        else:
            self.weight = Parameter(get_initialiser(self.init)((self.vocab_size, self.dim), self.vocab_size,
                                                               self.dim, rng))
        self.built = True

    def get_config(self) -> dict:
        """Without ``pretrained``: a saved model holds the table, and a run opened elsewhere needs no file."""
        config = super().get_config()
        config.pop("pretrained", None)
        return config

    def pretrained_table(self) -> np.ndarray:
        """(vocab_size, dim): zero rows for <pad> and <unk>, then the file's vectors."""
        _, vectors = read_word_vectors(self.pretrained)
        if vectors.shape != (self.vocab_size - 2, self.dim):
            raise ConfigError(f"embedding: '{self.pretrained}' holds {len(vectors)} vectors of {vectors.shape[1]}; "
                              f"set vocab_size: {len(vectors) + 2} (the words, <pad> and <unk>) and dim: "
                              f"{vectors.shape[1]}")
        return np.vstack([np.zeros((2, self.dim), np.float32), vectors])

    def forward(self, x) -> Tensor:
        return embedding(self.weight, x)


def read_word_vectors(path) -> tuple[list[str], np.ndarray]:
    """(words, vectors (V, d) float32) of a word2vec text file; the first line "V d" may be left out.

    A missing, non-UTF-8 or malformed file is a ConfigError naming the line.
    """
    file = Path(str(path)).expanduser()
    if not file.is_file():
        raise ConfigError(f"word vectors: no file '{path}'; give a word2vec text file (a word and its numbers per "
                          f"line)")
    try:
        lines = [line.split() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise ConfigError(f"word vectors: '{path}' is not UTF-8 text; give a word2vec text file (the binary format "
                          f"is not read)") from None
    if lines and len(lines[0]) == 2 and all(part.isdigit() for part in lines[0]):
        lines = lines[1:]
    if not lines:
        raise ConfigError(f"word vectors: '{path}' holds no vector")
    dim, words, rows = len(lines[0]) - 1, [], []
    for number, parts in enumerate(lines, start=1):
        try:
            if len(parts) - 1 != dim or dim < 1:
                raise ValueError
            rows.append([float(x) for x in parts[1:]])
        except ValueError:
            raise ConfigError(f"word vectors: '{path}' vector {number} ('{parts[0][:20]}') is not a word followed "
                              f"by {max(dim, 1)} or more numbers as the first one; give a word2vec text file") from None
        words.append(parts[0])
    return words, np.array(rows, np.float32)
