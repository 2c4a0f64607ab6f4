"""The Neural Turing Machine (Graves, Wayne & Danihelka 2014; TOPICS [X]) as a sequence layer.

An LSTM controller reads the step's input and the previous step's read vectors; from its
state h_t one linear map gives every head's parameters. The heads address an N x M memory
by content and location (``dlx.ops.ntm``: cosine similarity, interpolation, circular
shift, sharpening), the read heads read from M_{t-1}, then the write head erases and adds.
The layer outputs [h_t, r_t] at every step; a ``time_dense`` layer after it maps them to
the outputs. Every step is composed on the tape from operations with hand-derived
backward passes, so backpropagation through time needs no code of its own.

Shapes (B batch, T steps, D inputs, H controller units, R read heads, N x M memory):
    input (B, T, D) -> output (B, T, H + R M).

Padded steps (a mask) are read like real ones: padding comes after a sequence's end, so
it changes nothing that a masked loss counts.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.nn.recurrent import LSTM
from dlx.ops.activation import sigmoid, softmax, tanh
from dlx.ops.elementwise import clip
from dlx.ops.linalg import matmul
from dlx.ops.ntm import circular_shift, cosine_similarity, memory_write, sharpen, softplus
from dlx.ops.recurrent import lstm_sequence
from dlx.ops.shape import concatenate, reshape, stack
from dlx.registry import layers
from dlx.tensor import Tensor

SHIFTS = 3  # offsets -1, 0, +1
PARAM_CLIP = 20.0  # the heads' parameters are clipped to +-20 (Collier & Beel 2018: no runaway beta or gamma)
MEMORY_INITS = ("constant", "learned")
MEMORY_CONSTANT = 1e-6  # every cell of a constant memory start
HEAD_WIDTH_EXTRA = 3 + SHIFTS  # beta, g, gamma and the shift logits, after the key (M)


@layers.register("ntm", "neural_turing_machine")
class NTM(Module):
    """Neural Turing Machine: LSTM controller, N x M memory, read heads and one write head.

    Args:
        units (int): the controller's LSTM units H.
        memory_size (int, default 128): N, rows of memory.
        memory_width (int, default 20): M, the width of a row.
        read_heads (int, default 1): R.
        memory_init (str, default "constant"): how the memory starts. "constant": every cell 1e-6, not
            learned (Collier & Beel 2018 find it converges much faster than a learned or random start);
            "learned": a parameter started at random, uniform in +-1/sqrt(N + M).
        in_features, rng: as other layers (built with the model when omitted).

    The heads' weightings before step 1 are learned, softmax(w0) per head, with w0 started at
    log(N) + 2 on row 0 and 0 elsewhere (0.88 of the weight on row 0): every head starts at the
    same row, and the rows differ from the first step on even when the memory starts constant (with
    uniform starting weightings and a constant memory every row would stay the same forever).

    Shape:
        input (B, T, D), output (B, T, H + R M).

    Example::

        >>> layer = NTM(8, memory_size=16, memory_width=4, in_features=3, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((2, 5, 3)))).shape
        (2, 5, 12)
    """

    takes_mask = True

    def __init__(self, units: int, memory_size: int = 128, memory_width: int = 20, read_heads: int = 1,
                 memory_init: str = "constant", in_features: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__()
        for key, value in (("units", units), ("memory_size", memory_size), ("memory_width", memory_width),
                           ("read_heads", read_heads)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"ntm: {key} must be a positive integer, got {value!r}")
        if memory_init not in MEMORY_INITS:
            raise ConfigError(f"ntm: memory_init must be one of {', '.join(MEMORY_INITS)}, got {memory_init!r}")
        self.memory_init = memory_init
        self.units, self.memory_size, self.memory_width = int(units), int(memory_size), int(memory_width)
        self.read_heads, self.in_features = int(read_heads), in_features
        self.weightings: list[np.ndarray] | None = None  # set to [] to record (B, R + 1, N) per step
        self.built = False
        if in_features is not None and rng is not None:
            self.build((None, in_features), rng)

    @staticmethod
    def example():
        # a learned memory start: with a constant one the gradients of w0 over three steps are ~1e-5, too small
        # for the registry gradcheck's differences; tests/nn/test_ntm.py checks both starts against torch
        return {"units": 3, "memory_size": 4, "memory_width": 2, "memory_init": "learned"}, (3, 2)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2:
            raise ShapeError(f"ntm: expects input of shape (T, features) per sample, got {shape}")
        if self.in_features is not None and shape[1] != self.in_features:
            raise ShapeError(f"ntm: expects {self.in_features} features per step, got {shape[1]}")
        return (shape[0], self.units + self.read_heads * self.memory_width)

    def count_multiply_adds(self, input_shape) -> int:
        """Per sample and step: the controller's two products, the head map, the cosine similarities of
        every head, the reads and the write (erase and add); times the T steps."""
        T, D = input_shape
        H, N, M, R = self.units, self.memory_size, self.memory_width, self.read_heads
        step = (D + R * M) * 4 * H + H * 4 * H + H * ((R + 1) * self.head_width + 2 * M) \
            + (R + 1) * N * M + R * N * M + 2 * N * M
        return int(T or 0) * step

    @property
    def head_width(self) -> int:
        return self.memory_width + HEAD_WIDTH_EXTRA

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        D, H, N, M, R = int(input_shape[1]), self.units, self.memory_size, self.memory_width, self.read_heads
        self.in_features = D
        self.controller = LSTM(H, return_sequences=True, in_features=D + R * M, rng=rng)
        width = (R + 1) * self.head_width + 2 * M  # every head's addressing, then erase and add
        self.head_weight = Parameter(get_initialiser("glorot_uniform")((H, width), H, width, rng))
        self.head_bias = Parameter(np.zeros(width, dtype=np.float32))
        if self.memory_init == "learned":
            bound = 1.0 / np.sqrt(N + M)
            self.memory0 = Parameter(rng.uniform(-bound, bound, (N, M)).astype(np.float32))
        self.read0 = Parameter(rng.normal(0.0, 0.01, (R * M,)).astype(np.float32))  # read vectors before step 1
        start = np.zeros((R + 1, N), dtype=np.float32)
        start[:, 0] = np.log(N) + 2.0  # 0.88 of each head's first weighting on row 0
        self.weight0 = Parameter(start)  # logits of the weightings before step 1
        self.built = True

    def _address(self, params: Tensor, memory: Tensor, w_prev: Tensor) -> Tensor:
        """The new weightings (B, R + 1, N) of all heads from their parameters (B, R + 1, M + 6)."""
        M = self.memory_width
        beta = softplus(params[:, :, M:M + 1])  # (B, heads, 1), > 0
        gate = sigmoid(params[:, :, M + 1:M + 2])
        gamma = softplus(params[:, :, M + 2:M + 3]) + 1.0  # >= 1
        shift = softmax(params[:, :, M + 3:], axis=-1)  # (B, heads, 3)
        content = softmax(cosine_similarity(params[:, :, :M], memory) * beta, axis=-1)
        gated = w_prev + gate * (content - w_prev)  # g w_c + (1 - g) w_{t-1}
        return sharpen(circular_shift(gated, shift), gamma)

    def forward(self, x, mask=None) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        B, T, _ = x.shape
        H, N, M, R = self.units, self.memory_size, self.memory_width, self.read_heads
        dtype = x.data.dtype
        ones = Tensor(np.ones((B, 1, 1), dtype=dtype))
        if self.memory_init == "learned":
            memory = ones * self.memory0  # (B, N, M)
        else:
            memory = Tensor(np.full((B, N, M), MEMORY_CONSTANT, dtype=dtype))
        reads = reshape(ones, (B, 1)) * self.read0  # (B, R M)
        w = ones * softmax(self.weight0, axis=-1)  # (B, R + 1, N)
        h = c = Tensor(np.zeros((B, H), dtype=dtype))
        lstm = self.controller
        cut = (R + 1) * self.head_width
        outputs = []
        for t in range(T):
            step = concatenate([x[:, t], reads], axis=-1)  # (B, D + R M)
            states = lstm_sequence(reshape(step, (B, 1, step.shape[1])), lstm.w_x, lstm.w_h, lstm.b, h, c,
                                   return_state=True)  # (B, 3, H): h_t, h_t, c_t
            h, c = states[:, 1], states[:, 2]
            params = clip(h @ self.head_weight + self.head_bias, -PARAM_CLIP, PARAM_CLIP)  # (B, width)
            w = self._address(reshape(params[:, :cut], (B, R + 1, self.head_width)), memory, w)
            reads = reshape(matmul(w[:, :R], memory), (B, R * M))  # from M_{t-1}
            memory = memory_write(memory, w[:, R], sigmoid(params[:, cut:cut + M]), tanh(params[:, cut + M:]))
            outputs.append(concatenate([h, reads], axis=-1))
            if self.weightings is not None:
                self.weightings.append(w.data.copy())
        return stack(outputs, axis=1)  # (B, T, H + R M)
