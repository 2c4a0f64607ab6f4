"""The copy task's data (Graves et al. 2014, sec. 4.1) and its own test part of longer sequences."""
import numpy as np
import pytest

from dlx.data import split_indices
from dlx.data.bit_copy import bit_copy, copy_lengths
from dlx.errors import ConfigError


def test_the_target_is_the_sequence_again_after_the_delimiter():
    ds = bit_copy(np.random.default_rng(0), n=30, bits=4, min_length=2, max_length=5, test_lengths=[7], test_n=3)
    for x, y, steps in zip(ds.X, ds.y, ds.lengths):
        L = (steps - 1) // 2
        assert steps == 2 * L + 1 and x.shape[1] == 5
        np.testing.assert_array_equal(y[L + 1:steps], x[:L, :4])  # the copy, at the output steps
        assert (y[:L + 1] == -1).all() and (x[L, :4] == 0).all() and x[L, 4] == 1  # delimiter step
        assert (x[:L, 4] == 0).all() and (x[L + 1:, :] == 0).all()  # blank while the model answers
    assert set(copy_lengths(ds)[:30]) <= set(range(2, 6)) and (copy_lengths(ds)[30:] == 7).all()


def test_the_test_part_is_the_longer_sequences_whatever_the_fraction():
    ds = bit_copy(np.random.default_rng(0), n=40, max_length=3, test_lengths=[20, 30], test_n=5)
    parts = split_indices(ds, validation=0.25, test=0.0, rng=np.random.default_rng(1))
    assert sorted(parts["test"]) == list(range(40, 50)) and len(parts["validation"]) == 10
    assert sorted(np.concatenate([parts["train"], parts["validation"]])) == list(range(40))
    assert set(copy_lengths(ds.subset(parts["test"]))) == {20, 30}


def test_bad_lengths_are_one_clear_error():
    with pytest.raises(ConfigError, match="min_length <= max_length"):
        bit_copy(np.random.default_rng(0), min_length=5, max_length=2)
