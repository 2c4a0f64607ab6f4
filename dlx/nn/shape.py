"""Shape layers: Flatten (convolutional part -> dense part) and Reshape (dense part -> image maps)."""
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


@layers.register("reshape")
class Reshape(Module):
    """Reshapes every sample to ``shape``: (N, d) -> (N, *shape), e.g. a dense code into (C, H, W) maps.

    Args:
        shape (list of int): the shape of one sample, without the batch axis; its product must
            equal the number of elements per sample.

    Shape:
        input (N, *), output (N, *shape).

    Example::

        >>> Reshape([32, 7, 7])(Tensor(np.zeros((8, 1568)))).shape
        (8, 32, 7, 7)
    """

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)
        if not self.shape or min(self.shape) < 1:
            raise ShapeError(f"reshape: shape must be a list of positive sizes, got {shape!r}")

    @staticmethod
    def example():
        return {"shape": [2, 3, 2]}, (12,)

    def output_shape(self, input_shape):
        size, wanted = int(np.prod(input_shape)), int(np.prod(self.shape))
        if size != wanted:
            raise ShapeError(f"cannot reshape {tuple(input_shape)} ({size} elements) to {self.shape} "
                             f"({wanted} elements); give the layer before it {wanted} units")
        return self.shape

    def forward(self, x: Tensor) -> Tensor:
        # (N, *) -> (N, *shape)
        return reshape(x, (x.shape[0], *self.shape))
