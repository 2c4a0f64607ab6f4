"""Fully connected layers."""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.shape import reshape
from dlx.registry import layers
from dlx.tensor import Tensor


@layers.register("dense", "linear_layer", "fully_connected")
class Dense(Module):
    """y = x W + b, the lecture's weighted sum with a bias.

    Args:
        units (int): number of outputs.
        in_features (int, default None): number of inputs; inferred from the
            data when the model is built.
        bias (bool, default True): add a learned bias b.
        init (str or dict, default "glorot_uniform"): initialiser of W.
        bias_init (str or dict, default "zeros"): initialiser of b.
        rng: generator for the initial weights; with ``in_features`` the weights
            are created at once, otherwise when the model is built (seeded) or on
            the first call (unseeded).

    Shape:
        input (N, in_features), output (N, units). W has shape (in_features, units).

    Example::

        >>> layer = Dense(3, in_features=2, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((5, 2)))).shape
        (5, 3)
    """

    def __init__(self, units: int, in_features: int | None = None, bias: bool = True,
                 init="glorot_uniform", bias_init="zeros", rng: np.random.Generator | None = None):
        super().__init__()
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ConfigError(f"dense: units must be a positive integer, got {units!r}")
        self.units, self.in_features, self.bias = int(units), in_features, bias
        self.init, self.bias_init = init, bias_init
        self.built = False
        if in_features is not None and rng is not None:  # else built (seeded) with the model
            self._make_weights(int(in_features), rng)

    @staticmethod
    def example():
        return {"units": 3}, (4,)

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ShapeError(f"expects input of shape (features,), got {tuple(input_shape)}; "
                             f"add a 'flatten' layer before it")
        if self.in_features is not None and input_shape[0] != self.in_features:
            raise ShapeError(f"expects input of shape ({self.in_features},), got {tuple(input_shape)}")
        return (self.units,)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self._make_weights(int(input_shape[-1]), rng)

    def _make_weights(self, fan_in: int, rng) -> None:
        self.in_features = fan_in
        self.weight = Parameter(get_initialiser(self.init)((fan_in, self.units), fan_in, self.units, rng))
        self.b = Parameter(get_initialiser(self.bias_init)((self.units,), fan_in, self.units, rng)) \
            if self.bias else None
        self.built = True

    def forward(self, x: Tensor) -> Tensor:
        # (N, in) @ (in, units) + (units,) -> (N, units)
        out = x @ self.weight
        return out + self.b if self.b is not None else out


@layers.register("time_dense", "dense_per_step", "time_distributed_dense")
class TimeDense(Dense):
    """The same dense layer at every time step: y_t = x_t W + b (many-to-many outputs).

    Written as one matrix product on the (N T, D) rows, so its backward is ``Dense``'s.

    Args:
        units (int): outputs per step. Other arguments as ``Dense``.

    Shape:
        input (N, T, in_features), output (N, T, units).

    Example::

        >>> layer = TimeDense(5, in_features=3, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((2, 7, 3)))).shape
        (2, 7, 5)
    """

    per_step = True

    @staticmethod
    def example():
        return {"units": 3}, (5, 4)

    def output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ShapeError(f"expects input of shape (T, features) per sample, got {tuple(input_shape)}; "
                             f"give it the sequence of a recurrent layer with return_sequences: true")
        return (input_shape[0],) + super().output_shape(input_shape[1:])

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self._make_weights(int(input_shape[1]), rng)

    def forward(self, x: Tensor) -> Tensor:
        n, steps = x.shape[:2]
        rows = super().forward(reshape(x, (n * steps, x.shape[2])))  # (N T, D) -> (N T, units)
        return reshape(rows, (n, steps, self.units))
