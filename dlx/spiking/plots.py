"""Pictures of an STDP run: the learned receptive fields, and one image's spikes and membranes."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.runs.plots import new_figure, plot_image_grid, save_png
from dlx.spiking.stdp import STDPNetwork
from dlx.tasks.spikes import plot_rasters


def plot_receptive_fields(network: STDPNetwork, image_shape: tuple[int, int], assignment: np.ndarray,
                          path: Path) -> Path:
    """Each neuron's incoming weights as an image, titled with the class it was assigned."""
    fields = network.weights.T.reshape(-1, *image_shape)
    return plot_image_grid(fields, path, titles=[f"{j}: {c}" for j, c in enumerate(assignment)], ncols=10,
                           title="receptive fields learned by STDP (neuron: assigned class)")


def plot_presentation(network: STDPNetwork, image: np.ndarray, label: str, rng: np.random.Generator,
                      plots: Path) -> list[Path]:
    """``spikes.png`` (input and output rasters) and ``membrane.png`` of one image, without learning."""
    shown = network.present(image, rng, learn=False, record=True)
    written = [plot_rasters([("input pixels", shown.input_spikes), ("STDP neurons", shown.spikes)],
                            f"spike rasters of one test image (label {label})", plots / "spikes.png")]
    figure = new_figure(7, 3.5)
    axes = figure.subplots()
    top = np.argsort(-shown.counts)[:5]
    for neuron in top:
        axes.plot(shown.membrane[:, neuron], linewidth=1, label=f"neuron {neuron} ({int(shown.counts[neuron])} spikes)")
    axes.plot(network.settings.threshold + network.theta[top[0]] + 0 * shown.membrane[:, 0], "k--", linewidth=1,
              label=f"threshold of neuron {top[0]}")
    axes.set_xlabel("time step")
    axes.set_ylabel("membrane potential v (before reset)")
    axes.set_title(f"membranes of the five most active neurons (label {label})", fontsize=9)
    axes.legend(fontsize=7)
    written.append(save_png(figure, plots / "membrane.png"))
    return written
