"""Generative models composed from dlx.nn layers: Autoencoder, DenoisingAutoencoder, VAE, GAN.

Each part (encoder, decoder, generator, discriminator) is a ``Sequential`` built from a
layer list written as in a config's ``model.layers`` (``- relu``, ``- dense: {units: 64}``);
``units: outputs`` means the number of values per data sample. Every part is checked shape
by shape when the model is built, and a decoder or generator whose output is not the
data's shape fails with one line saying what to change.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.models.builder import create_layer, layer_spec
from dlx.nn import Dense, Module, Sequential
from dlx.ops import bernoulli_nll, gaussian_kl, reparameterize
from dlx.registry import models
from dlx.tensor import Tensor

EXPERIMENT_KIND = "generative"  # what a generative model says of itself in the one model registry


def generative_models() -> dict:
    """The registered generative models by name (``kind:`` of a generative config's model section)."""
    return {name: model for name, model in models.canonical().items()
            if getattr(model, "experiment_kind", None) == EXPERIMENT_KIND}


def build_network(specs, input_shape, output_size: int, rng: np.random.Generator, part: str) -> Sequential:
    """A ``Sequential`` from a layer list, checked and built for per-sample ``input_shape``."""
    if not specs:
        raise ConfigError(f"model.{part} is empty; give it a list of layers")
    network = Sequential([create_layer(*layer_spec(spec), output_size) for spec in specs])
    try:
        network.output_shape(tuple(input_shape))
    except ShapeError as error:
        raise ShapeError(f"model.{part}: {error}") from None
    network.build(tuple(input_shape), rng)
    return network


def check_output_shape(network: Module, input_shape, wanted, part: str, what: str) -> None:
    """One clear line if ``network`` does not map ``input_shape`` to ``wanted``."""
    shape, wanted = tuple(network.output_shape(tuple(input_shape))), tuple(wanted)
    if shape != wanted:
        size = int(np.prod(wanted))
        fix = f"end it with a dense layer of {size} units" + (
            f" and a 'reshape: {{shape: {list(wanted)}}}' layer" if len(wanted) > 1 else "")
        raise ShapeError(f"model.{part} outputs {shape} per sample but {what} {wanted}; {fix}")


@models.register("autoencoder")
class Autoencoder(Module):
    """x -> encoder -> code -> decoder -> reconstruction, trained to reproduce its input.

    Args:
        encoder, decoder (list): layer lists; the encoder ends in ``code_dim`` values,
            the decoder maps them back to the data's shape (``units: outputs``).
        data_shape (tuple): the shape of one sample, e.g. (64,) or (1, 8, 8).
        code_dim (int): size of the code (the bottleneck).
        rng: generator for the initial weights.

    Example::

        >>> ae = Autoencoder([{"dense": {"units": 8}}], [{"dense": {"units": "outputs"}}], (64,), 8, rng)
        >>> ae(Tensor(X[:5])).shape
        (5, 64)
    """

    kind = "autoencoder"
    experiment_kind = EXPERIMENT_KIND
    parts = ('encoder', 'decoder')

    def __init__(self, encoder, decoder, data_shape, code_dim: int, rng: np.random.Generator):
        super().__init__()
        self.data_shape, self.code_dim = tuple(data_shape), int(code_dim)
        size = int(np.prod(self.data_shape))
        self.encoder = build_network(encoder, self.data_shape, size, rng, "encoder")
        check_output_shape(self.encoder, self.data_shape, (self.code_dim,), "encoder", "the code is")
        self.decoder = build_network(decoder, (self.code_dim,), size, rng, "decoder")
        check_output_shape(self.decoder, (self.code_dim,), self.data_shape, "decoder", "the data are")

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)  # (N, *data) -> (N, code)

    def decode(self, code: Tensor) -> Tensor:
        return self.decoder(code)  # (N, code) -> (N, *data)

    def corrupt(self, x: Tensor, rng: np.random.Generator) -> Tensor:
        return x  # a plain autoencoder sees its input unchanged

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


@models.register("denoising_autoencoder")
class DenoisingAutoencoder(Autoencoder):
    """An autoencoder that reconstructs the clean input from a corrupted copy (Vincent et al., 2008).

    Args:
        noise (str, default "gaussian"): "gaussian" adds N(0, noise_level^2) to every pixel;
            "masking" sets each pixel to 0 with probability noise_level.
        noise_level (float, default 0.3): the standard deviation or the masking probability.
        (the rest as ``Autoencoder``)
    """

    kind = "denoising_autoencoder"
    experiment_kind = EXPERIMENT_KIND
    parts = ('encoder', 'decoder')

    def __init__(self, encoder, decoder, data_shape, code_dim: int, rng: np.random.Generator,
                 noise: str = "gaussian", noise_level: float = 0.3):
        super().__init__(encoder, decoder, data_shape, code_dim, rng)
        if noise not in ("gaussian", "masking"):
            raise ConfigError(f"model.noise '{noise}' is unknown; use 'gaussian' or 'masking'")
        if not noise_level > 0 or (noise == "masking" and noise_level >= 1):
            raise ConfigError(f"model.noise_level must be > 0 (and < 1 for masking), got {noise_level}")
        self.noise, self.noise_level = noise, float(noise_level)

    def corrupt(self, x: Tensor, rng: np.random.Generator) -> Tensor:
        if self.noise == "gaussian":
            noisy = x.data + self.noise_level * rng.standard_normal(x.shape)
        else:
            noisy = x.data * (rng.uniform(size=x.shape) >= self.noise_level)
        return Tensor(noisy.astype(x.dtype))


