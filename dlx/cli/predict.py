"""``dlx predict RUN_DIR INPUT.csv``: predictions of a trained run for new rows."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import user_errors


def predict(
    run_dir: Path = typer.Argument(..., help="A run folder (results/<name>/<time>-<id>)."),
    input_csv: Path = typer.Argument(..., help="CSV of feature values, one row per sample; columns by the header's "
                                               "names or in order."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the predictions here (CSV)."),
    header: Optional[bool] = typer.Option(None, "--header/--no-header", help="The first row names the columns, or "
                                          "is data. Default: a header when it is the training feature names or "
                                          "holds a non-number; a first row of numbers is data."),
):
    """Predict INPUT.csv with the model of RUN_DIR; prints CSV, a row per data row (prediction, probabilities)."""
    with user_errors():
        from dlx.inference.predict import predict_csv
        text = predict_csv(run_dir, input_csv, header)
        if output is not None:
            from dlx.runs import atomic_write_text
            atomic_write_text(output, text)
            typer.echo(f"wrote {output}")
        else:
            typer.echo(text, nl=False)
