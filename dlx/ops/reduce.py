"""Reductions over axes: sum, mean, max."""
from __future__ import annotations

import numpy as np

from dlx.ops.base import distinct, operation
from dlx.tensor import Tensor, from_op


def _axes(axis, ndim) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put the reduced axes back (as size 1) so that g broadcasts against the input."""
    return g if keepdims else np.expand_dims(g, axes)


@operation("sum", lambda rng: ([rng.standard_normal((3, 4, 2))], {"axis": (0, 2)}))
def sum(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes by default)."""
    axes = _axes(axis, a.ndim)

    def backward(g):  # every input element contributes with weight 1
        return (np.broadcast_to(_expand(g, axes, keepdims), a.shape),)

    return from_op(np.sum(a.data, axis=axes, keepdims=keepdims), (a,), backward, "sum")


@operation("mean", lambda rng: ([rng.standard_normal((3, 4, 2))], {"axis": 1, "keepdims": True}))
def mean(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes by default)."""
    axes = _axes(axis, a.ndim)
    count = int(np.prod([a.shape[i] for i in axes])) if axes else 1

    def backward(g):  # weight 1/count for every element
        return (np.broadcast_to(_expand(g, axes, keepdims) / count, a.shape),)

    return from_op(np.mean(a.data, axis=axes, keepdims=keepdims), (a,), backward, "mean")


@operation("max", lambda rng: ([distinct(rng, (3, 4, 5))], {"axis": -1}))
def max(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    axes = _axes(axis, a.ndim)
    out = np.max(a.data, axis=axes, keepdims=True)

    def backward(g):  # d max / d a_i = 1 for the arg max, 0 elsewhere
        mask = a.data == out
        share = mask / mask.sum(axis=axes, keepdims=True)
        return (_expand(g, axes, keepdims) * share,)

    return from_op(out if keepdims else np.squeeze(out, axis=axes), (a,), backward, "max")
