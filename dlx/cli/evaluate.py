"""``dlx evaluate RUN_DIR``: the trained model's metrics on a split of its data."""
from __future__ import annotations

from pathlib import Path

import typer

from dlx.cli.common import console, fmt, user_errors, warning_lines


def evaluate(
    run_dir: Path = typer.Argument(..., help="A run folder (results/<name>/<time>-<id>)."),
    split: str = typer.Option("test", "--split", help="train, validation, test or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON, at full precision."),
):
    """Evaluate a trained run on its data split (the samples saved in the run's splits.npz)."""
    from rich.table import Table
    with user_errors(), warning_lines():
        from dlx.errors import DlxError
        from dlx.inference.evaluate import evaluate_run
        if split not in ("train", "validation", "test", "all"):
            raise DlxError(f"unknown split '{split}'; use train, validation, test or all")
        from dlx.experiments import load_experiment
        results = evaluate_run(run_dir, split, load_experiment)
    if as_json:
        from dlx.runs.files import json_text
        typer.echo(json_text(results), nl=False)
        return
    table = Table(title=f"{run_dir}", title_justify="left")
    table.add_column("metric")
    for name in results:
        table.add_column(name, justify="right")
    metrics = [k for k in next(iter(results.values())) if k != "confusion_matrix"]
    for metric in metrics:
        table.add_row(metric, *[fmt(results[s].get(metric, float("nan"))) for s in results])
    console().print(table)
