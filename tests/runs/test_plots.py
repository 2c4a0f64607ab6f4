"""Plots: non-empty PNG files, written atomically."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dlx.errors import ShapeError
from dlx.runs.plots import plot_confusion_matrix, plot_curves, plot_history, plot_image_grid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 200
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def history_rows(epochs=5, loss_scale=1.0):
    return [
        {"epoch": e, "train_loss": loss_scale / e**2, "val_loss": loss_scale / e, "lr": 0.1,
         "train_accuracy": 0.5 + e / 20, "val_accuracy": 0.45 + e / 20, "val_f1": 0.3}
        for e in range(1, epochs + 1)
    ]


def test_history_writes_loss_and_shared_metrics(tmp_path):
    paths = plot_history(history_rows(), tmp_path / "plots")
    assert [p.name for p in paths] == ["loss.png", "accuracy.png"]  # val_f1 has no train_f1, lr no prefix
    for path in paths:
        assert_png(path)


def test_history_tolerates_missing_and_nan_values(tmp_path):
    rows = history_rows(4)
    rows[0]["val_loss"] = None
    rows[1]["val_loss"] = float("nan")
    del rows[2]["val_accuracy"]
    assert [p.name for p in plot_history(rows, tmp_path)] == ["loss.png", "accuracy.png"]


def test_history_uses_log_scale_for_loss_spanning_decades(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    scales = []
    original = Axes.set_yscale
    def recording_set_yscale(self, value, **kwargs):
        scales.append(value)
        return original(self, value, **kwargs)

    monkeypatch.setattr(Axes, "set_yscale", recording_set_yscale)
    plot_history([{"epoch": e, "train_loss": 10.0 ** -e} for e in range(1, 6)], tmp_path)
    assert scales == ["log"]
    scales.clear()
    plot_history([{"epoch": e, "train_loss": 1.0 / e} for e in range(1, 6)], tmp_path)
    assert scales == []


def test_history_of_no_rows_writes_nothing(tmp_path):
    assert plot_history([], tmp_path) == []


def test_confusion_matrix(tmp_path):
    path = plot_confusion_matrix(np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]]), ["a", "b", "c"],
                                 tmp_path / "cm.png", title="test")
    assert_png(path)
    assert_png(plot_confusion_matrix([[0.8, 0.2], [0.1, 0.9]], ["neg", "pos"], tmp_path / "norm.png"))


def test_confusion_matrix_shape_mismatch(tmp_path):
    with pytest.raises(ShapeError, match="expected \\(3, 3\\)"):
        plot_confusion_matrix(np.eye(2), ["a", "b", "c"], tmp_path / "cm.png")


def test_curves_with_band_and_log_x(tmp_path):
    path = plot_curves([10, 100, 1000], {"train": [0.1, 0.2, 0.25], "val": [0.6, 0.4, 0.3]},
                       tmp_path / "sub" / "lc.png", "examples", "loss", "learning curve",
                       log_x=True, band={"val": [0.05, 0.03, 0.01]})
    assert_png(path)


def test_curves_length_mismatch(tmp_path):
    with pytest.raises(ShapeError, match="series 'a' has 2 values for 3 x values"):
        plot_curves([1, 2, 3], {"a": [1, 2]}, tmp_path / "c.png", "x", "y", "t")
    with pytest.raises(ShapeError, match="not series"):
        plot_curves([1, 2], {"a": [1, 2]}, tmp_path / "c.png", "x", "y", "t", band={"b": [1, 1]})


@pytest.mark.parametrize("shape", [(5, 6, 6), (10, 1, 5, 5), (4, 3, 8, 8), (2, 4, 5, 5), (7, 7)])
def test_image_grid_shapes(tmp_path, rng, shape):
    images = rng.standard_normal(shape)
    if len(shape) == 3:
        images[0] = 3.0  # a constant image must not divide by zero
    assert_png(plot_image_grid(images, tmp_path / "grid.png", ncols=4))


def test_image_grid_titles(tmp_path, rng):
    assert_png(plot_image_grid(rng.random((3, 4, 4)), tmp_path / "g.png", titles=["a", "b", "c"], title="x"))
    with pytest.raises(ShapeError, match="2 titles for 3 images"):
        plot_image_grid(rng.random((3, 4, 4)), tmp_path / "g.png", titles=["a", "b"])
    with pytest.raises(ShapeError):
        plot_image_grid(rng.random((2, 2, 2, 2, 2)), tmp_path / "g.png")


@pytest.mark.parametrize("count, size, titled, scale", [(32, (3, 3), True, "weight"), (3, (5, 7), True, None),
                                                        (12, (7, 5), True, "activation"), (64, (8, 8), False, None),
                                                        (1, (8, 8), False, None), (10, (4, 4), False, "activation")])
def test_an_image_grid_keeps_tiles_titles_and_colour_bar_apart_and_inside_the_picture(tmp_path, rng, monkeypatch,
                                                                                     count, size, titled, scale):
    """The grid is laid out by hand (no layout engine): nothing may overlap or fall off the PNG."""
    import dlx.runs.plots as run_plots

    drawn, save = [], run_plots.save_png

    def keep(figure, path):
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        [grid, *bars] = figure.axes
        drawn.append((figure.bbox, [image.get_window_extent(renderer) for image in grid.images],
                      [text.get_window_extent(renderer) for text in grid.texts],
                      [text.get_window_extent(renderer) for text in figure.texts],
                      [bar.get_tightbbox(renderer) for bar in bars]))
        return save(figure, path)
    monkeypatch.setattr(run_plots, "save_png", keep)
    titles = [f"{i}.{i % 3}" for i in range(count)] if titled else None
    plot_image_grid(rng.standard_normal((count, *size)), tmp_path / "g.png", titles=titles, title="a grid title",
                    value_label=scale)
    [(picture, tiles, tile_titles, grid_title, bars)] = drawn
    assert len(tiles) == count and len(tile_titles) == (count if titled else 0) and len(grid_title) == 1
    assert len(bars) == (1 if scale else 0)
    boxes = tiles + tile_titles + grid_title + bars
    inside = picture.padded(-1)
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1 for b in boxes)
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
    assert not overlapping, overlapping[:3]


def test_plots_leave_no_pyplot_figures(tmp_path):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    plot_history(history_rows(), tmp_path)
    plot_image_grid(np.ones((2, 3, 3)), tmp_path / "g.png")
    assert len(plt.get_fignums()) == before


def test_importing_dlx_runs_does_not_import_matplotlib():
    code = "import sys, dlx.runs; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
