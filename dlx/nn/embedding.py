"""Embedding: a learned dense vector per token (notes: word representations), a table lookup."""
from __future__ import annotations

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
        rng: generator for the initial table; otherwise built (seeded) with the model.

    Shape:
        input integer (N, T) (any shape), output (N, T, E).

    Example::

        >>> layer = Embedding(10, 4, rng=np.random.default_rng(0))
        >>> layer(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    per_step = True

    def __init__(self, vocab_size: int, dim: int, init="uniform", rng: np.random.Generator | None = None):
        super().__init__()
        for what, value in (("vocab_size", vocab_size), ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"embedding: {what} must be a positive integer, got {value!r}")
        self.vocab_size, self.dim, self.init = int(vocab_size), int(dim), init
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
        self.weight = Parameter(get_initialiser(self.init)((self.vocab_size, self.dim), self.vocab_size,
                                                           self.dim, rng))
        self.built = True

    def forward(self, x) -> Tensor:
        return embedding(self.weight, x)
