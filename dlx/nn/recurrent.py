"""Recurrent layers (notes ch. 5, TOPICS [R]): simple RNN, IRNN, LSTM, GRU; stacked and bidirectional.

Each layer call is ONE fused operation on the tape per direction (``dlx.ops.recurrent``,
``dlx.ops.gru``), backpropagation through time written out by hand. Inputs are
(N, T, features), one sequence per sample; ``forward(x, mask=None)`` takes an optional
(N, T) mask (False at padded steps: the state carries over, the output there is 0).

- ``return_sequences=False`` gives the last state h_T (N, units) (many-to-one);
  ``True`` gives every h_t (N, T, units) (many-to-many). Stack layers (a deep RNN) by
  listing them, ``return_sequences: true`` on all but the last.
- ``bidirectional=True`` runs a second set of weights over each sequence reversed within
  its length (only the valid prefix is reversed, so padding stays at the end) and
  concatenates the two: (N, T, 2 units) or (N, 2 units).
- ``truncate=k``: truncated backpropagation through time, the gradient through the
  state is cut every k steps.
- ``record_grad_norms=True``: after each backward, ``layer.grad_norms`` holds
  ||dL/dh_t|| for t = 0..T-1 (forward direction), to see gradients vanish or explode.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.gru import gru_sequence
from dlx.ops.recurrent import lstm_scaled_weights, lstm_sequence, lstm_step, rnn_sequence
from dlx.ops.shape import concatenate
from dlx.registry import layers
from dlx.tensor import Tensor, is_grad_enabled


def reversal_index(keep: np.ndarray | None, n: int, steps: int) -> np.ndarray:
    """(N, T) time indices that reverse each sequence within its length; padding stays in place.

    ``keep`` (N, T) bool must mark a valid prefix of each row (or be None: all valid).
    Applying the index twice gives the identity.
    """
    t = np.arange(steps)[None, :]
    lengths = np.full((n, 1), steps) if keep is None else keep.sum(axis=1, keepdims=True)
    if keep is not None and not np.array_equal(keep, t < lengths):
        raise ShapeError("bidirectional: the mask must mark a valid prefix of each sequence "
                         "(True then only False); put the padding at the end")
    return np.where(t < lengths, lengths - 1 - t, t)


class _Recurrent(Module):
    """What the recurrent layers share: checks, parameters per direction, bidirectional, outputs."""

    gates = 1  # blocks of ``units`` columns in the weights
    states = 1  # final states the fused operation can return (LSTM: h and c)
    takes_mask = True  # Sequential hands it the (N, T) mask of padded batches
    bias_names = ("b",)

    def __init__(self, units, return_sequences, bidirectional, truncate, init, recurrent_init, bias_init,
                 record_grad_norms, in_features, rng):
        super().__init__()
        name = type(self).registry_name
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ConfigError(f"{name}: units must be a positive integer, got {units!r}")
        if truncate is not None and (isinstance(truncate, bool) or not isinstance(truncate, int) or truncate < 1):
            raise ConfigError(f"{name}: truncate must be a positive number of steps or null, got {truncate!r}")
        self.units, self.return_sequences, self.bidirectional = int(units), bool(return_sequences), \
            bool(bidirectional)
        self.truncate, self.record_grad_norms = truncate, bool(record_grad_norms)
        self.init, self.recurrent_init, self.bias_init = init, recurrent_init, bias_init
        self.in_features = in_features
        self.grad_norms: list[float] = []
        self.built = False
        if in_features is not None and rng is not None:  # else built (seeded) with the model
            self.build((None, in_features), rng)

    @staticmethod
    def example():
        return {"units": 3, "return_sequences": True}, (5, 2)

    def output_shape(self, input_shape):
        shape, name = tuple(input_shape), type(self).registry_name
        if len(shape) != 2:
            raise ShapeError(f"{name}: expects input of shape (T, features) per sample, got {shape}; "
                             f"give each sample a time axis (features of one step: reshape to (1, features))")
        if self.in_features is not None and shape[1] != self.in_features:
            raise ShapeError(f"{name}: expects {self.in_features} features per step, got {shape[1]}")
        if self.truncate is not None and shape[0] is not None and self.truncate > shape[0]:
            raise ShapeError(f"{name}: truncate={self.truncate} is longer than the sequence (T={shape[0]}); "
                             f"use truncate <= {shape[0]}, or null for full backpropagation through time")
        width = self.units * (2 if self.bidirectional else 1)
        return (shape[0], width) if self.return_sequences else (width,)

    def _directions(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        features, H, width = int(input_shape[1]), self.units, self.gates * self.units
        self.in_features = features
        for suffix in self._directions():
            setattr(self, "w_x" + suffix, Parameter(get_initialiser(self.init)((features, width), features, H, rng)))
            setattr(self, "w_h" + suffix, Parameter(get_initialiser(self.recurrent_init)((H, width), H, H, rng)))
            for bias in self.bias_names:
                setattr(self, bias + suffix, Parameter(self._initial_bias(width, rng)))
        self.built = True

    def _initial_bias(self, width, rng):
        return get_initialiser(self.bias_init)((width,), self.in_features, self.units, rng)

    def _sequence(self, x, params, keep, grad_norms, initial=(), return_state=False):
        """The fused operation of this cell from the ``initial`` states (none: zeros); returns (N, T, H),
        or (N, T + S, H) with the S final states appended when ``return_state``."""
        raise NotImplementedError

    def _params(self, suffix: str = "") -> list:
        return [getattr(self, name + suffix) for name in ("w_x", "w_h", *self.bias_names)]

    def _run(self, x: Tensor, keep, suffix: str) -> Tensor:
        norms = self.grad_norms if self.record_grad_norms and not suffix else None
        out = self._sequence(x, self._params(suffix), keep, norms, return_state=not self.return_sequences)
        return out if self.return_sequences else out[:, x.shape[1]]  # the final state h_T

    @property
    def carries_state(self) -> bool:
        """Whether a ``StatefulReader`` can step it: every step's output, in one direction."""
        return self.return_sequences and not self.bidirectional

    def prepare_steps(self) -> dict:
        """What ``forward_stateful`` may compute once from the weights for many short calls while the
        weights stay fixed (generation): keyword arguments of the fused operation (LSTM: its scaled weights)."""
        return {}

    def forward_stateful(self, x, state: tuple | None = None, prepared: dict | None = None) -> tuple[Tensor, tuple]:
        """(output, new state) for ``x`` (N, T, D) read on from ``state`` (the new state of an earlier call;
        None: zeros): the layer's usual output, as if this call's steps had followed the earlier ones.

        Generation uses it to read one new step at a time instead of rereading the whole context
        (``dlx.inference.text``). The state is a tuple of (N, H) arrays (LSTM: h and c). A bidirectional
        layer needs the whole sequence at once and cannot do this. ``prepared``: ``prepare_steps()`` of
        the current weights, or None (computed in the call).
        """
        if self.bidirectional:
            raise ShapeError(f"{type(self).registry_name}: a bidirectional layer reads the whole sequence; "
                             f"it cannot carry a state from one call to the next")
        x = x if isinstance(x, Tensor) else Tensor(x)
        initial = () if state is None else tuple(Tensor(s) for s in state)
        out = self._sequence(x, self._params(), None, None, initial, return_state=True, **(prepared or {}))
        steps = x.shape[1]
        new_state = tuple(out.data[:, steps + i] for i in range(self.states))
        if not out.requires_grad:  # nothing to record (generation): a view, not a slicing node on the tape
            return Tensor(out.data[:, :steps] if self.return_sequences else out.data[:, steps]), new_state
        return (out[:, :steps] if self.return_sequences else out[:, steps]), new_state

    def forward(self, x, mask=None) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        keep = None if mask is None else np.asarray(getattr(mask, "data", mask)) != 0
        if self.record_grad_norms:
            self.grad_norms = []
        out = self._run(x, keep, "")
        if not self.bidirectional:
            return out
        rows, index = np.arange(x.shape[0])[:, None], reversal_index(keep, *x.shape[:2])
        backward_out = self._run(x[rows, index], keep, "_reverse")
        if self.return_sequences:
            backward_out = backward_out[rows, index]  # back to the original time order
        return concatenate([out, backward_out], axis=-1)


