"""Data for generative models: the ring of Gaussians (a registered data set), binarisation, and the
digits and MNIST images as plain arrays.

A generative config names any registered data set (``dlx list datasets``); its images or vectors are
the samples and its targets the classes (the ring's: the mode of each point). ``digits_images`` and
``mnist_images`` are shorthands over the registered ``digits`` and ``mnist`` loaders.
"""
from __future__ import annotations

import numpy as np

from dlx.data.dataset import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.05


def ring_centres(n_modes: int = RING_MODES, radius: float = RING_RADIUS) -> np.ndarray:
    """The centres of the ring's modes, evenly spaced on a circle: (n_modes, 2)."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n_samples: int, rng: np.random.Generator, n_modes: int = RING_MODES,
                      radius: float = RING_RADIUS, std: float = RING_STD) -> tuple[np.ndarray, np.ndarray]:
    """Points from an equal mixture of ``n_modes`` isotropic Gaussians on a circle (the GAN benchmark
    of Metz et al., 2017, "Unrolled generative adversarial networks").

    Args:
        n_samples (int): number of points.
        rng: the generator.
        n_modes (int, default 8): number of Gaussians.
        radius (float, default 2.0): radius of the circle of centres.
        std (float, default 0.05): standard deviation of each Gaussian.

    Returns:
        X (n_samples, 2) float32 and the mode of each point (n_samples,) int64.

    Example::

        >>> X, mode = ring_of_gaussians(1000, np.random.default_rng(0))
    """
    if n_samples < 1 or n_modes < 1 or radius <= 0 or std <= 0:
        raise ConfigError(f"ring: n_samples and n_modes must be positive, radius and std > 0; got "
                          f"{n_samples}, {n_modes}, {radius}, {std}")
    mode = rng.integers(0, n_modes, n_samples)
    X = ring_centres(n_modes, radius)[mode] + std * rng.standard_normal((n_samples, 2))
    return X.astype(np.float32), mode.astype(np.int64)


@datasets.register("ring", "ring_of_gaussians")
def ring(rng: np.random.Generator | None = None, n_samples: int = 20000, n_modes: int = RING_MODES,
         radius: float = RING_RADIUS, std: float = RING_STD) -> Dataset:
    """Points from 8 Gaussians on a circle (the GAN mode-collapse benchmark); the target is each point's mode.

    Args:
        rng (default None): the generator (None: seed 0).
        n_samples (default 20000), n_modes (default 8), radius (default 2.0), std (default 0.05):
            as ``ring_of_gaussians``.

    The data set also carries ``centres`` (n_modes, 2) and ``mode_std``, which the GAN's
    mode-coverage metric reads.

    Example::

        >>> ring(np.random.default_rng(0), n_samples=100).X.shape
        (100, 2)
    """
    X, mode = ring_of_gaussians(int(n_samples), np.random.default_rng(0) if rng is None else rng, int(n_modes),
                                float(radius), float(std))
    ds = Dataset(X, mode, "multiclass", "ring", feature_names=["x", "y"],
                 class_names=[f"mode_{i}" for i in range(int(n_modes))])
    ds.centres, ds.mode_std = ring_centres(int(n_modes), float(radius)), float(std)
    return ds


def binarise(images: np.ndarray, threshold: float | None = 0.5, rng: np.random.Generator | None = None) -> np.ndarray:
    """Pixels in [0, 1] as 0/1: above ``threshold``, or drawn as Bernoulli(pixel) when threshold is None."""
    if threshold is None:
        if rng is None:
            raise ConfigError("stochastic binarisation needs a generator; pass rng or a threshold")
        return (rng.uniform(size=images.shape) < images).astype(np.float32)
    return (images > threshold).astype(np.float32)


def digits_images(binarised: bool = False, flatten: bool = True, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (1,797 images), pixels scaled to [0, 1], optionally binarised.

    Args:
        binarised (bool, default False): pixels above ``threshold`` become 1, the rest 0.
        flatten (bool, default True): X (N, 64); False gives images (N, 1, 8, 8).
        threshold (float, default 0.5): the binarisation threshold.

    Returns:
        X float32 and the digit of each image (N,) int64.
    """
    ds = datasets.get("digits")(flatten=flatten)
    return (binarise(ds.X, threshold) if binarised else ds.X), ds.y


def mnist_images(path: str, subset: str = "train", limit: int | None = None, binarised: bool = False,
                 flatten: bool = False, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """MNIST (or any IDX image folder) in [0, 1] from the user's files, optionally binarised.

    Args:
        path (str): folder with ``train-images-idx3-ubyte[.gz]`` etc. (see ``dlx.data.idx.mnist``).
        subset (str, default "train"): "train", "test" or "all".
        limit (int, default None): keep the first ``limit`` images.
        binarised (bool, default False), threshold (float, default 0.5): as ``digits_images``.
        flatten (bool, default False): X (N, 784) instead of (N, 1, 28, 28).
    """
    data = datasets.get("mnist")(path=path, flatten=flatten, subset=subset, limit=limit)
    X = binarise(data.X, threshold) if binarised else data.X
    return X.astype(np.float32), data.y.astype(np.int64)


def split_train_test(X: np.ndarray, y: np.ndarray, test: float, rng: np.random.Generator):
    """A shuffled split: (X_train, y_train, X_test, y_test) with a ``test`` fraction held out."""
    if not 0 < test < 1:
        raise ConfigError(f"test must be a fraction in (0, 1), got {test}")
    order = rng.permutation(len(X))
    n_test = max(1, int(round(test * len(X))))
    test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]
