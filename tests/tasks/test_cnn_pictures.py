"""The CNN pictures of a run (issue 26, item 6): filters and feature maps on one colour scale with a colour
bar, and an example picture large enough for its title."""
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

import dlx.runs.plots as run_plots
from dlx.models.builder import build_model
from dlx.tasks.pictures import write_cnn_pictures


@pytest.fixture
def colour_bars(monkeypatch):
    """File name -> (label, limits) of each colour bar of the figures saved (the PNGs are still written)."""
    bars, save = {}, run_plots.save_png

    def keep(figure, path):
        bars[Path(path).name] = [(a.get_ylabel(), a.get_ylim()) for a in figure.axes if a.get_ylabel()]
        return save(figure, path)
    monkeypatch.setattr(run_plots, "save_png", keep)
    return bars


def test_filters_and_feature_maps_have_a_colour_scale_and_the_example_its_title(tmp_path, colour_bars):
    rng = np.random.default_rng(0)
    model = build_model({"layers": [{"conv2d": {"filters": 6, "kernel_size": 3, "padding": 1}}, "relu", "flatten",
                                    {"dense": {"units": "outputs"}}]}, (1, 8, 8), 10, rng)
    written = write_cnn_pictures(model, rng.random((1, 8, 8)).astype(np.float32), "3", tmp_path)
    assert [p.name for p in written] == ["filters.png", "feature_maps.png", "example.png"]
    [(label, (low, high))] = colour_bars["filters.png"]
    assert label == "weight" and [bar[0] for bar in colour_bars["feature_maps.png"]] == ["activation"]
    assert low == pytest.approx(-high)  # weights of both signs: one scale symmetric about 0
    height, width = matplotlib.image.imread(tmp_path / "example.png").shape[:2]
    assert width >= 300 and height >= 300  # was 150 x 190 px, its title cut off
