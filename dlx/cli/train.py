"""``dlx train CONFIG``: train an experiment and write its results."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, user_errors


def train(
    config: Optional[Path] = typer.Argument(None, help="YAML experiment config (see configs/)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set optimiser.lr=0.01."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results folder (default: output.results_dir)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Finish an interrupted run from its folder."),
    cv_folds: Optional[int] = typer.Option(None, "--cv", help="k-fold cross-validation instead of one run."),
):
    """Train CONFIG: build the model from the registry, train it, write metrics and plots under results/."""
    with user_errors():
        from dlx.config import load_config
        from dlx.train.runner import resume_run, start_run
        from dlx.cli.common import EpochReporter
        if resume is not None:
            if config is not None or set_:
                abort("--resume takes the run folder only; the run's own config.yaml is used")
            result = resume_run(resume, EpochReporter())
        else:
            if config is None:
                abort("give a config file, e.g. dlx train configs/digits_mlp.yaml (or --resume RUN_DIR)")
            loaded = load_config(config, set_ or [])
            if cv_folds is not None:
                from dlx.cli.cv import report_cv, trial_reporter
                from dlx.sweep import cross_validate
                report_cv(cross_validate(loaded, cv_folds, results_dir=str(results) if results else None,
                                         reporter=trial_reporter()))
                return
            result = start_run(loaded, EpochReporter(), results_dir=str(results) if results else None)
    report(result)


def report(result) -> None:
    """The summary table, then the run folder; a non-zero exit for diverged or interrupted runs."""
    from rich.table import Table
    out = console()
    summary = result.summary
    table = Table(title=f"{summary['status']} after {summary['epochs_completed']} epochs", title_justify="left")
    table.add_column("metric")
    for column in ("final", "best", "test"):
        table.add_column(column, justify="right")
    final, best, test = summary.get("final") or {}, summary.get("best") or {}, summary.get("test") or {}
    names = [k[len("val_"):] for k in final if k.startswith("val_")] or \
            [k[len("train_"):] for k in final if k.startswith("train_")]
    for name in names:
        key = f"val_{name}" if f"val_{name}" in final else f"train_{name}"
        table.add_row(key, _fmt(final.get(key)), _fmt(best.get(key)), _fmt(test.get(f"test_{name}")))
    if summary.get("final"):
        out.print(table)
    for warning in summary.get("warnings") or []:
        console(stderr=True).print(f"[yellow]warning:[/] {warning}")
    out.print(f"run folder: {result.run_dir}")
    if result.status == "interrupted":
        console(stderr=True).print(f"[yellow]interrupted:[/] {result.message}; "
                                   f"resume with: dlx train --resume {result.run_dir}")
        raise typer.Exit(130)
    if result.status == "diverged":
        abort(result.message)


def _fmt(value) -> str:
    return "" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
