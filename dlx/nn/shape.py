"""Shape layers: Flatten, between the convolutional part of a network and its dense part."""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.nn.module import Module
from dlx.ops.shape import reshape
from dlx.registry import layers
from dlx.tensor import Tensor


@layers.register("flatten")
class Flatten(Module):
    """Flattens every axis but the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    Shape:
        input (N, *), output (N, product of *).

    Example::

        >>> Flatten()(Tensor(np.zeros((8, 32, 2, 2)))).shape
        (8, 128)
    """

    @staticmethod
    def example():
        return {}, (2, 3, 2)

    def output_shape(self, input_shape):
        if len(input_shape) == 0:
            raise ShapeError("expects input with at least one axis besides the batch axis, got (); "
                             "flatten is not needed for (N,) inputs")
        return (int(np.prod(input_shape)),)

    def forward(self, x: Tensor) -> Tensor:
        # (N, ...) -> (N, prod(...))
        return reshape(x, (x.shape[0], -1))
