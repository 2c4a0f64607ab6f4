"""``dlx cv CONFIG -k 5``: k-fold cross-validation of an experiment, test split held out."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, fmt, user_errors


WORKERS = typer.Option(None, "--workers", min=1, help="Run the trials on a pool of this many processes.")
RESUME = typer.Option(None, "--resume", help="The folder of an interrupted run of this command: run only its "
                                             "missing trials.")
BACKEND = typer.Option("local", "--backend", help="local (in this process, or a process pool with --workers) or "
                                                  "ray (Ray tasks: a local Ray of its own, or --address).")
ADDRESS = typer.Option(None, "--address", help="A Ray cluster's HOST:PORT (with --backend ray).")


def planner_backend(backend: str, address: Optional[str]):
    """The Ray connection for a planner's command (opened before its folder is made; nothing for local),
    after checking the options: one line for an unknown backend or ``--address`` without ``--backend ray``."""
    from dlx.cli.common import abort
    from dlx.sweep.driver import backend_connection, check_backend
    if backend not in ("local", "ray"):
        abort(f"unknown backend '{backend}'; use local or ray")
    if address is not None and backend != "ray":
        abort("--address is the address of a Ray cluster; add --backend ray")
    check_backend(backend)
    return backend_connection(backend, None, address)


def cv(
    config: Optional[Path] = typer.Argument(None, help="YAML experiment config (see configs/)."),
    k: int = typer.Option(5, "-k", "--folds", help="Number of folds, 2 <= k <= samples outside the test split."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set optimiser.lr=0.01."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results folder (default: output.results_dir)."),
    workers: Optional[int] = WORKERS,
    resume: Optional[Path] = RESUME,
    backend: str = BACKEND,
    address: Optional[str] = ADDRESS,
):
    """Cross-validate CONFIG: train a model per fold, report each validation metric's mean and std."""
    with user_errors():
        from dlx.sweep.crossval import cross_validate
        loaded, spec = config_or_resumed(config, set_, resume, "cv", "cross_validation")
        with planner_backend(backend, address):
            result = cross_validate(loaded, spec.get("k", k), results_dir=str(results) if results else None,
                                    reporter=trial_reporter() if workers is None and backend == "local" else None,
                                    workers=workers, resume_dir=resume, backend=backend, address=address)
    report_cv(result)


def config_or_resumed(config: Optional[Path], set_, resume: Optional[Path], command: str, kind: str):
    """The loaded config (front door) and, when resuming, the folder's sweep.yaml (its k, fractions, ...)."""
    from dlx.cli.common import abort
    from dlx.experiments import load_experiment, require_command
    if resume is None:
        if config is None:
            abort(f"give a config file, e.g. dlx {command} configs/breast_cancer_mlp.yaml (or --resume FOLDER)")
        loaded = load_experiment(config, set_ or [])
        require_command(loaded, command.split()[0])
        return loaded, {}
    if config is not None or set_:
        abort("--resume takes the folder only; its own config.yaml and sweep.yaml are used")
    from dlx.config import parse_mapping, read_config_text
    spec_file = resume / "sweep.yaml"
    spec = parse_mapping(read_config_text(spec_file), str(spec_file))[0] if spec_file.is_file() else {}
    if spec.get("kind") != kind or not (resume / "config.yaml").is_file():
        abort(f"'{resume}' is not the folder of a dlx {command} (no sweep.yaml of kind {kind}); "
              f"give a folder under results/sweeps/")
    return load_experiment(resume / "config.yaml"), spec


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
