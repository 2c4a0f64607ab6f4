"""``dlx train CONFIG``: train an experiment and write its results."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, fmt, user_errors


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
            if (resume / "config.yaml").is_file() and config_kind(resume / "config.yaml") == "rl":
                from dlx.rl.runner import resume_rl
                return report_rl(resume_rl(resume, EpochReporter(throttled=True)))
            result = resume_run(resume, EpochReporter())
        else:
            if config is None:
                abort("give a config file, e.g. dlx train configs/digits_mlp.yaml (or --resume RUN_DIR)")
            kind = config_kind(config)
            if kind != "supervised":
                if cv_folds is not None:
                    abort(f"--cv needs a supervised config (a data set and a model); {config} is {kind}")
                return train_family(kind, config, set_ or [], results)
            loaded = load_config(config, set_ or [])
            if cv_folds is not None:
                from dlx.cli.cv import report_cv, trial_reporter
                from dlx.sweep import cross_validate
                report_cv(cross_validate(loaded, cv_folds, results_dir=str(results) if results else None,
                                         reporter=trial_reporter()))
                return
            result = start_run(loaded, EpochReporter(), results_dir=str(results) if results else None)
    report(result)


def config_kind(path: Path) -> str:
    """``supervised``, ``rl`` or ``generative``, read from the config (safely, as every config is read)."""
    from dlx.config import experiment_kind, parse_mapping, read_config_text
    return experiment_kind(parse_mapping(read_config_text(path), str(path))[0])


def train_family(kind: str, config: Path, settings: list[str], results: Optional[Path]) -> None:
    """Run a reinforcement-learning or generative config through its family's runner."""
    from dlx.cli.common import EpochReporter
    out = console()
    results_dir = str(results) if results else None
    progress = EpochReporter(throttled=True)  # an agent's rows are episodes: a line now and then
    if kind == "rl":
        from dlx.rl.runner import train_rl
        return report_rl(train_rl(config, settings, results_dir, reporter=progress))
    from dlx.generative.runner import train_generative
    try:
        summary = train_generative(config, settings, results_dir, on_row=progress.epoch)  # starts at the first row
    finally:
        progress.stop()
    test = summary.get("test") or {k: v for k, v in summary.items() if k.startswith("test_")}
    out.print(f"{summary['status']}: " + "  ".join(f"{k} {fmt(v)}" for k, v in test.items()
                                                   if isinstance(v, (int, float))))
    out.print(f"run folder: {summary['run_dir']}")


def report_rl(result) -> None:
    """The greedy evaluation of an agent's run, then its folder; exit 130 when interrupted."""
    evaluation = result.summary.get("evaluation") or {}
    shown = {k: evaluation[k] for k in ("mean_return", "std_return", "success_rate") if k in evaluation}
    console().print(f"{result.status}: greedy evaluation " + "  ".join(f"{k} {fmt(v)}" for k, v in shown.items()))
    console().print(f"run folder: {result.run_dir}")
    if result.status == "interrupted":
        console(stderr=True).print(f"[yellow]interrupted:[/] resume with: dlx train --resume {result.run_dir}")
        raise typer.Exit(130)


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
        table.add_row(key, fmt(final.get(key)), fmt(best.get(key)), fmt(test.get(f"test_{name}")))
    for key, value in test.items():  # test-only figures, e.g. a language model's n-gram baselines
        if key[len("test_"):] not in names and isinstance(value, (int, float)):
            table.add_row(key, "", "", fmt(value))
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
