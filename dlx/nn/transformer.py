"""Transformer blocks (Vaswani et al. 2017): position-wise feed-forward, encoder and decoder layers, pooling.

An encoder layer is two residual sub-layers, self-attention and the feed-forward network.
Post-norm (the paper, PyTorch's default) normalises after each residual sum; pre-norm
(``norm_first``, GPT-2) normalises the input of each sub-layer and keeps the residual path
clean, which trains deep stacks without a warm-up::

    post-norm:  x = norm1(x + attention(x));   x = norm2(x + ffn(x))
    pre-norm:   x = x + attention(norm1(x));   x = x + ffn(norm2(x))

A decoder layer adds encoder-decoder attention on an encoder's output (``memory``) between
them; without memory (a decoder-only language model) it is the causal encoder layer. The
results equal PyTorch's ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer``
(batch_first, activation relu) with the weights copied and dropout 0.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.attention_layers import LayerNorm, MultiHeadAttention, flag, positive_int, sequence_features
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.nn.regularization import Dropout
from dlx.ops.activation import relu
from dlx.ops.attention import affine
from dlx.ops.elementwise import add, mul
from dlx.ops.reduce import mean
from dlx.ops.reduce import sum as sum_
from dlx.registry import layers
from dlx.tensor import Tensor


@layers.register("feed_forward", "position_wise_feed_forward", "ffn")
class FeedForward(Module):
    """The position-wise feed-forward network: y = relu(x W1 + b1) W2 + b2 at every step alike.

    Args:
        hidden (int, default 64): width of the hidden layer (the paper's d_ff = 4 d_model).
        dropout (float, default 0.0): dropout on the hidden layer in training.
        init (str or dict, default "glorot_uniform"): initialiser of W1 and W2.

    Shape:
        input (N, T, D), output (N, T, D). W1 (D, hidden), W2 (hidden, D).
    """

    per_step = True

    def __init__(self, hidden: int = 64, dropout: float = 0.0, init="glorot_uniform"):
        super().__init__()
        self.hidden = positive_int("feed_forward", "hidden", hidden)
        self.dropout, self.init = float(dropout), init
        self.drop = Dropout(self.dropout)
        self.built = False

    @staticmethod
    def example():
        return {"hidden": 5}, (3, 4)

    def output_shape(self, input_shape):
        return sequence_features("feed_forward", input_shape)

    def build(self, input_shape, rng):
        dim = self.output_shape(input_shape)[1]
        make = get_initialiser(self.init)
        self.w1 = Parameter(make((dim, self.hidden), dim, self.hidden, rng))
        self.b1 = Parameter(np.zeros(self.hidden, dtype=np.float32))
        self.w2 = Parameter(make((self.hidden, dim), self.hidden, dim, rng))
        self.b2 = Parameter(np.zeros(dim, dtype=np.float32))
        self.drop.build((), rng)
        self.built = True

    def count_multiply_adds(self, input_shape) -> int:
        steps, dim = input_shape
        return 2 * steps * dim * self.hidden

    def forward(self, x: Tensor) -> Tensor:
        return affine(self.drop(relu(affine(x, self.w1, self.b1))), self.w2, self.b2)


@layers.register("transformer_encoder_layer", "transformer_encoder")
class TransformerEncoderLayer(Module):
    """Self-attention and the feed-forward network, each in a residual connection with layer norm.

    Args:
        num_heads (int, default 4): attention heads; must divide the features D.
        hidden (int, default 64): the feed-forward width (PyTorch's dim_feedforward).
        dropout (float, default 0.0): dropout on each sub-layer's output and the feed-forward hidden layer.
        norm_first (bool, default False): pre-norm instead of the paper's post-norm.
        causal (bool, default False): step t attends to steps <= t only (a decoder-only model).
        eps (float, default 1e-5): layer norm's epsilon.

    Shape:
        input (N, T, D), mask (N, T) of real steps, output (N, T, D).

    Example::

        >>> layer = TransformerEncoderLayer(num_heads=2, hidden=16)
        >>> layer(Tensor(np.ones((3, 5, 8)))).shape
        (3, 5, 8)
    """

    takes_mask = True

    def __init__(self, num_heads: int = 4, hidden: int = 64, dropout: float = 0.0, norm_first: bool = False,
                 causal: bool = False, eps: float = 1e-5):
        super().__init__()
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ConfigError(f"{type(self).registry_name}: dropout must lie in [0, 1), got {dropout}")
        name = type(self).registry_name
        self.num_heads, self.hidden, self.dropout = num_heads, hidden, float(dropout)
        self.norm_first, self.causal = flag(name, "norm_first", norm_first), flag(name, "causal", causal)
        self.eps = float(eps)
        self.self_attention = MultiHeadAttention(num_heads, causal=causal)
        self.feed_forward = FeedForward(hidden, dropout)
        self.norm1, self.norm2 = LayerNorm(eps), LayerNorm(eps)
        self.drop1, self.drop2 = Dropout(self.dropout), Dropout(self.dropout)
        self.built = False

    @staticmethod
    def example():
        return {"num_heads": 2, "hidden": 5}, (3, 4)

    def output_shape(self, input_shape):
        sequence_features(type(self).registry_name, input_shape)
        return self.self_attention.output_shape(input_shape)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        for _, module in self.named_modules():
            if module is not self and not module.built:
                module.build(tuple(input_shape), rng)
        self.built = True

    def count_multiply_adds(self, input_shape) -> int:
        """Its attention blocks and feed-forward network (with memory of the input's length)."""
        attention = [m for m in (getattr(self, "cross_attention", None),) if m is not None]
        return sum(m.count_multiply_adds(input_shape) for m in [self.self_attention, *attention, self.feed_forward])

    def residual(self, x: Tensor, norm: LayerNorm, sublayer, drop: Dropout) -> Tensor:
        """x + drop(sublayer(norm(x))) (pre-norm) or norm(x + drop(sublayer(x))) (post-norm)."""
        if self.norm_first:
            return add(x, drop(sublayer(norm(x))))
        return norm(add(x, drop(sublayer(x))))

    def forward(self, x: Tensor, mask=None) -> Tensor:
        x = self.residual(x, self.norm1, lambda h: self.self_attention(h, mask), self.drop1)
        return self.residual(x, self.norm2, self.feed_forward, self.drop2)

    bounded_context = True  # its key-value cache grows with every step read

    @property
    def carries_state(self) -> bool:
        """Whether ``forward_stateful`` applies: causal self-attention, so earlier steps never see later ones."""
        return self.causal

    def forward_stateful(self, x, state: tuple | None = None, prepared=None) -> tuple[Tensor, tuple]:
        """(output, new state) for new steps ``x`` (N, t, D) after the steps whose keys and values are
        ``state`` (a key-value cache, see ``MultiHeadAttention.forward_cached``; None: none). In eval mode
        the output equals the last t steps of ``forward`` over everything read (a causal layer only);
        generation reads one step per call at the cost of that step."""
        return self._read_on(x if isinstance(x, Tensor) else Tensor(x), state, None, None)

    def _read_on(self, x: Tensor, state, memory, memory_mask) -> tuple[Tensor, tuple]:
        caches = []

        def attend(h, module, cache, **keys):
            out, new = module.forward_cached(h, cache, **keys)
            caches.extend(new)
            return out
        x = self.residual(x, self.norm1, lambda h: attend(h, self.self_attention, state[:2] if state else None), self.drop1)
        if memory is not None:
            cross = lambda h: attend(h, self.cross_attention, (state[2:] or None) if state else None,  # noqa: E731
                                     memory=memory, memory_mask=memory_mask)
            x = self.residual(x, self.norm3, cross, self.drop3)
        return self.residual(x, self.norm2, self.feed_forward, self.drop2), tuple(caches)


@layers.register("transformer_decoder_layer", "transformer_decoder")
class TransformerDecoderLayer(TransformerEncoderLayer):
    """Causal self-attention, encoder-decoder attention on ``memory``, the feed-forward network; each residual.

    Arguments as ``TransformerEncoderLayer`` (``causal`` defaults to True). ``forward(x, memory,
    mask, memory_mask)``: queries from the decoder's steps x (N, T, D), keys and values from the
    encoder's output memory (N, S, D) with its padding mask (N, S). Without memory the
    encoder-decoder block is skipped (a decoder-only model, as GPT).

    Shape:
        input (N, T, D), memory (N, S, D), output (N, T, D).
    """

    def __init__(self, num_heads: int = 4, hidden: int = 64, dropout: float = 0.0, norm_first: bool = False,
                 causal: bool = True, eps: float = 1e-5):
        super().__init__(num_heads, hidden, dropout, norm_first, causal, eps)
        self.cross_attention = MultiHeadAttention(num_heads)
        self.norm3, self.drop3 = LayerNorm(eps), Dropout(self.dropout)

    def forward(self, x: Tensor, memory: Tensor | None = None, mask=None, memory_mask=None) -> Tensor:
        x = self.residual(x, self.norm1, lambda h: self.self_attention(h, mask), self.drop1)
        if memory is not None:
            if memory.shape[-1] != x.shape[-1]:
                raise ShapeError(f"decoder: memory has {memory.shape[-1]} features, the decoder {x.shape[-1]}")
            cross = lambda h: self.cross_attention(h, memory=memory, memory_mask=memory_mask)  # noqa: E731
            x = self.residual(x, self.norm3, cross, self.drop3)
        return self.residual(x, self.norm2, self.feed_forward, self.drop2)

    def forward_stateful(self, x, state: tuple | None = None, prepared=None, memory: Tensor | None = None,
                         memory_mask=None) -> tuple[Tensor, tuple]:
        """As ``TransformerEncoderLayer.forward_stateful``; with ``memory`` the state also holds memory's
        keys and values for the encoder-decoder attention (projected on the first call):
        (self keys, self values, memory keys, memory values), each (N, H, S, dh)."""
        return self._read_on(x if isinstance(x, Tensor) else Tensor(x), state, memory, memory_mask)


@layers.register("sequence_mean", "masked_mean_pool")
class SequenceMean(Module):
    """The mean over the real steps of each sequence: (N, T, D) -> (N, D) (an encoder-only classifier's pooling).

    Shape:
        input (N, T, D), mask (N, T) of real steps, output (N, D).
    """

    takes_mask = True

    def output_shape(self, input_shape):
        return (sequence_features("sequence_mean", input_shape)[1],)

    def forward(self, x: Tensor, mask=None) -> Tensor:
        if mask is None:
            return mean(x, axis=1)
        real = np.asarray(mask, dtype=bool)  # (N, T)
        weights = real / np.maximum(real.sum(axis=1, keepdims=True), 1)  # 1 / length at real steps, else 0
        return sum_(mul(x, weights[:, :, None].astype(x.dtype)), axis=1)
