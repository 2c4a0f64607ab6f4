"""Text classifiers over padded word ids (N, T), id 0 the padding (TOPICS [N]).

- ``text_cnn`` (Kim 2014): word vectors, one 1-D convolution per width (3, 4, 5: n-gram
  detectors) with ReLU, max-over-time pooling (each filter's strongest match anywhere in the
  text), the pooled features concatenated, dropout, a dense layer to the classes.
- ``bag_of_words``: multinomial logistic regression on word counts: logits = sum over the
  text's words of W[word] + b (a table of one weight per word and class), padding left out.
  The baseline a text model must beat, and a model whose word weights LIME can be checked against.

An RNN classifier needs no class of its own: ``embedding``, ``lstm`` (the last state of each
text: the padding is masked) and ``dense`` layers in a config (configs/docstrings_lstm.yaml).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.nn import Conv1D, Dense, Embedding, Module
from dlx.nn.module import Parameter
from dlx.nn.regularization import Dropout
from dlx.ops import concatenate, transpose
from dlx.registry import models


def _ids(x) -> np.ndarray:
    return np.asarray(getattr(x, "data", x)).astype(np.int64)


def _positive(owner: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


@models.register("text_cnn")
class TextCNN(Module):
    """Kim's (2014) convolutional text classifier.

    Args:
        output_size (int): number of outputs (given by the data set).
        vocab_size (int): rows of the word table; word ids lie in [0, vocab_size).
        dim (int, default 64): length of each word vector.
        filters (int, default 64): filters per width.
        widths (list of int, default [3, 4, 5]): convolution widths (n-gram lengths).
        dropout (float, default 0.5): dropout on the pooled features.

    Shape:
        input integer (N, T) word ids (texts shorter than the widest filter are padded), output (N, output_size).
    """

    def __init__(self, output_size: int, vocab_size: int, dim: int = 64, filters: int = 64,
                 widths: list[int] = (3, 4, 5), dropout: float = 0.5):
        super().__init__()
        self.output_size = _positive("text_cnn", "output_size", output_size)
        self.vocab_size = _positive("text_cnn", "vocab_size", vocab_size)
        self.dim, self.filters = _positive("text_cnn", "dim", dim), _positive("text_cnn", "filters", filters)
        self.widths = [_positive("text_cnn", "widths", w) for w in widths]
        if not self.widths or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"text_cnn: give at least one width and a dropout in [0, 1), got {list(widths)} "
                              f"and {dropout}")
        self.dropout = float(dropout)
        self.built = False

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ConfigError(f"text_cnn: expects word ids (T,) per text, got shape {tuple(input_shape)}")
        return (self.output_size,)

    def build(self, input_shape, rng):
        self.embedding = Embedding(self.vocab_size, self.dim, rng=rng)
        self.convolutions = [Conv1D(self.filters, w, in_channels=self.dim, rng=rng) for w in self.widths]
        self.drop = Dropout(self.dropout, rng=rng)
        self.dense = Dense(self.output_size)
        self.dense.build((self.filters * len(self.widths),), rng)
        self.built = True

    def forward(self, x):
        ids = _ids(x)
        if ids.shape[1] < max(self.widths):  # pad short texts so that every filter fits once
            ids = np.pad(ids, ((0, 0), (0, max(self.widths) - ids.shape[1])))
        words = transpose(self.embedding(ids), (0, 2, 1))  # (N, dim, T)
        pooled = [conv(words).relu().max(axis=2) for conv in self.convolutions]  # each (N, filters)
        return self.dense(self.drop(concatenate(pooled, axis=1)))

    def get_config(self) -> dict:
        return {"name": "text_cnn", "output_size": self.output_size, "vocab_size": self.vocab_size, "dim": self.dim,
                "filters": self.filters, "widths": list(self.widths), "dropout": self.dropout}


@models.register("bag_of_words")
class BagOfWords(Module):
    """Logistic regression on word counts: logits = sum_t W[x_t] + b over the non-padding words.

    Args:
        output_size (int): number of outputs (given by the data set).
        vocab_size (int): rows of the weight table; word ids lie in [0, vocab_size).

    Shape:
        input integer (N, T) word ids, 0 the padding; output (N, output_size).
    """

    def __init__(self, output_size: int, vocab_size: int):
        super().__init__()
        self.output_size = _positive("bag_of_words", "output_size", output_size)
        self.vocab_size = _positive("bag_of_words", "vocab_size", vocab_size)
        self.built = False

    def output_shape(self, input_shape):
        return (self.output_size,)

    def build(self, input_shape, rng):
        self.table = Embedding(self.vocab_size, self.output_size, init="zeros", rng=rng)  # W: a row per word
        self.b = Parameter(np.zeros(self.output_size, np.float32))
        self.built = True

    def forward(self, x):
        ids = _ids(x)
        present = (ids != 0).astype(np.float32)[:, :, None]  # (N, T, 1): padding counts nothing
        return (self.table(ids) * present).sum(axis=1) + self.b

    def word_weights(self) -> np.ndarray:
        """(V, C): each word's weight per class."""
        return self.table.weight.data

    def get_config(self) -> dict:
        return {"name": "bag_of_words", "output_size": self.output_size, "vocab_size": self.vocab_size}
