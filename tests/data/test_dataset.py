"""The Dataset type, stratified splits, k-fold indices and mini-batches."""
import numpy as np
import pytest

from dlx.data import Dataset, kfold_indices, minibatches, resolve_batch_size, split_dataset
from dlx.errors import ConfigError, DataError


def imbalanced(rng, n=200):
    """Three classes in shares 60/30/10 percent, shuffled."""
    counts = [n * 6 // 10, n * 3 // 10]
    y = rng.permutation(np.repeat([0, 1, 2], counts + [n - sum(counts)]))
    return Dataset(rng.normal(size=(n, 3)), y, "multiclass", "imbalanced")


def test_dataset_properties_by_task():
    X = np.zeros((4, 2))
    binary = Dataset(X, [0, 1, 1, 0], "binary", "b")
    assert binary.input_shape == (2,) and binary.n_classes == 2 and binary.output_size == 1
    multi = Dataset(X, [0, 2, 1, 0], "multiclass", "m")
    assert multi.n_classes == 3 and multi.output_size == 3 and multi.class_names == ["0", "1", "2"]
    labels = Dataset(X, np.eye(4, 3), "multilabel", "l")
    assert labels.y.dtype == np.float32 and labels.output_size == 3
    regression = Dataset(X, np.arange(4.0), "regression", "r")
    assert regression.y.shape == (4, 1) and regression.n_classes is None and regression.output_size == 1
    assert binary.X.dtype == np.float32 and binary.y.dtype == np.int64 and len(binary) == 4


def test_subset_keeps_metadata_and_empty_subsets_keep_shapes():
    ds = Dataset(np.zeros((5, 1, 4, 4)), [0, 1, 2, 0, 1], "multiclass", "img", class_names=list("abc"))
    part = ds.subset([0, 1])
    assert part.n_classes == 3 and part.class_names == ["a", "b", "c"] and part.input_shape == (1, 4, 4)
    empty = ds.subset([])
    assert len(empty) == 0 and empty.X.shape == (0, 1, 4, 4) and empty.n_classes == 3


def test_malformed_datasets_are_data_errors():
    with pytest.raises(DataError, match="3 inputs but 2 targets"):
        Dataset(np.zeros((3, 2)), [0, 1], "binary", "x")
    with pytest.raises(DataError, match="integers"):
        Dataset(np.zeros((2, 2)), [0.5, 1.0], "binary", "x")
    with pytest.raises(DataError, match="label 3"):
        Dataset(np.zeros((2, 2)), [0, 3], "multiclass", "x", class_names=["a", "b"])
    with pytest.raises(ConfigError, match="unknown task"):
        Dataset(np.zeros((2, 2)), [0, 1], "classification", "x")


@pytest.mark.parametrize("validation,test", [(0.2, 0.2), (0.15, 0.0), (0.0, 0.3), (0.0, 0.0)])
def test_stratified_split_is_disjoint_complete_and_keeps_proportions(rng, validation, test):
    ds = imbalanced(rng)
    parts = split_dataset(ds, validation=validation, test=test, rng=rng)
    assert set(parts) == {"train", "validation", "test"}
    # Find each part's rows in the original (X rows are unique random draws).
    rows = {key: [int(np.flatnonzero((ds.X == x).all(1))[0]) for x in part.X] for key, part in parts.items()}
    together = np.concatenate([rows[k] for k in parts])
    assert sorted(together) == list(range(len(ds)))
    counts = np.bincount(ds.y)
    for key, fraction in (("validation", validation), ("test", test)):
        assert len(parts[key]) == round(len(ds) * fraction)
        assert np.all(np.abs(np.bincount(parts[key].y, minlength=3) - counts * fraction) <= 1)
        assert parts[key].input_shape == ds.input_shape and parts[key].n_classes == 3


def test_regression_split_and_same_seed_same_split(rng):
    ds = Dataset(np.arange(50.0), np.arange(50.0), "regression", "r")
    first = split_dataset(ds, 0.2, 0.1, np.random.default_rng(3))
    again = split_dataset(ds, 0.2, 0.1, np.random.default_rng(3))
    assert [len(first[k]) for k in ("train", "validation", "test")] == [35, 10, 5]
    np.testing.assert_array_equal(first["train"].X, again["train"].X)
    np.testing.assert_array_equal(first["validation"].X[:, 0], first["validation"].y[:, 0])


@pytest.mark.parametrize("validation,test", [(1.0, 0.0), (-0.1, 0.2), (0.6, 0.4), (0.5, 0.7)])
def test_bad_split_fractions_are_config_errors(rng, validation, test):
    with pytest.raises(ConfigError, match="split"):
        split_dataset(imbalanced(rng), validation, test, rng)


@pytest.mark.parametrize("stratify", [True, False])
def test_kfold_partitions_every_sample_once(rng, stratify):
    ds = imbalanced(rng, n=103)
    folds = kfold_indices(ds, 5, rng, stratify=stratify)
    assert len(folds) == 5
    validation = np.concatenate([val for _, val in folds])
    assert sorted(validation) == list(range(len(ds)))
    for train, val in folds:
        assert np.intersect1d(train, val).size == 0 and len(train) + len(val) == len(ds)
        assert abs(len(val) - len(ds) / 5) < 1
        if stratify:
            assert np.all(np.abs(np.bincount(ds.y[val], minlength=3) - np.bincount(ds.y) / 5) <= 1)


def test_kfold_accepts_labels_and_checks_k(rng):
    folds = kfold_indices(np.array([0, 0, 1, 1, 1, 0]), 3, rng)
    assert all(sorted(np.bincount(np.array([0, 0, 1, 1, 1, 0])[val]).tolist()) == [1, 1] for _, val in folds)
    with pytest.raises(ConfigError, match="k-fold"):
        kfold_indices(np.arange(4), 5, rng)
    with pytest.raises(ConfigError, match="k-fold"):
        kfold_indices(np.arange(4), 1, rng)


@pytest.mark.parametrize("batch_size", [1, 7, "full", 500])
def test_minibatches_cover_every_index_once(rng, batch_size):
    batches = list(minibatches(50, batch_size, rng))
    together = np.concatenate(batches)
    assert sorted(together) == list(range(50))
    size = resolve_batch_size(batch_size, 50)
    assert all(len(b) == size for b in batches[:-1]) and 0 < len(batches[-1]) <= size
    if batch_size == 7:
        assert [len(b) for b in batches] == [7] * 7 + [1]


def test_minibatches_without_shuffle_are_in_order_and_epochs_differ(rng):
    assert [b.tolist() for b in minibatches(5, 2, None, shuffle=False)] == [[0, 1], [2, 3], [4]]
    first, second = (np.concatenate(list(minibatches(30, 4, rng))) for _ in range(2))
    assert not np.array_equal(first, second)


def test_resolve_batch_size():
    assert resolve_batch_size("full", 120) == 120 and resolve_batch_size(1, 120) == 1
    assert resolve_batch_size(256, 120) == 120
    for bad in (0, -3, "half", 2.5, True):
        with pytest.raises(ConfigError, match="batch_size"):
            resolve_batch_size(bad, 10)
