"""Quantisation-aware training with the straight-through estimator (Bengio et al., 2013; Jacob et al., 2018).

The network's forward sees the quantised weights ``q(W) = s * clip(round(W / s))`` (per output
channel, symmetric, ``s = max |W| / Q``), while the optimiser updates float "shadow" weights ``W``
with the gradient taken at ``q(W)``: the rounding's derivative, zero almost everywhere, is replaced
by the identity (nothing is clipped, since ``s`` comes from the channel's largest ``|W|``)::

    W <- W - lr * dL/dq(W)          then the forward uses q(W) again

It trains through the one Trainer: ``QuantisedTraining`` wraps its optimiser, as the masks do.
Afterwards the post-training quantiser turns ``q(W)`` into the same integer codes.
"""
from __future__ import annotations

import numpy as np

from dlx.nn import Conv2D, Dense
from dlx.nn.quantised import quantised_codes, scale_for


def fake_quantised(weight: np.ndarray, bits: int, channel_axes: tuple) -> np.ndarray:
    """``q(W)``: the weight rounded to ``bits``-bit codes per output channel and scaled back (float32)."""
    scale = np.expand_dims(scale_for(np.abs(weight).max(axis=channel_axes), bits), channel_axes)
    return (quantised_codes(weight, scale, bits) * scale).astype(weight.dtype)


def quantised_weights(model) -> list:
    """(parameter, channel axes) of every dense and conv2d weight (dense (in, out): axis 0; conv: 1, 2, 3)."""
    out = []
    for module in model.modules():
        if type(module) is Dense:
            out.append((module.weight, (0,)))
        elif type(module) is Conv2D:
            out.append((module.weight, (1, 2, 3)))
    return out


class QuantisedTraining:
    """The Trainer's optimiser, stepping float shadow weights while the forward sees ``q(W)`` (STE)."""

    def __init__(self, optimiser, model, bits: int):
        self.optimiser, self.bits = optimiser, bits
        self.weights = quantised_weights(model)
        self.shadows = [p.data.copy() for p, _ in self.weights]
        self._quantise()

    def _quantise(self) -> None:
        for (p, axes), shadow in zip(self.weights, self.shadows):
            p.data[...] = fake_quantised(shadow, self.bits, axes)

    def step(self) -> None:
        for (p, _), shadow in zip(self.weights, self.shadows):
            p.data[...] = shadow  # the gradient, taken at q(W), updates W: the straight-through estimator
        self.optimiser.step()
        for (p, _), shadow in zip(self.weights, self.shadows):
            shadow[...] = p.data
        self._quantise()

    def __getattr__(self, name):
        return getattr(self.optimiser, name)
