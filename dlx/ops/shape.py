"""Shape operations: reshape, transpose, indexing, unstack, concatenate, stack."""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.gradients import IndexedGrad
from dlx.tensor import Tensor, as_tensor, from_op


@operation("reshape", lambda rng: ([rng.standard_normal((3, 4))], {"shape": (2, 6)}))
def reshape(a: Tensor, shape) -> Tensor:
    """The same elements in a new shape."""
    def backward(g):
        return (g.reshape(a.shape),)

    return from_op(a.data.reshape(shape), (a,), backward, "reshape")


@operation("transpose", lambda rng: ([rng.standard_normal((2, 3, 4))], {"axes": (2, 0, 1)}))
def transpose(a: Tensor, axes=None) -> Tensor:
    """Permute the axes (reverse them by default)."""
    axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(ax % a.ndim for ax in axes)
    inverse = tuple(np.argsort(axes))

    def backward(g):
        return (g.transpose(inverse),)

    return from_op(a.data.transpose(axes), (a,), backward, "transpose")


def _is_basic(index) -> bool:
    """Basic (view) indexing never repeats an element, so its backward may assign."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _plain(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


@operation("getitem", lambda rng: [rng.standard_normal((4, 5)), (np.array([0, 2, 2]), slice(1, 4))])
def getitem(a: Tensor, index) -> Tensor:
    """a[index]: slicing, integer and boolean indexing; repeated indices sum their gradients.

    The gradient is ``g`` at ``index`` and zero elsewhere (summed where an index
    repeats). The backward returns it as an ``IndexedGrad``: the engine adds it into
    one buffer per parent, so ``x[:, t]`` for every t costs O(T), not T full arrays.
    """
    index = _plain(index)
    basic = _is_basic(index)

    def backward(g):  # g: the shape of a[index]
        return (IndexedGrad(index, g, basic),)

    return from_op(a.data[index], (a,), backward, "getitem")


def unstack(a: Tensor, axis: int = 0) -> list[Tensor]:
    """The slices of ``a`` along ``axis``, each without that axis (the inverse of ``stack``).

    Each slice is a ``getitem``; their gradients meet in one buffer, so walking a
    sequence costs O(T).

    Args:
        a: a tensor.
        axis (int, default 0): the axis to split.

    Shape:
        (N, T, D) with axis=1 -> T tensors of (N, D).

    Example::

        >>> steps = unstack(x, axis=1)            # x: (N, T, D)
        >>> len(steps), steps[0].shape
        (T, (N, D))
    """
    axis = axis % a.ndim
    lead = (slice(None),) * axis
    return [getitem(a, lead + (t,)) for t in range(a.shape[axis])]


def _sequence_example(rng):
    return [[rng.standard_normal((2, 3)), rng.standard_normal((2, 1)), rng.standard_normal((2, 2))], 1]


@operation("concatenate", _sequence_example)
def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = tuple(as_tensor(t) for t in tensors)
    sizes = [t.shape[axis] for t in tensors]
    cuts = np.cumsum(sizes)[:-1]

    def backward(g):
        return tuple(np.split(g, cuts, axis=axis))

    return from_op(np.concatenate([t.data for t in tensors], axis=axis), tensors, backward, "concatenate")


@operation("stack", lambda rng: [[rng.standard_normal((2, 3)) for _ in range(3)], 1])
def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = tuple(as_tensor(t) for t in tensors)
    out = np.stack([t.data for t in tensors], axis=axis)
    axis = axis % out.ndim

    def backward(g):
        return tuple(np.moveaxis(g, axis, 0))

    return from_op(out, tensors, backward, "stack")
