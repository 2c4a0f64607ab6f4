"""RL pictures that can be read (issue 26, item 6): no text over an arrow in values.png, and returns as dots
under their moving average instead of a solid band."""
import gymnasium as gym
import numpy as np
import pytest

import dlx.rl.plots as rl_plots
from dlx.rl.plots import grid_layout, plot_raw_and_smoothed, plot_value_grid


@pytest.fixture
def drawn(monkeypatch):
    """What each saved figure shows on its canvas: text and arrow extents, and its lines."""
    seen, save = [], rl_plots.save_png

    def keep(figure, path):
        figure.canvas.draw()
        axes = figure.axes[0]
        seen.append({"texts": [t.get_window_extent() for t in axes.texts],
                     "arrows": [p.get_window_extent() for p in axes.patches],
                     "lines": [(line.get_label(), line.get_linestyle(), line.get_marker()) for line in axes.lines]})
        return save(figure, path)
    monkeypatch.setattr(rl_plots, "save_png", keep)
    return seen


def test_values_png_keeps_letters_and_values_off_the_arrows(tmp_path, drawn):
    layout = grid_layout(gym.make("FrozenLake-v1"))
    rng = np.random.default_rng(0)
    policy = np.tile([0, 1, 2, 3], 4)  # every direction, on lettered cells too
    plot_value_grid(rng.random(16), policy, layout, tmp_path / "values.png", skip=np.zeros(16, dtype=bool))
    texts, arrows = drawn[-1]["texts"], drawn[-1]["arrows"]
    assert len(arrows) == 16 and len(texts) == 32  # a letter and a value in each of the 16 cells
    overlaps = [(t, a) for t in texts for a in arrows if t.overlaps(a)]
    assert not overlaps, overlaps


def test_returns_are_dots_under_a_moving_average(tmp_path, drawn):
    rng = np.random.default_rng(0)
    rows = [{"episode": i + 1, "return": float(rng.random() < 0.5)} for i in range(2000)]
    plot_raw_and_smoothed(rows, "return", tmp_path / "returns.png", "return")
    lines = dict((label, (style, marker)) for label, style, marker in drawn[-1]["lines"])
    assert lines["per episode"] == ("None", ".")  # no line joining 0s and 1s into a band
    assert lines["mean of last 100"][0] == "-"
