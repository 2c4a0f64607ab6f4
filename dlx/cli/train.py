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
        from dlx.cli.common import EpochReporter
        from dlx.experiments import kind_named, load_experiment, require_command
        if resume is not None:
            if config is not None or set_:
                abort("--resume takes the run folder only; the run's own config.yaml is used")
            return report_any(*resume_from(resume))
        if config is None:
            abort("give a config file, e.g. dlx train configs/digits_mlp.yaml (or --resume RUN_DIR)")
        loaded = load_experiment(config, set_ or [])
        results_dir = str(results) if results else None
        if cv_folds is not None:
            require_command(loaded, "cv")
            from dlx.cli.cv import report_cv, trial_reporter
            from dlx.sweep import cross_validate
            report_cv(cross_validate(loaded, cv_folds, results_dir=results_dir, reporter=trial_reporter()))
            return
        kind = kind_named(loaded.kind)
        result = kind.train(loaded, results_dir, EpochReporter(throttled=kind.frequent_rows))
    report_any(result, kind)


def resume_from(run_dir: Path):
    """Finish the interrupted run in ``run_dir`` through its kind (its config.yaml read by the front door)."""
    from dlx.errors import DlxError
    from dlx.experiments import kind_named, load_experiment
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' is not a resumable dlx run (needs config.yaml and checkpoints/last.npz); "
                       f"give a run folder under results/")
    loaded = load_experiment(run_dir / "config.yaml")
    kind = kind_named(loaded.kind)
    if kind.resume is None:
        raise DlxError(f"'{run_dir}' is a {loaded.kind} run, which cannot be resumed; train it again with dlx train")
    from dlx.cli.common import EpochReporter
    return kind.resume(run_dir, loaded, EpochReporter(throttled=kind.frequent_rows)), kind


def report_any(result, kind) -> None:
    """The epoch table of a supervised run, or the headline of another kind's (an agent's greedy evaluation)."""
    if kind.headline is None:
        return report(result)
    label, numbers = kind.headline(result.summary)
    console().print(f"{result.status}: " + (f"{label} " if label else "")
                    + "  ".join(f"{k} {fmt(v)}" for k, v in numbers.items()))
    console().print(f"run folder: {result.run_dir}")
    if result.status == "interrupted":  # Ctrl-C or SIGTERM
        then = f"resume with: dlx train --resume {result.run_dir}" if kind.resume is not None else result.message
        console(stderr=True).print(f"[yellow]interrupted:[/] {then}")
        raise typer.Exit(130)


def report(result) -> None:
    """The summary table, then the run folder; a non-zero exit for diverged or interrupted runs."""
    from rich.table import Table
    out = console()
    summary = result.summary
    table = Table(title=f"{summary['status']} after {summary['epochs_completed']} epochs", title_justify="left")
    final, best, test = summary.get("final") or {}, summary.get("best") or {}, summary.get("test") or {}
    part = "val" if any(k.startswith("val_") for k in final) else "train"  # the split of final and best
    table.add_column("metric")
    for column in (f"final {part}", f"best {part}", "test"):
        table.add_column(column, justify="right")
    names = [k[len(part) + 1:] for k in final if k.startswith(f"{part}_")]
    for name in names:  # a row per metric; the columns say which split each number comes from
        key = f"{part}_{name}"
        table.add_row(name, fmt(final.get(key)), fmt(best.get(key)), fmt(test.get(f"test_{name}")))
    for key, value in test.items():  # test-only figures, e.g. a language model's n-gram baselines
        if key[len("test_"):] not in names and isinstance(value, (int, float)):
            table.add_row(key.removeprefix("test_"), "", "", fmt(value))
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
