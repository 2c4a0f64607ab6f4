"""Activation layers: each wraps an operation of ``dlx.ops.activation`` so a model can list it."""
from __future__ import annotations

from dlx import ops
from dlx.nn.module import Module
from dlx.registry import activations, layers


def _register(*names):
    def decorate(cls):
        if "per_step" not in cls.__dict__:
            cls.per_step = True  # elementwise, or over the feature axis of each step
        return layers.register(*names)(activations.register(*names)(cls))
    return decorate


@_register("linear", "identity")
class Linear(Module):
    """f(x) = x: the final activation for regression."""

    def forward(self, x):
        return ops.identity(x)


@_register("sigmoid")
class Sigmoid(Module):
    """f(x) = 1 / (1 + e^-x): squashes to (0, 1); binary and multi-label outputs."""

    def forward(self, x):
        return ops.sigmoid(x)


@_register("tanh")
class Tanh(Module):
    """f(x) = tanh(x): squashes to (-1, 1), zero-centred."""

    def forward(self, x):
        return ops.tanh(x)


@_register("relu")
class ReLU(Module):
    """f(x) = max(0, x): the default hidden activation."""

    def forward(self, x):
        return ops.relu(x)


@_register("leaky_relu")
class LeakyReLU(Module):
    """f(x) = x if x > 0 else negative_slope * x: no dead units.

    Args:
        negative_slope (float, default 0.01): slope for negative inputs.
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)


class _AlongAxis(Module):
    """A normalisation over ``axis``; per time step when that is the last axis."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    @property
    def per_step(self) -> bool:
        return self.axis == -1


@_register("softmax")
class Softmax(_AlongAxis):
    """s_i = e^x_i / sum_j e^x_j over ``axis``: a probability distribution over classes."""

    def forward(self, x):
        return ops.softmax(x, self.axis)


@_register("log_softmax")
class LogSoftmax(_AlongAxis):
    """log softmax(x) over ``axis``, computed stably with log-sum-exp."""

    def forward(self, x):
        return ops.log_softmax(x, self.axis)
