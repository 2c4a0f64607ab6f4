"""The VAE on binarised digits: negative ELBO in nats, its two terms, sampling and the latent plots."""
import numpy as np
import pytest

from dlx.generative import VAE, TrainSettings, evaluate_vae, train_vae
from dlx.ops import bernoulli_nll, gaussian_kl
from dlx.tensor import Tensor, gradcheck
from tests.generative.conftest import MLP_DECODER, MLP_ENCODER


def independent_pixels_nll(X_train, X_test) -> float:
    """Test NLL (nats per image) of the best model without a latent: one Bernoulli per pixel,
    with the training frequencies. A latent-variable model should beat it."""
    p = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float(-(X_test * np.log(p) + (1 - X_test) * np.log1p(-p)).sum(axis=1).mean())


def test_short_training_lowers_the_test_negative_elbo_far_below_initialisation(binary_digits):
    X_train, _, X_test, _ = binary_digits
    vae = VAE(MLP_ENCODER, MLP_DECODER, (64,), 8, np.random.default_rng(0))
    at_init = evaluate_vae(vae, X_test, np.random.default_rng(0))
    rows = train_vae(vae, X_train, X_test, TrainSettings(epochs=4, batch_size=32, optimiser={"name": "adam", "lr": 3e-3}),
                     np.random.default_rng(1))
    final = rows[-1]
    # at initialisation the logits are near 0: about 64 ln 2 = 44.4 nats of reconstruction
    assert at_init["reconstruction"] == pytest.approx(64 * np.log(2), rel=0.1)
    baseline = independent_pixels_nll(X_train, X_test)
    assert final["val_neg_elbo"] < baseline < at_init["neg_elbo"]
    assert final["val_neg_elbo"] == pytest.approx(final["val_reconstruction"] + final["val_kl"], rel=1e-5)
    assert all(row["val_kl"] > 0 and row["train_kl"] > 0 for row in rows)
    reconstruction = [row["train_reconstruction"] for row in rows]
    assert reconstruction[-1] < reconstruction[0] < at_init["reconstruction"]


def test_vae_loss_gradcheck_with_the_noise_fixed(rng):
    """The whole VAE objective (encoder, sampling with eps fixed, decoder, both terms) by gradcheck."""
    vae = VAE([{"dense": {"units": 5}}, "tanh"], [{"dense": {"units": "outputs"}}], (6,), 2, rng)
    for p in vae.parameters():
        p.data = p.data.astype(np.float64)
    x, eps = (rng.uniform(size=(4, 6)) > 0.5).astype(float), rng.standard_normal((4, 2))
    head = vae.logvar_head

    def loss(weight, hidden_input):
        head.weight, original = weight, head.weight
        try:
            logits, mu, logvar = vae(hidden_input, eps)
            return bernoulli_nll(logits, x) + gaussian_kl(mu, logvar)
        finally:
            head.weight = original

    assert gradcheck(loss, [head.weight.data.copy(), x]) < 1e-6


def test_vae_samples_are_pixel_probabilities_of_the_data_shape(rng):
    vae = VAE(MLP_ENCODER, MLP_DECODER, (64,), 3, rng)
    samples = vae.sample(10, rng)
    assert samples.shape == (10, 64) and samples.min() >= 0 and samples.max() <= 1


def test_reparameterised_sample_uses_the_given_noise(rng):
    vae = VAE(MLP_ENCODER, MLP_DECODER, (64,), 3, rng)
    x = Tensor(rng.uniform(size=(5, 64)).astype(np.float32))
    mu, logvar = vae.encode(x)
    logits, _, _ = vae(x, np.zeros((5, 3), np.float32))
    np.testing.assert_allclose(logits.data, vae.decode(mu).data, rtol=1e-6)  # eps = 0 gives z = mu
