"""Scalers: statistics from the training split, safe on constant features, state round trip."""
import numpy as np
import pytest

from dlx.data import get_scaler, scaler_from_state
from dlx.errors import DataError, UnknownNameError


@pytest.fixture
def train(rng):
    X = rng.normal(loc=[3.0, -2.0, 0.0], scale=[2.0, 0.5, 1.0], size=(100, 3)).astype(np.float32)
    X[:, 2] = 7.0  # a constant feature
    return X


def test_standardize_gives_zero_mean_unit_std_on_train(train):
    Z = get_scaler("standardize").fit_transform(train)
    assert Z.dtype == np.float32 and Z.shape == train.shape
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0, rtol=1e-4)
    assert np.all(Z[:, 2] == 0.0) and np.isfinite(Z).all()  # centred, not divided by 0


def test_minmax_maps_train_to_unit_interval(train):
    Z = get_scaler("minmax").fit_transform(train)
    np.testing.assert_allclose(Z[:, :2].min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(Z[:, :2].max(axis=0), 1.0, atol=1e-6)
    assert np.all(Z[:, 2] == 0.0)


def test_none_leaves_the_data_and_returns_a_copy(train):
    scaler = get_scaler("none")
    Z = scaler.fit_transform(train)
    np.testing.assert_array_equal(Z, train)
    assert Z is not train and scaler.state_dict() == {} and get_scaler(None).name == "none"


@pytest.mark.parametrize("name", ["none", "standardize", "minmax"])
def test_state_round_trip_gives_the_same_transform(name, train, rng, tmp_path):
    scaler = get_scaler(name).fit(train)
    np.savez(tmp_path / "scaler.npz", **scaler.state_dict())
    with np.load(tmp_path / "scaler.npz", allow_pickle=False) as saved:
        restored = scaler_from_state(name, dict(saved))
    X_new = rng.normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_array_equal(restored.transform(X_new), scaler.transform(X_new))
    assert restored.name == name


def test_scaler_works_per_pixel_on_images(rng):
    images = rng.random((10, 1, 4, 4)).astype(np.float32)
    assert get_scaler("standardize").fit_transform(images).shape == (10, 1, 4, 4)


def test_scaler_errors_say_what_to_do(train):
    with pytest.raises(DataError, match="not fitted"):
        get_scaler("standardize").transform(train)
    with pytest.raises(DataError, match="fitted on samples of shape"):
        get_scaler("minmax").fit(train).transform(train[:, :2])
    with pytest.raises(DataError, match="state lacks"):
        get_scaler("standardize").load_state_dict({"mean": np.zeros(3)})
    with pytest.raises(UnknownNameError, match="Did you mean 'standardize'"):
        get_scaler("standardise")
