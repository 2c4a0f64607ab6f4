"""Random batch transforms applied to training batches only, vectorised over the batch.

Each transform is a class with keyword arguments and ``__call__(X_batch, rng)``
that returns a new float32 array of the same shape. Choose them by name::

    augment = get_augmentation([{"name": "shift", "max_shift": 2}, "flip"])
    X_batch = augment(X_batch, rng)

Image transforms expect (N, C, H, W) and fill uncovered pixels with 0.
"""
from __future__ import annotations

import inspect

import numpy as np

from dlx.errors import ConfigError, ShapeError, UnknownNameError
from dlx.registry import unknown_name_message

AUGMENTATIONS: dict[str, type] = {}


def augmentation(name: str):
    """Class decorator: make the transform available to ``get_augmentation`` under ``name``."""
    def decorate(cls):
        cls.name = name
        AUGMENTATIONS[name] = cls
        return cls
    return decorate


def _images(X: np.ndarray, transform: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 4:
        raise ShapeError(f"augmentation '{transform}' needs images (N, C, H, W), got shape {X.shape}; "
                         f"load the data set with flatten: false or use 'noise'")
    return X


def _number(name: str, value, low: float, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not low <= value <= high:
        raise ConfigError(f"augmentation option {name} must be a number in [{low}, {high}], got {value!r}")
    return value


def shift_images(X: np.ndarray, dy, dx) -> np.ndarray:
    """Move each image down by ``dy[n]`` and right by ``dx[n]`` pixels (negative: up/left), zero fill.

    Shape:
        X (N, C, H, W); dy, dx integers or (N,) integer arrays; output like X.

    Example::

        >>> shift_images(np.eye(3)[None, None], 1, 0)[0, 0]   # the diagonal one row lower
    """
    X = _images(X, "shift")
    n, _, height, width = X.shape
    dy = np.broadcast_to(np.asarray(dy, dtype=np.int64), (n,))
    dx = np.broadcast_to(np.asarray(dx, dtype=np.int64), (n,))
    pad = int(max(np.abs(dy).max(initial=0), np.abs(dx).max(initial=0)))
    padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.arange(height)[None, :] + (pad - dy)[:, None]  # (N, H): output row i reads row i - dy
    cols = np.arange(width)[None, :] + (pad - dx)[:, None]   # (N, W)
    batch = np.arange(n)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def rotate_images(X: np.ndarray, degrees, order: str = "bilinear") -> np.ndarray:
    """Rotate each image by ``degrees[n]`` (counter-clockwise) about its centre, zero fill.

    Args:
        X: images (N, C, H, W).
        degrees: a number or (N,) array of angles.
        order (default "bilinear"): "bilinear" or "nearest" sampling.

    Example::

        >>> np.allclose(rotate_images(X, 0.0), X)
        True
    """
    X = _images(X, "rotate")
    n, _, height, width = X.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (n,)))[:, None, None]
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    yy, xx = np.meshgrid(np.arange(height) - cy, np.arange(width) - cx, indexing="ij")  # (H, W)
    # Each output pixel samples the input at the inversely rotated position; (N, H, W) each.
    src_y = np.cos(theta) * yy + np.sin(theta) * xx + cy
    src_x = -np.sin(theta) * yy + np.cos(theta) * xx + cx
    if order == "nearest":
        return _gather(X, np.rint(src_y).astype(np.int64), np.rint(src_x).astype(np.int64), 1.0)
    if order != "bilinear":
        raise ConfigError(f"rotate: order must be 'bilinear' or 'nearest', got {order!r}")
    y0, x0 = np.floor(src_y).astype(np.int64), np.floor(src_x).astype(np.int64)
    fy, fx = (src_y - y0).astype(np.float32), (src_x - x0).astype(np.float32)
    return (_gather(X, y0, x0, (1 - fy) * (1 - fx)) + _gather(X, y0, x0 + 1, (1 - fy) * fx)
            + _gather(X, y0 + 1, x0, fy * (1 - fx)) + _gather(X, y0 + 1, x0 + 1, fy * fx))


def _gather(X: np.ndarray, rows: np.ndarray, cols: np.ndarray, weight) -> np.ndarray:
    """weight * X[n, :, rows[n], cols[n]] with 0 outside the image; rows, cols (N, H, W)."""
    n, _, height, width = X.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    values = X[np.arange(n)[:, None, None], :, np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)]
    values = values * (inside * np.asarray(weight, dtype=np.float32))[..., None]  # (N, H, W, C)
    return np.ascontiguousarray(values.transpose(0, 3, 1, 2), dtype=np.float32)


