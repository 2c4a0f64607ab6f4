"""Plots of generative models (PNG, matplotlib Agg, as ``dlx.runs.plots``).

Image grids (reconstructions, samples, interpolations), the 2-D latent map and the
scatter of encoded images, GAN samples per checkpoint and the GAN's training curves.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from dlx.runs.plots import new_figure, plot_image_grid, save_png


def plot_reconstructions(originals: np.ndarray, reconstructions: np.ndarray, path, title: str | None = None,
                         noisy: np.ndarray | None = None) -> Path:
    """Rows of originals (then the corrupted inputs, if given) above their reconstructions."""
    n = len(originals)
    rows = [originals] + ([noisy] if noisy is not None else []) + [reconstructions]
    images = np.concatenate([np.reshape(r, (n, *_image_shape(originals))) for r in rows])
    return plot_tiles(images, path, ncols=n, title=title or "top: test images, bottom: reconstructions")


def tile_canvas(images: np.ndarray, ncols: int, gap: int = 1) -> np.ndarray:
    """Grey images (N, H, W) or (N, 1, H, W), each scaled to [0, 1], on one canvas with ``gap`` pixels
    between tiles (grey separators): one picture instead of N subplots, so large grids are quick."""
    tiles = np.asarray(images, dtype=np.float64).reshape(len(images), *np.shape(images)[-2:])
    low = tiles.min(axis=(1, 2), keepdims=True)
    span = tiles.max(axis=(1, 2), keepdims=True) - low
    tiles = np.where(span > 0, (tiles - low) / np.where(span > 0, span, 1.0), 0.5)
    n, h, w = tiles.shape
    nrows = math.ceil(n / ncols)
    canvas = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), 0.5)
    for index, tile in enumerate(tiles):
        row, col = divmod(index, ncols)
        canvas[row * (h + gap):row * (h + gap) + h, col * (w + gap):col * (w + gap) + w] = tile
    return canvas


def plot_tiles(images: np.ndarray, path, ncols: int = 8, title: str | None = None) -> Path:
    """A grid of grey images drawn as one canvas; colour images go to ``dlx.runs.plots.plot_image_grid``."""
    if images.ndim == 4 and images.shape[1] != 1:
        return plot_image_grid(images, path, ncols=ncols, title=title)
    ncols = max(1, min(ncols, len(images)))
    canvas = tile_canvas(images, ncols)
    figure = new_figure(min(12.0, 0.9 * ncols + 0.5), min(12.0, 0.9 * math.ceil(len(images) / ncols) + 0.8))
    axes = figure.subplots()
    axes.imshow(canvas, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    axes.set_axis_off()
    if title:
        axes.set_title(title, fontsize=10)
    return save_png(figure, path)


def _image_shape(images: np.ndarray) -> tuple[int, ...]:
    """(H, W) of flattened square images, else the per-sample shape."""
    shape = images.shape[1:]
    if len(shape) == 1:
        side = int(round(math.sqrt(shape[0])))
        if side * side == shape[0]:
            return (side, side)
    return shape


def looks_like_images(samples: np.ndarray) -> bool:
    """Whether samples are images: (N, H, W) or (N, C, H, W), or flattened squares of at least 8 x 8 pixels.

    Any registered data set may feed a generative model; the pictures of samples, reconstructions and
    interpolations are drawn only for images (a ring's points are drawn as points).
    """
    shape = np.shape(samples)[1:]
    if len(shape) == 1:
        side = int(round(math.sqrt(shape[0])))
        return side >= 8 and side * side == shape[0]
    return len(shape) in (2, 3)


def as_images(samples: np.ndarray) -> np.ndarray:
    """Samples as (N, H, W) or (N, C, H, W) images (flattened square images are unflattened)."""
    return np.reshape(samples, (len(samples), *_image_shape(samples)))


def plot_samples(samples: np.ndarray, path, ncols: int = 8, title: str | None = None) -> Path:
    """A grid of images, or a scatter for 2-D points."""
    if samples.ndim == 2 and samples.shape[1] == 2:
        return plot_points(samples, path, title=title)
    return plot_tiles(as_images(samples), path, ncols=ncols, title=title)


def plot_points(points: np.ndarray, path, reference: np.ndarray | None = None, title: str | None = None) -> Path:
    """Scatter of 2-D samples, over the real data in grey if given."""
    figure = new_figure(5, 5)
    axes = figure.subplots()
    if reference is not None:
        axes.scatter(reference[:, 0], reference[:, 1], s=3, c="0.75", label="data")
    axes.scatter(points[:, 0], points[:, 1], s=3, c="tab:blue", label="samples")
    axes.set_aspect("equal")
    if title:
        axes.set_title(title)
    return save_png(figure, path)


def plot_latent_map(decode, path, n: int = 15, limit: float = 3.0) -> Path:
    """The decoder's images at an n x n grid of points of a 2-D latent space, as one canvas.

    ``decode(z)`` maps (n*n, 2) points to images; z runs over [-limit, limit] on both axes
    (z2 upwards), covering nearly all of the prior's mass for limit 3.
    """
    values = np.linspace(-limit, limit, n)
    z = np.array([[z1, z2] for z2 in values[::-1] for z1 in values], dtype=np.float32)  # rows top to bottom
    images = as_images(decode(z))
    images = images.reshape(n * n, *images.shape[-2:])  # one grey channel
    h, w = images.shape[1:]
    canvas = images.reshape(n, n, h, w).transpose(0, 2, 1, 3).reshape(n * h, n * w)
    figure = new_figure(7, 7)
    axes = figure.subplots()
    axes.imshow(canvas, cmap="gray", extent=(-limit, limit, -limit, limit), interpolation="nearest")
    axes.set_xlabel("z1")
    axes.set_ylabel("z2")
    axes.set_title("decoded latent grid")
    return save_png(figure, path)


def plot_latent_scatter(codes: np.ndarray, labels: np.ndarray, path, title: str = "encoded test images") -> Path:
    """Scatter of 2-D codes (e.g. the encoder's means), coloured by class."""
    figure = new_figure(6, 5)
    axes = figure.subplots()
    points = axes.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=8)
    figure.colorbar(points, ax=axes, label="class")
    axes.set_xlabel("z1")
    axes.set_ylabel("z2")
    axes.set_title(title)
    return save_png(figure, path)


def plot_sample_snapshots(snapshots: list[tuple[int, np.ndarray]], path, reference: np.ndarray | None = None,
                          rows: list[dict] | None = None) -> Path:
    """Small multiples: the GAN's 2-D samples at each checkpoint (with modes covered, if known)."""
    count = len(snapshots)
    ncols = min(5, count)
    nrows = math.ceil(count / ncols)
    figure = new_figure(2.6 * ncols, 2.6 * nrows)
    grid = figure.subplots(nrows, ncols, squeeze=False)
    for index, axes in enumerate(grid.flat):
        axes.set_xticks([]), axes.set_yticks([])
        if index >= count:
            axes.set_axis_off()
            continue
        step, points = snapshots[index]
        if reference is not None:
            axes.scatter(reference[:, 0], reference[:, 1], s=1, c="0.8")
        axes.scatter(points[:, 0], points[:, 1], s=1, c="tab:blue")
        covered = rows[index].get("modes_covered") if rows else None
        axes.set_title(f"step {step}" + (f": {covered} modes" if covered is not None else ""), fontsize=9)
        axes.set_aspect("equal")
    return save_png(figure, path)


def plot_metric_curves(rows: list[dict], keys: list[str], path, x: str = "epoch", log_keys=(),
                       title: str | None = None, y_limits: dict | None = None) -> Path:
    """One panel per group of keys (a list of names shares a panel), against ``x``.

    ``y_limits`` maps a key to the (low, high) of its panel's vertical axis.
    """
    groups = [k if isinstance(k, (list, tuple)) else [k] for k in keys]
    figure = new_figure(4.2 * len(groups), 3.4)
    panels = np.atleast_1d(figure.subplots(1, len(groups)))
    xs = [row[x] for row in rows]
    for axes, group in zip(panels, groups):
        for key in group:
            axes.plot(xs, [row.get(key, np.nan) for row in rows], marker=".", label=key)
        if any(key in log_keys for key in group):
            axes.set_yscale("log")
        for key in group:
            if key in (y_limits or {}):
                axes.set_ylim(*y_limits[key])
        axes.set_xlabel(x)
        axes.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return save_png(figure, path)


def plot_gan_curves(rows: list[dict], path, n_modes: int | None = None) -> Path:
    """Losses, discriminator accuracy, generator gradient norm (log) and modes covered (of ``n_modes``)."""
    keys = [["d_loss", "g_loss"], "d_accuracy", "g_grad_norm"] + (["modes_covered"] if "modes_covered" in rows[0]
                                                                  else [])
    limits = {"d_accuracy": (0.0, 1.02), **({"modes_covered": (-0.2, n_modes + 0.2)} if n_modes else {})}
    return plot_metric_curves(rows, keys, path, x="step", log_keys=("g_grad_norm",), y_limits=limits)
