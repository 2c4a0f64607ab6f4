"""Training loops of the generative models. They take settings, not the config.

Each loop calls ``on_epoch(row)`` after every epoch (GAN: every checkpoint) with a metrics
row (a dict of numbers) and returns the list of rows. All randomness comes from ``rng``.

    rows = train_vae(vae, X_train, X_test, VAESettings(epochs=30), rng, on_epoch=print)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import dlx.optim  # noqa: F401  (registers the optimisers)
from dlx.generative.metrics import evaluate_vae, reconstruction_error
from dlx.generative.models import VAE, Autoencoder
from dlx.ops import mse_loss
from dlx.registry import optimisers
from dlx.tensor import Tensor

Callback = Callable[[dict], None] | None


def default_adam(lr: float = 1e-3) -> dict:
    return {"name": "adam", "lr": lr}


@dataclass
class TrainSettings:
    """Settings of the autoencoder and VAE loops.

    Args:
        epochs (int, default 20): passes over the training data.
        batch_size (int, default 64): images per step.
        optimiser (dict, default adam, lr 1e-3): registry name and arguments.
    """

    epochs: int = 20
    batch_size: int = 64
    optimiser: dict = field(default_factory=default_adam)


def make_optimiser(spec: dict, params):
    spec = dict(spec)
    return optimisers.create(spec.pop("name"), params=params, **spec)


def minibatches(n: int, batch_size: int, rng: np.random.Generator):
    """Shuffled index arrays covering range(n) once."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _emit(rows: list, row: dict, on_epoch: Callback) -> None:
    rows.append(row)
    if on_epoch is not None:
        on_epoch(row)


def train_autoencoder(model: Autoencoder, X_train: np.ndarray, X_val: np.ndarray, settings: TrainSettings,
                      rng: np.random.Generator, on_epoch: Callback = None) -> list[dict]:
    """Minimise the mean squared reconstruction error per pixel (of the clean input, for a denoising
    autoencoder that sees a corrupted copy). Rows: epoch, train_loss, val_loss (clean inputs)."""
    optimiser = make_optimiser(settings.optimiser, model.parameters())
    rows: list[dict] = []
    for epoch in range(1, settings.epochs + 1):
        model.train()
        total = 0.0
        for index in minibatches(len(X_train), settings.batch_size, rng):
            x = Tensor(X_train[index])
            loss = mse_loss(model(model.corrupt(x, rng)), x)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(index)
        row = {"epoch": epoch, "train_loss": total / len(X_train),
               "val_loss": reconstruction_error(model, X_val)}
        _emit(rows, row, on_epoch)
    return rows


def train_vae(model: VAE, X_train: np.ndarray, X_val: np.ndarray, settings: TrainSettings,
              rng: np.random.Generator, on_epoch: Callback = None, eval_seed: int = 0) -> list[dict]:
    """Minimise the negative ELBO (reconstruction + KL, nats per image) with one z per image.

    Rows: epoch, train_neg_elbo, train_reconstruction, train_kl (averaged over the epoch's
    steps) and the same three for ``X_val`` as val_* (noise from ``eval_seed``, so the
    validation figures of different epochs use the same draws).
    """
    optimiser = make_optimiser(settings.optimiser, model.parameters())
    rows: list[dict] = []
    for epoch in range(1, settings.epochs + 1):
        model.train()
        sums = np.zeros(3)
        for index in minibatches(len(X_train), settings.batch_size, rng):
            loss, reconstruction, kl = model.negative_elbo(Tensor(X_train[index]), rng)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            sums += len(index) * np.array([loss.item(), reconstruction.item(), kl.item()])
        train = dict(zip(("neg_elbo", "reconstruction", "kl"), (sums / len(X_train)).tolist()))
        row = {"epoch": epoch, **{f"train_{k}": v for k, v in train.items()},
               **{f"val_{k}": v for k, v in evaluate_vae(model, X_val, np.random.default_rng(eval_seed)).items()}}
        _emit(rows, row, on_epoch)
    return rows
