"""Masked losses for padded sequences: padded positions add nothing to the loss or its gradient.

The mask is True (or 1) at real positions. Both operations select with
``np.where`` instead of multiplying, so whatever the padded positions hold
(even NaN or inf in the per-step losses, or labels out of range) cannot leak
into the result, and their gradient is exactly zero.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.activation import log_softmax_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def _mask_for(mask, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``mask`` as bool with trailing axes of length 1 up to ``len(shape)`` axes, checked against ``shape``."""
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
    if mask.shape != shape[:mask.ndim]:
        raise ValueError(f"{name}: mask of shape {mask.shape} does not match the leading axes of {shape}; "
                         f"give a (B, T) mask for (B, T, ...) values")
    return mask.reshape(mask.shape + (1,) * (len(shape) - mask.ndim))


def _count(mask: np.ndarray, shape: tuple[int, ...], name: str) -> int:
    count = int(np.broadcast_to(mask, shape).sum())
    if count == 0:
        raise ValueError(f"{name}: the mask selects no position; every sequence needs length >= 1")
    return count


def _masked_example(rng):
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    return [rng.standard_normal((3, 4, 2)), mask]


@operation("masked_mean", _masked_example)
def masked_mean(values: Tensor, mask) -> Tensor:
    """The mean of ``values`` over the positions where ``mask`` is True.

    ``L = sum_i m_i v_i / sum_i m_i`` with m broadcast over the trailing axes of
    ``values``, so dL/dv_i = m_i / sum m: zero at every padded position.

    Args:
        values: per-element losses, e.g. (B, T) or (B, T, K).
        mask: bool (B, T) or of ``values``' shape; True at real positions.

    Shape:
        values (B, T, ...), mask (B, T) -> scalar.

    Example::

        >>> per_step = (prediction - target) ** 2         # (B, T, K)
        >>> loss = masked_mean(per_step, batch.mask)      # mean over real steps and K
    """
    m = _mask_for(mask, values.shape, "masked_mean")
    count = _count(m, values.shape, "masked_mean")
    out = np.where(m, values.data, 0).sum() / count

    def backward(g):  # m / count, broadcast to the values' shape
        return (np.broadcast_to(m * (g / count), values.shape).astype(values.dtype, copy=False),)

    return from_op(np.asarray(out, dtype=values.dtype), (values,), backward, "masked_mean")


def _masked_labels_example(rng):
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    target = rng.integers(0, 5, (3, 4))
    target[~mask] = 99  # padded labels may be anything
    return [rng.standard_normal((3, 4, 5)), target, mask]


@operation("masked_cross_entropy", _masked_labels_example)
def masked_cross_entropy(logits: Tensor, target, mask) -> Tensor:
    """Cross-entropy of softmax(logits) with integer labels, averaged over the real positions.

    ``L = -sum_{i: m_i} log softmax(z_i)[t_i] / sum_i m_i``; fused with log-softmax
    as ``cross_entropy``. dL/dz_i = m_i (softmax(z_i) - onehot(t_i)) / sum m. The
    labels at padded positions are never read (they may be any integer, e.g. -100).

    Args:
        logits: (B, T, C) scores, the class axis last.
        target: int labels (B, T) in [0, C) at the real positions.
        mask: bool (B, T); True at real positions.

    Shape:
        logits (B, T, C), target (B, T), mask (B, T) -> scalar.

    Example::

        >>> loss = masked_cross_entropy(model(batch.X), batch.y, batch.target_mask)
    """
    z = logits.data
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    m = _mask_for(mask, z.shape[:-1], "masked_cross_entropy")
    if t.shape != z.shape[:-1] or t.dtype.kind not in "iu":
        raise ValueError(f"masked_cross_entropy: labels must be integers of shape {z.shape[:-1]}, "
                         f"got {t.dtype} {t.shape}")
    count = _count(m, t.shape, "masked_cross_entropy")
    real = np.broadcast_to(m, t.shape)
    if real.any() and (t[real].min() < 0 or t[real].max() >= z.shape[-1]):
        raise ValueError(f"masked_cross_entropy: labels at real positions must lie in [0, {z.shape[-1] - 1}]")
    index = np.where(real, t, 0)[..., None].astype(np.intp)  # (B, T, 1); padded labels replaced by 0
    logp = log_softmax_array(z, axis=-1)
    picked = np.take_along_axis(logp, index, axis=-1)[..., 0]
    loss = -np.where(real, picked, 0).sum() / count

    def backward(g):  # (softmax - onehot) at real positions, zero at padded ones, times g / count
        grad = np.exp(logp)
        np.put_along_axis(grad, index, np.take_along_axis(grad, index, axis=-1) - 1, axis=-1)
        return (np.where(real[..., None], grad * (g / count), 0).astype(z.dtype, copy=False),)

    return from_op(np.asarray(loss, dtype=z.dtype), (logits,), backward, "masked_cross_entropy")
