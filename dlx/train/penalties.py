"""Penalties and noise on the weights: the one place that applies L1/L2 in the loop.

A weight is a parameter with ndim >= 2 (not biases or normalisation scales).
``regularisation.l1`` / ``l2`` apply to every weight; a layer's own ``l1`` / ``l2``
(``- dense: {units: 8, l2: 0.01}``) replaces them for that layer's weights. The
penalty's gradient is added after backward, before the optimiser steps.
(``optimiser.weight_decay`` is separate: the optimiser's coupled decay on every
parameter, see ``TrainSettings``.)
"""
from __future__ import annotations

import numpy as np

from dlx.nn import Parameter


def penalised_weights(model, l1: float, l2: float) -> list[tuple]:
    """(weight, l1, l2) for every weight (ndim >= 2; not biases or normalisation scales) with a penalty.

    A layer's own ``penalty`` (``- dense: {units: 8, l2: 0.01}`` in a config)
    overrides the global ``regularisation.l1`` / ``l2`` for its weights.
    """
    out = []
    for module in model.modules():
        own = getattr(module, "penalty", None) or {}
        a, b = own.get("l1", l1), own.get("l2", l2)
        for _, child in module._children():
            if isinstance(child, Parameter) and child.ndim >= 2 and not child.frozen and (a or b):
                out.append((child, a, b))
    return out


def add_penalty_gradients(weights: list[tuple]) -> None:
    """Gradients of l1 * sum|w| + l2 * sum w^2: l1 * sign(w) + 2 * l2 * w."""
    for p, l1, l2 in weights:
        if p.grad is None:
            continue
        extra = (2.0 * l2) * p.data
        if l1:
            extra = extra + l1 * np.sign(p.data)
        p.grad = p.grad + extra.astype(p.dtype, copy=False)


def penalty_value(weights: list[tuple]) -> float:
    return float(sum(l1 * np.abs(p.data).sum() + l2 * (p.data.astype(np.float64) ** 2).sum()
                     for p, l1, l2 in weights))


class WeightNoise:
    """Gaussian noise on the weights for one step (training with noise): the gradient is taken at
    w + e and applied to w."""

    def __init__(self, weights: list, std: float, rng: np.random.Generator):
        self.weights, self.std, self.rng = weights, std, rng
        self.saved: list[np.ndarray] = []

    def __enter__(self):
        self.saved = [p.data for p in self.weights]
        for p in self.weights:
            p.data = p.data + self.rng.normal(0.0, self.std, p.shape).astype(p.dtype)
        return self

    def __exit__(self, *exc):
        for p, original in zip(self.weights, self.saved):
            p.data = original
        return False
