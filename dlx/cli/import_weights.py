"""``dlx import-weights RUN_DIR FILE.safetensors``: weights under PyTorch's names into a copy of a run's model."""
from __future__ import annotations

from pathlib import Path

import typer

from dlx.cli.common import user_errors


def import_weights(
    run_dir: Path = typer.Argument(..., help="A run folder (results/<name>/<time>-<id>) whose model receives them."),
    file: Path = typer.Argument(..., help="A .safetensors file under the names of the model's PyTorch equivalent "
                                "(as dlx export --format safetensors writes them)."),
):
    """Load the tensors of FILE that match the model of RUN_DIR by name and shape into a child run (the run
    itself is not changed); list what did not match. Needs the extra: pip install -e '.[onnx]'."""
    with user_errors():
        from dlx.export.weights_in import import_weights as load
        result = load(run_dir, file)
        typer.echo(f"loaded {len(result.loaded)} tensors of {file}")
        for name, why in result.unmatched.items():
            typer.echo(f"not loaded: {name}: {why}")
        for name in result.kept:
            typer.echo(f"kept from the run (not in the file): {name}")
        typer.echo(f"run folder: {result.folder}")
