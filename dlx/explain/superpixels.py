"""Superpixels for image LIME: a regular grid for tiny images, a small SLIC otherwise.

SLIC (Achanta et al. 2012) is k-means on (colour, position) started from a
regular grid of centres S = sqrt(H W / k) apart, with the distance

    D^2 = d_colour^2 + (d_xy / S)^2 * m^2        (m: compactness)

Each pixel is compared with every centre (the images here are small), which
gives the same clusters as the windowed search of the paper up to ties.

Example::

    segments = superpixels(image)          # (H, W) integer labels 0..S-1
"""
from __future__ import annotations

import numpy as np

GRID_BELOW = 17  # images of at most 16 x 16 pixels use a grid of 2 x 2 cells


def grid_segments(height: int, width: int, cell: int = 2) -> np.ndarray:
    """(H, W) labels of square cells of ``cell`` pixels, row by row."""
    rows = np.arange(height) // cell
    cols = np.arange(width) // cell
    per_row = (width + cell - 1) // cell
    return rows[:, None] * per_row + cols[None, :]


def slic(image: np.ndarray, n_segments: int = 50, compactness: float = 10.0, iterations: int = 10) -> np.ndarray:
    """(H, W) SLIC labels of an image (C, H, W) with values on any scale."""
    channels, height, width = image.shape
    colour = image.reshape(channels, -1).T.astype(np.float64)                        # (P, C)
    span = colour.max() - colour.min()
    colour = colour / span if span > 0 else colour * 0.0
    step = max(1.0, np.sqrt(height * width / n_segments))
    ys, xs = np.mgrid[0:height, 0:width]
    position = np.stack([ys.ravel(), xs.ravel()], axis=1).astype(np.float64) / step  # (P, 2)
    grid_y = np.arange(step / 2, height, step)
    grid_x = np.arange(step / 2, width, step)
    centres_pos = np.array([(y, x) for y in grid_y for x in grid_x]) / step            # (K, 2)
    pixel_of = lambda p: int(round(p[0] * step - 0.5)) * width + int(round(p[1] * step - 0.5))  # noqa: E731
    centres_col = colour[[min(pixel_of(p), len(colour) - 1) for p in centres_pos]]  # (K, C)
    weight = compactness / 10.0
    for _ in range(iterations):
        distance = (((colour[:, None, :] - centres_col[None]) ** 2).sum(-1)
                    + weight ** 2 * ((position[:, None, :] - centres_pos[None]) ** 2).sum(-1))  # (P, K)
        labels = distance.argmin(axis=1)
        for k in np.unique(labels):
            members = labels == k
            centres_col[k] = colour[members].mean(axis=0)
            centres_pos[k] = position[members].mean(axis=0)
    _, consecutive = np.unique(labels, return_inverse=True)
    return consecutive.reshape(height, width)


def superpixels(image: np.ndarray, n_segments: int = 50) -> np.ndarray:
    """Labels suited to the image size: a 2 x 2 grid up to 16 x 16 pixels, SLIC above."""
    _, height, width = image.shape
    if max(height, width) < GRID_BELOW:
        return grid_segments(height, width, cell=2)
    return slic(image, n_segments=n_segments)


def segment_means(image: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """The image with every superpixel filled by its mean colour (LIME's 'hide' value). (C, H, W)"""
    filled = np.empty_like(image, dtype=np.float64)
    for label in np.unique(segments):
        mask = segments == label
        filled[:, mask] = image[:, mask].mean(axis=1, keepdims=True)
    return filled


def masked_images(image: np.ndarray, segments: np.ndarray, keep: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """(N, C, H, W) copies of ``image`` where superpixel s shows the image if keep[n, s] else ``hidden``."""
    pixel_keep = keep[:, segments].astype(bool)[:, None]              # (N, 1, H, W)
    return np.where(pixel_keep, image[None], hidden[None])
