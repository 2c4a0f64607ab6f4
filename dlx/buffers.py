"""Reused work arrays for the large temporaries of a training step (im2col columns, transposes).

Every step of a convolutional network allocates the same big arrays again: the im2col
columns, the transposed gradients, the col2im sums, several megabytes each. Fresh memory
of that size comes from the operating system page by page (the C allocator returns freed
blocks this large to it), and touching it costs page faults: measured here, a 64-image
5x5 convolution's forward pass took 7.3 ms with fresh arrays and 3.8 ms with reused ones.

``empty(shape, dtype)`` hands out an array of a small pool when one of that shape and
dtype is free, and a new one (kept in the pool) otherwise. An array is free when nothing
but the pool refers to it: no Tensor, no closure saved for backward, no view (a view keeps
its base array alive, and so counts). So reuse is safe by construction: an array still in
use is never handed out twice. Like ``np.empty``, the contents are arbitrary.

Small arrays (under ``MIN_BYTES``) are not pooled: the allocator reuses those itself.
The pool keeps at most ``MAX_PER_SHAPE`` arrays per shape and ``MAX_BYTES`` in all, so
memory does not grow with the number of distinct shapes (sequence lengths, last batches).
``clear()`` empties it.
"""
from __future__ import annotations

import math
import sys
import threading

import numpy as np

MIN_BYTES = 1 << 20
MAX_PER_SHAPE = 4
MAX_BYTES = 1 << 30

_pool: dict[tuple, list[np.ndarray]] = {}
_pooled_bytes = 0
_lock = threading.Lock()


def _references(arrays: list, k: int) -> int:
    return sys.getrefcount(arrays[k])


def _baseline() -> int:
    """The count ``_references`` gives for an array that only a pool list refers to."""
    arrays = [np.empty(1)]
    return _references(arrays, 0)


FREE = _baseline()


def empty(shape, dtype=np.float32) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` with arbitrary contents, reused when one is free."""
    global _pooled_bytes
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    key = (shape, dtype.str)
    with _lock:
        arrays = _pool.setdefault(key, [])
        for k in range(len(arrays)):
            if _references(arrays, k) <= FREE:
                return arrays[k]
        array = np.empty(shape, dtype)
        if len(arrays) < MAX_PER_SHAPE and _pooled_bytes + nbytes <= MAX_BYTES:
            arrays.append(array)
            _pooled_bytes += nbytes
        return array


def zeros(shape, dtype=np.float32) -> np.ndarray:
    """``empty`` filled with zeros."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def clear() -> None:
    """Forget every pooled array (those still in use live on as ordinary arrays)."""
    global _pooled_bytes
    with _lock:
        _pool.clear()
        _pooled_bytes = 0


def pooled_bytes() -> int:
    """Bytes held by the pool, free or in use."""
    return _pooled_bytes
