"""An encoder-decoder of recurrent layers, with or without attention (TOPICS [N]; Sutskever et al. 2014).

The encoder (GRU or LSTM, optionally bidirectional) reads the source tokens; its final
state initialises the decoder, which writes the target one token at a time, reading the
token before (the start token first). Training feeds the true previous token (teacher
forcing) with probability ``teacher_forcing``, else the model's own last guess (scheduled
sampling, Bengio et al. 2015); the ratio may fall linearly over the epochs
(``teacher_forcing_end``, ``teacher_forcing_epochs``): the trainer calls ``start_epoch``.

With ``attention`` the decoder also sees a context of the encoder states at each step
(``dlx.nn.attention_rnn``), joined with its state: h~_t = tanh([s_t; c_t] W_c + b_c) and
the logits h~_t W_o + b_o. Bahdanau's ``additive`` score reads the previous state s_{t-1}
and feeds c_t into the step; Luong's ``dot``, ``general`` and ``concat`` read the new
state s_t, so a teacher-forced target is decoded by one fused recurrence over all steps.

A config says::

    model: {name: seq2seq, options: {units: 64, cell: gru, attention: additive}}

``forward(source, mask, targets)`` gives the logits (N, T_t, V) of the targets' steps;
``greedy`` and ``dlx.inference.decoding.beam_search`` decode without targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.attention_rnn import SCORES, make_attention
from dlx.nn.embedding import Embedding
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.nn.recurrent import GRU, LSTM, reversal_index
from dlx.ops.shape import concatenate, reshape, stack
from dlx.registry import models
from dlx.tensor import Tensor, no_grad

CELLS = {"gru": GRU, "lstm": LSTM}
SAMPLING_SEED = 20150609  # scheduled sampling's coins (Bengio et al., arXiv June 2015)


@dataclass
class Memory:
    """What the decoder reads from the encoder: states (N, T_s, H), the mask, the attention's key side
    and the decoder's initial state (a tuple: h, and c for an LSTM)."""

    keys: Tensor
    mask: np.ndarray
    prepared: Tensor | None
    state: tuple
    steps: dict = field(default_factory=dict)  # the decoder's prepare_steps() for this pass (LSTM: scaled weights)

    def rows(self, index: np.ndarray) -> "Memory":
        """The memory of the samples ``index`` (beam search repeats one source for each beam)."""
        return Memory(self.keys[index], self.mask[index], None if self.prepared is None else self.prepared[index],
                      tuple(s[index] for s in self.state), self.steps)


def linear(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """x W + b over the last axis of (N, T, D) as one (N T, D) product."""
    if x.ndim == 2:
        return x @ w + b
    n, steps, d = x.shape
    return reshape(reshape(x, (n * steps, d)) @ w + b, (n, steps, w.shape[1]))


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"seq2seq: {name} must be a positive integer, got {value!r}")
    return int(value)


