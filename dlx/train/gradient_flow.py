"""Gradient flow made visible: ||dL/dh_t|| per time step of each recurrent layer, once per epoch.

Backpropagation through time multiplies the gradient by dh_t/dh_{t-1} at every step. In a
tanh RNN that factor is diag(1 - h_t^2) W_h, usually of norm below one, so the gradient
reaching early steps shrinks geometrically (it vanishes); an LSTM's cell path
c_t = f * c_{t-1} + ... lets it through where the forget gate stays open.

Before training and after each epoch, ``GradientFlow`` runs one fixed training batch
forward and backward (eval mode, so dropout draws no random numbers; no optimiser step)
with the layers' ``record_grad_norms`` on. ``plot_gradient_flow`` draws the norms against
the time step on a log scale, one line per measured epoch::

    flow = GradientFlow(model)
    flow.measure(0, lambda: task.loss_value(loss, forward_masked(model, Tensor(x), m), y, tm))
    plot_gradient_flow(flow.records, run_dir / "plots")   # gradient_flow.png, gradient_flow.json
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.runs import atomic_write_json
from dlx.runs.plots import new_figure, save_png


def recurrent_layers(model) -> list:
    """The layers of ``model`` that can record per-step gradient norms (simple RNN, LSTM, GRU)."""
    return [m for m in model.modules() if hasattr(m, "record_grad_norms") and hasattr(m, "grad_norms")]


class GradientFlow:
    """Per-step gradient norms of every recurrent layer of ``model``, one record per ``measure``.

    Attributes:
        records: ``[{"epoch": e, "names": [layer name, ...], "layers": [[||dL/dh_0||, ..., ||dL/dh_{T-1}||], ...]}]``.
    """

    def __init__(self, model):
        self.model = model
        self.layers = recurrent_layers(model)
        self.records: list[dict] = []

    def __bool__(self) -> bool:
        return bool(self.layers)

    def measure(self, epoch: int, batch_loss) -> None:
        """Record the norms of one backward of ``batch_loss()`` (a callable giving the loss Tensor)."""
        if not self.layers:
            return
        model, was_training = self.model, self.model.training
        flags = [layer.record_grad_norms for layer in self.layers]
        model.eval()
        try:
            for layer in self.layers:
                layer.record_grad_norms = True
            model.zero_grad()
            batch_loss().backward()
            self.records.append({"epoch": int(epoch), "names": [_name(layer) for layer in self.layers],
                                 "layers": [[float(v) for v in layer.grad_norms] for layer in self.layers]})
        finally:
            for layer, flag in zip(self.layers, flags):
                layer.record_grad_norms = flag
            model.zero_grad()
            model.train(was_training)


def _name(layer) -> str:
    name = getattr(type(layer), "registry_name", type(layer).__name__)
    return f"{name}, tanh" if getattr(layer, "activation", None) == "tanh" else name


def plot_gradient_flow(records: list[dict], out_dir: Path | str, max_lines: int = 6) -> Path | None:
    """``gradient_flow.png`` (the first recurrent layer, ||dL/dh_t|| against t, log scale, one line per
    epoch, at most ``max_lines`` spread over the run) and ``gradient_flow.json`` (every record)."""
    if not records:
        return None
    out_dir = Path(out_dir)
    atomic_write_json(out_dir / "gradient_flow.json", {"records": records})
    shown = [records[int(i)] for i in np.unique(np.linspace(0, len(records) - 1, max_lines).round())]
    figure = new_figure(6.4, 4.0)
    axes = figure.add_subplot(1, 1, 1)
    from matplotlib import colormaps
    for k, record in enumerate(shown):
        norms = np.maximum(np.asarray(record["layers"][0], dtype=float), 1e-30)  # log scale: no zeros
        colour = colormaps["viridis"](k / max(len(shown) - 1, 1))
        axes.semilogy(np.arange(len(norms)), norms, color=colour, label=f"epoch {record['epoch']}")
    axes.set_xlabel("time step t")
    axes.set_ylabel("||dL/dh_t||")
    axes.set_title(f"gradient flow through time ({records[0]['names'][0]}, one training batch)")
    axes.legend(fontsize="small")
    return save_png(figure, out_dir / "gradient_flow.png")
