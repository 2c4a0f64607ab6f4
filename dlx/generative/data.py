"""The ``dataset`` section of a generative config: any registered data set, split into train and test.

    dataset: {name: digits, options: {binarised: true}, test: 0.2}
    dataset: {name: ring, options: {n_samples: 20000, std: 0.05}}
    dataset: {name: mnist, options: {path: data/mnist, subset: train, binarised: true, limit: 20000}}

The name is looked up in the one data-set registry (``dlx list datasets``), the same loaders a
supervised config uses; the samples are the data set's inputs and its targets their classes (the
ring's: the mode of each point). ``options`` are the loader's own keyword arguments plus two of
the generative kind's: ``binarised`` (pixels above ``threshold``, default 0.5, become 1, the rest 0).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from dlx.data.generative import binarise, split_train_test
from dlx.errors import ConfigError, UnknownNameError
from dlx.registry import datasets

TRANSFORM_OPTIONS = ("binarised", "threshold")  # applied to the loaded samples, not passed to the loader


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


def dataset_options(name: str) -> set[str]:
    """The options a generative config may give data set ``name``: its loader's arguments and the transforms.

    Raises UnknownNameError (with the closest name) for a data set that is not registered.
    """
    parameters = inspect.signature(datasets.get(name)).parameters
    return {key for key in parameters if key != "rng"} | set(TRANSFORM_OPTIONS)


def _options(name: str, options: dict) -> dict:
    allowed = dataset_options(name)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(f"dataset.options.{unknown[0]} is not an option of '{name}'; "
                          f"allowed: {', '.join(sorted(allowed))}")
    return dict(options)


def load_generative_data(section: dict, rng: np.random.Generator) -> GenerativeData:
    """The data of a generative config's ``dataset`` section; ``test`` (default 0.2) is held out."""
    unknown = sorted(set(section) - {"name", "options", "test"})
    if unknown:
        raise ConfigError(f"dataset.{unknown[0]} is not a setting of a generative data set; use name, options, test")
    name, test = section.get("name"), float(section.get("test", 0.2))
    try:
        options = _options(name, section.get("options") or {})
    except UnknownNameError as error:
        raise ConfigError(f"dataset.name: {error}") from None
    transform = {key: options.pop(key) for key in TRANSFORM_OPTIONS if key in options}
    data = datasets.get(name)(rng=rng, **options)
    X = data.X.astype(np.float32, copy=False)
    if transform.get("binarised"):
        X = binarise(X, float(transform.get("threshold", 0.5)))
    return GenerativeData(name, *split_train_test(X, data.y, test, rng), centres=getattr(data, "centres", None),
                          std=getattr(data, "mode_std", None))
