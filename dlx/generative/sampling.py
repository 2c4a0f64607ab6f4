"""Sampling for ``dlx sample RUN_DIR --n 64``: a grid of images or a scatter of 2-D points.

    path = sample_run("results/vae-digits/20260101-120000-abc123", n=64, seed=0)

Only models that can draw new samples qualify: a VAE (images from the prior) and a GAN.
Anything else fails with one line.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from dlx.errors import ConfigError
from dlx.generative.building import FORMAT, NotGenerativeError, load_generative
from dlx.generative.models import GAN, VAE
from dlx.generative.plots import plot_samples
from dlx.inference.formats import load_model, model_format
from dlx.models.memory import check_bytes
from dlx.runs.children import open_child
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
    """Load the model of a run folder and draw n samples in a child run of its own
    (``RUN/children/sample-<n>/<stamp>/samples.png``, ``dlx.runs.children``); ``path``: also write the
    picture there. Returns the picture the child holds. The run's own files stay as they were.

    Raises NotGenerativeError (one line) for a run that is not a VAE or GAN run.
    """
    run_dir = Path(run_dir)
    model = load_model(run_dir) if model_format(run_dir)[0] == FORMAT else load_generative(run_dir)
    if isinstance(model, (VAE, GAN)) and n >= 1:  # before any array: noise, samples and the picture
        noise = getattr(model, "latent_dim", None) or getattr(model, "noise_dim", 0)
        check_bytes(n * (noise + 3 * int(np.prod(model.data_shape))) * 4, f"--n {n}", "draw fewer samples")
    if not isinstance(model, (VAE, GAN)) or n < 1:
        draw_samples(model, n, np.random.default_rng(seed))  # its one-line error, before any folder
    options = {"n": n, "seed": seed, "output": str(path) if path is not None else None}
    with open_child(run_dir, "sample", options, tag=n) as child:
        target = write_samples(model, n, child.run_dir / "samples.png", np.random.default_rng(seed))
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, path)
        child.finish("finished", {"model": model.kind, "samples": n, "headline": {"samples": n},
                                  **({"output": str(path)} if path is not None else {})})
    return target
