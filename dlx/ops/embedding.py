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
    # stable sort; on 16-bit keys NumPy's stable sort is a radix sort, 10-40x faster than on int64
    keys = index.astype(np.uint16) if size <= 1 << 16 else index
    order = np.argsort(keys, kind="stable")
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


def _word_scores_example(rng):
    inputs = rng.integers(0, 6, size=(4, 2))
    candidates = rng.integers(0, 6, size=(4, 3))
    candidates[0, :2] = inputs[0, 0]  # repeated rows: their gradients must add up
    return [rng.standard_normal((6, 3)), rng.standard_normal((6, 3)), inputs, candidates], {}


def dense_word_scores(size: int, rows: int, candidates: int) -> bool:
    """Whether ``word_scores`` takes its dense path: scores against the whole table by matrix products.

    The sparse path gathers and scatters N x K rows of d numbers (memory-bound NumPy passes); the
    dense one does N x V x d multiply-adds in BLAS and N x V bookkeeping. Rule: dense while V <= 16 K
    (about where the two meet on a 2-core machine, one thread, d = 30-100) and the N x V matrix
    stays under 4M entries. A planted corpus (V = 84, K = 6) is dense; a real vocabulary sparse.
    """
    return size <= 16 * candidates and size * rows <= 4_000_000


@operation("word_scores", _word_scores_example)
def word_scores(input_vectors: Tensor, output_vectors: Tensor, inputs, candidates, dense: bool | None = None
                ) -> Tensor:
    """word2vec's scores of candidate words, fused: one tape node for the lookups and products.

        h[n] = mean_i U[inputs[n, i]],   s[n, k] = h[n] . O[candidates[n, k]]

    Backward (g = dL/ds, (N, K)): dL/dh[n] = sum_k g[n, k] O[candidates[n, k]]; each input row
    U[inputs[n, i]] receives dL/dh[n] / I, each candidate row O[candidates[n, k]] receives
    g[n, k] h[n], repeats adding up. Two paths compute that (``dense_word_scores`` picks one):
    sparse, gathering the candidates' rows and scattering with ``scatter_add_rows``; dense,
    with A (N, V) holding g[n, k] at (n, candidates[n, k]) (repeats added): s = (h O^T)[n, candidates[n, k]],
    dL/dO = A^T h, dL/dh = A O (the input rows scattered as in the sparse path).

    Args:
        input_vectors (Tensor): U, (V, d).
        output_vectors (Tensor): O, (V, d).
        inputs: integer (N, I) input words (one for skip-gram, the window for CBOW).
        candidates: integer (N, K) words to score (target and noise words for negative sampling).
        dense (bool, optional): force a path (None: ``dense_word_scores``'s rule).

    Shape:
        output (N, K).

    Example::

        >>> word_scores(Tensor(np.eye(3)), Tensor(np.eye(3)), np.array([[1]]), np.array([[1, 2]])).data
        array([[1., 0.]])
    """
    inputs, candidates = np.asarray(inputs), np.asarray(candidates)
    size, dim = input_vectors.shape
    for name, ids in (("inputs", inputs), ("candidates", candidates)):
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ShapeError(f"word_scores: {name} must be a 2-D integer array, got {ids.dtype} {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= size):
            raise ShapeError(f"word_scores: word ids must lie in [0, {size}), got {ids.min()} to {ids.max()}")
    n, width = inputs.shape
    k = candidates.shape[1]
    dense = dense_word_scores(size, n, k) if dense is None else dense
    hidden = input_vectors.data[inputs[:, 0]] if width == 1 else input_vectors.data[inputs].mean(axis=1)  # (N, d)
    if dense:
        cells = (np.arange(n)[:, None] * size + candidates).reshape(-1)  # (n, candidate) in the flat (N, V)
        scores = (hidden @ output_vectors.data.T).reshape(-1)[cells].reshape(n, k)
    else:
        picked = output_vectors.data[candidates]  # (N, K, d)
        scores = np.matmul(picked, hidden[:, :, None])[:, :, 0]  # batched products: faster than einsum here

    def backward(g):
        dtype = input_vectors.data.dtype
        if dense:
            a = np.bincount(cells, weights=g.reshape(-1), minlength=n * size).reshape(n, size).astype(dtype)
            doutput = a.T @ hidden
            dhidden = a @ output_vectors.data / width
            dinput = scatter_add_rows(inputs.reshape(-1), dhidden if width == 1 else np.repeat(dhidden, width, axis=0),
                                      size)
            return dinput, doutput
        dhidden = np.matmul(g[:, None, :], picked)[:, 0] / width  # (N, d)
        dinput = scatter_add_rows(inputs.reshape(-1), dhidden if width == 1 else np.repeat(dhidden, width, axis=0),
                                  size)
        doutput = scatter_add_rows(candidates.reshape(-1), (g[:, :, None] * hidden[:, None, :]).reshape(-1, dim),
                                   size)
        return dinput, doutput

    return from_op(scores, (input_vectors, output_vectors), backward, "word_scores")
