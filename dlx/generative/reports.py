"""The plots each generative run leaves in its ``plots/`` folder.

autoencoder: reconstructions.png (test images over their reconstructions; for a denoising
  autoencoder the corrupted inputs in between), loss.png.
VAE: elbo.png (negative ELBO, reconstruction and KL per epoch), reconstructions.png,
  samples.png (from the prior), interpolations.png (decoded points on the line between two
  encoded test images), and for a 2-D latent space latent_map.png and latent_scatter.png.
GAN: gan_curves.png (losses, D accuracy, G gradient norm, modes covered), and samples per
  checkpoint (samples_per_checkpoint.png) for 2-D data, or samples.png for images.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.generative.plots import (looks_like_images, plot_gan_curves, plot_latent_map, plot_latent_scatter,
                                  plot_metric_curves, plot_reconstructions, plot_sample_snapshots, plot_samples)
from dlx.tensor import Tensor, no_grad

SHOWN = 10  # test images in a reconstruction or interpolation figure


@no_grad()
def autoencoder_plots(model, data, rows: list[dict], folder: Path, rng: np.random.Generator) -> list[Path]:
    model.eval()
    x = Tensor(data.X_test[:SHOWN])
    noisy = model.corrupt(x, rng) if model.kind == "denoising_autoencoder" else None
    reconstructed = model(noisy if noisy is not None else x).data
    title = "test images, corrupted inputs, reconstructions" if noisy is not None else None
    paths = [plot_metric_curves(rows, [["train_loss", "val_loss"]], folder / "loss.png",
                                title="reconstruction error (mean squared, per pixel)")]
    if looks_like_images(data.X_test):
        paths.insert(0, plot_reconstructions(x.data, reconstructed, folder / "reconstructions.png", title,
                                             None if noisy is None else noisy.data))
    return paths


@no_grad()
def interpolate(vae, first: np.ndarray, second: np.ndarray, steps: int = 10) -> np.ndarray:
    """Pixel probabilities decoded along the line between the means of two encoded images."""
    mu, _ = vae.encode(Tensor(np.stack([first, second])))
    weights = np.linspace(0.0, 1.0, steps, dtype=mu.dtype)[:, None]
    z = (1 - weights) * mu.data[0] + weights * mu.data[1]  # (steps, latent)
    return vae.decode(Tensor(z)).sigmoid().data


@no_grad()
def vae_plots(vae, data, rows: list[dict], folder: Path, rng: np.random.Generator) -> list[Path]:
    vae.eval()
    x = data.X_test[:SHOWN]
    logits, mu, _ = vae(Tensor(x), np.zeros((len(x), vae.latent_dim), dtype=x.dtype))  # z = mu
    paths = [
        plot_metric_curves([r for r in rows if "train_neg_elbo" in r],
                           [["train_neg_elbo", "val_neg_elbo"], ["train_reconstruction", "val_reconstruction"],
                            ["train_kl", "val_kl"]], folder / "elbo.png", title="nats per image"),
    ]
    if not looks_like_images(x):
        return paths
    paths += [plot_reconstructions(x, logits.sigmoid().data, folder / "reconstructions.png"),
              plot_samples(vae.sample(64, rng), folder / "samples.png", title="64 samples from the prior")]
    pairs = [interpolate(vae, data.X_test[2 * i], data.X_test[2 * i + 1]) for i in range(4)]
    paths.append(plot_samples(np.concatenate(pairs), folder / "interpolations.png", ncols=10,
                              title="interpolations between encoded test images (one pair per row)"))
    if vae.latent_dim == 2:
        paths.append(plot_latent_map(lambda z: vae.decode(Tensor(z)).sigmoid().data, folder / "latent_map.png"))
        codes = np.concatenate([vae.encode(Tensor(data.X_test[i:i + 512]))[0].data
                                for i in range(0, len(data.X_test), 512)])
        paths.append(plot_latent_scatter(codes, data.y_test, folder / "latent_scatter.png"))
    return paths


@no_grad()
def gan_plots(gan, data, history, folder: Path, rng: np.random.Generator) -> list[Path]:
    gan.eval()
    n_modes = None if data.centres is None else len(data.centres)
    paths = [plot_gan_curves(history.rows, folder / "gan_curves.png", n_modes)]
    if data.X_train.ndim == 2 and data.X_train.shape[1] == 2:
        paths.append(plot_sample_snapshots(history.samples, folder / "samples_per_checkpoint.png",
                                           reference=data.X_test, rows=history.rows))
    elif looks_like_images(data.X_train):
        paths.append(plot_samples(gan.sample(64, rng), folder / "samples.png", title="64 generator samples"))
    return paths
