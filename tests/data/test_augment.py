"""Augmentations keep shape and dtype and do what their names say."""
import numpy as np
import pytest

from dlx.data import Compose, get_augmentation, rotate_images, shift_images
from dlx.errors import ConfigError, ShapeError, UnknownNameError

SPECS = ["shift", "crop", "flip", "rotate", "noise", {"name": "rotate", "max_degrees": 20, "order": "nearest"}]


@pytest.fixture
def images(rng):
    return rng.random((6, 2, 9, 7)).astype(np.float32)


@pytest.mark.parametrize("spec", SPECS)
def test_augmentations_keep_shape_and_dtype_and_return_new_arrays(spec, images, rng):
    before = images.copy()
    out = get_augmentation(spec)(images, rng)
    assert out.shape == images.shape and out.dtype == np.float32 and out is not images
    np.testing.assert_array_equal(images, before)  # the input is not modified


@pytest.mark.parametrize("k", [1, 3, -2])
def test_shift_by_k_moves_a_pixel_by_k(k):
    X = np.zeros((2, 1, 8, 8), np.float32)
    X[:, 0, 4, 4] = 1.0
    down = shift_images(X, k, 0)
    right = shift_images(X, 0, np.array([k, k]))
    assert down[0, 0, 4 + k, 4] == 1.0 and down.sum() == 2.0
    assert right[1, 0, 4, 4 + k] == 1.0 and right.sum() == 2.0


def test_shift_fills_with_zeros_and_zero_shift_is_identity(images):
    np.testing.assert_array_equal(shift_images(images, 0, 0), images)
    moved = shift_images(images, 2, -1)
    assert np.all(moved[:, :, :2] == 0) and np.all(moved[:, :, :, -1:] == 0)
    np.testing.assert_array_equal(moved[:, :, 2:, :-1], images[:, :, :-2, 1:])


def test_random_shift_and_crop_stay_within_their_range(rng):
    X = np.zeros((50, 1, 11, 11), np.float32)
    X[:, 0, 5, 5] = 1.0
    for transform, limit in ((get_augmentation({"name": "shift", "max_shift": 2}), 2),
                             (get_augmentation({"name": "crop", "kwargs": {"padding": 3}}), 3)):
        out = transform(X, rng)
        rows, cols = np.divmod(out[:, 0].reshape(50, -1).argmax(axis=1), 11)  # where the pixel went
        assert np.abs(rows - 5).max() <= limit and np.abs(cols - 5).max() <= limit
        assert out.sum() == 50.0 and len(set(zip(rows, cols))) > 1


def test_flip_twice_is_identity_and_flips_left_right(images, rng):
    flip = get_augmentation({"name": "flip", "p": 1.0})
    once = flip(images, rng)
    np.testing.assert_array_equal(once, images[..., ::-1])
    np.testing.assert_array_equal(flip(once, rng), images)
    np.testing.assert_array_equal(get_augmentation({"name": "flip", "p": 0.0})(images, rng), images)


@pytest.mark.parametrize("order", ["bilinear", "nearest"])
def test_rotate_by_zero_is_identity_and_by_90_turns_the_image(images, order):
    np.testing.assert_allclose(rotate_images(images, 0.0, order), images, atol=1e-6)
    square = images[:, :, :7, :7]
    np.testing.assert_allclose(rotate_images(square, 90.0, order), np.rot90(square, 1, axes=(2, 3)), atol=1e-5)


def test_noise_has_the_requested_spread(rng):
    X = np.zeros((200, 50), np.float32)
    out = get_augmentation({"name": "noise", "std": 0.5})(X, rng)
    assert out.dtype == np.float32 and abs(out.std() - 0.5) < 0.02


def test_compose_applies_in_order(images, rng):
    both = get_augmentation([{"name": "flip", "p": 1.0}, {"name": "flip", "p": 1.0}])
    assert isinstance(both, Compose)
    np.testing.assert_array_equal(both(images, rng), images)


def test_augmentation_errors_say_what_to_do(rng):
    with pytest.raises(UnknownNameError, match="Did you mean 'rotate'"):
        get_augmentation("rotat")
    with pytest.raises(ConfigError, match="has no option 'degrees'; its options are: max_degrees, order"):
        get_augmentation({"name": "rotate", "degrees": 5})
    with pytest.raises(ConfigError, match="p must be"):
        get_augmentation({"name": "flip", "p": 2})
    with pytest.raises(ShapeError, match=r"needs images \(N, C, H, W\).*flatten: false"):
        get_augmentation("shift")(np.zeros((4, 784), np.float32), rng)
    assert get_augmentation(None) is None
