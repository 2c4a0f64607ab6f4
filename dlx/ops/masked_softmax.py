"""Softmax over the valid positions only: attention weights that never fall on padding.

Attention over a padded batch of encoder states must give weight 0 to the padded
steps. Setting their scores to -inf would work forward but makes NaN appear for a
row with no valid step and leaks through ``0 * inf`` in a backward; this operation
selects with ``np.where`` instead, as ``dlx.ops.masked``.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def _example(rng):
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    return [rng.standard_normal((3, 4)), mask]


def masked_softmax_array(z: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """softmax(z) along the last axis over the positions where ``keep`` is True; 0 elsewhere."""
    shifted = np.where(keep, z, -np.inf)
    top = shifted.max(axis=-1, keepdims=True)
    e = np.where(keep, np.exp(np.where(keep, z - np.where(np.isfinite(top), top, 0), 0)), 0)
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1)


@operation("masked_softmax", _example)
def masked_softmax(scores: Tensor, mask) -> Tensor:
    """a_j = exp(s_j) / sum_{k valid} exp(s_k) at valid j, a_j = 0 at masked j (last axis).

    Backward (the softmax Jacobian restricted to the valid positions):
    dL/ds_j = a_j (g_j - sum_k a_k g_k); it is 0 at masked j because a_j is 0 there.

    Args:
        scores: (..., T) attention scores.
        mask: bool of the same shape (or broadcastable to it); True at valid positions.
            Every row needs one valid position (a sequence of length >= 1).

    Shape:
        scores (N, T), mask (N, T) -> (N, T), each row summing to 1 over its valid steps.

    Example::

        >>> masked_softmax(Tensor(np.zeros((1, 3))), np.array([[True, True, False]])).data
        array([[0.5, 0.5, 0. ]])
    """
    keep = np.broadcast_to(np.asarray(getattr(mask, "data", mask)).astype(bool), scores.shape)
    if not keep.any(axis=-1).all():
        raise ValueError("masked_softmax: a row has no valid position; every sequence needs length >= 1")
    a = masked_softmax_array(scores.data, keep).astype(scores.dtype, copy=False)

    def backward(g):  # a (g - <a, g>)
        return ((a * (g - (a * g).sum(axis=-1, keepdims=True))).astype(scores.dtype, copy=False),)

    return from_op(a, (scores,), backward, "masked_softmax")
