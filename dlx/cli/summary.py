"""``dlx summary CONFIG``: every node's output shape, parameters and multiply-adds, and a picture of the graph.

The model is the one ``dlx train CONFIG`` would build (input sizes from the data,
``units: outputs`` resolved), traced node by node (``dlx.models.trace``). Counts are
per sample. Multiply-adds count the products with weights only: dense ``in * out``;
convolution ``C_in * k_h * k_w * C_out * H_out * W_out``; transposed convolution with
the input's height and width; recurrent layers ``T * (F + H) * gates * H`` per
direction; activations, pooling, normalisation and merges count 0. A shared block's
parameters count once, its multiply-adds at every use.

Example::

    dlx summary configs/digits_cnn.yaml                    # table; digits_cnn-graph.png in this folder
    dlx summary configs/digits_graph.yaml --out results/summary/graph.png
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import user_errors


def summary(
    config: Path = typer.Argument(..., help="YAML experiment config (see configs/)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Picture of the graph (default: <config stem>-graph.png "
                                                           "in the current folder)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set model.layers.0.dense.units=8."),
):
    """Print each node's output shape, parameter count and multiply-adds per sample, with totals; draw the graph."""
    with user_errors():
        from dlx.experiments import load_experiment, require_command
        from dlx.models.drawing import draw_graph
        from dlx.models.trace import trace_model
        from dlx.train.experiment import prepare
        loaded = load_experiment(config, set_ or [])
        require_command(loaded, "summary")  # a data set and a model (layers or nodes)
        experiment = prepare(loaded)  # the model dlx train would build
        nodes = trace_model(experiment.model, experiment.splits["train"].input_shape)
        picture = draw_graph(nodes, out or Path(f"{config.stem}-graph.png"), f"{config.name}")
    print_table(nodes, experiment.model.num_parameters())
    typer.echo(f"picture: {picture}")


def print_table(nodes, total_parameters: int) -> None:
    """One row per node (nested blocks indented), then the totals; plain columns, never cut."""
    header = ("node", "layer", "output shape", "parameters", "multiply-adds")
    rows = [("  " * n.depth + ".".join(map(str, n.path)), n.label + (f" (shared: {n.block})" if n.block else ""),
             str(n.shape), f"{n.parameters:,}", f"{n.multiply_adds:,}") for n in nodes]
    total = ("total", "", "", f"{total_parameters:,}", f"{sum(n.multiply_adds for n in nodes):,}")
    widths = [max(len(row[i]) for row in [header, *rows, total]) for i in range(len(header))]

    def line(row) -> str:
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "-" * len(line(header))
    typer.echo("\n".join([line(header), rule, *map(line, rows), rule, line(total)]))
