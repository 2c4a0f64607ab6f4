"""Sampling for ``dlx sample RUN_DIR --n 64``: a grid of images or a scatter of 2-D points.

    path = sample_run("results/vae-digits/20260101-120000-abc123", n=64, seed=0)

Only models that can draw new samples qualify: a VAE (images from the prior) and a GAN.
Anything else fails with one line.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import ConfigError
from dlx.generative.building import NotGenerativeError, load_generative
from dlx.generative.models import GAN, VAE
from dlx.generative.plots import plot_samples
from dlx.models.memory import check_bytes
from dlx.tensor import no_grad


@no_grad()
def draw_samples(model, n: int, rng: np.random.Generator) -> np.ndarray:
    """n new samples (n, *data_shape): pixel probabilities for a VAE, generator outputs for a GAN."""
    if not isinstance(model, (VAE, GAN)):
        raise NotGenerativeError(f"a {getattr(model, 'kind', type(model).__name__)} cannot draw new samples; "
                                 f"dlx sample needs the run of a VAE or GAN config")
    if n < 1:
        raise ConfigError(f"--n must be a positive number of samples, got {n}")
    model.eval()
    return model.sample(n, rng)


def write_samples(model, n: int, path, rng: np.random.Generator) -> Path:
    """Draw n samples and write them as a PNG: an image grid, or a scatter for 2-D points."""
    samples = draw_samples(model, n, rng)
    title = f"{n} samples from the {'prior' if isinstance(model, VAE) else 'generator'}"
    return plot_samples(samples, path, ncols=int(np.ceil(np.sqrt(n))), title=title)


def sample_run(run_dir, n: int = 64, seed: int = 0, path=None) -> Path:
    """Load the model of a run folder and write ``samples.png`` (or ``path``) with n samples.

    Raises NotGenerativeError (one line) for a run that is not a VAE or GAN run.
    """
    model = load_generative(run_dir)
    if isinstance(model, (VAE, GAN)) and n >= 1:  # before any array: noise, samples and the picture
        noise = getattr(model, "latent_dim", None) or getattr(model, "noise_dim", 0)
        check_bytes(n * (noise + 3 * int(np.prod(model.data_shape))) * 4, f"--n {n}", "draw fewer samples")
    target = Path(path) if path is not None else Path(run_dir) / "plots" / f"samples_{n}.png"
    return write_samples(model, n, target, np.random.default_rng(seed))
