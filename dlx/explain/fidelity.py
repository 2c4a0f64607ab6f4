"""Infidelity and sensitivity of an attribution (Yeh et al. 2019; captum.metrics).

Infidelity asks whether the attribution φ predicts what perturbing the input does: for
perturbations I (default: Gaussian noise of a tenth of each feature's training standard
deviation; images: of the image's range),

    infidelity = mean_I ( β Iᵀφ − (f(x) − f(x − I)) )²

with β = 1, or with ``normalize`` the least-squares β = mean(Iᵀφ Δf) / mean((Iᵀφ)²) that
makes the figure invariant to rescaling φ (captum's ``normalize=True``). Zero is perfect.

Sensitivity (max) asks how much the attribution moves when the input moves a little:
the largest ‖φ(x + δ) − φ(x)‖ / ‖φ(x)‖ over δ drawn uniformly from the L∞ ball of
``radius`` (captum's ``sensitivity_max`` with its default perturbation)::

    infidelity(target, x, phi, class_index=3, output="logit", rng=rng)
    sensitivity_max(lambda z: saliency_map(target, z, 3), x, rng=rng)
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from dlx.explain.target import ExplainTarget

PERTURBATIONS = 50


def default_perturbations(target: ExplainTarget, x: np.ndarray, count: int, rng: np.random.Generator,
                          scale: float = 0.1) -> np.ndarray:
    """(count, *x.shape) Gaussian perturbations: ``scale`` x each feature's training standard deviation
    (tabular) or x the training images' range (images)."""
    train = np.asarray(target.train_X, np.float64)
    if target.is_image:
        spread = np.full(x.shape, float(train.max() - train.min()) or 1.0)
    else:
        spread = train.reshape(len(train), -1).std(axis=0).reshape(x.shape)
        spread = np.where(spread > 0, spread, 1.0)
    return rng.normal(0.0, 1.0, (count, *x.shape)) * (scale * spread)


def infidelity(target: ExplainTarget, x: np.ndarray, attribution: np.ndarray, class_index: int,
               output: str = "score", perturbations: np.ndarray | None = None,
               rng: np.random.Generator | None = None, normalize: bool = False) -> float:
    """The mean squared gap between Iᵀφ and f(x) − f(x − I) over the perturbations (see the module doc)."""
    x = np.asarray(x, np.float64)
    if perturbations is None:
        perturbations = default_perturbations(target, x, PERTURBATIONS, rng or np.random.default_rng(0))
    values = explained_values(target, np.concatenate([x[None], x[None] - perturbations]), class_index, output)
    change = values[0] - values[1:]
    predicted = perturbations.reshape(len(perturbations), -1) @ np.asarray(attribution, np.float64).reshape(-1)
    beta = 1.0
    if normalize:
        denominator = float(np.mean(predicted ** 2))
        beta = float(np.mean(predicted * change)) / denominator if denominator > 0 else 1.0
    return float(np.mean((beta * predicted - change) ** 2))


def explained_values(target: ExplainTarget, X: np.ndarray, class_index: int, output: str) -> np.ndarray:
    """(N,) the explained output of a batch, without a tape."""
    from dlx.tensor import no_grad
    with no_grad():
        return np.asarray(target.class_output(X, class_index, output).data, np.float64)


def sensitivity_max(explain_at: Callable[[np.ndarray], np.ndarray], x: np.ndarray, radius: float = 0.02,
                    samples: int = 10, rng: np.random.Generator | None = None,
                    perturbations: np.ndarray | None = None) -> float:
    """max over δ of ‖φ(x + δ) − φ(x)‖₂ / ‖φ(x)‖₂ (‖φ(x)‖ = 0 counts as 1), δ uniform in the L∞ ball."""
    x = np.asarray(x, np.float64)
    if perturbations is None:
        perturbations = (rng or np.random.default_rng(0)).uniform(-radius, radius, (samples, *x.shape))
    base = np.asarray(explain_at(x), np.float64)
    norm = float(np.linalg.norm(base)) or 1.0
    return max(float(np.linalg.norm(np.asarray(explain_at(x + d), np.float64) - base)) / norm
               for d in perturbations)
