"""Small generative models and data shared by the tests."""
import numpy as np
import pytest

from dlx.data.generative import digits_images, split_train_test

MLP_ENCODER = [{"dense": {"units": 64}}, "relu"]
MLP_DECODER = [{"dense": {"units": 64}}, "relu", {"dense": {"units": "outputs"}}]


@pytest.fixture(scope="module")
def binary_digits():
    """Binarised 8x8 digits split 80/20: (X_train, y_train, X_test, y_test)."""
    X, y = digits_images(binarised=True)
    return split_train_test(X, y, 0.2, np.random.default_rng(0))


@pytest.fixture(scope="module")
def grey_digits():
    X, y = digits_images()
    return split_train_test(X, y, 0.2, np.random.default_rng(0))