@layers.register("simple_rnn", "rnn")
class SimpleRNN(_Recurrent):
    """Simple (Elman) RNN: h_t = f(x_t W_x + h_{t-1} W_h + b) with f = tanh or relu.

    Args:
        units (int): size H of the state.
        activation (str, default "tanh"): "tanh" or "relu".
        return_sequences (bool, default False): every h_t (N, T, H) instead of h_T (N, H).
        bidirectional (bool, default False): also run over the reversed sequences, concatenate.
        truncate (int, default None): cut the gradient through the state every k steps.
        init (default "glorot_uniform"), recurrent_init (default "orthogonal"),
        bias_init (default "zeros"): initialisers of W_x (D, H), W_h (H, H), b (H,).
        record_grad_norms (bool, default False): fill ``grad_norms`` in backward.
        in_features (int, default None), rng: build at once, as ``Dense``.

    Shape:
        input (N, T, D) and an optional mask (N, T); output (N, H) or (N, T, H), 2H if bidirectional.

    Example::

        >>> layer = SimpleRNN(8, in_features=3, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((4, 10, 3)))).shape
        (4, 8)
    """

    def __init__(self, units: int, activation: str = "tanh", return_sequences: bool = False,
                 bidirectional: bool = False, truncate: int | None = None, init="glorot_uniform",
                 recurrent_init="orthogonal", bias_init="zeros", record_grad_norms: bool = False,
                 in_features: int | None = None, rng: np.random.Generator | None = None):
        if activation not in ("tanh", "relu"):
            raise ConfigError(f"{type(self).registry_name}: activation must be 'tanh' or 'relu', "
                              f"got {activation!r}")
        self.activation = activation
        super().__init__(units, return_sequences, bidirectional, truncate, init, recurrent_init, bias_init,
                         record_grad_norms, in_features, rng)

    def _sequence(self, x, params, keep, grad_norms, initial=(), return_state=False):
        return rnn_sequence(x, *params, *initial, mask=keep, activation=self.activation, truncate=self.truncate,
                            return_state=return_state, grad_norms=grad_norms)


