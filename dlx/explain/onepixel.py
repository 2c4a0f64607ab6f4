"""The one-pixel attack (Su, Vargas & Sakurai 2019): change one pixel, found by differential evolution.

A candidate is (row, column, value of each channel). Differential evolution
(DE/rand/1, no crossover, as in the paper) keeps a population; each generation a
child c = a + F (b - d) of three random members replaces its parent when it
lowers the probability of the true class more. The attack succeeds when the
prediction changes.

Example::

    result = one_pixel_attack(target, x, label=3, rng=np.random.default_rng(0))
    one_pixel_success_rate(target, X_test[:50], y_test[:50], rng=np.random.default_rng(0))
"""
from __future__ import annotations

import numpy as np

from dlx.explain.attacks import CLASSIFIERS, write_attack
from dlx.explain.base import Explanation, explainer
from dlx.explain.target import ExplainTarget


def apply_pixels(x: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """(P, C, H, W) copies of x, each with the pixel of one candidate (row, col, values...) set."""
    _, height, width = x.shape
    images = np.repeat(x[None], len(candidates), axis=0)
    rows = np.clip(np.rint(candidates[:, 0]), 0, height - 1).astype(int)
    cols = np.clip(np.rint(candidates[:, 1]), 0, width - 1).astype(int)
    images[np.arange(len(candidates)), :, rows, cols] = candidates[:, 2:]
    return images


def differential_evolution(target, x, label, population, generations, scale, rng):
    """(best candidate, its true-class probability, generations used)."""
    channels, height, width = x.shape
    low = np.array([0, 0] + [target.train_X.min()] * channels, dtype=np.float64)
    high = np.array([height - 1, width - 1] + [target.train_X.max()] * channels, dtype=np.float64)
    members = rng.uniform(low, high, size=(population, len(low)))
    fitness = target.score_array(apply_pixels(x, members))
    for generation in range(1, generations + 1):
        if (fitness.argmax(axis=1) != label).any():
            break
        picks = np.array([rng.choice(population, 3, replace=False) for _ in range(population)])
        children = np.clip(members[picks[:, 0]] + scale * (members[picks[:, 1]] - members[picks[:, 2]]), low, high)
        child_fitness = target.score_array(apply_pixels(x, children))
        better = child_fitness[:, label] < fitness[:, label]
        members[better], fitness[better] = children[better], child_fitness[better]
    else:
        generation = generations
    fooled = np.flatnonzero(fitness.argmax(axis=1) != label)
    best = fooled[0] if len(fooled) else int(fitness[:, label].argmin())
    return members[best], fitness[best], generation


@explainer("one_pixel", "local, model-agnostic", models=CLASSIFIERS, data=("image",), writer=write_attack)
def one_pixel_attack(target: ExplainTarget, x, label: int | None = None, population: int = 100,
                     generations: int = 30, scale: float = 0.5, index: int = 0,
                     rng: np.random.Generator | None = None) -> Explanation:
    """One-pixel attack: differential evolution over one pixel's place and value."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x = np.asarray(x, dtype=np.float64).reshape(target.input_shape)
    label = target.default_class(x) if label is None else target.check_class(label)
    best, probabilities, used = differential_evolution(target, x, label, population, generations, scale, rng)
    adversarial = apply_pixels(x, best[None])[0]
    original = target.score_array(x[None])[0]
    summary = {"index": index, "label": label, "original_class": int(original.argmax()),
               "adversarial_class": int(probabilities.argmax()), "success": bool(probabilities.argmax() != label),
               "pixel": [int(np.rint(best[0])), int(np.rint(best[1]))], "value": best[2:].tolist(),
               "original_probability": float(original[label]), "adversarial_probability": float(probabilities[label]),
               "generations": used, "population": population}
    return Explanation("one_pixel", summary, {"instance": x, "adversarial": adversarial})


def one_pixel_success_rate(target: ExplainTarget, X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                           **options) -> dict:
    """The attack on every correctly classified image of (X, y): how often one pixel flips the class."""
    correct = np.flatnonzero(target.predict(X) == y)
    successes = [one_pixel_attack(target, X[i], label=int(y[i]), rng=rng, **options).summary["success"]
                 for i in correct]
    return {"images": len(X), "attacked": len(correct), "successes": int(np.sum(successes)),
            "success_rate": float(np.mean(successes)) if successes else 0.0}
