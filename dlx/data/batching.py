"""Batches of variable-length sequences: padding, trimming to the batch's longest sequence, masks.

A data set of sequences holds them padded to one length T with their true
``lengths``. A batch is cut to its own longest sequence, and the mask marks the
real positions, so that a masked loss (``dlx.ops.masked_mean``,
``dlx.ops.masked_cross_entropy``) ignores the padding::

    tokens, lengths = pad_sequences([np.array([5, 2, 9]), np.array([7])])
    ds = Dataset(tokens, tags, "tagging", "toy", lengths=lengths)
    for b in batches(ds, 32, rng):         # b.X (B, T_b), b.mask (B, T_b)
        loss = masked_cross_entropy(model(b.X), b.y, b.target_mask)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from dlx.data.dataset import TASKS, Dataset, minibatches
from dlx.errors import DataError


def pad_sequences(sequences, pad_value=0, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths into one array, padded at the end.

    Args:
        sequences: arrays of shape (T_i, ...) with the same trailing shape.
        pad_value (default 0): the value of the padded positions.
        dtype (default None): the result's dtype; None keeps the sequences' common
            dtype (integer token ids stay integer).

    Returns:
        ``(padded, lengths)``: padded (N, T_max, ...) and lengths int64 (N,).

    Example::

        >>> padded, lengths = pad_sequences([np.array([5, 2, 9]), np.array([7])])
        >>> padded, lengths
        (array([[5, 2, 9], [7, 0, 0]]), array([3, 1]))
    """
    arrays = [np.asarray(s) for s in sequences]
    if not arrays:
        raise DataError("pad_sequences needs at least one sequence")
    if any(a.ndim == 0 for a in arrays):
        raise DataError("pad_sequences needs sequences of shape (T, ...), got a scalar; wrap it in a list")
    trailing = {a.shape[1:] for a in arrays}
    if len(trailing) > 1:
        raise DataError(f"sequences must agree in every axis but the first (time), got trailing shapes "
                        f"{sorted(trailing)}")
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    dtype = np.result_type(*arrays) if dtype is None else np.dtype(dtype)
    padded = np.full((len(arrays), int(lengths.max())) + arrays[0].shape[1:], pad_value, dtype=dtype)
    for row, array in zip(padded, arrays):
        row[:len(array)] = array
    return padded, lengths


def sequence_mask(lengths: np.ndarray, max_length: int | None = None) -> np.ndarray:
    """Boolean (N, T) mask, True at the first ``lengths[n]`` positions of row n.

    Example::

        >>> sequence_mask(np.array([3, 1]))
        array([[ True,  True,  True], [ True, False, False]])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    width = int(lengths.max(initial=0)) if max_length is None else int(max_length)
    return np.arange(width)[None, :] < lengths[:, None]


@dataclass
class Batch:
    """One mini-batch, cut to its longest sequence.

    Attributes:
        X: inputs (B, T_b, ...), or (B, ...) for data without lengths.
        y: targets; per-step targets cut like X, target sequences to their own longest.
        mask: bool (B, T_b), True at real input positions; None without lengths.
        lengths: int64 (B,) or None.
        target_mask: bool mask of the target positions that count: the input mask
            for per-step targets, the target-length mask for target sequences, else None.
        target_lengths: int64 (B,) or None.
    """

    X: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None
    lengths: np.ndarray | None = None
    target_mask: np.ndarray | None = None
    target_lengths: np.ndarray | None = None


def has_per_step_targets(ds: Dataset) -> bool:
    """Targets are one per input position: a registered task with lengths, y (N, T, ...) of X's T."""
    return (ds.lengths is not None and ds.target_lengths is None and ds.task not in TASKS
            and ds.y.ndim >= 2 and ds.y.shape[1] == ds.X.shape[1])


def batch(ds: Dataset, indices, per_step_targets: bool | None = None) -> Batch:
    """The samples at ``indices`` as a ``Batch``, padded sequences cut to the batch's longest.

    Args:
        ds: the data set.
        indices: an index array (e.g. one of ``minibatches``).
        per_step_targets (default None): whether y holds one target per input
            position and is cut with X; None decides by ``has_per_step_targets``.

    Shape:
        X (N, T, ...) with lengths -> (B, max(lengths[indices]), ...); mask (B, T_b).

    Example::

        >>> b = batch(ds, np.array([0, 3]))
        >>> b.X.shape, b.mask.sum(axis=1)
        ((2, 3), array([3, 1]))
    """
    indices = np.asarray(indices, dtype=np.int64)
    X, y = ds.X[indices], ds.y[indices]
    if ds.lengths is None:
        return Batch(X, y)
    lengths = ds.lengths[indices]
    width = int(lengths.max(initial=0))
    mask = sequence_mask(lengths, width)
    out = Batch(X[:, :width], y, mask, lengths)
    if has_per_step_targets(ds) if per_step_targets is None else per_step_targets:
        out.y, out.target_mask = y[:, :width], mask
    elif ds.target_lengths is not None:
        out.target_lengths = ds.target_lengths[indices]
        target_width = int(out.target_lengths.max(initial=0))
        out.y, out.target_mask = y[:, :target_width], sequence_mask(out.target_lengths, target_width)
    return out


def batches(ds: Dataset, batch_size: int | str, rng: np.random.Generator | None = None,
            shuffle: bool = True) -> Iterator[Batch]:
    """One epoch of ``Batch``es: ``minibatches`` of the indices, each cut by ``batch``.

    Example::

        >>> [b.X.shape for b in batches(ds, 2, shuffle=False)]   # lengths 3, 1, 2, 2
        [(2, 3), (2, 2)]
    """
    for indices in minibatches(len(ds), batch_size, rng, shuffle):
        yield batch(ds, indices)
