"""What feature visualisation optimises and how it looks at it: parameterisations and random transforms.

Following Olah et al. 2017 ("Feature Visualization", Distill) and lucid/lucent:

* Parameterisation. The optimised numbers are not the pixels. ``"fourier"``: the
  image is an inverse real FFT of a spectrum whose frequency f is scaled by
  1 / max(f, 1 / max(H, W)) (``decay_power`` 1), so that gradient steps change
  low frequencies as easily as high ones instead of filling the image with
  high-frequency noise. Channels are decorrelated by the square root of the
  training data's channel covariance (lucid's colour decorrelation, measured on
  the data instead of fixed for ImageNet). ``"pixel"``: the pixels themselves.
* Data range. With ``data_range`` the result is squashed by a sigmoid into the
  training data's per-channel (per-feature) range, lo + (hi - lo) sigmoid(u), so
  the image can never leave the values the model was trained on (lucid's
  ``to_valid_rgb``).
* Transformation robustness. Before every forward pass the image is shifted by up
  to ``jitter`` pixels, zoomed by 1 +- ``scale`` and rotated by +- ``rotate``
  degrees, with bilinear interpolation; what comes in from outside the picture is
  the training images' border colour. The warp is a fixed linear map of the pixels
  for the step, so it is a matrix product on the tape (no new operation).

The inverse FFT is linear too: ``fourier_basis`` is its matrix, built by applying
``np.fft.irfft2`` to every unit spectrum, so the parameterisation is a matrix product.
"""
from __future__ import annotations

import numpy as np

from dlx.tensor import Tensor


def fourier_basis(height: int, width: int, decay_power: float = 1.0) -> np.ndarray:
    """(H*W, P) columns: the images of the scaled real and imaginary unit spectra (zero ones dropped),
    normalised so that unit-variance coefficients give pixels of unit variance."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    frequencies = np.sqrt(fx ** 2 + fy ** 2)                                      # (H, W//2 + 1)
    scale = 1.0 / np.maximum(frequencies, 1.0 / max(height, width)) ** decay_power
    columns = []
    for part in (1.0, 1j):
        for index in np.ndindex(frequencies.shape):
            spectrum = np.zeros(frequencies.shape, dtype=complex)
            spectrum[index] = part * scale[index]
            columns.append(np.fft.irfft2(spectrum, s=(height, width), norm="ortho").reshape(-1))
    basis = np.stack(columns, axis=1)
    basis = basis[:, np.abs(basis).max(axis=0) > 1e-12]
    return basis / np.sqrt((basis ** 2).sum(axis=1).mean())


def channel_sqrt_covariance(train_X: np.ndarray) -> np.ndarray:
    """(C, C) the square root of the channels' correlation matrix, columns scaled to norm <= 1."""
    channels = train_X.shape[1]
    if channels == 1:
        return np.ones((1, 1))
    flat = np.moveaxis(np.asarray(train_X, dtype=np.float64), 1, -1).reshape(-1, channels)
    values, vectors = np.linalg.eigh(np.corrcoef(flat, rowvar=False))
    root = vectors @ np.diag(np.sqrt(np.maximum(values, 0.0))) @ vectors.T
    return root / np.linalg.norm(root, axis=0).max()


