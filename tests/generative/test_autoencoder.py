"""Autoencoders on the digits: better than PCA with as many components; the denoising variant."""
import numpy as np

from dlx.generative import (Autoencoder, DenoisingAutoencoder, TrainSettings, pca_reconstruction_error,
                            reconstruction_error, train_autoencoder)
from dlx.tensor import Tensor
from tests.generative.conftest import MLP_DECODER

SETTINGS = TrainSettings(epochs=15, batch_size=32, optimiser={"name": "adam", "lr": 3e-3})


def encoder(code: int) -> list:
    return [{"dense": {"units": 64}}, "relu", {"dense": {"units": code}}]


def test_pca_baseline_is_the_best_linear_reconstruction(grey_digits):
    """Closed-form checks of the baseline: all components reconstruct exactly; more never hurt."""
    X_train, _, X_test, _ = grey_digits
    errors = [pca_reconstruction_error(X_train, X_test, k) for k in (2, 8, 32)]
    assert errors[0] > errors[1] > errors[2]
    assert pca_reconstruction_error(X_train, X_train, 64) < 1e-10


def test_autoencoder_beats_pca_with_as_many_components(grey_digits):
    X_train, _, X_test, _ = grey_digits
    code = 8
    model = Autoencoder(encoder(code), MLP_DECODER, (64,), code, np.random.default_rng(0))
    rows = train_autoencoder(model, X_train, X_test, SETTINGS, np.random.default_rng(1))
    pca = pca_reconstruction_error(X_train, X_test, code)  # NumPy's SVD
    assert reconstruction_error(model, X_test) == rows[-1]["val_loss"]
    assert rows[-1]["val_loss"] < pca < rows[0]["val_loss"]


def test_convolutional_autoencoder_with_transposed_convolution_learns(grey_digits):
    X_train, _, X_test, _ = grey_digits
    images = (X_train[:300].reshape(-1, 1, 8, 8), X_test[:100].reshape(-1, 1, 8, 8))
    conv_encoder = [{"conv2d": {"filters": 8, "kernel_size": 3, "padding": 1}}, "relu",
                    {"max_pool2d": {"pool_size": 2}}, "flatten", {"dense": {"units": 8}}]
    conv_decoder = [{"dense": {"units": 128}}, "relu", {"reshape": {"shape": [8, 4, 4]}},
                    {"conv_transpose2d": {"filters": 1, "kernel_size": 4, "stride": 2, "padding": 1}}]
    model = Autoencoder(conv_encoder, conv_decoder, (1, 8, 8), 8, np.random.default_rng(0))
    rows = train_autoencoder(model, *images, TrainSettings(epochs=3, batch_size=32), np.random.default_rng(1))
    assert rows[-1]["val_loss"] < rows[0]["val_loss"]
    assert model(Tensor(images[1][:2])).shape == (2, 1, 8, 8)


def test_denoising_autoencoder_corrupts_its_input_and_reconstructs_the_clean_one(grey_digits, rng):
    X_train, _, X_test, _ = grey_digits
    model = DenoisingAutoencoder(encoder(16), MLP_DECODER, (64,), 16, np.random.default_rng(0), noise="masking",
                                 noise_level=0.3)
    x = Tensor(X_test[:200])
    dropped = np.mean(model.corrupt(x, rng).data[X_test[:200] > 0] == 0)
    assert abs(dropped - 0.3) < 0.03  # masking probability 0.3; about 6000 non-zero pixels
    rows = train_autoencoder(model, X_train, X_test, TrainSettings(epochs=5, batch_size=32), np.random.default_rng(1))
    assert rows[-1]["val_loss"] < rows[0]["val_loss"]
