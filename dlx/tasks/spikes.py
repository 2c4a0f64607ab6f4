"""Pictures of a spiking network on one input: spike rasters of each layer and membrane traces.

``spikes.png``: the input's spike trains and the spikes of every LIF layer, one raster each (a dot
per spike, time across, neurons up); ``membrane.png``: the membrane potential of the last LIF
layer's neurons over the steps, with the firing threshold. Nothing for a model without LIF layers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.nn import Sequential
from dlx.nn.spiking import LIF, LatencyCoding, RateCoding
from dlx.ops.spiking import lif_sequence
from dlx.runs.plots import new_figure, save_png
from dlx.tensor import Tensor, no_grad


@no_grad()
def spike_record(model: Sequential, example: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray | None, LIF | None]]:
    """(name, spikes (T, H), membrane (T, H) or None, layer) of the coding layer and each LIF layer, in order."""
    was_training = model.training
    model.eval()
    x, record = Tensor(example[None]), []
    for index, layer in enumerate(model.layers):
        if isinstance(layer, LIF):
            membrane = lif_sequence(x, layer.beta, layer.threshold, layer.reset, layer.surrogate, layer.slope,
                                    layer.smooth, output="membrane").data[0]
        x = layer(x)
        if isinstance(layer, (RateCoding, LatencyCoding)):
            record.append((f"layer {index}: input spikes ({type(layer).__name__})", x.data[0].reshape(
                x.shape[1], -1), None, None))
        elif isinstance(layer, LIF):
            spikes = x.data[0] if layer.output == "spikes" and layer.threshold is not None else None
            record.append((f"layer {index}: LIF", spikes, membrane, layer))
    model.train(was_training)
    return record


def plot_rasters(rasters: list[tuple[str, np.ndarray]], title: str, path: Path) -> Path:
    """Spike rasters one above the other, one per ``(name, spikes (steps, neurons))``: a mark per spike."""
    figure = new_figure(7, 2.2 * len(rasters))
    for axes, (name, spikes) in zip(figure.subplots(len(rasters), 1, squeeze=False)[:, 0], rasters):
        steps, neurons = np.nonzero(spikes)
        axes.scatter(steps, neurons, s=12, marker="|", color="black")
        axes.set_xlim(-0.5, spikes.shape[0] - 0.5)
        axes.set_ylim(-0.5, spikes.shape[1] - 0.5)
        axes.set_title(f"{name}: {int(spikes.sum())} spikes", fontsize=9)
        axes.set_ylabel("neuron")
    axes.set_xlabel("time step")
    figure.suptitle(title)
    return save_png(figure, path)


def write_spike_pictures(model, example: np.ndarray, label: str, plots: Path) -> list[Path]:
    """``spikes.png`` and ``membrane.png`` of one example; nothing for a model without LIF layers."""
    if not isinstance(model, Sequential) or not any(isinstance(layer, LIF) for layer in model.layers):
        return []
    record = spike_record(model, example)
    rasters = [(name, spikes) for name, spikes, _, _ in record if spikes is not None]
    written = [plot_rasters(rasters, f"spike rasters of one example (label {label})", plots / "spikes.png")]
    name, _, membrane, layer = record[-1]
    figure = new_figure(7, 3.5)
    axes = figure.subplots()
    for neuron in range(membrane.shape[1]):
        axes.plot(np.arange(membrane.shape[0]), membrane[:, neuron], linewidth=1, label=str(neuron))
    if layer.threshold is not None:
        axes.axhline(layer.threshold, color="black", linestyle="--", linewidth=1, label="threshold")
    axes.set_xlabel("time step")
    axes.set_ylabel("membrane potential u (after reset)")
    axes.set_title(f"{name}: membrane of each neuron (label {label})", fontsize=9)
    axes.legend(fontsize=6, ncol=2, loc="upper left")
    written.append(save_png(figure, plots / "membrane.png"))
    return written
