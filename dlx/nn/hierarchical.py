"""Hierarchical attention for document classification (Yang et al. 2016; TOPICS [N]).

A document is sentences of words. A bidirectional GRU reads each sentence's words and
an attention with a learned context vector u_w pools them into a sentence vector:
e_t = u_w . tanh(h_t W + b), a = softmax(e) over the sentence's real words, s = sum_t a_t h_t.
A second bidirectional GRU reads the sentence vectors, and a second attention (context u_s)
pools them into the document vector, which a dense layer classifies. The weights show
which sentence, and which words in it, decided the class.

A config says ``model: {name: han, options: {units: 32}}`` with a data set of documents
(N, S, W) of word tokens, 0 the padding (``documents``); ``lengths`` counts the sentences.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.embedding import Embedding
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.nn.recurrent import GRU
from dlx.ops.masked_softmax import masked_softmax
from dlx.ops.shape import reshape
from dlx.registry import models
from dlx.tensor import Tensor


class ContextAttention(Module):
    """Pool (N, T, H) states into (N, H) with weights softmax(u . tanh(h W + b)) over the valid steps.

    Args:
        size (int): H, the states' size; units (int): A, the hidden size of the score.
    """

    def __init__(self, size: int, units: int, rng: np.random.Generator):
        super().__init__()
        self.w = Parameter(get_initialiser("glorot_uniform")((size, units), size, units, rng))
        self.b = Parameter(np.zeros(units, dtype=np.float32))
        self.u = Parameter((rng.uniform(-1, 1, units) / np.sqrt(units)).astype(np.float32))  # the context vector

    def forward(self, states: Tensor, keep: np.ndarray):
        """(pooled (N, H), weights (N, T))."""
        n, steps, size = states.shape
        hidden = (reshape(states, (n * steps, size)) @ self.w + self.b).tanh()  # (N T, A)
        weights = masked_softmax(reshape(hidden @ self.u, (n, steps)), keep)  # (N, T)
        pooled = reshape(reshape(weights, (n, 1, steps)) @ states, (n, size))
        return pooled, weights


@models.register("han", "hierarchical_attention")
class HierarchicalAttention(Module):
    """Word GRU + attention -> sentence vectors; sentence GRU + attention -> document vector -> classes.

    Args:
        output_size (int): the number of classes (given by the data set).
        vocab_size (int): word tokens lie in [0, vocab_size), 0 the padding.
        embedding_dim (int, default 32), units (int, default 32, per direction),
        attention_units (int, default 32).

    Shape:
        input (N, S, W) int tokens and the (N, S) sentence mask -> logits (N, output_size).
    """

    takes_mask = True

    def __init__(self, output_size: int, vocab_size: int, embedding_dim: int = 32, units: int = 32,
                 attention_units: int = 32):
        super().__init__()
        for name, value in (("output_size", output_size), ("vocab_size", vocab_size),
                            ("embedding_dim", embedding_dim), ("units", units), ("attention_units", attention_units)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"han: {name} must be a positive integer, got {value!r}")
        self.output_size, self.vocab_size, self.embedding_dim = int(output_size), int(vocab_size), int(embedding_dim)
        self.units, self.attention_units = int(units), int(attention_units)
        self.built = False

    def output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ShapeError(f"han: expects documents of shape (sentences, words) per sample, got "
                             f"{tuple(input_shape)}")
        return (self.output_size,)

    def parameter_shapes(self, input_shape) -> list[tuple[int, ...]]:
        E, U, A, H = self.embedding_dim, self.units, self.attention_units, 2 * self.units
        gru = lambda d: [(d, 3 * U), (U, 3 * U), (3 * U,), (3 * U,)] * 2  # noqa: E731  (two directions)
        return [(self.vocab_size, E)] + gru(E) + gru(H) + [(H, A), (A,), (A,)] * 2 + [(H, self.output_size)]

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        E, U, H = self.embedding_dim, self.units, 2 * self.units
        self.embedding = Embedding(self.vocab_size, E, rng=rng)
        self.word_gru = GRU(U, return_sequences=True, bidirectional=True, in_features=E, rng=rng)
        self.word_attention = ContextAttention(H, self.attention_units, rng)
        self.sentence_gru = GRU(U, return_sequences=True, bidirectional=True, in_features=H, rng=rng)
        self.sentence_attention = ContextAttention(H, self.attention_units, rng)
        self.w_out = Parameter(get_initialiser("glorot_uniform")((H, self.output_size), H, self.output_size, rng))
        self.b_out = Parameter(np.zeros(self.output_size, dtype=np.float32))
        self.built = True

    def attend(self, x, mask=None):
        """(logits (N, C), word weights (N, S, W), sentence weights (N, S))."""
        tokens = np.asarray(getattr(x, "data", x))
        n, sentences, words = tokens.shape
        real = tokens != 0  # (N, S, W): the words; a padded sentence keeps one position so softmax has a row
        real[:, :, 0] = True
        sentence_keep = np.ones((n, sentences), bool) if mask is None else np.asarray(getattr(mask, "data", mask)) != 0
        flat = real.reshape(n * sentences, words)
        h = self.word_gru(self.embedding(tokens.reshape(n * sentences, words)), mask=flat)  # (N S, W, H)
        vectors, word_weights = self.word_attention(h, flat)  # (N S, H)
        hs = self.sentence_gru(reshape(vectors, (n, sentences, vectors.shape[1])), mask=sentence_keep)
        document, sentence_weights = self.sentence_attention(hs, sentence_keep)  # (N, H)
        logits = document @ self.w_out + self.b_out
        return logits, word_weights.data.reshape(n, sentences, words), sentence_weights.data

    def forward(self, x, mask=None):
        return self.attend(x, mask)[0]
