"""The NTM copy task (Graves et al. 2014, sec. 4.1; TOPICS [X]): random bit vectors, then their copy.

A sequence of L random ``bits``-bit vectors is shown one per step, then one step with the
delimiter channel on, then L blank steps in which the model must output the sequence again:
T = 2 L + 1 steps of ``bits + 1`` input channels. The targets (T, bits) hold the sequence at
the L output steps and -1 at the L + 1 input steps; -1 marks "does not count" (task
"bit_copy" keeps it out of the loss and the bit errors, with the batch's mask for padding).

The training and validation sequences have lengths ``min_length``..``max_length`` (uniform);
the data set's own test part (``Dataset.test_part``) has ``test_n`` sequences of each of
``test_lengths``, longer ones to see whether the copying generalises.
"""
from __future__ import annotations

import numpy as np

from dlx.data.batching import pad_sequences
from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

BIT_COPY = register_task_name("bit_copy")
IGNORED = -1.0  # target value of the steps that do not count


def copy_sequence(bits_in: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (2L+1, bits+1), targets (2L+1, bits)) for the sequence ``bits_in`` (L, bits)."""
    length, bits = bits_in.shape
    x = np.zeros((2 * length + 1, bits + 1), dtype=np.float32)
    x[:length, :bits] = bits_in
    x[length, bits] = 1.0  # the delimiter
    y = np.full((2 * length + 1, bits), IGNORED, dtype=np.float32)
    y[length + 1:] = bits_in
    return x, y


def copy_lengths(ds: Dataset) -> np.ndarray:
    """L of each sequence of a bit_copy data set (its length is 2 L + 1)."""
    return (ds.lengths - 1) // 2


@datasets.register("bit_copy", "ntm_copy")
def bit_copy(rng: np.random.Generator | None = None, n: int = 2000, bits: int = 8, min_length: int = 1,
             max_length: int = 20, test_lengths: list[int] | tuple[int, ...] = (20, 30),
             test_n: int = 100) -> Dataset:
    """Copy task: ``n`` sequences of lengths min_length..max_length and ``test_n`` of each test length."""
    if not 1 <= min_length <= max_length:
        raise ConfigError(f"bit_copy: need 1 <= min_length <= max_length, got {min_length} and {max_length}")
    if any(int(t) < 1 for t in test_lengths) or min(n, bits) < 1 or test_n < 0:
        raise ConfigError("bit_copy: n, bits and every test length must be positive and test_n >= 0")
    rng = rng if rng is not None else np.random.default_rng(0)
    lengths = list(rng.integers(min_length, max_length + 1, n)) + [int(t) for t in test_lengths for _ in range(test_n)]
    pairs = [copy_sequence((rng.random((int(L), bits)) < 0.5).astype(np.float32)) for L in lengths]
    X, steps = pad_sequences([x for x, _ in pairs], dtype=np.float32)
    y, _ = pad_sequences([t for _, t in pairs], pad_value=IGNORED, dtype=np.float32)
    test_part = np.arange(len(lengths)) >= n
    return Dataset(X, y, BIT_COPY, "bit_copy", lengths=steps, test_part=test_part if test_n else None)
