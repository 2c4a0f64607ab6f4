"""Metrics of generative models: reconstruction error, the PCA baseline, negative ELBO, modes covered."""
from __future__ import annotations

import numpy as np

from dlx.ops import mse_loss
from dlx.tensor import Tensor, no_grad

EVAL_BATCH = 512


def _batches(X: np.ndarray):
    for start in range(0, len(X), EVAL_BATCH):
        yield X[start:start + EVAL_BATCH]


@no_grad()
def reconstruction_error(model, X: np.ndarray) -> float:
    """Mean squared error per pixel of ``model(X)`` against ``X`` (evaluation mode, clean inputs)."""
    was_training = model.training
    model.eval()
    total = sum(mse_loss(model(Tensor(x)), Tensor(x)).item() * len(x) for x in _batches(X))
    model.train(was_training)
    return total / len(X)


def pca_reconstruction_error(X_train: np.ndarray, X_test: np.ndarray, components: int) -> float:
    """Mean squared error per pixel of the best rank-``components`` linear reconstruction (PCA).

    The principal axes are the first right singular vectors of the centred training data
    (NumPy's SVD); a test image is projected onto them around the training mean.
    """
    train = X_train.reshape(len(X_train), -1).astype(np.float64)
    test = X_test.reshape(len(X_test), -1).astype(np.float64)
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    axes = vt[:components]  # (k, D)
    reconstruction = (test - mean) @ axes.T @ axes + mean
    return float(np.mean((test - reconstruction) ** 2))


@no_grad()
def evaluate_vae(vae, X: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    """neg_elbo, reconstruction and kl in nats per image over ``X``, one z per image."""
    was_training = vae.training
    vae.eval()
    sums = np.zeros(3)
    for x in _batches(X):
        loss, reconstruction, kl = vae.negative_elbo(Tensor(x), rng)
        sums += len(x) * np.array([loss.item(), reconstruction.item(), kl.item()])
    vae.train(was_training)
    return dict(zip(("neg_elbo", "reconstruction", "kl"), (sums / len(X)).tolist()))


def modes_covered(samples: np.ndarray, centres: np.ndarray, std: float, within: float = 3.0,
                  min_fraction: float = 0.05) -> dict[str, float]:
    """How many modes of a mixture the samples cover (the ring benchmark's measure).

    A mode is covered when at least ``min_fraction`` of the samples lie within ``within``
    standard deviations of its centre. Also returns the fraction of high-quality samples
    (within that distance of any centre).

    Returns:
        {"modes_covered": int, "high_quality": fraction, "mode_fractions": list per mode}
    """
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=2)  # (N, modes)
    near = distances <= within * std
    fractions = near.mean(axis=0)
    return {"modes_covered": int(np.sum(fractions >= min_fraction)),
            "high_quality": float(near.any(axis=1).mean()),
            "mode_fractions": fractions.round(4).tolist()}
