"""The Dataset type, task names, train/validation/test splits, k-fold indices and mini-batches.

A loader returns one whole ``Dataset``; the caller splits it, fits a scaler on
the training part and walks it in mini-batches::

    ds = datasets.get("iris")(rng=rng)
    parts = split_dataset(ds, validation=0.2, test=0.2, rng=rng)
    for idx in minibatches(len(parts["train"]), 16, rng):
        X, y = parts["train"].X[idx], parts["train"].y[idx]

Sequences: integer token ids stay integer, ``lengths`` gives each sample's
true length, and ``dlx.data.batching.batch`` pads a batch to its longest
sequence and gives the mask.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from dlx.data.checks import (CLASSIFICATION_TASKS, TASKS, checked_inputs, checked_lengths,  # noqa: F401
                             known_task_names, register_task_name)
from dlx.errors import ConfigError, DataError
from dlx.registry import unknown_name_message


@dataclass(repr=False)
class Dataset:
    """Inputs, targets and what they mean.

    Args:
        X: inputs of shape (N, *input_shape); images are (N, C, H, W), sequences
            (N, T, ...). Signed integer inputs (token ids) stay integer (int32 and
            int64 as given, narrower ones become int64); all others become float32.
        y: int64 labels (N,) for binary/multiclass, float32 0/1 (N, K) for
            multilabel, float32 (N, K) for regression (a 1-D target becomes (N, 1)).
            For a registered task (``register_task_name``) any shape: integer
            targets become int64, others float32, e.g. (N, T) labels per time step.
        task: "binary", "multiclass", "multilabel", "regression" or a registered name.
        name: the data set's name.
        feature_names (default None): one name per input feature.
        class_names (default None): one name per class; for classification
            it defaults to "0", "1", ... so that subsets keep ``n_classes``.
        lengths (default None): int64 (N,), the true length of each sequence
            along axis 1 of X (1 <= length <= T); positions beyond it are padding.
            None: every sample has the full length.
        target_lengths (default None): int64 (N,), the true length of each target
            sequence along axis 1 of y (seq2seq), when it differs from ``lengths``.
        test_part (default None): bool (N,), the samples that form the test part
            whatever ``split.test`` says (e.g. longer sequences, to test generalisation);
            ``split_indices`` splits only the others into train and validation.

    Example::

        >>> ds = Dataset(np.zeros((4, 2)), np.array([0, 1, 1, 0]), "binary", "xor")
        >>> ds.input_shape, ds.n_classes, ds.output_size
        ((2,), 2, 1)
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    name: str
    feature_names: list[str] | None = None
    class_names: list[str] | None = None
    lengths: np.ndarray | None = None
    target_lengths: np.ndarray | None = None
    test_part: np.ndarray | None = None

    def __post_init__(self):
        if self.task not in known_task_names():
            raise ConfigError(unknown_name_message("task", self.task, known_task_names())
                              + " A new kind of problem registers its name with register_task_name().")
        self.X = checked_inputs(self.X)
        self.y = self._checked_targets(np.asarray(self.y))
        if len(self.X) != len(self.y):
            raise DataError(f"data set '{self.name}' has {len(self.X)} inputs but {len(self.y)} targets; "
                            f"give one target per sample")
        self.lengths = checked_lengths(self.lengths, self.X, "lengths", "X", self.name)
        self.target_lengths = checked_lengths(self.target_lengths, self.y, "target_lengths", "y", self.name)
        if self.task in CLASSIFICATION_TASKS and self.class_names is None:
            top = int(self.y.max()) + 1 if len(self.y) else 0
            self.class_names = [str(i) for i in range(max(top, 2))]
        self._check_labels()

    def _checked_targets(self, y: np.ndarray) -> np.ndarray:
        if self.task in CLASSIFICATION_TASKS:
            if y.ndim != 1:
                raise DataError(f"{self.task} targets must be 1-D labels, got shape {y.shape}; "
                                f"use task 'multilabel' or 'regression' for several outputs")
            integral = y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0))
            if y.size and (not integral or y.min() < 0):
                raise DataError(f"{self.task} labels of '{self.name}' must be integers >= 0 "
                                f"(got dtype {y.dtype}); map class names to 0, 1, ...")
            return y.astype(np.int64, copy=False)
        if self.task not in TASKS:  # a registered task: any shape, labels or real values
            return y.astype(np.int64 if y.dtype.kind in "iub" else np.float32, copy=False)
        y = y.astype(np.float32, copy=False)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _check_labels(self):
        if not len(self.y):
            return
        if self.task in CLASSIFICATION_TASKS and self.y.max() >= self.n_classes:
            raise DataError(f"data set '{self.name}' has label {int(self.y.max())} but only "
                            f"{self.n_classes} class names; labels must be 0..{self.n_classes - 1}")
        if self.task == "multilabel" and not np.isin(self.y, (0.0, 1.0)).all():
            raise DataError(f"multilabel targets of '{self.name}' must be 0 or 1")

    @property
    def input_shape(self) -> tuple:
        return tuple(self.X.shape[1:])

    @property
    def n_classes(self) -> int | None:
        """Number of classes (labels for multilabel); None for regression.

        For a registered task: the number of class names if given, else None.
        """
        if self.task == "regression":
            return None
        if self.task == "multilabel":
            return int(self.y.shape[1])
        if self.task not in TASKS:
            return len(self.class_names) if self.class_names else None
        return 2 if self.task == "binary" else len(self.class_names or ())

    @property
    def output_size(self) -> int:
        """Units the model's last layer needs (per time step for sequence targets).

        For a registered task: the number of classes for integer targets (class
        names, else the largest label + 1), the last axis of real targets of
        two or more axes (so per-step real targets are (N, T, K)), else 1.
        """
        if self.task == "binary":
            return 1
        if self.task == "multiclass":
            return self.n_classes
        if self.task in TASKS:
            return int(self.y.shape[1])
        if self.y.dtype.kind == "i":
            return self.n_classes or (int(self.y.max()) + 1 if self.y.size else 0)
        return int(self.y.shape[-1]) if self.y.ndim > 1 else 1

    @property
    def is_sequence(self) -> bool:
        """True when the samples have lengths (padded sequences)."""
        return self.lengths is not None

    def subset(self, indices) -> "Dataset":
        """The samples at ``indices`` (an index or boolean array), same metadata and their lengths."""
        indices = np.asarray(indices)
        if indices.dtype.kind != "b":
            indices = indices.astype(np.int64, copy=False)
        return Dataset(self.X[indices], self.y[indices], self.task, self.name,
                       self.feature_names, self.class_names, _pick(self.lengths, indices),
                       _pick(self.target_lengths, indices))

    def with_inputs(self, X: np.ndarray) -> "Dataset":
        """The same targets, metadata and lengths with new inputs (e.g. scaled ones)."""
        return Dataset(X, self.y, self.task, self.name, self.feature_names, self.class_names,
                       self.lengths, self.target_lengths)

    def __len__(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, task={self.task!r}, n={len(self)}, "
                f"input_shape={self.input_shape}, output_size={self.output_size})")


