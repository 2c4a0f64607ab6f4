"""Sorting digit strings as a tagging problem: one output label per input position (an encoder-only Transformer).

Input ``3 9 0 3 1`` -> target ``0 1 3 3 9``: position t of the output is the t-th smallest
digit. Each output depends on every input (the rank of a digit is a count over the whole
string), which a recurrent tagger reading left to right cannot know at step t but
self-attention sees at once.
"""
from __future__ import annotations

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.sequence_sets import TAGGING
from dlx.errors import ConfigError
from dlx.registry import datasets

DIGITS = [str(d) for d in range(10)]


def sorting_task(n: int, length: int = 10, rng: np.random.Generator | None = None):
    """``n`` strings of ``length`` uniform random digits and the same strings sorted.

    Returns:
        x (n, length) int64 digits, y (n, length) int64 sorted digits.
    """
    for what, value in (("n", n), ("length", length)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"sorting: {what} must be a positive integer, got {value!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    x = rng.integers(0, 10, (n, length))
    return x, np.sort(x, axis=1)


@datasets.register("sorting", "sort_digits_tagging")
def sorting(rng: np.random.Generator | None = None, n: int = 20000, length: int = 10) -> Dataset:
    """Digit strings (length,) and their sorted digits, a label per position (task "tagging").

    Metrics: token accuracy and exact match (the whole string right).
    """
    x, y = sorting_task(n, length, rng)
    return Dataset(x, y, TAGGING, f"sorting-{length}", class_names=list(DIGITS),
                   lengths=np.full(len(x), x.shape[1], dtype=np.int64))
