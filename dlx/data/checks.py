"""What a Dataset accepts: task names (extensible), inputs (token ids stay integer) and sequence lengths.

Later packages (sequence labelling, language models, seq2seq) add their task with
``register_task_name``; ``Dataset`` then keeps their targets as given.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, DataError

TASKS = ("binary", "multiclass", "multilabel", "regression")  # the built-in tasks, with target checks
CLASSIFICATION_TASKS = ("binary", "multiclass")
_TASK_NAMES: set[str] = set(TASKS)


def register_task_name(name: str) -> str:
    """Let ``Dataset`` accept the task ``name`` (e.g. "tagging", "language_model", "seq2seq").

    A task registered here keeps its targets as given: integer labels become
    int64, real values float32, any shape (a label per time step, a token sequence,
    a real vector). Returns the name.

    Example::

        >>> register_task_name("tagging")
        'tagging'
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a task name must be a non-empty string, got {name!r}")
    _TASK_NAMES.add(name)
    return name


def known_task_names() -> tuple[str, ...]:
    """Every task name a Dataset accepts: the built-in ones and those registered later."""
    return tuple(sorted(_TASK_NAMES))


def checked_inputs(X) -> np.ndarray:
    """Signed integers (token ids) stay integer; everything else becomes float32; 1-D becomes (N, 1)."""
    X = np.asarray(X)
    if X.dtype.kind == "i":
        X = X if X.dtype in (np.int32, np.int64) else X.astype(np.int64)
    else:
        X = X.astype(np.float32, copy=False)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def checked_lengths(lengths, array: np.ndarray, key: str, axis_of: str, name: str) -> np.ndarray | None:
    """``lengths`` as int64 (N,), each in [1, array.shape[1]]; None stays None."""
    if lengths is None:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (len(array),) or (lengths.size and lengths.dtype.kind not in "iu"):
        raise DataError(f"{key} of '{name}' must be {len(array)} integers, one per sample "
                        f"(got shape {lengths.shape}, dtype {lengths.dtype})")
    if array.ndim < 2:
        raise DataError(f"{key} of '{name}' need sequences in {axis_of} of shape (N, T, ...), "
                        f"got shape {array.shape}")
    if lengths.size and (lengths.min() < 1 or lengths.max() > array.shape[1]):
        raise DataError(f"{key} of '{name}' must lie in 1..{array.shape[1]} (the padded length of "
                        f"{axis_of}), got {lengths.min()}..{lengths.max()}")
    return lengths.astype(np.int64, copy=False)
