"""A run's own data splits, opened again: its saved indices into the data set, loaded anew.

A run folder's ``splits.npz`` (``dlx.runs.splits``) says which samples the run trained,
validated and tested on; a cross-validation fold, a curve point and a sweep trial each
have their own. A run made by an older dlx has no such file: its splits are drawn again
from its config and seed, as ``dlx train`` drew them, with a ``DlxWarning``::

    parts = run_splits(run_dir, load_config(run_dir / "config.yaml"))
    parts["validation"].X          # the fold's own validation samples, unscaled
"""
from __future__ import annotations

import warnings
from pathlib import Path

from dlx.config import LoadedConfig
from dlx.data import Dataset
from dlx.errors import DataError, DlxError, DlxWarning
from dlx.runs.splits import SPLITS_NAME, read_splits
from dlx.train.experiment import load_dataset, load_splits, seeded_generators, subsets


def run_splits(run_dir: Path | str, loaded: LoadedConfig) -> dict[str, Dataset]:
    """The raw ``train``/``validation``/``test`` data of the run in ``run_dir`` (config ``loaded``)."""
    run_dir = Path(run_dir)
    rng = seeded_generators(loaded.config.training.seed)["data"]  # a generated data set is drawn from it
    saved = read_splits(run_dir)
    if saved is None:
        warnings.warn(f"'{run_dir}' has no {SPLITS_NAME} (an older dlx made it): its splits are drawn again "
                      f"from its config and seed", DlxWarning, stacklevel=2)
        return load_splits(loaded, rng)
    full = load_dataset(loaded, rng)
    largest = max((int(part.max()) for part in saved.values() if part.size), default=-1)
    if largest >= len(full):
        raise DataError(f"'{run_dir / SPLITS_NAME}' names sample {largest} but data set '{full.name}' has "
                        f"{len(full)} samples now; the data changed since the run: train it again")
    return subsets(full, saved)


def no_samples(loaded: LoadedConfig, name: str) -> str:
    """Why the run's ``name`` split is empty, and what to do, for a message."""
    fraction = getattr(loaded.config.dataset, name, None)
    if fraction == 0:
        return f"the run's {name} split is empty (dataset.{name} is 0)"
    if name == "test":
        return ("the run has no test split (a cross-validation fold: the cross-validation holds the test data "
                "out of every fold)")
    return f"the run was given no {name} samples"


def chosen_splits(parts: dict[str, Dataset], loaded: LoadedConfig, split: str) -> list[str]:
    """The names of ``split`` (``all``: each non-empty split, with a DlxWarning for an empty one)."""
    if split != "all":
        if len(parts[split]) == 0:
            raise DlxError(f"{no_samples(loaded, split)}; choose another split with --split")
        return [split]
    for name, part in parts.items():
        if len(part) == 0:
            warnings.warn(f"{no_samples(loaded, name)}; it is left out", DlxWarning, stacklevel=2)
    return [name for name, part in parts.items() if len(part)]