class ImageParameterisation:
    """The map from optimised coefficients (N, C, P) to inputs (N, *input_shape) (see the module doc)."""

    def __init__(self, train_X: np.ndarray, input_shape: tuple, kind: str = "fourier", data_range: bool = True,
                 decay_power: float = 1.0):
        train = np.asarray(train_X, dtype=np.float64)
        self.input_shape, self.is_image = tuple(input_shape), len(input_shape) == 3
        self.kind = kind if self.is_image else "pixel"
        axes = (0, 2, 3) if self.is_image else (0,)
        keep = (1, -1, 1, 1) if self.is_image else (1, -1)
        self.low, self.high = train.min(axis=axes).reshape(keep), train.max(axis=axes).reshape(keep)
        self.data_range = data_range
        channels = input_shape[0] if self.is_image else 1
        pixels = int(np.prod(input_shape[1:])) if self.is_image else int(np.prod(input_shape))
        self.basis = fourier_basis(*input_shape[1:], decay_power) if self.kind == "fourier" else None
        self.mix = channel_sqrt_covariance(train) if self.is_image and self.kind == "fourier" else np.eye(channels)
        self.shape = (channels, self.basis.shape[1] if self.basis is not None else pixels)

    def initial(self, count: int, rng: np.random.Generator, spread: float = 0.01) -> np.ndarray:
        """(count, C, P) small random coefficients: a mid-range image with a little noise."""
        return spread * rng.standard_normal((count, *self.shape))

    def __call__(self, coefficients: Tensor) -> Tensor:
        """(N, C, P) -> (N, *input_shape): basis, channel mixing, then the squashing into the data range."""
        count = coefficients.shape[0]
        h = coefficients @ Tensor(self.basis.T) if self.basis is not None else coefficients   # (N, C, H*W)
        if self.mix.shape[0] > 1 and self.kind == "fourier":
            h = Tensor(self.mix) @ h                                                         # (C, C) @ (N, C, HW)
        h = h.reshape(count, *self.input_shape)
        return h.sigmoid() * Tensor(self.high - self.low) + Tensor(self.low) if self.data_range else h


def border_colour(train_X: np.ndarray) -> np.ndarray:
    """(C,) the mean of the training images' outermost pixels: what a warp brings in from outside."""
    train = np.asarray(train_X, dtype=np.float64)
    edge = np.concatenate([train[:, :, 0, :], train[:, :, -1, :], train[:, :, :, 0], train[:, :, :, -1]], axis=2)
    return edge.mean(axis=(0, 2))


def random_warp_matrix(height: int, width: int, rng: np.random.Generator, jitter: float, scale: float,
                       rotate: float) -> tuple[np.ndarray, np.ndarray]:
    """(M (H*W, H*W), inside (H*W,)): bilinear weights of a random shift, zoom and rotation about the centre,
    and how much of each output pixel comes from inside the image (the rest is the border colour)."""
    angle = np.deg2rad(rng.uniform(-rotate, rotate))
    zoom = rng.uniform(1.0 - scale, 1.0 + scale)
    shift = rng.uniform(-jitter, jitter, size=2)
    ys, xs = np.mgrid[0:height, 0:width].reshape(2, -1).astype(np.float64)
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    dy, dx = ys - cy - shift[0], xs - cx - shift[1]
    source_y = (np.cos(angle) * dy + np.sin(angle) * dx) / zoom + cy
    source_x = (-np.sin(angle) * dy + np.cos(angle) * dx) / zoom + cx
    top, left = np.floor(source_y).astype(int), np.floor(source_x).astype(int)
    fy, fx = source_y - top, source_x - left
    matrix = np.zeros((height * width, height * width))
    rows = np.arange(height * width)
    for oy, ox, weight in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        y, x = top + oy, left + ox
        inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
        np.add.at(matrix, (rows[inside], (y * width + x)[inside]), weight[inside])
    return matrix, matrix.sum(axis=1)


def warp(images: Tensor, matrix: np.ndarray, inside: np.ndarray, background: np.ndarray) -> Tensor:
    """(N, C, H, W) seen through the warp: M x per channel, plus the border colour where M reaches outside."""
    count, channels, height, width = images.shape
    flat = images.reshape(count, channels, height * width) @ Tensor(matrix.T)
    fill = (1.0 - inside)[None, None, :] * background.reshape(1, -1, 1)
    return (flat + Tensor(fill)).reshape(count, channels, height, width)


def binomial_blur(image: np.ndarray) -> np.ndarray:
    """A 3 x 3 binomial blur of every channel (edges repeated). (..., H, W)"""
    pad = [(0, 0)] * (image.ndim - 2) + [(1, 1), (1, 1)]
    padded = np.pad(image, pad, mode="edge")
    kernel = np.array([1.0, 2.0, 1.0]) / 4.0
    height, width = image.shape[-2:]
    rows = sum(k * padded[..., i:i + height, :] for i, k in enumerate(kernel))
    return sum(k * rows[..., :, j:j + width] for j, k in enumerate(kernel))