@layers.register("irnn")
class IRNN(SimpleRNN):
    """Identity-initialised ReLU RNN (Le, Jaitly & Hinton 2015): W_h = scale * I, b = 0, f = relu.

    At the start h_t = relu(h_{t-1} + x_t W_x): the state is copied forward and
    dh_t/dh_{t-1} = I where the units are active, so gradients neither vanish nor explode.

    Args:
        units (int): size H of the state.
        scale (float, default 1.0): W_h starts as scale * identity.
        init (default {"name": "normal", "std": 0.001}): W_x, small as in the paper's experiments.
        Other arguments as ``SimpleRNN``.

    Shape:
        as ``SimpleRNN``.

    Example::

        >>> IRNN(16, in_features=2, rng=np.random.default_rng(0)).w_h.data[:2, :2]
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """

    def __init__(self, units: int, scale: float = 1.0, return_sequences: bool = False,
                 bidirectional: bool = False, truncate: int | None = None, init=None,
                 record_grad_norms: bool = False, in_features: int | None = None,
                 rng: np.random.Generator | None = None):
        self.scale = float(scale)
        super().__init__(units, "relu", return_sequences, bidirectional, truncate,
                         init if init is not None else {"name": "normal", "std": 0.001},
                         {"name": "identity", "gain": self.scale}, "zeros", record_grad_norms, in_features, rng)


