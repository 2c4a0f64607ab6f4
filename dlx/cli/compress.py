"""``dlx compress RUN --method prune|quantise|distil|lottery``: a trained run made smaller, as a new run."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, fmt, user_errors

FLAGS = ("sparsity", "criterion", "rounds", "epochs", "bits", "activation_bits", "qat_epochs", "student", "temperature", "alpha",
         "rate", "rewind_epoch", "transfer")


def compress(
    run_dir: Path = typer.Argument(..., help="A finished supervised run folder (results/<name>/<time>-<id>)."),
    method: str = typer.Option(..., "--method", "-m", help="prune, quantise, distil or lottery."),
    sparsity: Optional[float] = typer.Option(None, "--sparsity", help="prune: fraction of weights removed (0.9)."),
    criterion: Optional[str] = typer.Option(None, "--criterion", help="prune: layer, global or neuron."),
    rounds: Optional[int] = typer.Option(None, "--rounds", help="prune, lottery: pruning rounds."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="prune: fine-tuning epochs per round (0: none)."),
    bits: Optional[int] = typer.Option(None, "--bits", help="quantise: bits of the weights (8, or 4)."),
    activation_bits: Optional[int] = typer.Option(None, "--activation-bits", help="quantise: bits of the inputs."),
    qat_epochs: Optional[int] = typer.Option(None, "--qat-epochs", help="quantise: quantisation-aware "
                                             "training epochs first (straight-through estimator; 0: none)."),
    student: Optional[Path] = typer.Option(None, "--student", help="distil: a config whose model is the student."),
    temperature: Optional[float] = typer.Option(None, "--temperature", help="distil: softmax temperature (4)."),
    alpha: Optional[float] = typer.Option(None, "--alpha", help="distil: weight of the soft loss (0.9)."),
    rate: Optional[float] = typer.Option(None, "--rate", help="lottery: fraction pruned per round (0.2)."),
    rewind_epoch: Optional[int] = typer.Option(None, "--rewind-epoch", help="lottery: rewind to this epoch (0)."),
    transfer: Optional[float] = typer.Option(None, "--transfer", help="distil: share of the training split the "
                                             "students learn from (1)."),
):
    """Compress RUN into a new run (RUN/children/compress-METHOD/...) and print the table original against compressed."""
    values = locals()
    options = {k: (str(values[k]) if k == "student" else values[k]) for k in FLAGS if values[k] is not None}
    with user_errors():
        from dlx.compress import compress_run
        result = compress_run(run_dir, method, options, log=typer.echo)
    show_table(result)


def show_table(result) -> None:
    from rich.table import Table
    table = Table(title=f"{result.run_dir}", title_justify="left")
    for column in ("", "original", "compressed", "compressed / original"):
        table.add_column(column, justify="right" if column else "left")
    original, compressed = result.table["original"], result.table["compressed"]
    for key, value in original.items():
        other = compressed.get(key, float("nan"))
        ratio = other / value if value else float("nan")
        table.add_row(key, fmt(value), fmt(other), f"{ratio:.3g}")
    console().print(table)
