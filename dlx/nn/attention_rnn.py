"""Attention for recurrent encoder-decoders (TOPICS [N]): scores, weights over the valid steps, context.

The decoder's state q (the query) is compared with every encoder state h_j (the keys)
by a score e_j; the weights a = softmax(e) over the valid (unpadded) steps only
(``dlx.ops.masked_softmax``) average the encoder states into the context c = sum_j a_j h_j.

- ``additive`` (Bahdanau et al. 2015): e_j = v^T tanh(q W_q + h_j W_k + b), with q the
  decoder's previous state (the context feeds the step that follows);
- ``dot`` (Luong et al. 2015): e_j = q . h_j (q and h_j of one size);
- ``general`` (Luong): e_j = q W_a h_j^T;
- ``concat`` (Luong): e_j = v^T tanh([q; h_j] W + b), the additive form from the current state.

All take queries of shape (N, T_q, H_q), so that a whole teacher-forced target sequence
(Luong) is scored in one product and a single decoding step is T_q = 1. ``prepare(keys)``
computes the key side once per source sequence.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.masked_softmax import masked_softmax
from dlx.ops.shape import reshape, transpose
from dlx.tensor import Tensor

SCORES = ("additive", "dot", "general", "concat")


class Attention(Module):
    """Base class: ``forward(query, keys, mask, prepared=None) -> (context, weights)``.

    Args:
        query_size (int): H_q, the decoder state's size.
        key_size (int): H_k, the encoder state's size.
        units (int, default None): size A of the hidden layer of additive and concat scores (None: H_q).
        rng: generator for the initial weights.

    Shape:
        query (N, T_q, H_q), keys (N, T_s, H_k), mask (N, T_s) bool -> context (N, T_q, H_k),
        weights (N, T_q, T_s), each row summing to 1 over the valid steps.
    """

    score = ""

    def __init__(self, query_size: int, key_size: int, units: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__()
        self.query_size, self.key_size = int(query_size), int(key_size)
        self.units = int(units) if units is not None else self.query_size
        rng = rng if rng is not None else np.random.default_rng(0)
        self.make_weights(rng)

    def _weight(self, shape, rng) -> Parameter:
        return Parameter(get_initialiser("glorot_uniform")(shape, shape[0], shape[-1], rng))

    def make_weights(self, rng) -> None:
        """Create the score's parameters (none for dot)."""

    def prepare(self, keys: Tensor) -> Tensor:
        """The key side of the score, computed once per source sequence: (N, T_s, ...)."""
        return keys

    def scores(self, query: Tensor, prepared: Tensor) -> Tensor:
        """e (N, T_q, T_s)."""
        raise NotImplementedError

    def forward(self, query: Tensor, keys: Tensor, mask, prepared: Tensor | None = None):
        prepared = self.prepare(keys) if prepared is None else prepared
        e = self.scores(query, prepared)  # (N, T_q, T_s)
        keep = np.ones(e.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)[:, None, :]
        weights = masked_softmax(e, keep)  # (N, T_q, T_s), zero at padded source steps
        return weights @ keys, weights  # context (N, T_q, H_k)


class AdditiveAttention(Attention):
    """Bahdanau's score e_j = v^T tanh(q W_q + h_j W_k + b); W_q (H_q, A), W_k (H_k, A), b (A,), v (A,)."""

    score = "additive"

    def make_weights(self, rng) -> None:
        self.w_query = self._weight((self.query_size, self.units), rng)
        self.w_key = self._weight((self.key_size, self.units), rng)
        self.b = Parameter(np.zeros(self.units, dtype=np.float32))
        self.v = Parameter((rng.uniform(-1, 1, self.units) / np.sqrt(self.units)).astype(np.float32))

    def prepare(self, keys):
        return keys @ self.w_key + self.b  # (N, T_s, A)

    def scores(self, query, prepared):
        n, steps, _ = query.shape
        q = reshape(query @ self.w_query, (n, steps, 1, self.units))  # (N, T_q, 1, A)
        k = reshape(prepared, (n, 1, prepared.shape[1], self.units))  # (N, 1, T_s, A)
        return (q + k).tanh() @ self.v  # (N, T_q, T_s)


class ConcatAttention(AdditiveAttention):
    """Luong's concat score v^T tanh([q; h_j] W + b): W split into its query and key rows, so it is
    computed as ``AdditiveAttention`` (here from the current decoder state)."""

    score = "concat"


class DotAttention(Attention):
    """Luong's dot score e_j = q . h_j; needs H_q = H_k; no parameters."""

    score = "dot"

    def make_weights(self, rng) -> None:
        if self.query_size != self.key_size:
            raise ShapeError(f"dot attention needs decoder and encoder states of one size, got "
                             f"{self.query_size} and {self.key_size}; use general or additive attention")

    def scores(self, query, prepared):
        return query @ transpose(prepared, (0, 2, 1))  # (N, T_q, H) @ (N, H, T_s)


class GeneralAttention(DotAttention):
    """Luong's general score e_j = q W_a h_j^T: the keys mapped by W_a (H_k, H_q) once, then a dot."""

    score = "general"

    def make_weights(self, rng) -> None:
        self.w = self._weight((self.key_size, self.query_size), rng)

    def prepare(self, keys):
        return keys @ self.w  # (N, T_s, H_q)


ATTENTIONS = {cls.score: cls for cls in (AdditiveAttention, DotAttention, GeneralAttention, ConcatAttention)}


def make_attention(score: str, query_size: int, key_size: int, units: int | None, rng) -> Attention:
    """The attention of ``score`` (one of ``SCORES``)."""
    if score not in ATTENTIONS:
        raise ConfigError(f"attention must be one of {', '.join(SCORES)} or null, got {score!r}")
    return ATTENTIONS[score](query_size, key_size, units, rng)