@augmentation("shift")
class Shift:
    """Random integer shifts of up to ``max_shift`` pixels each way, zero fill.

    Args:
        max_shift (default 2): largest shift in pixels, drawn uniformly per image and axis.
    """

    def __init__(self, max_shift: int = 2):
        self.max_shift = int(_number("max_shift", max_shift, 0))

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        shifts = rng.integers(-self.max_shift, self.max_shift + 1, size=(2, len(X)))
        return shift_images(X, shifts[0], shifts[1])


@augmentation("crop")
class Crop:
    """Pad each image by ``padding`` zeros, then crop a random window of the original size.

    Args:
        padding (default 4): pixels of zero padding on each side.
    """

    def __init__(self, padding: int = 4):
        self.padding = int(_number("padding", padding, 0))

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # A window at offset o in the padded image equals a shift by padding - o.
        offsets = rng.integers(0, 2 * self.padding + 1, size=(2, len(X)))
        return shift_images(X, self.padding - offsets[0], self.padding - offsets[1])


@augmentation("flip")
class Flip:
    """Mirror images left-right with probability ``p`` (only for data where that keeps the label).

    Args:
        p (default 0.5): probability of flipping each image.
    """

    def __init__(self, p: float = 0.5):
        self.p = float(_number("p", p, 0.0, 1.0))

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = _images(X, "flip")
        flip = rng.random(len(X)) < self.p
        return np.where(flip[:, None, None, None], X[..., ::-1], X).astype(np.float32)


@augmentation("rotate")
class Rotate:
    """Random rotations of up to ``max_degrees`` either way about the image centre.

    Args:
        max_degrees (default 10.0): largest angle, drawn uniformly per image.
        order (default "bilinear"): "bilinear" or "nearest" sampling.
    """

    def __init__(self, max_degrees: float = 10.0, order: str = "bilinear"):
        self.max_degrees = float(_number("max_degrees", max_degrees, 0.0, 180.0))
        if order not in ("bilinear", "nearest"):
            raise ConfigError(f"rotate: order must be 'bilinear' or 'nearest', got {order!r}")
        self.order = order

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        angles = rng.uniform(-self.max_degrees, self.max_degrees, len(X))
        return rotate_images(X, angles, self.order)


@augmentation("noise")
class Noise:
    """Add Gaussian noise of standard deviation ``std`` (tabular data or images).

    Args:
        std (default 0.1): standard deviation of the noise.
    """

    def __init__(self, std: float = 0.1):
        self.std = float(_number("std", std, 0.0))

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        return X + rng.normal(0.0, self.std, X.shape).astype(np.float32)


class Compose:
    """Apply transforms one after another.

    Example::

        >>> augment = Compose([Shift(max_shift=1), Noise(std=0.05)])
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        X = np.array(X, dtype=np.float32)
        for transform in self.transforms:
            X = transform(X, rng)
        return X


def get_augmentation(spec):
    """A transform from a name, ``{"name": ..., **options}`` (or ``{"name": ..., "kwargs": {...}}``),
    a list of those (composed in order), or None (no augmentation: returns None).

    Example::

        >>> get_augmentation({"name": "rotate", "max_degrees": 15})
    """
    if spec is None:
        return None
    if isinstance(spec, (list, tuple)):
        return Compose([get_augmentation(item) for item in spec])
    if callable(spec):
        return spec
    options = {}
    if isinstance(spec, dict):
        options = {key: value for key, value in spec.items() if key not in ("name", "kwargs")}
        options.update(spec.get("kwargs") or {})
        spec = spec.get("name")
    cls = AUGMENTATIONS.get(str(spec).lower())
    if cls is None:
        raise UnknownNameError(unknown_name_message("augmentation", spec, AUGMENTATIONS))
    allowed = list(inspect.signature(cls.__init__).parameters)[1:]
    unknown = [key for key in options if key not in allowed]
    if unknown:
        raise ConfigError(f"augmentation '{cls.name}' has no option '{unknown[0]}'; "
                          f"its options are: {', '.join(allowed)}")
    return cls(**options)
