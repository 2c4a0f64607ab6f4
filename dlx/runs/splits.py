"""``splits.npz``: which samples of its data set a run trained, validated and tested on.

One int64 array of indices per part, ``train``, ``validation`` and ``test``, into the
data set as its loader returns it (before any split); a part the run does not have
(a cross-validation fold's test) is an empty array. The run session writes the file
when a supervised run starts; ``dlx evaluate`` and ``dlx explain`` read it instead of
drawing the split again, so that a fold, a curve point or a sweep trial is judged on
its own samples. It is read with ``allow_pickle=False``::

    write_splits(run_dir, {"train": train_idx, "validation": val_idx, "test": test_idx})
    read_splits(run_dir)["validation"]   # the same indices; None for a run without splits.npz
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np

from dlx.errors import CheckpointError
from dlx.runs.files import atomic_save_npz

SPLITS_NAME = "splits.npz"
SPLIT_NAMES = ("train", "validation", "test")


def write_splits(run_dir: Path | str, indices: Mapping[str, np.ndarray]) -> Path:
    """Write ``run_dir/splits.npz`` atomically; a part missing from ``indices`` is saved empty."""
    arrays = {name: np.asarray(indices.get(name, ()), dtype=np.int64).reshape(-1) for name in SPLIT_NAMES}
    return atomic_save_npz(Path(run_dir) / SPLITS_NAME, arrays)


def read_splits(run_dir: Path | str) -> dict[str, np.ndarray] | None:
    """The indices of ``run_dir/splits.npz`` by part; None when the run has no such file (an older dlx).

    Raises:
        CheckpointError: the file is not a splits file (missing parts, not integer indices, pickles).
    """
    path = Path(run_dir) / SPLITS_NAME
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in SPLIT_NAMES if name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"cannot read '{path}' ({error}); the run's split is lost: train it again") from None
    for name in SPLIT_NAMES:
        array = arrays.get(name)
        if not isinstance(array, np.ndarray) or array.ndim != 1 or array.dtype.kind not in "iu" \
                or (array.size and array.min() < 0):
            raise CheckpointError(f"'{path}' has no valid '{name}' indices (1-D integers >= 0); "
                                  f"the run's split is lost: train it again")
    return {name: arrays[name].astype(np.int64) for name in SPLIT_NAMES}
