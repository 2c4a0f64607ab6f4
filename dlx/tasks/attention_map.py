"""Attention heatmaps: which source token each output token looked at (rows: outputs, columns: inputs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_attention(weights: np.ndarray, source: list[str], output: list[str], path: Path | str,
                   title: str = "") -> Path:
    """Write the (len(output), len(source)) attention weights as a heatmap PNG, tokens on the axes.

    Reversing a string gives the anti-diagonal; copying it, the diagonal.
    """
    from dlx.runs.plots import new_figure, save_png
    weights = np.asarray(weights, dtype=np.float64)[:len(output), :len(source)]
    figure = new_figure(1.2 + 0.35 * max(len(source), 4), 1.0 + 0.35 * max(len(output), 4))
    axes = figure.subplots()
    image = axes.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(source)), [_shown(t) for t in source])
    axes.set_yticks(range(len(output)), [_shown(t) for t in output])
    axes.set_xlabel("input token")
    axes.set_ylabel("output token")
    axes.xaxis.set_ticks_position("top")
    axes.xaxis.set_label_position("top")
    if title:
        axes.set_title(title, fontsize=9)
    figure.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    return save_png(figure, path)


def _shown(token: str) -> str:
    return "␣" if token == " " else token