def _ratio(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ConfigError(f"seq2seq: {name} must be a number in [0, 1], got {value!r}")
    return float(value)


@models.register("seq2seq", "encoder_decoder")
class Seq2Seq(Module):
    """Recurrent encoder-decoder over one token vocabulary (0 padding, 1 start, 2 end).

    Args:
        output_size (int): the vocabulary size V (given by the data set).
        embedding_dim (int, default 32): size of the source and target token vectors.
        units (int, default 64): state size of the encoder (per direction); the decoder has
            units (x2 with a bidirectional encoder), so the final states initialise it as they are.
        cell (str, default "gru"): "gru" or "lstm" (both layers).
        bidirectional (bool, default False): a bidirectional encoder.
        attention (str, default None): "additive", "dot", "general", "concat", or None (also "none").
        attention_units (int, default None): hidden size of additive/concat scores (None: decoder units).
        teacher_forcing (float, default 1.0): probability of feeding the true previous token in training.
        teacher_forcing_end (float, default None): the ratio reached after ``teacher_forcing_epochs``
            epochs, falling linearly (None: constant).
        teacher_forcing_epochs (int, default None): epochs of that schedule.
        max_output_length (int, default 64): the longest output decoded without targets.

    Shape:
        source (N, T_s) int tokens, mask (N, T_s), targets (N, T_t) -> logits (N, T_t, V).
    """

    takes_mask = True
    takes_targets = True  # the trainer hands it the batch's targets (teacher forcing)
    start_token, end_token = 1, 2

    def __init__(self, output_size: int, embedding_dim: int = 32, units: int = 64, cell: str = "gru",
                 bidirectional: bool = False, attention: str | None = None, attention_units: int | None = None,
                 teacher_forcing: float = 1.0, teacher_forcing_end: float | None = None,
                 teacher_forcing_epochs: int | None = None, max_output_length: int = 64):
        super().__init__()
        self.output_size, self.embedding_dim = _positive("output_size", output_size), _positive("embedding_dim",
                                                                                                  embedding_dim)
        self.units, self.max_output_length = _positive("units", units), _positive("max_output_length",
                                                                                   max_output_length)
        if cell not in CELLS:
            raise ConfigError(f"seq2seq: cell must be gru or lstm, got {cell!r}")
        attention = None if attention == "none" else attention
        if attention is not None and attention not in SCORES:
            raise ConfigError(f"seq2seq: attention must be one of {', '.join(SCORES)} or null, got {attention!r}")
        self.cell, self.bidirectional, self.attention = cell, bool(bidirectional), attention
        self.attention_units = None if attention_units is None else _positive("attention_units", attention_units)
        self.teacher_forcing = _ratio("teacher_forcing", teacher_forcing)
        self.teacher_forcing_end = None if teacher_forcing_end is None else _ratio("teacher_forcing_end",
                                                                                    teacher_forcing_end)
        self.teacher_forcing_epochs = None if teacher_forcing_epochs is None else \
            _positive("teacher_forcing_epochs", teacher_forcing_epochs)
        self.ratio = self.teacher_forcing
        self.built = False

    # ---- shapes and parameters ----------------------------------------------------------------
    @property
    def decoder_units(self) -> int:
        return self.units * (2 if self.bidirectional else 1)

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ShapeError(f"seq2seq: expects source tokens of shape (T,) per sample, got {tuple(input_shape)}")
        return (None, self.output_size)

    def parameter_shapes(self, input_shape) -> list[tuple[int, ...]]:
        """The parameters' shapes, for the memory check before anything is built."""
        V, E, U, H = self.output_size, self.embedding_dim, self.units, self.decoder_units
        gates = 4 if self.cell == "lstm" else 3
        shapes = [(V, E), (V, E)] + [(E, gates * U), (U, gates * U), (2 * gates * U,)] * (1 + self.bidirectional)
        shapes += [(E + (H if self.attention == "additive" else 0), gates * H), (H, gates * H), (2 * gates * H,)]
        if self.attention:
            shapes += [(H, H), (H, H), (2 * H, H), (H,)]
        return shapes + [(H, V), (V,)]

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        V, E, H = self.output_size, self.embedding_dim, self.decoder_units
        cell = CELLS[self.cell]
        self.source_embedding, self.target_embedding = Embedding(V, E, rng=rng), Embedding(V, E, rng=rng)
        self.encoder = cell(self.units, return_sequences=True, bidirectional=self.bidirectional, in_features=E,
                            rng=rng)
        self.decoder = cell(H, return_sequences=True, in_features=E + (H if self.attention == "additive" else 0),
                            rng=rng)
        if self.attention:
            self.attend = make_attention(self.attention, H, H, self.attention_units, rng)
            self.w_combine = Parameter(get_initialiser("glorot_uniform")((2 * H, H), 2 * H, H, rng))
            self.b_combine = Parameter(np.zeros(H, dtype=np.float32))
        self.w_out = Parameter(get_initialiser("glorot_uniform")((H, V), H, V, rng))
        self.b_out = Parameter(np.zeros(V, dtype=np.float32))
        self.rng = np.random.default_rng(SAMPLING_SEED)  # scheduled sampling's coins; start_epoch draws anew
        self.built = True

    def start_epoch(self, epoch: int) -> None:
        """The teacher-forcing ratio of ``epoch`` (1-based): linear from ``teacher_forcing`` to
        ``teacher_forcing_end`` over ``teacher_forcing_epochs`` epochs, then constant."""
        # the coins of each epoch come from its number alone (the batches' order from the run's seed), so a
        # resumed run draws the coins of an uninterrupted one
        self.rng = np.random.default_rng([SAMPLING_SEED, int(epoch)])
        if self.teacher_forcing_end is None:
            self.ratio = self.teacher_forcing
            return
        span = max((self.teacher_forcing_epochs or 1) - 1, 1)
        progress = min(max(epoch - 1, 0) / span, 1.0)
        self.ratio = self.teacher_forcing + (self.teacher_forcing_end - self.teacher_forcing) * progress

    # ---- the encoder --------------------------------------------------------------------------
    def encode(self, source, mask=None) -> Memory:
        """Read the source tokens (N, T_s): the encoder states, and its final state for the decoder."""
        tokens = np.asarray(getattr(source, "data", source))
        n, steps = tokens.shape
        keep = np.ones((n, steps), dtype=bool) if mask is None else np.asarray(getattr(mask, "data", mask)) != 0
        x = self.source_embedding(tokens)  # (N, T_s, E)
        enc, S = self.encoder, self.encoder.states
        out = enc._sequence(x, enc._params(""), None if mask is None else keep, None, return_state=True)
        keys, finals = out[:, :steps], [out[:, steps + i] for i in range(S)]  # (N, T_s, U), S x (N, U)
        if self.bidirectional:  # the reversed reading; its final state is the state after position 0
            rows, index = np.arange(n)[:, None], reversal_index(keep, n, steps)
            back = enc._sequence(x[rows, index], enc._params("_reverse"), None if mask is None else keep, None,
                                 return_state=True)
            keys = concatenate([keys, back[:, :steps][rows, index]], axis=-1)
            finals = [concatenate([f, back[:, steps + i]], axis=-1) for i, f in enumerate(finals)]
        prepared = self.attend.prepare(keys) if self.attention else None
        # what the decoder's steps share (the weights do not change within one pass): computed once, not per step
        return Memory(keys, keep, prepared, tuple(finals), self.decoder.prepare_steps())

    # ---- the decoder --------------------------------------------------------------------------
    def _logits(self, states: Tensor, context: Tensor | None) -> Tensor:
        """(N, T, V) from decoder states (N, T, H), joined with the context when there is attention."""
        if context is None:
            return linear(states, self.w_out, self.b_out)
        joined = linear(concatenate([states, context], axis=-1), self.w_combine, self.b_combine).tanh()
        return linear(joined, self.w_out, self.b_out)

    def step(self, token: np.ndarray, state: tuple, memory: Memory):
        """One decoding step: (logits (N, V), new state, attention weights (N, T_s) or None)."""
        n, dec, H = len(token), self.decoder, self.decoder_units
        x = self.target_embedding(np.asarray(token)[:, None])  # (N, 1, E)
        context = weights = None
        if self.attention == "additive":  # Bahdanau: the context from the previous state feeds this step
            context, weights = self.attend(reshape(state[0], (n, 1, H)), memory.keys, memory.mask, memory.prepared)
            x = concatenate([x, context], axis=-1)
        out = dec._sequence(x, dec._params(), None, None, state, return_state=True, **memory.steps)  # (N, 1 + S, H)
        new_state = tuple(out[:, 1 + i] for i in range(dec.states))
        s = out[:, :1]
        if self.attention and self.attention != "additive":  # Luong: the context of the new state
            context, weights = self.attend(s, memory.keys, memory.mask, memory.prepared)
        logits = self._logits(s, context)
        return logits[:, 0], new_state, (None if weights is None else weights[:, 0])

    def decoder_inputs(self, targets: np.ndarray) -> np.ndarray:
        """The tokens the decoder reads under teacher forcing: start, then the targets shifted by one."""
        start = np.full((len(targets), 1), self.start_token, dtype=np.int64)
        return np.concatenate([start, targets[:, :-1]], axis=1)

    def forward(self, source, mask=None, targets=None):
        memory = self.encode(source, mask)
        if targets is None:
            return self.greedy_from(memory, self.max_output_length)[0]
        inputs = self.decoder_inputs(np.asarray(getattr(targets, "data", targets)))
        sampling = self.training and self.ratio < 1.0
        if self.attention == "additive" or sampling:
            return self._decode_steps(memory, inputs, self.ratio if sampling else 1.0)
        dec = self.decoder  # every input known and no context fed back: one fused recurrence
        states = dec._sequence(self.target_embedding(inputs), dec._params(), None, None, memory.state)
        context = self.attend(states, memory.keys, memory.mask, memory.prepared)[0] if self.attention else None
        return self._logits(states, context)

    def _decode_steps(self, memory: Memory, inputs: np.ndarray, ratio: float) -> Tensor:
        """Step by step; each input after the first is the true one with probability ``ratio``, else the
        model's own previous guess (scheduled sampling)."""
        state, logits = memory.state, []
        for t in range(inputs.shape[1]):
            token = inputs[:, t]
            if t and ratio < 1.0:
                own = np.argmax(logits[-1].data, axis=-1)
                token = np.where(self.rng.random(len(token)) < ratio, token, own)
            step_logits, state, _ = self.step(token, state, memory)
            logits.append(step_logits)
        return stack(logits, axis=1)  # (N, T_t, V)

    @no_grad()
    def greedy_from(self, memory: Memory, max_length: int):
        """Greedy decoding: (logits (N, L, V), tokens (N, L), weights (N, L, T_s) or None); L <= max_length,
        stopping once every sequence has written the end token."""
        n = memory.keys.shape[0]
        token, state = np.full(n, self.start_token, dtype=np.int64), memory.state
        logits, tokens, weights = [], [], []
        done = np.zeros(n, dtype=bool)
        for _ in range(max_length):
            step_logits, state, step_weights = self.step(token, state, memory)
            token = np.argmax(step_logits.data, axis=-1)
            logits.append(step_logits.data), tokens.append(token)
            if step_weights is not None:
                weights.append(step_weights.data)
            done |= token == self.end_token
            if done.all():
                break
        return (Tensor(np.stack(logits, axis=1)), np.stack(tokens, axis=1),
                np.stack(weights, axis=1) if weights else None)

    def greedy(self, source, mask=None, max_length: int | None = None):
        """Greedy decoding of source tokens (N, T_s): see ``greedy_from``."""
        with no_grad():
            memory = self.encode(source, mask)
        return self.greedy_from(memory, max_length or self.max_output_length)
