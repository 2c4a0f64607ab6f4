"""Pictures of what a CNN learned: the first convolution's filters and one example's feature maps."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.nn import Sequential
from dlx.runs import plot_image_grid
from dlx.tensor import Tensor, no_grad


def first_convolution(model) -> int | None:
    """Index of the first layer with a 4-D weight (a 2-D convolution) in a Sequential model."""
    if not isinstance(model, Sequential):
        return None
    for i, layer in enumerate(model.layers):
        if any(p.ndim == 4 for p in layer.parameters()):
            return i
    return None


@no_grad()
def feature_maps(model: Sequential, index: int, example: np.ndarray) -> np.ndarray:
    """The output of layers 0..index (and a directly following activation) for one example: (C, H, W)."""
    from dlx.registry import activations
    last = index + 1 if index + 1 < len(model.layers) and \
        getattr(type(model.layers[index + 1]), "registry_name", "") in activations else index
    was_training = model.training
    model.eval()
    x = Tensor(example[None])
    for layer in model.layers[: last + 1]:
        x = layer(x)
    model.train(was_training)
    return x.data[0]


def write_cnn_pictures(model, example: np.ndarray, label: str, plots: Path) -> list[Path]:
    """``filters.png`` (first conv layer) and ``feature_maps.png`` (one example); nothing for other models."""
    index = first_convolution(model)
    if index is None:
        return []
    weight = next(p for p in model.layers[index].parameters() if p.ndim == 4).data  # (out, in, kh, kw)
    out, inp, kh, kw = weight.shape
    filters = weight.reshape(out * inp, kh, kw)
    titles = [f"{o}" if inp == 1 else f"{o}.{c}" for o in range(out) for c in range(inp)]
    written = [plot_image_grid(filters, plots / "filters.png", titles=titles, cmap="coolwarm",
                               title=f"layer {index}: {out} filters {kh}x{kw}", value_label="weight")]
    maps = feature_maps(model, index, example)
    written.append(plot_image_grid(maps, plots / "feature_maps.png", titles=[str(c) for c in range(len(maps))],
                                   title=f"feature maps of one example (label {label})", cmap="viridis",
                                   value_label="activation"))
    written.append(plot_image_grid(example, plots / "example.png", title=f"the example (label {label})"))
    return written
