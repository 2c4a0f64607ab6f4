"""``dlx lr-find CONFIG``: the learning-rate range test, its plot and a suggested learning rate."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, user_errors


def lr_find(
    config: Path = typer.Argument(..., help="YAML experiment config (see configs/)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set training.batch_size=64."),
    min_lr: float = typer.Option(1e-6, "--min-lr", help="The first learning rate."),
    max_lr: float = typer.Option(1.0, "--max-lr", help="The last learning rate."),
    steps: int = typer.Option(200, "--steps", min=5, help="At most this many steps (and at most one epoch)."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results folder (default: output.results_dir)."),
):
    """Grow the learning rate exponentially over at most one epoch until the loss explodes; suggest one."""
    with user_errors():
        from dlx.experiments import load_experiment, require_command
        from dlx.sweep.lrfind import lr_find_run, lr_range_test
        loaded = load_experiment(config, set_ or [])
        require_command(loaded, "lr-find")
        result = lr_range_test(loaded, min_lr, max_lr, steps)
        folder = lr_find_run(result, loaded, results or loaded.config.output.results_dir)
    out = console()
    out.print(f"suggested learning rate: {result.suggestion:.3g} (the config's: {result.config_lr:.3g}); "
              f"{result.stopped}")
    out.print(f"plot: {folder / 'plots' / 'lr_find.png'}")
    out.print(f"try: dlx train {config} --set optimiser.lr={result.suggestion:.3g}")
