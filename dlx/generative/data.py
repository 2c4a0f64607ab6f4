"""The ``dataset`` section of a generative config: ring, digits or MNIST, split into train and test.

    dataset: {name: digits, options: {binarised: true}, test: 0.2}
    dataset: {name: ring, options: {n_samples: 20000, std: 0.05}}
    dataset: {name: mnist, options: {path: data/mnist, binarised: true, limit: 20000}}
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlx.data.generative import (RING_MODES, RING_RADIUS, RING_STD, digits_images, mnist_images, ring_centres,
                                 ring_of_gaussians, split_train_test)
from dlx.errors import ConfigError
from dlx.generative.settings import DATASET_OPTIONS

NAMES = ("digits", "ring", "mnist")


@dataclass
class GenerativeData:
    """Train and test samples with their classes (modes for the ring), and the ring's geometry."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    centres: np.ndarray | None = None
    std: float | None = None


def _options(section: dict, allowed: set) -> dict:
    options = dict(section.get("options") or {})
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(f"dataset.options.{unknown[0]} is not an option of '{section['name']}'; "
                          f"allowed: {', '.join(sorted(allowed))}")
    return options


def load_generative_data(section: dict, rng: np.random.Generator) -> GenerativeData:
    """The data of a generative config's ``dataset`` section; ``test`` (default 0.2) is held out."""
    unknown = sorted(set(section) - {"name", "options", "test"})
    if unknown:
        raise ConfigError(f"dataset.{unknown[0]} is not a setting of a generative data set; use name, options, test")
    name, test = section.get("name"), float(section.get("test", 0.2))
    if name == "ring":
        options = _options(section, DATASET_OPTIONS["ring"])
        n_modes, radius = int(options.get("n_modes", RING_MODES)), float(options.get("radius", RING_RADIUS))
        std = float(options.get("std", RING_STD))
        X, y = ring_of_gaussians(int(options.get("n_samples", 20000)), rng, n_modes, radius, std)
        return GenerativeData(name, *split_train_test(X, y, test, rng), centres=ring_centres(n_modes, radius), std=std)
    if name == "digits":
        options = _options(section, DATASET_OPTIONS["digits"])
        X, y = digits_images(**options)
    elif name == "mnist":
        options = _options(section, DATASET_OPTIONS["mnist"])
        if "path" not in options:
            raise ConfigError("dataset.options.path is missing; give the folder with the MNIST IDX files")
        X, y = mnist_images(**options)
    else:
        raise ConfigError(f"dataset.name '{name}' is not a generative data set; use one of {', '.join(NAMES)}")
    return GenerativeData(name, *split_train_test(X, y, test, rng))
