"""Sparse storage of mostly-zero arrays inside a checkpoint (a pruned model's weights).

An array ``NAME`` whose entries are mostly zero is stored as three arrays:
``NAME@bitmap`` (one bit per entry, ``np.packbits``: is it non-zero?), ``NAME@values``
(the non-zero entries in C order, the array's dtype) and ``NAME@shape``. At a fraction
``d`` of non-zeros this takes ``n / 8 + d * n * itemsize`` bytes instead of
``n * itemsize``: a float32 matrix pruned to 10% keeps 13% of its bytes. ``dense_arrays``
turns them back into the dense array, so whoever loads a checkpoint sees ``NAME``::

    arrays = sparse_arrays({"model/0.weight": w})      # w 90% zeros
    dense_arrays(arrays)["model/0.weight"]             # == w
"""
from __future__ import annotations

import numpy as np

from dlx.errors import CheckpointError

SUFFIXES = ("@bitmap", "@values", "@shape")


def sparse_arrays(arrays: dict[str, np.ndarray], below: float = 0.5) -> dict[str, np.ndarray]:
    """``arrays`` with each array of two or more axes whose non-zero fraction is under ``below`` stored sparse."""
    out = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.ndim < 2 or array.size == 0 or np.count_nonzero(array) >= below * array.size:
            out[name] = array
            continue
        flat = array.reshape(-1)
        out[name + "@bitmap"] = np.packbits(flat != 0)
        out[name + "@values"] = flat[flat != 0]
        out[name + "@shape"] = np.asarray(array.shape, dtype=np.int64)
    return out


def dense_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` with every sparse triple written by ``sparse_arrays`` made dense again."""
    names = {key[:-len("@bitmap")] for key in arrays if key.endswith("@bitmap")}
    if not names:
        return arrays
    out = {k: v for k, v in arrays.items() if not k.endswith(SUFFIXES)}
    for name in names:
        try:
            shape = tuple(int(n) for n in arrays[name + "@shape"])
            size = int(np.prod(shape))
            present = np.unpackbits(arrays[name + "@bitmap"], count=size).astype(bool)
            values = arrays[name + "@values"]
            flat = np.zeros(size, dtype=values.dtype)
            flat[present] = values
        except (KeyError, ValueError) as error:
            raise CheckpointError(f"sparse array '{name}' is damaged ({error}); the run folder is damaged: "
                                  f"compress the run again") from None
        out[name] = flat.reshape(shape)
    return out
