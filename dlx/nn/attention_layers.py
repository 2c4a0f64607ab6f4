"""The Transformer's small parts (Vaswani et al. 2017): multi-head attention, positional encodings, layer norm.

Sequences are (N, T, D) per batch, (T, D) per sample. A (N, T) mask (True at real
positions) is the padding mask: padded keys are never attended. The operations and their
derivations are in ``dlx.ops.attention`` and ``dlx.ops.layer_norm``.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.attention import affine, scaled_dot_product_attention
from dlx.ops.elementwise import add
from dlx.ops.layer_norm import layer_norm
from dlx.ops.shape import getitem, reshape, transpose
from dlx.registry import layers
from dlx.tensor import Tensor


def positive_int(layer: str, what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{layer}: {what} must be a positive integer, got {value!r}")
    return int(value)


def flag(layer: str, what: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{layer}: {what} must be true or false, got {value!r}")
    return bool(value)


def sequence_features(layer: str, input_shape, d_model: int | None = None) -> tuple[int, ...]:
    """Check that one sample is (T, D) (and D == d_model when given)."""
    shape = tuple(input_shape)
    if len(shape) != 2:
        raise ShapeError(f"expects a sequence (T, features) per sample, got {shape}; put an embedding or a "
                         f"time_dense layer before {layer}")
    if d_model is not None and shape[1] != d_model:
        raise ShapeError(f"expects {d_model} features per step, got {shape}")
    return shape


@layers.register("layer_norm", "layernorm", "layer_normalization")
class LayerNorm(Module):
    """Layer normalisation over the last axis: y = gamma (x - mean) / sqrt(var + eps) + beta, per position.

    Args:
        eps (float, default 1e-5): added to the variance.
        features (int, default None): D; inferred when the model is built.

    Shape:
        input (N, ..., D), output the same. gamma, beta (D,).

    Example::

        >>> LayerNorm(features=4)(Tensor(np.arange(8.0).reshape(2, 4))).data.mean(axis=-1)
        array([0., 0.])
    """

    per_step = True

    def __init__(self, eps: float = 1e-5, features: int | None = None):
        super().__init__()
        if not eps > 0:
            raise ConfigError(f"layer_norm: eps must be positive, got {eps}")
        self.eps, self.features = float(eps), features
        self.built = False
        if features is not None:
            self.build((positive_int("layer_norm", "features", features),), None)

    @staticmethod
    def example():
        return {}, (3, 4)

    def build(self, input_shape, rng):
        self.features = int(input_shape[-1])
        self.gamma = Parameter(np.ones(self.features, dtype=np.float32))
        self.beta = Parameter(np.zeros(self.features, dtype=np.float32))
        self.built = True

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.gamma, self.beta, self.eps)


def sinusoidal_table(length: int, dim: int) -> np.ndarray:
    """PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)); (length, dim)."""
    position = np.arange(length)[:, None]
    rate = np.exp(-np.log(10000.0) * (np.arange(0, dim, 2) / dim))  # (ceil(D/2),)
    table = np.zeros((length, dim))
    table[:, 0::2] = np.sin(position * rate)
    table[:, 1::2] = np.cos(position * rate[:dim // 2])
    return table


@layers.register("positional_encoding", "sinusoidal_positional_encoding")
class PositionalEncoding(Module):
    """Add the fixed sinusoidal position code of Vaswani et al.: y[n, t] = x[n, t] + PE[t].

    Each pair of features is a sine and cosine of the position at one wavelength, from 2 pi to
    10000 2 pi; PE[t + k] is a linear function of PE[t], so attention can read relative offsets.

    Args:
        max_length (int, default 512): the longest sequence.

    Shape:
        input (N, T, D) with T <= max_length, output the same.
    """

    per_step = True

    def __init__(self, max_length: int = 512):
        super().__init__()
        self.max_length = positive_int("positional_encoding", "max_length", max_length)

    def output_shape(self, input_shape):
        shape = sequence_features("positional_encoding", input_shape)
        if shape[0] > self.max_length:
            raise ShapeError(f"sequences of {shape[0]} steps are longer than max_length {self.max_length}")
        return shape

    def forward(self, x: Tensor) -> Tensor:
        steps, dim = x.shape[1], x.shape[2]
        return add(x, sinusoidal_table(steps, dim).astype(x.dtype))

    carries_state = True  # forward_stateful: the codes of the positions after those read before
    bounded_context = True  # positions beyond the training window were never seen

    def forward_stateful(self, x, state: int | None = None, prepared=None) -> tuple[Tensor, int]:
        """(output, steps read) for ``x`` (N, t, D) following ``state`` steps read before (None: 0):
        the codes of positions state .. state + t - 1, as in one pass over everything read."""
        start = int(state or 0)
        if start + x.shape[1] > self.max_length:
            raise ShapeError(f"position {start + x.shape[1] - 1} is beyond max_length {self.max_length}")
        return add(x, self._codes(start + x.shape[1], x.shape[2], x.dtype)[start:]), start + x.shape[1]

    def _codes(self, steps: int, dim: int, dtype):
        return sinusoidal_table(steps, dim).astype(dtype)


@layers.register("learned_positional_encoding", "position_embedding")
class LearnedPositionalEncoding(PositionalEncoding):
    """Add a learned vector per position: y[n, t] = x[n, t] + P[t] (BERT, GPT).

    Args:
        max_length (int, default 512): the longest sequence; P has max_length rows.
        init (str or dict, default "normal"): initialiser of P.

    Shape:
        input (N, T, D) with T <= max_length, output the same. P (max_length, D).
    """

    def __init__(self, max_length: int = 512, init="normal"):
        super().__init__(max_length)
        self.init = init
        self.built = False

    def build(self, input_shape, rng):
        dim = sequence_features("learned_positional_encoding", input_shape)[1]
        self.table = Parameter(get_initialiser(self.init)((self.max_length, dim), self.max_length, dim, rng))
        self.built = True

    def forward(self, x: Tensor) -> Tensor:
        return add(x, getitem(self.table, slice(0, x.shape[1])))

    def _codes(self, steps: int, dim: int, dtype):
        return self.table.data[:steps]


def split_heads(x: Tensor, heads: int) -> Tensor:
    n, steps, dim = x.shape  # (N, T, H dh) -> (N, H, T, dh)
    return transpose(reshape(x, (n, steps, heads, dim // heads)), (0, 2, 1, 3))


def merge_heads(x: Tensor) -> Tensor:
    n, heads, steps, dh = x.shape  # (N, H, T, dh) -> (N, T, H dh)
    return reshape(transpose(x, (0, 2, 1, 3)), (n, steps, heads * dh))


@layers.register("multi_head_attention", "multihead_attention", "mha")
class MultiHeadAttention(Module):
    """Multi-head scaled dot-product attention: H heads, each attending in its own D/H-dimensional subspace.

    head_h = softmax(Q_h K_h^T / sqrt(D/H)) V_h with Q = x W_q + b_q, K = m W_k, V = m W_v + b_v
    split into H parts (no key bias: it would add q . b_k to all scores of a query, which the
    softmax cancels, so its gradient is always 0), m = x (self-attention) or an encoder's output ``memory`` (encoder-decoder
    attention); the heads are concatenated and mapped by W_o, b_o. The same as
    ``torch.nn.MultiheadAttention(batch_first=True)`` with W_q = in_proj_weight[:D].T, etc.

    Args:
        num_heads (int, default 4): H; must divide D.
        causal (bool, default False): step t attends to steps <= t only (decoder self-attention).
        d_model (int, default None): D; inferred when the model is built.
        init (str or dict, default "glorot_uniform"): initialiser of the four weight matrices.

    Shape:
        input (N, T, D), mask (N, T) of real steps; memory (N, S, D), memory_mask (N, S); output (N, T, D).
    """

    takes_mask = True

    def __init__(self, num_heads: int = 4, causal: bool = False, d_model: int | None = None,
                 init="glorot_uniform"):
        super().__init__()
        self.num_heads = positive_int("multi_head_attention", "num_heads", num_heads)
        self.causal, self.d_model, self.init = flag("multi_head_attention", "causal", causal), d_model, init
        self.built = False

    @staticmethod
    def example():
        return {"num_heads": 2, "causal": True}, (3, 4)

    def output_shape(self, input_shape):
        shape = sequence_features("multi_head_attention", input_shape, self.d_model)
        if shape[1] % self.num_heads:
            raise ShapeError(f"{shape[1]} features do not split into {self.num_heads} heads; make d_model a "
                             f"multiple of num_heads")
        return shape

    def build(self, input_shape, rng):
        dim = self.output_shape(input_shape)[1]
        self.d_model = dim
        make = get_initialiser(self.init)
        for name in ("q", "k", "v", "o"):
            setattr(self, f"w_{name}", Parameter(make((dim, dim), dim, dim, rng)))
            if name != "k":  # a key bias adds q . b_k to every score of a query: softmax cancels it
                setattr(self, f"b_{name}", Parameter(np.zeros(dim, dtype=np.float32)))
        self.built = True

    def count_multiply_adds(self, input_shape) -> int:
        """The four projections, T D^2 each (products with weights only, as ``dlx summary`` counts)."""
        steps, dim = input_shape
        return 4 * steps * dim * dim

    def forward_cached(self, x: Tensor, cache: tuple | None = None, memory: Tensor | None = None,
                       memory_mask=None) -> tuple[Tensor, tuple]:
        """(output, cache) for new queries ``x`` (N, t, D) with a key-value cache (inference, no gradient).

        Self-attention (no ``memory``): ``cache`` holds the keys and values (N, H, S, dh) of the S steps
        read before (None: none); the new steps' keys and values are appended, and new step i attends
        to the steps <= S + i (causal). The output equals the last t rows of ``forward`` over all
        S + t steps, at the cost of the t new rows. Encoder-decoder attention (``memory`` (N, S, D)):
        ``cache`` holds memory's keys and values, projected on the first call and reused after.
        """
        heads_of = lambda t: split_heads(t, self.num_heads).data  # noqa: E731
        q = split_heads(affine(x, self.w_q, self.b_q), self.num_heads)  # (N, H, t, dh)
        if memory is not None:
            keys, values = cache if cache is not None else (heads_of(affine(memory, self.w_k)),
                                                            heads_of(affine(memory, self.w_v, self.b_v)))
            allowed = memory_mask
        else:
            if not self.causal:
                raise ShapeError("multi_head_attention: only causal self-attention can read on from a cache "
                                 "(without it, new steps change the outputs of earlier ones)")
            keys, values = heads_of(affine(x, self.w_k)), heads_of(affine(x, self.w_v, self.b_v))
            if cache is not None:
                keys, values = np.concatenate([cache[0], keys], axis=2), np.concatenate([cache[1], values], axis=2)
            new, before = x.shape[1], keys.shape[2] - x.shape[1]
            allowed = None if new == 1 else \
                (np.arange(before + new)[None, :] <= before + np.arange(new)[:, None])[None, None]
        heads = scaled_dot_product_attention(q, Tensor(keys), Tensor(values), allowed)
        return affine(merge_heads(heads), self.w_o, self.b_o), (keys, values)

    def forward(self, x: Tensor, mask=None, memory: Tensor | None = None, memory_mask=None) -> Tensor:
        source, key_mask = (x, mask) if memory is None else (memory, memory_mask)
        q = split_heads(affine(x, self.w_q, self.b_q), self.num_heads)        # (N, H, T, dh)
        k = split_heads(affine(source, self.w_k), self.num_heads)             # (N, H, S, dh)
        v = split_heads(affine(source, self.w_v, self.b_v), self.num_heads)   # (N, H, S, dh)
        heads = scaled_dot_product_attention(q, k, v, key_mask, self.causal and memory is None)
        return affine(merge_heads(heads), self.w_o, self.b_o)                 # (N, T, D)
