"""PNG plots of a run: training curves, confusion matrices, generic curves, image grids.

Figures are built with ``matplotlib.figure.Figure`` on an explicit Agg canvas,
not through ``pyplot``: nothing depends on a display, the global backend of a
notebook or GUI stays untouched, and no figure is left registered in pyplot's
global list (each figure is garbage once the function returns). matplotlib is
imported inside the functions, so ``import dlx.runs`` stays fast. Every PNG is
written atomically (temporary name, then rename).

Example::

    plot_history(MetricsLog.read(run_dir), run_dir / "plots")   # loss.png, accuracy.png
    plot_confusion_matrix(cm, ["cat", "dog"], run_dir / "plots" / "confusion_test.png")
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from dlx.errors import ShapeError
from dlx.runs.files import atomic_write

PNG_DPI = 100
LOG_SCALE_DECADES = 2.0
MAX_ANNOTATED_CLASSES = 30
# An image grid's layout, in inches: margin round it, gap between tiles, room for an 8-point title over
# a tile, for the grid's title, and right of the tiles for the colour bar (gap, bar, its ticks and label).
GRID_MARGIN = 0.1
GRID_GAP = 0.08
GRID_TILE_TITLE = 0.22
GRID_TITLE = 0.4
GRID_BAR_GAP, GRID_BAR_WIDTH, GRID_COLOUR_BAR = 0.15, 0.15, 1.1


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Any:
    """A ``Figure`` drawn by the Agg backend, independent of pyplot's state.

    ``layout=None`` for figures that place their axes themselves (image grids): matplotlib's constrained
    layout measures every artist of every axes, which for a grid of dozens of tiles costs a second.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def save_png(figure: Any, path: Path | str) -> Path:
    """Save ``figure`` as PNG atomically (its folder is created).

    The figure is not cleared afterwards: nothing else refers to it (no pyplot), so Python's collector
    frees it, whereas ``Figure.clear()`` rebuilds every axes' ticks first (0.15 s for a grid of 32 tiles).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda file: figure.savefig(file, format="png", dpi=PNG_DPI))


def _finite_points(rows: list[dict], key: str) -> tuple[list[float], list[float]]:
    """(epochs, values) of the rows where ``key`` holds a finite number."""
    xs, ys = [], []
    for index, row in enumerate(rows):
        value = row.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            xs.append(row.get("epoch", index + 1))
            ys.append(float(value))
    return xs, ys


def _spans_decades(values: Sequence[float], decades: float = LOG_SCALE_DECADES) -> bool:
    positive = [value for value in values if value > 0]
    return len(positive) == len(values) > 1 and math.log10(max(positive) / min(positive)) > decades


def _plot_train_val(rows: list[dict], metric: str, path: Path) -> Path | None:
    """One PNG with ``train_<metric>`` and ``val_<metric>`` against the epoch."""
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    all_values: list[float] = []
    for split in ("train", "val"):
        xs, ys = _finite_points(rows, f"{split}_{metric}")
        if xs:
            axes.plot(xs, ys, marker="o" if len(xs) <= 30 else None, markersize=3, label=split)
            all_values += ys
    if not all_values:
        return None
    if metric == "loss" and _spans_decades(all_values):
        axes.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(title=f"{metric.replace('_', ' ')} by epoch", xlabel="epoch", ylabel=metric)
    axes.grid(alpha=0.3)
    axes.legend()
    return save_png(figure, path)


def plot_history(rows: list[dict], out_dir: Path | str) -> list[Path]:
    """Plot training curves from metrics rows: ``loss.png`` and one PNG per shared metric.

    A metric gets its own PNG (``<metric>.png``) when both ``train_<metric>``
    and ``val_<metric>`` appear in the rows. Missing and non-finite values are
    skipped. The loss axis is logarithmic when it spans more than 2 decades.

    Args:
        rows: metrics rows, e.g. ``MetricsLog.read(run_dir)``; ``epoch`` gives x.
        out_dir: the folder for the PNGs (created if missing).

    Returns:
        The paths written, ``loss.png`` first.

    Example::

        plot_history([{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1,
                       "train_accuracy": 0.5, "val_accuracy": 0.4}], "plots")
        # [plots/loss.png, plots/accuracy.png]
    """
    out_dir = Path(out_dir)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    metrics = ["loss"] + [
        key[len("train_"):] for key in columns
        if key.startswith("train_") and key != "train_loss" and "val_" + key[len("train_"):] in columns
    ]
    written = []
    for metric in metrics:
        file_name = re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png"
        path = _plot_train_val(rows, metric, out_dir / file_name)
        if path is not None:
            written.append(path)
    return written


def plot_confusion_matrix(
    matrix: Any, class_names: Sequence[str], path: Path | str, title: str = "Confusion matrix"
) -> Path:
    """An annotated heat map of a confusion matrix (rows true, columns predicted).

    Cells show counts (or values with two decimals for a normalised matrix);
    annotations are left out beyond 30 classes.

    Args:
        matrix: (K, K) counts, a NumPy array or list of lists.
        class_names: K labels for the axes.
        path: the PNG to write.
        title: the figure title.

    Example::

        plot_confusion_matrix([[5, 1], [0, 4]], ["neg", "pos"], "plots/confusion.png")
    """
    matrix = np.asarray(matrix)
    n_classes = len(class_names)
    if matrix.ndim != 2 or matrix.shape != (n_classes, n_classes):
        raise ShapeError(f"confusion matrix has shape {matrix.shape}, expected ({n_classes}, {n_classes}) "
                         "for the given class names; pass one name per class")
    size = min(max(4.0, 0.45 * n_classes + 2.0), 30.0)
    figure = new_figure(size + 1.0, size)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues", interpolation="nearest")
    figure.colorbar(image, ax=axes, shrink=0.8)
    ticks = np.arange(n_classes)
    slanted = n_classes > 4
    axes.set_xticks(ticks, [str(name) for name in class_names],
                    rotation=45 if slanted else 0, ha="right" if slanted else "center")
    axes.set_yticks(ticks, [str(name) for name in class_names])
    axes.set(title=title, xlabel="predicted", ylabel="true")
    if n_classes <= MAX_ANNOTATED_CLASSES:
        integral = np.all(np.equal(np.mod(matrix, 1), 0))
        threshold = matrix.max() / 2 if matrix.size else 0
        for (row, column), value in np.ndenumerate(matrix):
            text = f"{int(value)}" if integral else f"{value:.2f}"
            axes.text(column, row, text, ha="center", va="center", fontsize=8,
                      color="white" if value > threshold else "black")
    return save_png(figure, path)


def plot_curves(
    x: Sequence[float], series: dict[str, Sequence[float]], path: Path | str,
    xlabel: str, ylabel: str, title: str, log_x: bool = False,
    band: dict[str, Sequence[float]] | None = None, log_y: bool = False,
) -> Path:
    """Lines sharing one x axis, each with an optional ± band (e.g. one standard deviation).

    Args:
        x: the x values, shared by every series.
        series: label -> y values (same length as ``x``).
        path: the PNG to write.
        xlabel, ylabel, title: axis labels and figure title.
        log_x, log_y: logarithmic axes.
        band: label -> half-widths; the series is drawn with a shaded ``y ± band``.

    Example::

        plot_curves([100, 1000, 10000], {"train": [0.1, 0.2, 0.25], "val": [0.6, 0.4, 0.3]},
                    "plots/learning_curve.png", "training examples", "loss", "learning curve",
                    log_x=True, band={"val": [0.05, 0.03, 0.01]})
    """
    xs = np.asarray(x, dtype=float)
    band = band or {}
    unknown = set(band) - set(series)
    if unknown:
        raise ShapeError(f"band given for {sorted(unknown)} which are not series; use the series' labels")
    figure = new_figure(6, 4)
    axes = figure.add_subplot()
    for label, values in series.items():
        ys = np.asarray(values, dtype=float)
        if ys.shape != xs.shape:
            raise ShapeError(f"series '{label}' has {ys.size} values for {xs.size} x values; give one per x")
        (line,) = axes.plot(xs, ys, marker="o" if xs.size <= 30 else None, markersize=3, label=label)
        if label in band:
            half = np.asarray(band[label], dtype=float)
            if half.shape != xs.shape:
                raise ShapeError(f"band of '{label}' has {half.size} values for {xs.size} x values; give one per x")
            axes.fill_between(xs, ys - half, ys + half, color=line.get_color(), alpha=0.2, linewidth=0)
    if log_x:
        axes.set_xscale("log")
    if log_y:
        axes.set_yscale("log")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    axes.grid(alpha=0.3)
    if series:
        axes.legend()
    return save_png(figure, path)


def _image_tiles(images: Any, own_range: bool = True) -> tuple[np.ndarray, bool]:
    """Images as (N, H, W) grey or (N, H, W, 3) colour tiles, each scaled to [0, 1] (``own_range``)
    or as they are."""
    array = np.asarray(images, dtype=np.float64)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[1] == 3:
        array = array.transpose(0, 2, 3, 1)  # (N, 3, H, W) -> (N, H, W, 3)
    elif array.ndim == 4:
        array = array.reshape(-1, *array.shape[2:])  # C == 1, or one grey tile per channel
    elif array.ndim != 3:
        raise ShapeError(f"images have shape {array.shape}; give (N, H, W) or (N, C, H, W)")
    if array.shape[0] == 0:
        raise ShapeError("no images to plot; give at least one image")
    if not own_range:
        return array, array.ndim == 4
    axes = tuple(range(1, array.ndim))
    low = np.nanmin(array, axis=axes, keepdims=True)
    span = np.nanmax(array, axis=axes, keepdims=True) - low
    scaled = np.where(span > 0, (array - low) / np.where(span > 0, span, 1.0), 0.5)
    return np.nan_to_num(scaled, nan=0.0), array.ndim == 4


def plot_image_grid(
    images: Any, path: Path | str, titles: Sequence[str] | None = None,
    ncols: int = 8, cmap: str = "gray", title: str | None = None, value_label: str | None = None,
) -> Path:
    """A grid of images, each normalised to its own range (samples), or all on one colour scale with a
    colour bar (filters, feature maps: ``value_label`` names what the colours measure).

    Shape: ``(N, H, W)`` grey; ``(N, 1, H, W)`` grey; ``(N, 3, H, W)`` colour;
    ``(N, C, H, W)`` with other ``C`` gives one grey tile per channel (N*C tiles).

    Args:
        images: the images.
        path: the PNG to write.
        titles: one short title per tile, or None.
        ncols: tiles per row.
        cmap: colour map for grey tiles.
        title: a title over the whole grid.
        value_label: if given, one scale for every tile (symmetric about 0 for values of both
            signs) and a colour bar with this label.

    Example::

        plot_image_grid(conv.weight.data, "plots/filters.png")          # (16, 1, 5, 5)
        plot_image_grid(x[:8, 0], "plots/inputs.png", titles=[str(y) for y in labels[:8]])
    """
    tiles, colour = _image_tiles(images, own_range=value_label is None)
    count = tiles.shape[0]
    if titles is not None and len(titles) != count:
        raise ShapeError(f"{len(titles)} titles for {count} images; give one title per image or none")
    ncols = max(1, min(int(ncols), count))
    nrows = math.ceil(count / ncols)
    tile = max(1.5, 3.5 / ncols)  # inches; a lone image is large enough for its title
    # Every size is known, so the grid is laid out here, in inches, rather than measured by a layout
    # engine; and the tiles are images in one axes whose data units are inches, not one axes each.
    above_tile = GRID_TILE_TITLE if titles is not None else 0.0
    top = GRID_TITLE if title else GRID_MARGIN
    tiles_width = ncols * tile + (ncols - 1) * GRID_GAP
    tiles_height = nrows * (above_tile + tile) + (nrows - 1) * GRID_GAP
    width = 2 * GRID_MARGIN + tiles_width + (GRID_COLOUR_BAR if value_label else 0.0)
    height = top + tiles_height + GRID_MARGIN
    figure = new_figure(width, height, layout=None)
    axes = figure.add_axes((GRID_MARGIN / width, GRID_MARGIN / height, tiles_width / width, tiles_height / height))
    axes.set_axis_off()
    low, high = _colour_range(tiles) if value_label else (0.0, 1.0)
    rows, cols = tiles.shape[1:3]
    drawn_width, drawn_height = tile * min(1.0, cols / rows), tile * min(1.0, rows / cols)  # aspect kept
    for index in range(count):
        row, col = divmod(index, ncols)
        centre = col * (tile + GRID_GAP) + tile / 2
        middle = tiles_height - row * (above_tile + tile + GRID_GAP) - above_tile - tile / 2
        image = axes.imshow(tiles[index], cmap=None if colour else cmap, vmin=low, vmax=high,
                            interpolation="nearest", extent=(centre - drawn_width / 2, centre + drawn_width / 2,
                                                             middle - drawn_height / 2, middle + drawn_height / 2))
        if titles is not None:
            axes.annotate(str(titles[index]), (centre, middle + drawn_height / 2), xytext=(0, 3),
                          textcoords="offset points", ha="center", va="bottom", fontsize=8)
    axes.set(xlim=(0, tiles_width), ylim=(0, tiles_height))
    if value_label:
        bar = figure.add_axes(((GRID_MARGIN + tiles_width + GRID_BAR_GAP) / width,
                               (GRID_MARGIN + 0.05 * tiles_height) / height, GRID_BAR_WIDTH / width,
                               0.9 * tiles_height / height))
        figure.colorbar(image, cax=bar, label=value_label)
    if title:
        figure.suptitle(title, y=1 - GRID_MARGIN / height, va="top")
    return save_png(figure, path)


def _colour_range(values: np.ndarray) -> tuple[float, float]:
    """One scale for all tiles: symmetric about 0 when the values have both signs."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if low < 0 < high:
        low, high = -max(-low, high), max(-low, high)
    return (low, high) if high > low else (low - 0.5, high + 0.5)
