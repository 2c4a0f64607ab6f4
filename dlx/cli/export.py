"""``dlx export RUN_DIR --format onnx|safetensors``: a trained model for ONNX runtimes or PyTorch."""
from __future__ import annotations

from pathlib import Path

import typer

from dlx.cli.common import user_errors


def export(
    run_dir: Path = typer.Argument(..., help="A run folder (results/<name>/<time>-<id>)."),
    fmt: str = typer.Option("onnx", "--format", "-f", help="onnx (a graph for onnxruntime and other runtimes) or "
                            "safetensors (weights under PyTorch's names, with the code that loads them)."),
):
    """Export the model of RUN_DIR (its input scaling first) into a child run folder: model.onnx, or
    model.safetensors and model_torch.py (printed). Needs the extra: pip install -e '.[onnx]'."""
    with user_errors():
        from dlx.export.run import export_run
        exported = export_run(run_dir, fmt)
        if exported.snippet:
            typer.echo(exported.snippet)
        for path in exported.files:
            typer.echo(f"wrote {path}")
