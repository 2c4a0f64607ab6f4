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


def train_gan(gan: GAN, X_train: np.ndarray, settings: GANSettings, rng: np.random.Generator,
              on_checkpoint: Callable[[dict], None] | None = None,
              evaluate: Callable[[np.ndarray], dict] | None = None, eval_seed: int = 0) -> GANHistory:
    """Alternate D and G steps; every ``checkpoint_every`` iterations write a row.

    A row holds step, d_loss, g_loss, d_accuracy and g_grad_norm (means over the
    interval) and whatever ``evaluate(samples)`` returns for ``eval_samples`` samples drawn
    with the same noise at every checkpoint (e.g. ``modes_covered`` on the ring).
    """
    g_opt = make_optimiser(settings.generator_optimiser, gan.generator.parameters())
    d_opt = make_optimiser(settings.discriminator_optimiser, gan.discriminator.parameters())
    eval_noise = gan.noise(settings.eval_samples, np.random.default_rng(eval_seed))
    history, interval = GANHistory(), []
    for step in range(1, settings.steps + 1):
        for _ in range(settings.d_steps):
            real = Tensor(X_train[rng.integers(0, len(X_train), settings.batch_size)])
            d_loss, d_accuracy = discriminator_step(gan, real, gan.noise(settings.batch_size, rng), d_opt)
        for _ in range(settings.g_steps):
            g_loss, g_norm = generator_step(gan, gan.noise(settings.batch_size, rng), settings.generator_loss, g_opt)
        interval.append((d_loss, g_loss, d_accuracy, g_norm))
        if step % settings.checkpoint_every == 0 or step == settings.steps:
            means = np.mean(interval, axis=0)
            row = {"step": step, **dict(zip(("d_loss", "g_loss", "d_accuracy", "g_grad_norm"), means.tolist()))}
            with no_grad():
                samples = gan.generator(eval_noise).data
            row.update({k: v for k, v in (evaluate(samples) if evaluate else {}).items() if not isinstance(v, list)})
            history.rows.append(row)
            history.samples.append((step, samples))
            interval = []
            if on_checkpoint is not None:
                on_checkpoint(row)
    return history
