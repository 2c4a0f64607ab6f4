"""How large a model's matrix products are, from shapes: what the thread policy (``dlx.threads``) reads.

A dense layer's step multiplies a (batch, in) block by its (in, out) weights: batch * in * out
multiply-adds in one product. A convolution makes one product over its im2col columns:
batch * positions * (channels * kernel) * filters, positions being its output's height times
width. A recurrent layer makes one product per time step, batch * in * 4H for an LSTM, so
its size does not grow with the sequence length. ``largest_product`` is the largest of these
for one training step, counted as ``batch * weight elements * output positions``::

    >>> largest_product(model, (64,), batch_size=32)   # the digits MLP 64-256-64-10
    524288
"""
from __future__ import annotations

import math
from typing import Sequence


def largest_product(model, input_shape: Sequence[int], batch_size: int) -> int:
    """Multiply-adds of the largest matrix product of one training step of the built ``model``."""
    shape, largest = tuple(input_shape), 0
    for layer in getattr(model, "layers", None) or [model]:
        out = tuple(layer.output_shape(shape))
        positions = math.prod(out[1:]) if len(out) >= 3 else 1  # (channels, height, width): im2col rows
        for parameter in layer.parameters():
            if parameter.ndim >= 2:
                largest = max(largest, int(batch_size) * parameter.size * positions)
        shape = out
    return largest
