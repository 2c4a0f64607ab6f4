"""The learners of the autoencoders and the VAE; the trainer (``dlx.train.trainer``) runs them.

They take settings, not the config. The trainer calls ``on_epoch(row)`` after every epoch
(GAN: every checkpoint) with a metrics row (a dict of numbers); ``train_vae`` and
``train_autoencoder`` return the rows. All randomness comes from ``rng``.

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
from dlx.train.learner import Batch, LazyBatches, Learner
from dlx.train.trainer import fit

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


class ImageLearner(Learner):
    """Shared part of the autoencoder and VAE learners: epochs of shuffled mini-batches of ``X_train``
    (drawn from ``rng``), one optimiser, stepped by the trainer; ``first_row`` is recorded as epoch 0."""

    def __init__(self, model, X_train: np.ndarray, X_val: np.ndarray, settings: TrainSettings,
                 rng: np.random.Generator, first_row: dict | None = None):
        self.model, self.X_train, self.X_val, self.settings, self.rng = model, X_train, X_val, settings, rng
        self.optimiser = make_optimiser(settings.optimiser, model.parameters())
        self.first_row = first_row

    def planned_epochs(self) -> int:
        return self.settings.epochs

    def configure_optimisers(self) -> list:
        return [self.optimiser]

    def on_fit_start(self) -> dict | None:
        return self.first_row

    def train_batches(self, epoch: int) -> LazyBatches:
        self.model.train()
        order = list(minibatches(len(self.X_train), self.settings.batch_size, self.rng))
        return LazyBatches(order, lambda index: Batch(self.X_train[index], index=index))

    def weights(self) -> dict:
        return self.model.state_dict()

    def load_weights(self, weights: dict) -> None:
        self.model.load_state_dict(weights)


class AutoencoderLearner(ImageLearner):
    """Minimise the mean squared reconstruction error per pixel (of the clean input, for a denoising
    autoencoder that sees a corrupted copy). Rows: epoch, train_loss, val_loss (clean inputs)."""

    def training_step(self, batch: Batch) -> dict:
        x = Tensor(batch.inputs)
        loss = mse_loss(self.model(self.model.corrupt(x, self.rng)), x)
        self.optimiser.zero_grad()
        loss.backward()
        return {"loss": loss.item(), "size": len(batch)}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        total = 0.0
        for out in outputs:
            total += out["loss"] * out["size"]
        return {"epoch": epoch, "train_loss": total / len(self.X_train),
                "val_loss": reconstruction_error(self.model, self.X_val)}


class VAELearner(ImageLearner):
    """Minimise the negative ELBO (reconstruction + KL, nats per image) with one z per image.

    Rows: epoch, train_neg_elbo, train_reconstruction, train_kl (averaged over the epoch's
    steps) and the same three for ``X_val`` as val_* (noise from ``eval_seed``, so the
    validation figures of different epochs use the same draws).
    """

    eval_seed = 0

    def training_step(self, batch: Batch) -> dict:
        loss, reconstruction, kl = self.model.negative_elbo(Tensor(batch.inputs), self.rng)
        self.optimiser.zero_grad()
        loss.backward()
        return {"terms": np.array([loss.item(), reconstruction.item(), kl.item()]), "size": len(batch)}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        sums = np.zeros(3)
        for out in outputs:
            sums += out["size"] * out["terms"]
        train = dict(zip(("neg_elbo", "reconstruction", "kl"), (sums / len(self.X_train)).tolist()))
        validation = evaluate_vae(self.model, self.X_val, np.random.default_rng(self.eval_seed))
        return {"epoch": epoch, **{f"train_{k}": v for k, v in train.items()},
                **{f"val_{k}": v for k, v in validation.items()}}

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.model.sample(n, rng)


def train_autoencoder(model: Autoencoder, X_train: np.ndarray, X_val: np.ndarray, settings: TrainSettings,
                      rng: np.random.Generator, on_epoch: Callback = None) -> list[dict]:
    """The trainer with an ``AutoencoderLearner``; the rows."""
    return fit(AutoencoderLearner(model, X_train, X_val, settings, rng), on_epoch).history


def train_vae(model: VAE, X_train: np.ndarray, X_val: np.ndarray, settings: TrainSettings,
              rng: np.random.Generator, on_epoch: Callback = None, eval_seed: int = 0) -> list[dict]:
    """The trainer with a ``VAELearner`` (validation noise from ``eval_seed``); the rows."""
    learner = VAELearner(model, X_train, X_val, settings, rng)
    learner.eval_seed = eval_seed
    return fit(learner, on_epoch).history
