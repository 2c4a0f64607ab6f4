"""``dlx cv CONFIG -k 5``: k-fold cross-validation of an experiment, test split held out."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, fmt, user_errors


def cv(
    config: Path = typer.Argument(..., help="YAML experiment config (see configs/)."),
    k: int = typer.Option(5, "-k", "--folds", help="Number of folds, 2 <= k <= samples outside the test split."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set optimiser.lr=0.01."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results folder (default: output.results_dir)."),
):
    """Cross-validate CONFIG: train a model per fold, report each validation metric's mean and std."""
    with user_errors():
        from dlx.config import load_config
        from dlx.sweep.crossval import cross_validate
        loaded = load_config(config, set_ or [])
        result = cross_validate(loaded, k, results_dir=str(results) if results else None,
                                reporter=trial_reporter())
    report_cv(result)


def trial_reporter():
    """A progress bar per trial on a terminal; otherwise a line ``trial N: epoch ...`` every few seconds
    and at the end of each trial (logs stay short)."""
    from dlx.cli.common import EpochReporter
    return EpochReporter() if sys.stderr.isatty() else EpochReporter(throttled=True, trials=True)


def report_cv(result) -> None:
    """The table (metric, mean, std, per-fold values), then the folder; exit 130 if interrupted.

    Example::

        report_cv(cross_validate(loaded, 5))
    """
    from rich.table import Table
    summary = result.summary
    title = (f"{summary['k']}-fold cross-validation, {summary['reported']} epoch of each fold "
             f"(std: sample, ddof=1; {summary['samples']['test_held_out']} test samples held out)")
    table = Table(title=title, title_justify="left")
    for column in ("metric", "mean", "std", "per fold"):
        table.add_column(column, justify="left" if column in ("metric", "per fold") else "right")
    for name, stats in summary["metrics"][summary["reported"]].items():
        table.add_row(name, fmt(stats["mean"]), fmt(stats["std"]), "  ".join(fmt(v) for v in stats["values"]))
    out = console()
    out.print(table)
    for fold in summary["folds"]:
        if fold["status"] == "diverged":
            console(stderr=True).print(f"[yellow]warning:[/] fold {fold['fold']} diverged; "
                                       f"see {result.run_dir / fold['run_dir'] / 'run.log'}")
    out.print(f"cv folder: {result.run_dir}")
    if summary["status"] == "interrupted":
        console(stderr=True).print(f"[yellow]interrupted[/] after {summary['folds_completed']} of "
                                   f"{summary['k']} folds")
        raise typer.Exit(130)
