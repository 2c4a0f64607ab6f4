"""The lecture's tiny data sets and generated 2-D sets, all drawn from the given generator.

The same seed gives the same data::

    two_moons(rng=np.random.default_rng(0), n_samples=200, noise=0.2)
"""
from typing import Literal

import numpy as np

from dlx.data.dataset import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

# Grokking Deep Learning, chapter 6: three lights of a street crossing, walk (1) or stop (0).
STREETLIGHTS = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1], [0, 1, 1], [1, 0, 1]])
WALK_VS_STOP = np.array([0, 1, 0, 1, 1, 0])
# Chapter 6, "your first deep neural network": walk iff exactly one of the first two lights is on.
HIDDEN_STREETLIGHTS = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]])
HIDDEN_WALK_VS_STOP = np.array([1, 1, 0, 0])


def _generator(rng):
    return rng if rng is not None else np.random.default_rng(0)


def _positive(option: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"dataset.{option} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _non_negative(option: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0:
        raise ConfigError(f"dataset.{option} must be a number >= 0, got {value!r}")
    return float(value)


def _per_class(n_samples: int, n_classes: int) -> list[int]:
    """n_samples shared out as evenly as possible."""
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _shuffled(rng, X, y):
    order = rng.permutation(len(X))
    return X[order], y[order]


@datasets.register("streetlights")
def streetlights(rng: np.random.Generator | None = None, variant: Literal["original", "hidden"] = "original",
                 target: Literal["walk", "stop"] = "walk") -> Dataset:
    """The lecture's street lights: three lights -> walk or stop (Grokking Deep Learning ch. 6).

    Args:
        rng (default None): unused; the rows are fixed.
        variant (default "original"): "original" is the book's 6 rows, where the middle
            light alone predicts walking (linearly separable, a single weight layer
            learns it). "hidden" is the book's 4 rows of its first deep network, where
            one walks iff exactly one of the first two lights is on: an XOR that no
            single layer can fit, for the lesson "creating correlation" with a hidden layer.
        target (default "walk"): label 1 means walk; "stop" swaps the labels.

    Example::

        >>> ds = streetlights(variant="hidden")
        >>> ds.X.shape, ds.y.tolist()
        ((4, 3), [1, 1, 0, 0])
    """
    if variant not in ("original", "hidden"):
        raise ConfigError(f"streetlights: variant must be 'original' or 'hidden', got {variant!r}")
    if target not in ("walk", "stop"):
        raise ConfigError(f"streetlights: target must be 'walk' or 'stop', got {target!r}")
    X, walk = (STREETLIGHTS, WALK_VS_STOP) if variant == "original" else (HIDDEN_STREETLIGHTS, HIDDEN_WALK_VS_STOP)
    y = walk if target == "walk" else 1 - walk
    names = ["stop", "walk"] if target == "walk" else ["walk", "stop"]
    return Dataset(X.astype(np.float32), y.astype(np.int64), "binary", "streetlights",
                   feature_names=["light_1", "light_2", "light_3"], class_names=names)


@datasets.register("xor")
def xor(rng: np.random.Generator | None = None, repeat: int = 1) -> Dataset:
    """The four XOR rows: output 1 iff exactly one input is 1.

    Args:
        rng (default None): unused; the rows are fixed.
        repeat (default 1): tile the four rows this many times.

    Example::

        >>> xor(repeat=2).X.shape
        (8, 2)
    """
    repeat = _positive("repeat", repeat)
    X = np.tile(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32), (repeat, 1))
    y = np.tile(np.array([0, 1, 1, 0], dtype=np.int64), repeat)
    return Dataset(X, y, "binary", "xor", feature_names=["x1", "x2"], class_names=["0", "1"])


@datasets.register("two_moons", "moons")
def two_moons(rng: np.random.Generator | None = None, n_samples: int = 500, noise: float = 0.1) -> Dataset:
    """Two interleaving half circles in 2-D (as scikit-learn's make_moons).

    Args:
        rng (default None): generator for the noise and the order (None: seed 0).
        n_samples (default 500): total points, half per moon.
        noise (default 0.1): standard deviation of Gaussian noise added to the points.

    Example::

        >>> two_moons(np.random.default_rng(0), n_samples=10).X.shape
        (10, 2)
    """
    rng, n_samples = _generator(rng), _positive("n_samples", n_samples, 2)
    n_outer, n_inner = _per_class(n_samples, 2)
    t_outer, t_inner = np.linspace(0, np.pi, n_outer), np.linspace(0, np.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(0.0, _non_negative("noise", noise), (n_samples, 2))
    y = np.repeat([0, 1], [n_outer, n_inner])
    X, y = _shuffled(rng, X, y)
    return Dataset(X, y, "binary", "two_moons", feature_names=["x1", "x2"], class_names=["outer", "inner"])


@datasets.register("spirals")
def spirals(rng: np.random.Generator | None = None, n_samples: int = 600, n_classes: int = 2,
            noise: float = 0.2) -> Dataset:
    """Intertwined spiral arms in 2-D, one per class (the classic CS231n spirals).

    Each arm runs from the centre (radius 0) to radius 1 over 4 radians; ``noise``
    is the standard deviation of Gaussian noise on the angle.

    Args:
        rng (default None): generator for the noise and the order (None: seed 0).
        n_samples (default 600): total points, shared evenly between the arms.
        n_classes (default 2): number of arms; 2 gives a binary task, more a multiclass one.
        noise (default 0.2): angle noise in radians.

    Example::

        >>> spirals(np.random.default_rng(0), n_classes=3).task
        'multiclass'
    """
    rng, n_samples = _generator(rng), _positive("n_samples", n_samples, 2)
    n_classes, noise = _positive("n_classes", n_classes, 2), _non_negative("noise", noise)
    points, labels = [], []
    for k, count in enumerate(_per_class(n_samples, n_classes)):
        radius = np.linspace(0.0, 1.0, count)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), count) + rng.normal(0.0, noise, count)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(count, k))
    X, y = _shuffled(rng, np.concatenate(points), np.concatenate(labels))
    task = "binary" if n_classes == 2 else "multiclass"
    return Dataset(X, y, task, "spirals", feature_names=["x1", "x2"],
                   class_names=[f"arm {k}" for k in range(n_classes)])


