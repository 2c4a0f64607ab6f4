"""``dlx sweep FILE`` or ``dlx sweep CONFIG --param optimiser.lr --values 1e-4,1e-3``: compare settings.

Exit status: 0 every trial ran and every claim held; 1 the sweep is invalid (one line,
before any trial starts); 2 some trials failed (the causes are in trials.jsonl,
summary.csv and the report); 3 every trial ran but a claim of ``expect`` failed;
130 interrupted (rerun with ``--resume SWEEP_DIR``).

A sweep of more than ``MAX_TRIALS`` (1000) trials is refused, with its count, before any
trial is planned, unless ``--yes`` is given; a large one states its count first.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, user_errors


def sweep(
    target: Optional[Path] = typer.Argument(None, help="A sweep file (experiments/sweeps/), or a config with --param."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a sweep key (seeds=1) or a config key "
                                                                 "of every trial (training.epochs=2)."),
    param: Optional[list[str]] = typer.Option(None, "--param", help="Quick form: a dotted config key to vary."),
    values: Optional[list[str]] = typer.Option(None, "--values", help="Quick form: comma-separated values of the "
                                                                       "--param before it."),
    seeds: Optional[int] = typer.Option(None, "--seeds", help="Repeat every setting over this many seeds."),
    metric: Optional[str] = typer.Option(None, "--metric", help="The metric that ranks groups (default val_loss)."),
    goal: Optional[str] = typer.Option(None, "--goal", help="min or max."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Parallel trials (default: the cores)."),
    backend: str = typer.Option("local", "--backend", help="local (process pool), ray, or serial (in this process, "
                                                          "for debugging)."),
    address: Optional[str] = typer.Option(None, "--address", help="A Ray cluster's HOST:PORT (default: a local Ray of "
                                                                "its own on 127.0.0.1; RAY_ADDRESS is not read)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="A sweep folder: run only its missing trials."),
    prune: Optional[str] = typer.Option(None, "--prune", help="asha: stop poor trials early."),
    search: Optional[str] = typer.Option(None, "--search", help="tpe, cmaes or random: Optuna's sampler draws the "
                                         "sampled parameters, each draw after the earlier results (the optuna "
                                         "extra); the sweep's samples is the number of draws."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results folder (default: the config's)."),
    yes: bool = typer.Option(False, "--yes", help="Run a sweep of more than 1000 trials (refused without it)."),
):
    """Run a sweep: trials in parallel, a table by group, plots, a report and the verdicts of its claims.

    Exit status: 0 all ran and all claims held; 1 invalid sweep; 2 some trials failed; 3 a claim
    failed; 130 interrupted.
    """
    with user_errors():
        from dlx.sweep.display import terminal_display
        from dlx.sweep.driver import open_resumed, run_sweep
        if address is not None and backend != "ray":
            abort("--address is the address of a Ray cluster; add --backend ray")
        if resume is not None and search is not None:
            abort("--resume reads the search from the sweep folder's sweep.yaml; leave out --search")
        if resume is not None:
            loaded = open_resumed(resume)
        elif target is None:
            abort("give a sweep file, a config with --param/--values, or --resume SWEEP_DIR")
        else:
            loaded = load_target(target, (set_ or []) + ([f"search={search}"] if search else []), param or [],
                                 values or [], seeds, metric, goal, prune)
        max_trials = announce_size(loaded, yes or resume is not None)
        outcome = run_sweep(loaded, backend=backend, workers=workers, address=address,
                            results_root=str(results) if results else None, resume_dir=resume,
                            display=terminal_display(loaded.spec.metric), max_trials=max_trials)
    report(outcome)
    raise typer.Exit(outcome.exit_code)


def announce_size(loaded, allowed: bool) -> int | None:
    """Say how many trials a large sweep has before their configs are checked (that takes a while); the
    limit to pass on: MAX_TRIALS, or None when ``--yes`` (or ``--resume``) allows any number."""
    from dlx.sweep.sampling import MAX_TRIALS, count_trials
    count, made_of = count_trials(loaded.spec)
    if count > 100 and (allowed or count <= MAX_TRIALS):
        console(stderr=True).print(f"{count:,} trials ({made_of}): checking every config before the first starts")
    return None if allowed else MAX_TRIALS


def parse_value(text: str):
    """``1e-4`` -> 0.0001, ``3`` -> 3, ``adam`` -> 'adam', ``true`` -> True."""
    from dlx.config.safe_yaml import load_yaml
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return load_yaml(text)


def load_target(target: Path, set_: list[str], params: list[str], values: list[str], seeds, metric, goal, prune):
    """The sweep of a sweep file, or of a config and ``--param``/``--values`` pairs."""
    from dlx.config.loading import default_run_name
    from dlx.errors import ConfigError
    from dlx.sweep.spec import load_sweep, sweep_from_mapping
    overrides = list(set_) + [f"{key}={value}" for key, value in (("seeds", seeds), ("metric", metric),
                                                                  ("goal", goal)) if value is not None]
    if prune is not None:
        overrides.append(f"prune={{name: {prune}}}")
    if not params:
        if values:
            raise ConfigError("--values needs a --param before it, e.g. --param optimiser.lr --values 0.01,0.1")
        return load_sweep(target, overrides)
    if len(params) != len(values):
        raise ConfigError(f"give one --values for each --param ({len(params)} --param, {len(values)} --values)")
    if not target.is_file():
        raise ConfigError(f"config file '{target}' not found; give the path of a YAML config (see configs/)")
    raw = {"name": default_run_name(target), "base": str(target),
           "parameters": {p: [parse_value(v) for v in text.split(",") if v.strip()] for p, text in zip(params, values)}}
    return sweep_from_mapping(raw, "--param", overrides=overrides)


def report(outcome) -> None:
    """The table of groups, the verdicts and the folder."""
    from rich.markup import escape  # claims hold brackets: lr[0.1]
    from rich.table import Table

    from dlx.sweep.report import report_sections
    from dlx.sweep.spec import load_sweep
    out = console()
    if not out.is_terminal:
        out.width = 160  # logs: wide rows rather than wrapped cells
    loaded = load_sweep(outcome.sweep_dir / "sweep.yaml")
    for title, header, rows in report_sections(loaded, outcome)[:2]:
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in header:
            table.add_column(column)
        for row in rows:
            table.add_row(*(escape(cell if len(cell) <= 90 else cell[:87] + "...") for cell in row))
        out.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items()))
    out.print(f"sweep folder: {outcome.sweep_dir} ({counts}); report: {outcome.sweep_dir / 'report.html'}")
    if outcome.exit_code == 130:
        console(stderr=True).print(f"[yellow]interrupted[/]: rerun the missing trials with "
                                   f"dlx sweep --resume {outcome.sweep_dir}")
    elif outcome.exit_code == 2:
        console(stderr=True).print(f"[red]{outcome.counts['failed']} trials failed[/]; see summary.csv and the report")
