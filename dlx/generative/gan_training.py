"""GAN training by alternating gradient steps (Goodfellow et al., 2014, Algorithm 1).

Each iteration takes ``d_steps`` steps on the discriminator, then ``g_steps`` (normally one) on the
generator:

    D:  minimise  -[log D(x) + log(1 - D(G(z)))]        (BCE: real -> 1, fake -> 0)
    G:  minimise   log(1 - D(G(z)))                      "saturating": the minimax game itself
        or        -log D(G(z))                           "non_saturating": the same fixed point, but
                                                          strong gradients while D rejects the fakes

With D(x) = sigmoid(l): log(1 - D) = -BCE(l, 0) and -log D = BCE(l, 1). At a confident
discriminator (l << 0 on fakes) d/dl log(1 - sigmoid(l)) = -sigmoid(l) -> 0: the saturating
generator gets vanishing gradients, which the tracked generator gradient norm shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlx.errors import ConfigError
from dlx.generative.models import GAN
from dlx.generative.training import default_adam, make_optimiser
from dlx.ops import bce_with_logits
from dlx.tensor import Tensor, no_grad
from dlx.train.learner import Batch, LazyBatches, Learner
from dlx.train.trainer import fit

GENERATOR_LOSSES = ("non_saturating", "saturating")


@dataclass
class GANSettings:
    """Settings of the GAN loop.

    Args:
        steps (int, default 3000): iterations.
        batch_size (int, default 128): real and fake samples per step.
        d_steps (int, default 1): discriminator steps per iteration (k in the paper).
        g_steps (int, default 1): generator steps per iteration; many steps against a fixed
            discriminator move all samples to the point it likes best (mode collapse).
        generator_loss (str, default "non_saturating"): or "saturating".
        generator_optimiser, discriminator_optimiser (dict, default adam, lr 1e-3).
        checkpoint_every (int, default 250): iterations between metrics rows.
        eval_samples (int, default 1000): samples drawn at each checkpoint.
    """

    steps: int = 3000
    batch_size: int = 128
    d_steps: int = 1
    g_steps: int = 1
    generator_loss: str = "non_saturating"
    generator_optimiser: dict = field(default_factory=default_adam)
    discriminator_optimiser: dict = field(default_factory=default_adam)
    checkpoint_every: int = 250
    eval_samples: int = 1000

    def __post_init__(self):
        if self.generator_loss not in GENERATOR_LOSSES:
            raise ConfigError(f"generator_loss '{self.generator_loss}' is unknown; use one of {GENERATOR_LOSSES}")
        if min(self.steps, self.batch_size, self.d_steps, self.g_steps, self.checkpoint_every, self.eval_samples) < 1:
            raise ConfigError("steps, batch_size, d_steps, g_steps, checkpoint_every and eval_samples must be "
                              "positive integers")


@dataclass
class GANHistory:
    """Metrics rows (one per checkpoint) and the samples drawn at each checkpoint."""

    rows: list[dict] = field(default_factory=list)
    samples: list[tuple[int, np.ndarray]] = field(default_factory=list)


def global_grad_norm(params) -> float:
    """sqrt(sum of squared gradient entries) over ``params``."""
    return float(np.sqrt(sum(float(np.sum(p.grad.astype(np.float64) ** 2)) for p in params if p.grad is not None)))


def discriminator_step(gan: GAN, real: Tensor, z: Tensor, optimiser) -> tuple[float, float]:
    """One step on D; returns its loss and its accuracy on the real and fake batch."""
    with no_grad():
        fake = gan.generator(z)  # G is held fixed: no tape through it
    real_logits, fake_logits = gan.discriminator(real), gan.discriminator(fake)
    loss = bce_with_logits(real_logits, np.ones(real_logits.shape)) + \
        bce_with_logits(fake_logits, np.zeros(fake_logits.shape))
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    accuracy = 0.5 * (np.mean(real_logits.data > 0) + np.mean(fake_logits.data < 0))
    return loss.item(), float(accuracy)


def generator_step(gan: GAN, z: Tensor, loss_kind: str, optimiser) -> tuple[float, float]:
    """One step on G through a fixed D; returns its loss and the gradient norm of its parameters."""
    logits = gan.discriminator(gan.generator(z))
    if loss_kind == "non_saturating":
        loss = bce_with_logits(logits, np.ones(logits.shape))  # -log D(G(z))
    else:
        loss = -bce_with_logits(logits, np.zeros(logits.shape))  # log(1 - D(G(z)))
    gan.zero_grad()  # D's gradients from this pass are not used
    loss.backward()
    norm = global_grad_norm(gan.generator.parameters())
    optimiser.step()
    return loss.item(), norm


class GANLearner(Learner):
    """Alternate D and G steps (manual optimisation: two optimisers); an epoch of the trainer is
    ``checkpoint_every`` iterations, and its row holds step, d_loss, g_loss, d_accuracy and
    g_grad_norm (means over the interval) and whatever ``evaluate(samples)`` returns for
    ``eval_samples`` samples drawn with the same noise at every checkpoint (e.g.
    ``modes_covered`` on the ring). ``history`` keeps the rows and the samples."""

    automatic_optimisation = False

    def __init__(self, gan: GAN, X_train: np.ndarray, settings: GANSettings, rng: np.random.Generator,
                 evaluate: Callable[[np.ndarray], dict] | None = None, eval_seed: int = 0):
        self.gan, self.X_train, self.settings, self.rng, self.evaluate = gan, X_train, settings, rng, evaluate
        self.g_opt = make_optimiser(settings.generator_optimiser, gan.generator.parameters())
        self.d_opt = make_optimiser(settings.discriminator_optimiser, gan.discriminator.parameters())
        self.eval_noise = gan.noise(settings.eval_samples, np.random.default_rng(eval_seed))
        self.history = GANHistory()

    def planned_epochs(self) -> int:
        return -(-self.settings.steps // self.settings.checkpoint_every)

    def configure_optimisers(self) -> list:
        return [self.g_opt, self.d_opt]

    def train_batches(self, epoch: int) -> LazyBatches:
        every = self.settings.checkpoint_every
        return LazyBatches(list(range((epoch - 1) * every + 1, min(epoch * every, self.settings.steps) + 1)),
                           self.draw)

    def draw(self, step: int) -> Batch:
        """The real samples and the noise of one iteration, in the order the steps use them."""
        s, real, d_noise = self.settings, [], []
        for _ in range(s.d_steps):
            real.append(Tensor(self.X_train[self.rng.integers(0, len(self.X_train), s.batch_size)]))
            d_noise.append(self.gan.noise(s.batch_size, self.rng))
        g_noise = [self.gan.noise(s.batch_size, self.rng) for _ in range(s.g_steps)]
        return Batch({"real": real, "d_noise": d_noise, "g_noise": g_noise}, index=np.array([step]))

    def training_step(self, batch: Batch) -> dict:
        parts = batch.inputs
        for real, z in zip(parts["real"], parts["d_noise"]):
            d_loss, d_accuracy = discriminator_step(self.gan, real, z, self.d_opt)
        for z in parts["g_noise"]:
            g_loss, g_norm = generator_step(self.gan, z, self.settings.generator_loss, self.g_opt)
        return {"step": int(batch.index[0]), "values": (d_loss, g_loss, d_accuracy, g_norm)}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        means = np.mean([out["values"] for out in outputs], axis=0)
        row = {"step": outputs[-1]["step"],
               **dict(zip(("d_loss", "g_loss", "d_accuracy", "g_grad_norm"), means.tolist()))}
        with no_grad():
            samples = self.gan.generator(self.eval_noise).data
        found = self.evaluate(samples) if self.evaluate else {}
        row.update({k: v for k, v in found.items() if not isinstance(v, list)})
        self.history.rows.append(row)
        self.history.samples.append((row["step"], samples))
        return row

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.gan.sample(n, rng)


def train_gan(gan: GAN, X_train: np.ndarray, settings: GANSettings, rng: np.random.Generator,
              on_checkpoint: Callable[[dict], None] | None = None,
              evaluate: Callable[[np.ndarray], dict] | None = None, eval_seed: int = 0) -> GANHistory:
    """The trainer with a ``GANLearner``; its rows and samples."""
    learner = GANLearner(gan, X_train, settings, rng, evaluate, eval_seed)
    fit(learner, on_checkpoint)
    return learner.history
