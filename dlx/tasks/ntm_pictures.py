"""The NTM's classic figure (Graves et al. 2014, fig. 6): one copy sequence, the outputs, and where the heads look.

``copy_weightings.png``: the inputs, the targets and the model's output probabilities for one
test sequence (copy length 20 where there is one), and, for an NTM, the write and read
weightings over the memory rows at every step. A model without an NTM layer gets the first
three panels only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.data import batch
from dlx.nn.ntm import NTM
from dlx.ops.activation import sigmoid_array
from dlx.runs.plots import new_figure, save_png
from dlx.tensor import Tensor, no_grad


def ntm_layers(model) -> list[NTM]:
    return [m for m in model.modules() if isinstance(m, NTM)]


@no_grad()
def copy_weightings(model, ds, index: int) -> dict:
    """Inputs (T, D), targets (T, bits), output probabilities (T, bits) and the first NTM layer's
    weightings (T, heads, N) (None without one) for sample ``index`` of the copy data set ``ds``."""
    layers = ntm_layers(model)
    b = batch(ds, np.array([index]), per_step_targets=True)
    was_training = model.training
    model.eval()
    if layers:
        layers[0].weightings = []
    try:
        logits = model(Tensor(b.X))
        weightings = np.stack(layers[0].weightings)[:, 0] if layers else None
    finally:
        model.train(was_training)
        if layers:
            layers[0].weightings = None
    return {"inputs": b.X[0], "targets": b.y[0], "outputs": sigmoid_array(logits.data[0]), "weightings": weightings}


def plot_copy_weightings(model, ds, folder: Path) -> Path:
    """``copy_weightings.png`` for the first sequence of copy length 20 in ``ds`` (else its longest)."""
    copy_length = (ds.lengths - 1) // 2
    hits = np.flatnonzero(copy_length == 20)
    index = int(hits[0]) if len(hits) else int(np.argmax(copy_length))
    seen = copy_weightings(model, ds, index)
    panels = [("inputs (with the delimiter channel)", seen["inputs"]),
              ("targets (-1: not counted)", seen["targets"]), ("outputs: P(bit = 1)", seen["outputs"])]
    if seen["weightings"] is not None:
        w = seen["weightings"]  # (T, heads, N); the last head writes
        panels += [("write weighting", w[:, -1])] + [(f"read weighting {h + 1}", w[:, h]) for h in range(w.shape[1] - 1)]
    figure = new_figure(7.0, 1.6 * len(panels) + 0.5)
    axes = figure.subplots(len(panels), 1)
    for ax, (title, values) in zip(np.atleast_1d(axes), panels):
        ax.imshow(np.asarray(values).T, aspect="auto", cmap="gray_r", interpolation="nearest",
                  vmin=-1.0 if "targets" in title else 0.0, vmax=1.0 if "weighting" not in title else None)
        ax.set_title(title, fontsize=8)
        ax.set_ylabel("row" if "weighting" in title else "channel", fontsize=7)
    np.atleast_1d(axes)[-1].set_xlabel("time step")
    figure.suptitle(f"copy task, one sequence of length {int(copy_length[index])}", fontsize=9)
    return save_png(figure, Path(folder) / "copy_weightings.png")