def _pick(lengths: np.ndarray | None, indices: np.ndarray) -> np.ndarray | None:
    return None if lengths is None else lengths[indices]


def _stratifiable(ds_or_y) -> tuple[np.ndarray, bool]:
    """The targets, and whether they are single labels one can stratify by."""
    if isinstance(ds_or_y, Dataset):
        return ds_or_y.y, ds_or_y.task in CLASSIFICATION_TASKS
    y = np.asarray(ds_or_y)
    return y, y.ndim == 1 and y.dtype.kind in "iub"


def _largest_remainder(exact: np.ndarray, total: int, capacity: np.ndarray, rng) -> np.ndarray:
    """Integer counts near ``exact`` (each floor or ceil) that sum to ``total`` where capacity allows."""
    counts = np.minimum(np.floor(exact).astype(np.int64), capacity)
    remainder = exact - counts
    order = np.lexsort((rng.random(len(exact)), -remainder))  # largest remainder first, ties at random
    for k in order:
        if counts.sum() >= total:
            break
        if counts[k] < capacity[k] and remainder[k] > 0:
            counts[k] += 1
    return counts


def _check_fractions(validation: float, test: float):
    for key, value in (("validation", validation), ("test", test)):
        if not 0.0 <= float(value) < 1.0:
            raise ConfigError(f"split.{key} must be a fraction in [0, 1), got {value}")
    if validation + test >= 1.0:
        raise ConfigError(f"split.validation + split.test must be below 1 (got {validation + test:g}); "
                          f"lower them to leave samples for training")


def split_dataset(ds: Dataset, validation: float, test: float, rng: np.random.Generator,
                  stratify: bool = True) -> dict[str, Dataset]:
    """``split_indices`` applied: the three parts as data sets."""
    return {key: ds.subset(idx) for key, idx in split_indices(ds, validation, test, rng, stratify).items()}


