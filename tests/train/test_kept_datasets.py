"""A sweep worker keeps loaded data sets between trials: a kept one is what a fresh load gives, generator included."""
from pathlib import Path

import numpy as np

from dlx.config import load_config
from dlx.train import experiment
from dlx.train.experiment import keep_datasets, load_dataset

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "polynomial_regression.yaml"  # data drawn from the generator


def test_a_kept_data_set_and_the_generator_after_it_equal_a_fresh_load():
    loaded = load_config(CONFIG)
    fresh_rng = np.random.default_rng(3)
    fresh = load_dataset(loaded, fresh_rng)  # nothing kept (the default)
    assert not experiment._kept
    try:
        keep_datasets(2)
        first = load_dataset(loaded, np.random.default_rng(3))
        rng = np.random.default_rng(3)
        again = load_dataset(loaded, rng)
        assert again is first  # not loaded again
        np.testing.assert_array_equal(again.X, fresh.X)
        assert rng.random() == fresh_rng.random()  # the splits drawn next are the same
        other = load_dataset(loaded, np.random.default_rng(4))  # another generator state: another data set
        assert other is not first and not np.array_equal(other.X, first.X)
        load_dataset(load_config(CONFIG, ["dataset.options.n_samples=50"]), np.random.default_rng(3))
        assert len(experiment._kept) == 2 and all(kept is not first for kept, _ in experiment._kept.values())
    finally:
        keep_datasets(0)
    assert not experiment._kept
