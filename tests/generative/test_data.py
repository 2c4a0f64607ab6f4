"""Data for generative models: the ring of Gaussians, binarised digits, MNIST from IDX files."""
import numpy as np
import pytest

from dlx.data.generative import binarise, digits_images, mnist_images, ring_centres, ring_of_gaussians
from dlx.errors import ConfigError


def test_ring_has_eight_equally_likely_modes_with_the_given_spread(rng):
    X, mode = ring_of_gaussians(40_000, rng, std=0.05)
    centres = ring_centres()
    assert X.shape == (40_000, 2) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0)
    np.testing.assert_allclose(np.bincount(mode) / len(mode), 1 / 8, atol=0.01)  # standard error 0.0017
    offsets = X - centres[mode]
    np.testing.assert_allclose(offsets.std(axis=0), 0.05, rtol=0.03)
    np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=0.002)


def test_same_seed_same_ring():
    first = ring_of_gaussians(100, np.random.default_rng(3))
    second = ring_of_gaussians(100, np.random.default_rng(3))
    np.testing.assert_array_equal(first[0], second[0])


def test_binarised_digits_are_zero_or_one():
    X, y = digits_images(binarised=True, flatten=False)
    assert X.shape == (1797, 1, 8, 8) and set(np.unique(X)) == {0.0, 1.0} and y.max() == 9
    grey, _ = digits_images()
    np.testing.assert_array_equal(X.reshape(len(X), -1), grey > 0.5)


def test_stochastic_binarisation_keeps_the_mean(rng):
    pixels = np.full((20_000,), 0.3)
    assert binarise(pixels, None, rng).mean() == pytest.approx(0.3, abs=0.01)
    with pytest.raises(ConfigError):
        binarise(pixels, None)


def write_idx(path, magic: int, array: np.ndarray) -> None:
    """An uncompressed IDX file: magic, the sizes (big-endian int32), then the bytes."""
    header = np.array([magic, *array.shape], dtype=">i4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_from_idx_files(tmp_path, rng):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", 0x803, rng.integers(0, 256, (20, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", 0x801, np.arange(20) % 10)
    X, y = mnist_images(str(tmp_path), subset="test", binarised=True)
    assert X.shape == (20, 1, 28, 28) and set(np.unique(X)) <= {0.0, 1.0} and len(y) == 20