def split_indices(ds: Dataset, validation: float, test: float, rng: np.random.Generator,
                  stratify: bool = True) -> dict[str, np.ndarray]:
    """Indices into ``ds`` of "train", "validation" and "test" parts, disjoint and complete.

    Args:
        ds: the whole data set.
        validation, test: fractions in [0, 1) with a sum below 1; 0 gives an empty part.
        rng: generator for the shuffle.
        stratify (default True): keep each class's share in every part (within one
            sample per class) for binary and multiclass tasks.

    Example::

        >>> parts = split_indices(ds, validation=0.2, test=0.1, rng=np.random.default_rng(0))
        >>> sorted(parts), len(parts["validation"]) == round(0.2 * len(ds))
        (['test', 'train', 'validation'], True)
    """
    _check_fractions(validation, test)
    if getattr(ds, "test_part", None) is not None:
        return _split_with_test_part(ds, validation, rng)
    n = len(ds)
    labels, can_stratify = _stratifiable(ds)
    groups = ([rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
              if stratify and can_stratify else [rng.permutation(n)])
    sizes = np.array([len(g) for g in groups])
    n_test = _largest_remainder(sizes * test, round(n * test), sizes, rng)
    n_val = _largest_remainder(sizes * validation, round(n * validation), sizes - n_test, rng)
    if n and n_test.sum() + n_val.sum() >= n:
        raise ConfigError(f"split.validation={validation} and split.test={test} leave no training samples "
                          f"of the {n} in '{ds.name}'; lower them")
    parts = {"train": [], "validation": [], "test": []}
    for group, k_test, k_val in zip(groups, n_test, n_val):
        parts["test"].append(group[:k_test])
        parts["validation"].append(group[k_test:k_test + k_val])
        parts["train"].append(group[k_test + k_val:])
    return {key: rng.permutation(np.concatenate(idx)) if idx else np.zeros(0, np.int64)
            for key, idx in parts.items()}


def _split_with_test_part(ds: Dataset, validation: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The data set's own test part; the rest shuffled into validation (its fraction of the rest) and train."""
    test_part = np.asarray(ds.test_part, dtype=bool)
    rest = rng.permutation(np.flatnonzero(~test_part))
    n_val = round(len(rest) * validation)
    return {"train": rest[n_val:], "validation": rest[:n_val], "test": rng.permutation(np.flatnonzero(test_part))}


def kfold_indices(ds_or_y, k: int, rng: np.random.Generator,
                  stratify: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train_idx, val_idx) for each of ``k`` folds; every sample validates exactly once.

    Args:
        ds_or_y: a Dataset, or its targets (1-D integer labels are stratifiable).
        k: number of folds, 2 <= k <= N.
        rng: generator for the shuffle.
        stratify (default True): every fold gets each class's share (within one sample).

    Example::

        >>> folds = kfold_indices(np.array([0, 0, 1, 1]), 2, np.random.default_rng(0))
        >>> [len(val) for _, val in folds]
        [2, 2]
    """
    labels, can_stratify = _stratifiable(ds_or_y)
    n = len(labels)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ConfigError(f"k-fold needs an integer k with 2 <= k <= {n} (the number of samples), got {k}")
    if stratify and can_stratify:
        # Shuffle within each class, line the classes up and deal them out like cards.
        order = np.concatenate([rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)])
    else:
        order = rng.permutation(n)
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[order] = np.arange(n) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def resolve_batch_size(batch_size: int | str, n: int) -> int:
    """The number of samples per batch: ``"full"`` gives ``n``, an integer is capped at ``n``.

    Example::

        >>> resolve_batch_size("full", 150), resolve_batch_size(32, 10), resolve_batch_size(1, 10)
        (150, 10, 1)
    """
    if isinstance(batch_size, str) and batch_size.strip().lower() == "full":
        return max(int(n), 1)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer or 'full', got {batch_size!r}")
    return max(min(int(batch_size), int(n)), 1)


def minibatches(n: int, batch_size: int | str, rng: np.random.Generator | None = None,
                shuffle: bool = True) -> Iterator[np.ndarray]:
    """Index arrays that cover ``range(n)`` once; the last batch may be smaller.

    Args:
        n: number of samples.
        batch_size: an integer (1 is stochastic gradient descent) or "full".
        rng (default None): generator for the shuffle; required when ``shuffle``.
        shuffle (default True): a new random order each call (each epoch).

    Example::

        >>> [len(b) for b in minibatches(10, 4, np.random.default_rng(0))]
        [4, 4, 2]
    """
    size = resolve_batch_size(batch_size, n)
    if shuffle and rng is None:
        raise ConfigError("minibatches(shuffle=True) needs a random generator rng")
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, size):
        yield order[start:start + size]
