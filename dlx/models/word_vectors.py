"""Word-vector models (TOPICS [N]): word2vec (skip-gram, CBOW; full softmax or negative sampling) and GloVe.

Both are tables of vectors trained by the one trainer on the rows of ``dlx.data.word_sets``::

    model: {name: word2vec, options: {dim: 50, negatives: 5}}   # with dataset word_contexts
    model: {name: glove, options: {dim: 50}}                    # with dataset cooccurrence

word2vec (Mikolov et al. 2013): h = the mean of the input words' vectors W_in[w] (one word for
skip-gram, the 2 window words for CBOW). Full softmax scores every word v as h . W_out[v]
(N, V logits for cross-entropy); negative sampling scores only the row's target and its K
noise words (N, 1 + K), trained with ``negative_sampling``. The word vectors are W_in.

GloVe (Pennington et al. 2014): log X_ij ~ w_i . w~_j + b_i + b~_j, trained with the ``glove``
loss; the word vectors are w + w~ (the paper's choice).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn import Module
from dlx.nn.module import Parameter
from dlx.ops import embedding, matmul, transpose, word_scores
from dlx.registry import models


def _positive(owner: str, name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{owner}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _ids(x) -> np.ndarray:
    ids = np.asarray(getattr(x, "data", x))
    return ids if ids.dtype.kind in "iu" else ids.astype(np.int64)  # integer ids as they are: no copy


@models.register("word2vec")
class Word2Vec(Module):
    """Skip-gram or CBOW word vectors with a full softmax (``negatives: 0``) or negative sampling.

    Args:
        output_size (int): the vocabulary size V (given by the data set).
        dim (int, default 100): length of each word vector.
        negatives (int, default 5): K noise words per row, as the data set's ``negatives``; 0: full softmax.

    Shape:
        input integer (N, I) input words (then target and K noise words with negative sampling);
        output (N, V) logits (full softmax) or (N, 1 + K) scores (negative sampling).
    """

    def __init__(self, output_size: int, dim: int = 100, negatives: int = 5):
        super().__init__()
        self.output_size = _positive("word2vec", "output_size", output_size, 2)
        self.dim = _positive("word2vec", "dim", dim)
        self.negatives = _positive("word2vec", "negatives", negatives, 0)
        self.built = False

    def inputs(self, input_shape) -> int:
        """How many of the columns are input words."""
        columns = int(input_shape[0]) if len(input_shape) == 1 else 0
        inputs = columns - (1 + self.negatives if self.negatives else 0)
        if inputs < 1:
            raise ShapeError(f"word2vec: rows of {columns} columns hold no input word with negatives="
                             f"{self.negatives}; give the model the data set's negatives")
        return inputs

    def output_shape(self, input_shape):
        self.inputs(input_shape)
        return (1 + self.negatives,) if self.negatives else (self.output_size,)

    def build(self, input_shape, rng):
        self.n_inputs = self.inputs(input_shape)
        # word2vec's initialisation: input vectors U(-0.5/d, 0.5/d), output vectors zero
        self.input_vectors = Parameter(rng.uniform(-0.5, 0.5, (self.output_size, self.dim)) / self.dim,
                                       dtype=np.float32)
        self.output_vectors = Parameter(np.zeros((self.output_size, self.dim), np.float32))
        self.built = True

    def forward(self, x):
        ids = _ids(x)
        if not self.negatives:
            hidden = embedding(self.input_vectors, ids[:, :self.n_inputs]).mean(axis=1)  # (N, d)
            return matmul(hidden, transpose(self.output_vectors))  # (N, V)
        # the lookups and products fused in one operation (one tape node per batch)
        return word_scores(self.input_vectors, self.output_vectors, ids[:, :self.n_inputs], ids[:, self.n_inputs:])

    def word_vectors(self) -> np.ndarray:
        """(V, d): the input vectors."""
        return self.input_vectors.data

    def get_config(self) -> dict:
        return {"name": "word2vec", "output_size": self.output_size, "dim": self.dim, "negatives": self.negatives}


@models.register("glove")
class GloVe(Module):
    """GloVe: log X_ij ~ w_i . w~_j + b_i + b~_j.

    Args:
        output_size (int): the vocabulary size V (given by the data set).
        dim (int, default 100): length of each word vector.

    Shape:
        input integer (N, 2) pairs (i, j), output (N, 1).
    """

    def __init__(self, output_size: int, dim: int = 100):
        super().__init__()
        self.output_size = _positive("glove", "output_size", output_size, 2)
        self.dim = _positive("glove", "dim", dim)
        self.built = False

    def output_shape(self, input_shape):
        if tuple(input_shape) != (2,):
            raise ShapeError(f"glove: expects rows of two word ids (i, j), got shape {tuple(input_shape)}; "
                             f"use the cooccurrence data set")
        return (1,)

    def build(self, input_shape, rng):
        shape = (self.output_size, self.dim)
        self.word = Parameter(rng.uniform(-0.5, 0.5, shape) / self.dim, dtype=np.float32)
        self.context = Parameter(rng.uniform(-0.5, 0.5, shape) / self.dim, dtype=np.float32)
        self.word_bias = Parameter(np.zeros((self.output_size, 1), np.float32))
        self.context_bias = Parameter(np.zeros((self.output_size, 1), np.float32))
        self.built = True

    def forward(self, x):
        ids = _ids(x)
        i, j = ids[:, 0], ids[:, 1]
        dot = (embedding(self.word, i) * embedding(self.context, j)).sum(axis=-1, keepdims=True)  # (N, 1)
        return dot + embedding(self.word_bias, i) + embedding(self.context_bias, j)

    def word_vectors(self) -> np.ndarray:
        """(V, d): w + w~."""
        return self.word.data + self.context.data

    def get_config(self) -> dict:
        return {"name": "glove", "output_size": self.output_size, "dim": self.dim}
