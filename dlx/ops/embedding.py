"""Embedding lookup: rows of a table picked by integer indices (a one-hot product without the product).

    y[..., :] = W[index[...], :]

is one_hot(index) @ W, so dL/dW = one_hot(index)^T @ dL/dy: every row W[v]
receives the sum of the upstream gradients at the positions where index == v.
``scatter_add_rows`` does that sum without building the one-hot matrix (a plain
``dW[index] += g`` would keep only one of repeated indices): it sorts the indices and adds
each run of equal ones with ``np.add.reduceat``, several times faster than ``np.add.at``.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def scatter_add_rows(index: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """(size, E) zeros with ``rows[k]`` added to row ``index[k]`` for every k (repeats add up)."""
    out = np.zeros((size, rows.shape[1]), dtype=rows.dtype)
    if not len(index):
        return out
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    out[ordered[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def _example(rng):
    index = rng.integers(0, 5, size=(3, 4))
    index[0, :2] = 2  # a repeated index: its gradients must add up
    return [rng.standard_normal((5, 3)), index], {}


@operation("embedding", _example)
def embedding(weight: Tensor, index) -> Tensor:
    """Look up the rows ``weight[index]``.

    Args:
        weight (Tensor): the table, shape (V, E): one row of E numbers per token.
        index: integer array of any shape (e.g. (N, T)), values in [0, V).

    Shape:
        output index.shape + (E,).

    Example::

        >>> embedding(Tensor(np.eye(3)), np.array([[2, 0]])).shape
        (1, 2, 3)
    """
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        if index.dtype.kind == "f" and index.size and np.all(index == np.round(index)):
            index = index.astype(np.int64)
        else:
            raise ShapeError(f"embedding: expects integer token indices, got dtype {index.dtype}; "
                             f"encode the tokens as integers in [0, {weight.shape[0]})")
    if index.size and (index.min() < 0 or index.max() >= weight.shape[0]):
        raise ShapeError(f"embedding: token indices must lie in [0, {weight.shape[0]}), got values from "
                         f"{index.min()} to {index.max()}; enlarge the vocabulary (vocab_size)")

    def backward(g):
        return (scatter_add_rows(index.reshape(-1), g.reshape(-1, weight.shape[1]), weight.shape[0]),)

    return from_op(weight.data[index], (weight,), backward, "embedding")
