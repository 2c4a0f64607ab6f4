"""Gradients on their way through ``Tensor.backward``: sparse slice gradients and their accumulation.

A backward closure returns, per parent, a dense array or an ``IndexedGrad`` (zero
except at an index: what ``x[index]`` sends back). ``PendingGrads`` sums what
arrives for each node during one backward pass: sparse gradients go into one
zero buffer per node that it allocates once and owns, dense ones are added in
place into a buffer it owns (the result of the first sum), never into an array
a closure returned, which may be a view of another gradient or a saved array.
Stepping through a sequence with ``x[:, t]`` for t < T thus costs O(T), not T
full arrays.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from dlx.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach its shape."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


class IndexedGrad:
    """A gradient that is zero everywhere except at ``index``, where it is ``values``.

    What the backward of ``x[index]`` returns instead of a full array: the engine
    adds it into one buffer of ``x``'s shape, so T slices of one tensor cost T
    small additions rather than T full zero arrays.

    Args:
        index: a NumPy index (slices, integers, integer or boolean arrays).
        values: the gradient of ``x[index]``, of that shape.
        basic (bool): True when ``index`` is basic indexing (slices, integers,
            None, Ellipsis): no element is hit twice, so a plain ``+=`` is exact;
            otherwise repeated indices are summed with ``np.add.at``.

    Example::

        >>> grad = IndexedGrad((slice(None), 2), np.ones(4), basic=True)
        >>> buffer = np.zeros((4, 5)); grad.add_into(buffer); buffer[:, 2]
        array([1., 1., 1., 1.])
    """

    __slots__ = ("index", "values", "basic")

    def __init__(self, index, values: np.ndarray, basic: bool):
        self.index = index
        self.values = values
        self.basic = basic

    @property
    def dtype(self):
        return self.values.dtype

    def add_into(self, buffer: np.ndarray) -> None:
        """``buffer[index] += values`` (repeated indices summed), in place."""
        if self.basic:
            buffer[self.index] += self.values
        else:
            np.add.at(buffer, self.index, self.values)

    def dense(self, shape: tuple[int, ...]) -> np.ndarray:
        """The full gradient: a new array of ``shape``, zero away from ``index``."""
        full = np.zeros(shape, dtype=self.values.dtype)
        self.add_into(full)
        return full


class PendingGrads:
    """The gradients waiting for each node during one backward pass, summed as they arrive.

    An entry is an array and whether the engine owns it. A closure's result is
    not owned (it may be a view of the upstream gradient or of a saved array), so
    the first sum allocates a new array that the engine owns; later gradients are
    added into it in place. An ``IndexedGrad`` goes into an owned zero buffer
    of the parent's shape, allocated once per parent.
    """

    def __init__(self):
        self._grads: dict[int, np.ndarray] = {}
        self._owned: set[int] = set()

    def pop(self, node: "Tensor") -> np.ndarray | None:
        self._owned.discard(id(node))
        return self._grads.pop(id(node), None)

    def add(self, node: "Tensor", grad) -> None:
        key = id(node)
        sparse = type(grad) is IndexedGrad
        if not sparse and grad.shape != node.data.shape:
            grad = unbroadcast(grad, node.data.shape)
        current = self._grads.get(key)
        if current is None and not sparse:
            self._grads[key] = grad  # borrowed: never written to
            return
        dtype = grad.dtype
        if current is not None and current.dtype != dtype:
            dtype = np.result_type(current, dtype)
        if key not in self._owned or current.dtype != dtype:
            current = self._own(key, current, node.data.shape, dtype)
        if sparse:
            grad.add_into(current)
        else:
            current += grad

    def _own(self, key: int, current, shape, dtype) -> np.ndarray:
        buffer = np.zeros(shape, dtype=dtype) if current is None else np.array(current, dtype=dtype)
        self._grads[key] = buffer
        self._owned.add(key)
        return buffer