@datasets.register("blobs")
def blobs(rng: np.random.Generator | None = None, n_samples: int = 500, centers: int = 3, n_features: int = 2,
          cluster_std: float = 1.0) -> Dataset:
    """Gaussian clusters, one class each, centres drawn uniformly from [-10, 10]^n_features.

    Args:
        rng (default None): generator for centres, points and order (None: seed 0).
        n_samples (default 500): total points, shared evenly between the clusters.
        centers (default 3): number of clusters (classes); 2 gives a binary task.
        n_features (default 2): input dimensions.
        cluster_std (default 1.0): standard deviation of each cluster.

    Example::

        >>> blobs(np.random.default_rng(0), centers=4, n_features=5).input_shape
        (5,)
    """
    rng, n_samples = _generator(rng), _positive("n_samples", n_samples, 2)
    centers, n_features = _positive("centers", centers, 2), _positive("n_features", n_features)
    middles = rng.uniform(-10.0, 10.0, (centers, n_features))
    counts = _per_class(n_samples, centers)
    y = np.repeat(np.arange(centers), counts)
    X = middles[y] + rng.normal(0.0, _non_negative("cluster_std", cluster_std), (n_samples, n_features))
    X, y = _shuffled(rng, X, y)
    return Dataset(X, y, "binary" if centers == 2 else "multiclass", "blobs",
                   feature_names=[f"x{i + 1}" for i in range(n_features)],
                   class_names=[f"blob {k}" for k in range(centers)])


@datasets.register("polynomial")
def polynomial(rng: np.random.Generator | None = None, n_samples: int = 200,
               coefficients: tuple[float, ...] = (1.0, -2.0, 0.5), x_range: tuple[float, float] = (-3.0, 3.0),
               noise: float = 0.1) -> Dataset:
    """Regression on a polynomial: y = c0 + c1 x + c2 x^2 + ... + Gaussian noise.

    Args:
        rng (default None): generator for x and the noise (None: seed 0).
        n_samples (default 200): number of points.
        coefficients (default (1, -2, 0.5)): c0, c1, ...; their count minus one is the degree.
        x_range (default (-3, 3)): x is drawn uniformly from this interval.
        noise (default 0.1): standard deviation of the noise on y.

    Shape:
        X (N, 1), y (N, 1).

    Example::

        >>> polynomial(np.random.default_rng(0), coefficients=[0, 1], noise=0).y.shape
        (200, 1)
    """
    rng, n_samples = _generator(rng), _positive("n_samples", n_samples)
    coefficients = np.asarray(coefficients, dtype=np.float64).ravel()
    if coefficients.size == 0:
        raise ConfigError("polynomial: coefficients must list at least one number, e.g. [1, -2, 0.5]")
    low, high = (float(v) for v in x_range) if len(x_range) == 2 else (0.0, 0.0)
    if not low < high:
        raise ConfigError(f"polynomial: x_range must be [low, high] with low < high, got {list(x_range)}")
    x = rng.uniform(low, high, n_samples)
    y = np.polynomial.polynomial.polyval(x, coefficients) + rng.normal(0.0, _non_negative("noise", noise), n_samples)
    return Dataset(x.reshape(-1, 1), y.reshape(-1, 1), "regression", "polynomial", feature_names=["x"])


@datasets.register("bayes_regression", "weight_uncertainty_curve")
def bayes_regression(rng: np.random.Generator | None = None, n_samples: int = 200,
                     x_range: tuple[float, float] = (0.0, 0.5), noise: float = 0.02) -> Dataset:
    """The 1-D regression curve of Blundell et al. 2015 (section 5.2), known only on a short interval.

    y = x + 0.3 sin(2 pi (x + e)) + 0.3 sin(4 pi (x + e)) + e,  e ~ N(0, noise^2), x uniform in ``x_range``.
    Train on [0, 0.5] and ask the model at x = -1 or 1: a model that knows what it does not know
    is unsure there.

    Args:
        rng (default None): generator for x and the noise (None: seed 0).
        n_samples (default 200): number of points.
        x_range (default (0, 0.5)): x is drawn uniformly from this interval.
        noise (default 0.02): standard deviation of e.

    Shape:
        X (N, 1), y (N, 1).
    """
    rng, n_samples = _generator(rng), _positive("n_samples", n_samples)
    low, high = (float(v) for v in x_range) if len(x_range) == 2 else (0.0, 0.0)
    if not low < high:
        raise ConfigError(f"bayes_regression: x_range must be [low, high] with low < high, got {list(x_range)}")
    x = rng.uniform(low, high, n_samples)
    e = rng.normal(0.0, _non_negative("noise", noise), n_samples)
    y = x + 0.3 * np.sin(2 * np.pi * (x + e)) + 0.3 * np.sin(4 * np.pi * (x + e)) + e
    return Dataset(x.reshape(-1, 1), y.reshape(-1, 1), "regression", "bayes_regression", feature_names=["x"])