@layers.register("lstm")
class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), the lecture's gates i, f, o and cell c.

        (i, f, o, g) = (sigma, sigma, sigma, tanh)(x_t W_x + h_{t-1} W_h + b)
        c_t = f * c_{t-1} + i * g,    h_t = o * tanh(c_t)

    Args:
        units (int): size H of the state and the cell.
        forget_bias (float, default 1.0): added to the forget gate's bias at the start, so that
            the cell keeps its content until the network learns otherwise (Jozefowicz et al. 2015).
        Other arguments as ``SimpleRNN``; W_x (D, 4H), W_h (H, 4H), b (4H,), gate blocks (i, f, o, g).

    Shape:
        input (N, T, D) and an optional mask (N, T); output (N, H) or (N, T, H), 2H if bidirectional.

    Example::

        >>> layer = LSTM(16, return_sequences=True, in_features=3, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((4, 10, 3)))).shape
        (4, 10, 16)
    """

    gates = 4
    states = 2  # h and c

    def __init__(self, units: int, forget_bias: float = 1.0, return_sequences: bool = False,
                 bidirectional: bool = False, truncate: int | None = None, init="glorot_uniform",
                 recurrent_init="orthogonal", bias_init="zeros", record_grad_norms: bool = False,
                 in_features: int | None = None, rng: np.random.Generator | None = None):
        self.forget_bias = float(forget_bias)
        super().__init__(units, return_sequences, bidirectional, truncate, init, recurrent_init, bias_init,
                         record_grad_norms, in_features, rng)

    def _initial_bias(self, width, rng):
        b = super()._initial_bias(width, rng)
        b[self.units:2 * self.units] += self.forget_bias
        return b

    def prepare_steps(self) -> dict:
        return {"scaled": lstm_scaled_weights(*self._params())}

    def forward_stateful(self, x, state: tuple | None = None, prepared: dict | None = None) -> tuple[Tensor, tuple]:
        """As ``_Recurrent.forward_stateful``; one step with nothing to record (generation) goes through
        ``lstm_step``, the same arithmetic without the sequence's bookkeeping."""
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        if prepared and state is not None and data.shape[1] == 1 and not self.bidirectional \
                and not is_grad_enabled():
            h, c = lstm_step(data[:, 0], state[0], state[1], prepared["scaled"])
            return Tensor(h[:, None] if self.return_sequences else h), (h, c)
        return super().forward_stateful(x, state, prepared)

    def _sequence(self, x, params, keep, grad_norms, initial=(), return_state=False, scaled=None):
        return lstm_sequence(x, *params, *initial, mask=keep, truncate=self.truncate,
                             return_state=return_state, grad_norms=grad_norms, scaled=scaled)


@layers.register("gru")
class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al. 2014): a reset gate r and an update gate z, no separate cell.

        r = sigma(x_t W_xr + h_{t-1} W_hr + b_r),  z = sigma(x_t W_xz + h_{t-1} W_hz + b_z)
        n = tanh(x_t W_xn + b_xn + r * (h_{t-1} W_hn + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}

    Args:
        units (int): size H of the state.
        Arguments as ``SimpleRNN``; W_x (D, 3H), W_h (H, 3H), biases b (3H,) on the input side and
        b_h (3H,) on the recurrent side (gate blocks r, z, n, as PyTorch's nn.GRU).

    Shape:
        input (N, T, D) and an optional mask (N, T); output (N, H) or (N, T, H), 2H if bidirectional.

    Example::

        >>> GRU(16, in_features=3, rng=np.random.default_rng(0))(Tensor(np.ones((4, 10, 3)))).shape
        (4, 16)
    """

    gates = 3
    bias_names = ("b", "b_h")

    def __init__(self, units: int, return_sequences: bool = False, bidirectional: bool = False,
                 truncate: int | None = None, init="glorot_uniform", recurrent_init="orthogonal",
                 bias_init="zeros", record_grad_norms: bool = False, in_features: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(units, return_sequences, bidirectional, truncate, init, recurrent_init, bias_init,
                         record_grad_norms, in_features, rng)

    def _sequence(self, x, params, keep, grad_norms, initial=(), return_state=False):
        return gru_sequence(x, *params, *initial, mask=keep, truncate=self.truncate,
                            return_state=return_state, grad_norms=grad_norms)
