"""Pictures of explanations: signed bar charts, image overlays, curves and line plots.

Built on ``dlx.runs.plots`` (Agg figures, atomic PNG writes), so nothing here
touches pyplot's global state.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from dlx.runs.plots import new_figure, save_png

POSITIVE, NEGATIVE = "#2a9d8f", "#e76f51"


def bar_chart(weights: dict[str, float], path: Path, title: str, limit: int = 20,
              meaning: str = "weight (green: towards the class, red: against it)") -> Path:
    """Horizontal bars, largest magnitude on top; positive and negative weights in two colours.

    ``meaning`` labels the axis: what a bar's length and colour say (every picture states it).
    """
    items = sorted(weights.items(), key=lambda item: -abs(item[1]))[:limit][::-1]
    figure = new_figure(7, 0.35 * max(len(items), 3) + 1.5)
    axes = figure.add_subplot()
    values = [value for _, value in items]
    axes.barh([name for name, _ in items], values, color=[POSITIVE if v >= 0 else NEGATIVE for v in values])
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(meaning, fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    return save_png(figure, path)


def image_of(x: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(H, W) grey or (H, W, 3) colour, scaled to [0, 1], and the colour map to show it with."""
    x = np.asarray(x, dtype=np.float64)
    image = x[0] if x.shape[0] == 1 else x.transpose(1, 2, 0)[..., :3]
    low, high = image.min(), image.max()
    image = (image - low) / (high - low) if high > low else image * 0.0
    return image, ("gray" if image.ndim == 2 else None)


SIGNED_MEANING = "red: raises the class score, blue: lowers it, clear: no effect"
UNSIGNED_MEANING = "deeper red: larger effect on the class score, clear: none"


def heat_colours(heat: np.ndarray, signed: bool) -> tuple[np.ndarray, object]:
    """RGBA colours of a heat map whose opacity follows its magnitude (zero is fully transparent, so the
    image shows through unchanged where nothing is attributed), and the mappable for the colour bar.

    Signed maps use a diverging scale centred on zero; non-negative ones a sequential scale from zero
    to the largest value, so no half of the bar goes unused.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    heat = np.asarray(heat, dtype=np.float64)
    bound = float(np.abs(heat).max()) or 1.0
    norm = Normalize(-bound, bound) if signed else Normalize(0.0, bound)
    cmap = colormaps["bwr" if signed else "Reds"]
    rgba = cmap(norm(heat))
    rgba[..., 3] = np.clip(np.abs(heat) / bound, 0.0, 1.0) * 0.9
    return rgba, ScalarMappable(norm=norm, cmap=cmap)


def overlay(x: np.ndarray, heat: np.ndarray, path: Path, title: str, signed: bool = True,
            meaning: str | None = None, labels: np.ndarray | None = None) -> Path:
    """The input image beside it with a heat map on top, its colour bar saying what the colours mean.

    Args:
        signed: a diverging scale (red for the class, blue against) or, for non-negative maps such as
            saliency, a sequential one from zero.
        meaning: the colour bar's label (default: what red/blue or brightness say).
        labels: an (H, W) map of region numbers (LIME's superpixels) written at each region's centre,
            so the numbers of the bar chart can be found on the picture.
    """
    image, cmap = image_of(x)
    figure = new_figure(7.4, 3.8)
    left, right = figure.subplots(1, 2)
    left.imshow(image, cmap=cmap, interpolation="nearest")
    left.set_title("input", fontsize=9)
    right.imshow(image, cmap=cmap, interpolation="nearest")
    rgba, mappable = heat_colours(heat, signed)
    right.imshow(rgba, interpolation="nearest")
    right.set_title(title, fontsize=9)
    bar = figure.colorbar(mappable, ax=right, shrink=0.8)
    bar.set_label(meaning or (SIGNED_MEANING if signed else UNSIGNED_MEANING), fontsize=7)
    if labels is not None:
        mark_regions(right, labels)
    for axes in (left, right):
        axes.set_axis_off()
    return save_png(figure, path)


def mark_regions(axes, labels: np.ndarray) -> None:
    """Each region's number at its centre of mass, in white with a dark edge to read on any colour."""
    from matplotlib import patheffects

    edge = [patheffects.withStroke(linewidth=2, foreground="black")]
    fontsize = max(5, min(9, int(120 / max(labels.shape))))
    for region in np.unique(labels):
        rows, cols = np.nonzero(labels == region)
        axes.text(cols.mean(), rows.mean(), str(int(region)), color="white", fontsize=fontsize,
                  ha="center", va="center", path_effects=edge)


def line_plot(series: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, title: str,
              xlabel: str, ylabel: str, thin: Sequence[np.ndarray] = ()) -> Path:
    """Named (x, y) lines; ``thin`` lines (ICE curves) drawn grey behind them."""
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    for x, y in thin:
        axes.plot(x, y, color="grey", alpha=0.25, linewidth=0.7)
    for name, (x, y) in series.items():
        axes.plot(x, y, label=name, linewidth=2)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    if len(series) > 1:
        axes.legend()
    return save_png(figure, path)


def image_row(images: Sequence[np.ndarray], titles: Sequence[str], path: Path, title: str = "") -> Path:
    """Images (C, H, W) side by side, each scaled to its own range."""
    figure = new_figure(2.2 * len(images), 2.6)
    grid = np.atleast_1d(figure.subplots(1, len(images)))
    for axes, x, name in zip(grid, images, titles):
        image, cmap = image_of(x)
        axes.imshow(image, cmap=cmap, interpolation="nearest")
        axes.set_title(name, fontsize=8)
        axes.set_axis_off()
    if title:
        figure.suptitle(title, fontsize=10)
    return save_png(figure, path)