@models.register("vae")
class VAE(Module):
    """Variational autoencoder (Kingma & Welling, 2014): q(z|x) = N(mu, exp(logvar)), Bernoulli p(x|z).

    The encoder's layers end in a hidden representation; two dense heads give mu and
    logvar (``latent_dim`` each). The decoder maps z to one logit per pixel.

    Args:
        encoder, decoder (list): layer lists (the decoder ends in ``units: outputs`` values,
            reshaped to the data's shape if the data are images).
        data_shape (tuple): the shape of one sample.
        latent_dim (int): size of z.
        rng: generator for the initial weights.

    Example::

        >>> vae = VAE([{"dense": {"units": 128}}, "relu"], [{"dense": {"units": "outputs"}}], (64,), 2, rng)
        >>> loss, reconstruction, kl = vae.negative_elbo(Tensor(X[:32]), rng)
    """

    kind = "vae"
    experiment_kind = EXPERIMENT_KIND
    parts = ('encoder', 'decoder')

    def __init__(self, encoder, decoder, data_shape, latent_dim: int, rng: np.random.Generator):
        super().__init__()
        self.data_shape, self.latent_dim = tuple(data_shape), int(latent_dim)
        size = int(np.prod(self.data_shape))
        self.encoder = build_network(encoder, self.data_shape, size, rng, "encoder")
        hidden = self.encoder.output_shape(self.data_shape)
        if len(hidden) != 1:
            raise ShapeError(f"model.encoder outputs {hidden} per sample; end it with 'flatten' or a dense layer")
        self.mu_head = Dense(self.latent_dim, in_features=hidden[0], rng=rng)
        self.logvar_head = Dense(self.latent_dim, in_features=hidden[0], rng=rng)
        self.decoder = build_network(decoder, (self.latent_dim,), size, rng, "decoder")
        check_output_shape(self.decoder, (self.latent_dim,), self.data_shape, "decoder", "the data are")

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        hidden = self.encoder(x)  # (N, *data) -> (N, hidden)
        return self.mu_head(hidden), self.logvar_head(hidden)  # (N, latent) each

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)  # (N, latent) -> logits (N, *data)

    def forward(self, x: Tensor, eps: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
        """Logits of the reconstruction, mu and logvar, with the noise ``eps`` (N, latent) given."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, eps)), mu, logvar

    def negative_elbo(self, x: Tensor, rng: np.random.Generator) -> tuple[Tensor, Tensor, Tensor]:
        """(-ELBO, reconstruction term, KL term), each in nats per image, one sample of z per image."""
        eps = rng.standard_normal((x.shape[0], self.latent_dim)).astype(x.dtype)
        logits, mu, logvar = self(x, eps)
        reconstruction, kl = bernoulli_nll(logits, x), gaussian_kl(mu, logvar)
        return reconstruction + kl, reconstruction, kl

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Images from the prior: z ~ N(0, I), pixel probabilities sigmoid(decoder(z)); (n, *data)."""
        z = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(Tensor(z)).sigmoid().data


@models.register("gan")
class GAN(Module):
    """Generative adversarial network (Goodfellow et al., 2014): generator G(z), discriminator D(x).

    Args:
        generator (list): layers from noise (``noise_dim``) to one data sample.
        discriminator (list): layers from a data sample to one logit (``dense: {units: 1}``).
        data_shape (tuple): the shape of one sample, e.g. (2,) for points.
        noise_dim (int): size of z ~ N(0, I).
        rng: generator for the initial weights.

    Example::

        >>> gan = GAN([{"dense": {"units": 64}}, "relu", {"dense": {"units": 2}}],
        ...           [{"dense": {"units": 64}}, "relu", {"dense": {"units": 1}}], (2,), 8, rng)
        >>> points = gan.sample(100, rng)   # (100, 2)
    """

    kind = "gan"
    experiment_kind = EXPERIMENT_KIND
    parts = ('generator', 'discriminator')

    def __init__(self, generator, discriminator, data_shape, noise_dim: int, rng: np.random.Generator):
        super().__init__()
        self.data_shape, self.noise_dim = tuple(data_shape), int(noise_dim)
        size = int(np.prod(self.data_shape))
        self.generator = build_network(generator, (self.noise_dim,), size, rng, "generator")
        check_output_shape(self.generator, (self.noise_dim,), self.data_shape, "generator", "the data are")
        self.discriminator = build_network(discriminator, self.data_shape, 1, rng, "discriminator")
        check_output_shape(self.discriminator, self.data_shape, (1,), "discriminator", "a logit is")

    def noise(self, n: int, rng: np.random.Generator) -> Tensor:
        return Tensor(rng.standard_normal((n, self.noise_dim)).astype(np.float32))

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z)  # (N, noise) -> (N, *data)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.generator(self.noise(n, rng)).data
