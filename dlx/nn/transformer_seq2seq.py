"""The Transformer as an encoder-decoder (Vaswani et al. 2017): the third of issue 19's Transformer configs.

The encoder embeds the source tokens (scaled by sqrt(d_model)), adds the sinusoidal position code
and runs ``num_layers`` encoder layers with the source's padding mask; the decoder embeds the target
tokens read so far (the start token, then the targets shifted by one: teacher forcing), adds the
position code and runs ``num_layers`` decoder layers (causal self-attention, then attention on the
encoder's output with its padding mask); a dense layer gives the logits::

    model: {name: transformer_seq2seq, options: {d_model: 64, heads: 4, num_layers: 2, hidden: 128}}

It speaks the interface of ``dlx.nn.seq2seq.Seq2Seq`` (``encode``, ``step``, ``greedy_from``,
``takes_targets``), so the seq2seq task, ``dlx predict`` and beam search decode it unchanged.
Decoding reads one token per step with key-value caches (``step``): each decoder layer keeps the
keys and values of the steps written so far and of the encoder's output, so a step costs one
position, not a rerun over the prefix.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.nn.attention_layers import PositionalEncoding
from dlx.nn.embedding import Embedding
from dlx.nn.init import get_initialiser
from dlx.nn.module import Parameter
from dlx.nn.seq2seq import Memory, Seq2Seq, _positive, linear
from dlx.nn.transformer import TransformerDecoderLayer, TransformerEncoderLayer
from dlx.ops.elementwise import mul
from dlx.registry import models


@models.register("transformer_seq2seq", "transformer_encoder_decoder")
class TransformerSeq2Seq(Seq2Seq):
    """Transformer encoder-decoder over one token vocabulary (0 padding, 1 start, 2 end).

    Args:
        output_size (int): the vocabulary size V (given by the data set).
        d_model (int, default 64): width of the token vectors and of every layer.
        heads (int, default 4): attention heads (must divide d_model).
        num_layers (int, default 2): encoder layers, and as many decoder layers.
        hidden (int, default 128): the feed-forward width.
        dropout (float, default 0.0): dropout inside the layers in training.
        norm_first (bool, default True): pre-norm layers (train without a warm-up).
        max_output_length (int, default 64): the longest output decoded without targets.

    Shape:
        source (N, T_s) int tokens, mask (N, T_s), targets (N, T_t) -> logits (N, T_t, V).
    """

    def __init__(self, output_size: int, d_model: int = 64, heads: int = 4, num_layers: int = 2, hidden: int = 128,
                 dropout: float = 0.0, norm_first: bool = True, max_output_length: int = 64):
        super().__init__(output_size, max_output_length=max_output_length)
        self.d_model, self.heads = _positive("d_model", d_model), _positive("heads", heads)
        self.num_layers, self.hidden = _positive("num_layers", num_layers), _positive("hidden", hidden)
        if self.d_model % self.heads:
            raise ConfigError(f"transformer_seq2seq: heads ({heads}) must divide d_model ({d_model})")
        self.dropout, self.norm_first = dropout, norm_first
        self.options = dict(output_size=output_size, d_model=d_model, heads=heads, num_layers=num_layers, hidden=hidden,
                            dropout=dropout, norm_first=norm_first, max_output_length=max_output_length)

    def parameter_shapes(self, input_shape) -> list[tuple[int, ...]]:
        """The parameters' shapes (for the memory check before anything is built): those of a built copy."""
        copy = TransformerSeq2Seq(**self.options)
        copy.build(input_shape, np.random.default_rng(0))
        return [tuple(p.shape) for p in copy.parameters()]

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        V, D = self.output_size, self.d_model
        self.source_embedding, self.target_embedding = Embedding(V, D, rng=rng), Embedding(V, D, rng=rng)
        self.position = PositionalEncoding(max_length=max(512, self.max_output_length + 1))
        options = dict(num_heads=self.heads, hidden=self.hidden, dropout=self.dropout, norm_first=self.norm_first)
        for i in range(self.num_layers):
            encoder, decoder = TransformerEncoderLayer(**options), TransformerDecoderLayer(**options)
            encoder.build((1, D), rng)
            decoder.build((1, D), rng)
            setattr(self, f"encoder_{i}", encoder)
            setattr(self, f"decoder_{i}", decoder)
        self.w_out = Parameter(get_initialiser("glorot_uniform")((D, V), D, V, rng))
        self.b_out = Parameter(np.zeros(V, dtype=np.float32))
        self.built = True

    def _embed(self, embedding: Embedding, tokens: np.ndarray):
        return self.position(mul(embedding(tokens), float(np.sqrt(self.d_model))))

    def encode(self, source, mask=None) -> Memory:
        """The encoder's output (N, T_s, D) for source tokens (N, T_s); the decoder's state starts empty."""
        tokens = np.asarray(getattr(source, "data", source))
        n, steps = tokens.shape
        keep = np.ones((n, steps), dtype=bool) if mask is None else np.asarray(getattr(mask, "data", mask)) != 0
        x = self._embed(self.source_embedding, tokens)
        for i in range(self.num_layers):
            x = getattr(self, f"encoder_{i}")(x, keep)
        return Memory(x, keep, None, (np.zeros((n, 0), dtype=np.int64),))

    def decode(self, inputs: np.ndarray, memory: Memory):
        """Logits (N, T, V) of the decoder reading the tokens ``inputs`` (N, T) on ``memory``."""
        y = self._embed(self.target_embedding, inputs)
        for i in range(self.num_layers):
            y = getattr(self, f"decoder_{i}")(y, memory=memory.keys, memory_mask=memory.mask)
        return linear(y, self.w_out, self.b_out)

    def step(self, token: np.ndarray, state: tuple, memory: Memory):
        """One decoding step (inference: no gradient flows through the caches): (logits (N, V), new state,
        no attention weights). The state is the prefix (N, t) read so far, then each decoder layer's
        key-value caches (``TransformerDecoderLayer.forward_stateful``; none before the first step), all
        with the samples along axis 0 so that beam search can pick rows. The decoder reads ``token``
        alone at position t: the logits equal the last step of ``decode`` over the whole prefix."""
        token = np.asarray(token, dtype=np.int64)[:, None]
        prefix, caches, new = state[0], state[1:], []
        y, _ = self.position.forward_stateful(mul(self.target_embedding(token), float(np.sqrt(self.d_model))),
                                              prefix.shape[1])
        for i in range(self.num_layers):
            y, layer_state = getattr(self, f"decoder_{i}").forward_stateful(
                y, caches[4 * i:4 * i + 4] or None, memory=memory.keys, memory_mask=memory.mask)
            new.extend(layer_state)
        return linear(y, self.w_out, self.b_out)[:, -1], (np.concatenate([prefix, token], axis=1), *new), None

    def forward(self, source, mask=None, targets=None):
        memory = self.encode(source, mask)
        if targets is None:
            return self.greedy_from(memory, self.max_output_length)[0]
        return self.decode(self.decoder_inputs(np.asarray(getattr(targets, "data", targets))), memory)
