"""Pruning masks: which weights stay (1) and which are removed (0), and training that keeps them removed.

The prunable weights are the parameters of two or more axes: a dense layer's ``(in, out)``
matrix, a convolution's ``(filters, channels, kh, kw)`` kernels, recurrent matrices. Biases
and normalisation parameters stay. Three criteria, each given the fraction ``sparsity`` of
the prunable weights to remove:

- ``layer``: in every weight, the ``sparsity`` fraction of smallest ``|w|`` (Han et al., 2015);
- ``global``: the smallest ``|w|`` over all weights together, so layers lose different shares;
- ``neuron``: whole output neurons (dense columns) or filters (conv kernels) with the smallest
  L2 norm, the same fraction in every layer but the last (its outputs are the classes).

A weight once pruned stays pruned (``previous``): iterative pruning only removes more.
``MaskedOptimiser`` wraps the Trainer's optimiser so that fine-tuning keeps them at zero.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError

CRITERIA = ("layer", "global", "neuron")


def check_sparsity(sparsity) -> float:
    """``sparsity`` as a float in [0, 1); DlxError (one line) otherwise."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
        raise DlxError(f"sparsity must be a fraction from 0 to below 1 (0.9 removes 90% of the weights), "
                       f"got {sparsity}")
    return float(sparsity)


def prunable(model) -> dict:
    """name -> Parameter of every weight with two or more axes, in the model's order."""
    return {name: p for name, p in model.named_parameters() if p.ndim >= 2}


def _keep_largest(scores: np.ndarray, present: np.ndarray, keep: int) -> np.ndarray:
    """A boolean mask of the ``keep`` largest ``scores`` among ``present`` (ties broken by position)."""
    order = np.argsort(np.where(present, scores, -np.inf), axis=None, kind="stable")[::-1]
    mask = np.zeros(scores.size, dtype=bool)
    mask[order[:keep]] = True
    return mask.reshape(scores.shape) & present


def magnitude_masks(weights: dict, sparsity: float, scope: str = "layer", previous: dict | None = None) -> dict:
    """name -> float32 mask removing the ``sparsity`` fraction of smallest ``|w|`` per layer or globally."""
    previous = previous or {}
    present = {k: previous.get(k, np.ones(w.shape, np.float32)) > 0 for k, w in weights.items()}
    if scope == "layer":
        return {k: _keep_largest(np.abs(w), present[k], round((1 - sparsity) * w.size)).astype(np.float32)
                for k, w in weights.items()}
    flat = np.concatenate([np.abs(w).reshape(-1) for w in weights.values()])
    alive = np.concatenate([present[k].reshape(-1) for k in weights])
    kept = _keep_largest(flat, alive, round((1 - sparsity) * flat.size))
    masks, start = {}, 0
    for k, w in weights.items():
        masks[k] = kept[start:start + w.size].reshape(w.shape).astype(np.float32)
        start += w.size
    return masks


def neuron_masks(weights: dict, sparsity: float, previous: dict | None = None) -> dict:
    """name -> mask removing whole output neurons/filters of smallest L2 norm (the last layer is kept)."""
    previous = previous or {}
    masks, names = {}, list(weights)
    for k, w in weights.items():
        old = previous.get(k, np.ones(w.shape, np.float32))
        if k == names[-1]:
            masks[k] = old
            continue
        axis = w.ndim - 1 if w.ndim == 2 else 0  # dense (in, out): columns; conv (F, C, kh, kw): filters
        units = np.moveaxis(w * old, axis, 0).reshape(w.shape[axis], -1)
        alive = np.abs(units).sum(axis=1) > 0
        kept = _keep_largest(np.linalg.norm(units, axis=1), alive, round((1 - sparsity) * w.shape[axis]))
        shape = [1] * w.ndim
        shape[axis] = -1
        masks[k] = (old * kept.reshape(shape)).astype(np.float32)
    return masks


def make_masks(model, sparsity: float, criterion: str, previous: dict | None = None) -> dict:
    """Masks of ``model``'s prunable weights for ``sparsity`` by ``criterion`` (one of ``CRITERIA``)."""
    weights = {k: p.data for k, p in prunable(model).items()}
    if criterion == "neuron":
        return neuron_masks(weights, sparsity, previous)
    if criterion not in ("layer", "global"):
        raise DlxError(f"unknown pruning criterion '{criterion}'; use one of {', '.join(CRITERIA)}")
    return magnitude_masks(weights, sparsity, criterion, previous)


def apply_masks(model, masks: dict) -> None:
    """Zero the removed weights of ``model`` in place."""
    for name, p in prunable(model).items():
        if name in masks:
            np.multiply(p.data, masks[name], out=p.data, casting="unsafe")


class MaskedOptimiser:
    """The Trainer's optimiser, with the removed weights kept at zero: their gradients are zeroed before
    each step (so momentum and Adam's moments stay zero there) and the weights after it (decay, penalties).

    Everything else (``lr``, ``zero_grad``, ``state_dict``) is the wrapped optimiser's, so the learning-rate
    schedule, which holds the optimiser itself, still drives it.
    """

    def __init__(self, optimiser, model, masks: dict):
        self.optimiser = optimiser
        self.masked = [(p, masks[name]) for name, p in prunable(model).items() if name in masks]

    def step(self) -> None:
        for p, mask in self.masked:
            if p.grad is not None:
                p.grad = p.grad * mask
        self.optimiser.step()
        for p, mask in self.masked:
            np.multiply(p.data, mask, out=p.data, casting="unsafe")

    def __getattr__(self, name):
        return getattr(self.optimiser, name)
