"""``dlx curve learning CONFIG`` and ``dlx curve capacity CONFIG --param P --values V``: error curves."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, fmt, user_errors
from dlx.cli.cv import ADDRESS, BACKEND, RESUME, WORKERS, config_or_resumed, planner_backend, trial_reporter

curve_app = typer.Typer(help="Training vs validation error: learning curves and capacity sweeps.",
                        no_args_is_help=True)

CONFIG = typer.Argument(None, help="YAML experiment config (see configs/).")
SET = typer.Option(None, "--set", help="Override a key: --set optimiser.lr=0.01.")
RESULTS = typer.Option(None, "--results", help="Results folder (default: output.results_dir).")


def split_list(text: str, what: str, example: str) -> list[str]:
    """``"0.1, 0.3,1"`` -> ["0.1", "0.3", "1"]; a one-line error for an empty list."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        abort(f"{what} is empty; give comma-separated values, e.g. {example}")
    return items


def parse_fractions(text: str) -> list[float]:
    try:
        return [float(item) for item in split_list(text, "--fractions", "0.1,0.3,1")]
    except ValueError:
        abort(f"--fractions {text}: give numbers in (0, 1] separated by commas, e.g. 0.1,0.3,1")


@curve_app.command("learning")
def learning(
    config: Optional[Path] = CONFIG,
    fractions: str = typer.Option("0.1,0.2,0.4,0.7,1", "--fractions", help="Shares of the training split."),
    repeats: int = typer.Option(1, "--repeats", help="Runs per point (other subsets and seeds); > 1 adds ± std."),
    set_: Optional[list[str]] = SET,
    results: Optional[Path] = RESULTS,
    workers: Optional[int] = WORKERS,
    resume: Optional[Path] = RESUME,
    backend: str = BACKEND,
    address: Optional[str] = ADDRESS,
):
    """Train CONFIG on growing shares of its training split; plot training and validation error."""
    with user_errors():
        from dlx.sweep.curves import learning_curve
        loaded, spec = config_or_resumed(config, set_, resume, "curve learning", "learning_curve")
        with planner_backend(backend, address):
            result = learning_curve(loaded, spec.get("fractions") or parse_fractions(fractions),
                                    spec.get("repeats", repeats), results_dir=str(results) if results else None,
                                    reporter=trial_reporter() if workers is None and backend == "local" else None,
                                    workers=workers, resume_dir=resume, backend=backend, address=address)
    columns = ["fraction", "n_train", "train_error", "val_error", "train_loss", "val_loss"]
    report(result, columns, f"learning curve (error: {result.summary['error']})")


@curve_app.command("capacity")
def capacity(
    config: Optional[Path] = CONFIG,
    param: Optional[str] = typer.Option(None, "--param", help="Config key to vary, e.g. model.layers.0.dense.units."),
    values: Optional[str] = typer.Option(None, "--values", help="Comma-separated values, e.g. 2,8,32,128."),
    set_: Optional[list[str]] = SET,
    results: Optional[Path] = RESULTS,
    workers: Optional[int] = WORKERS,
    resume: Optional[Path] = RESUME,
    backend: str = BACKEND,
    address: Optional[str] = ADDRESS,
):
    """Train CONFIG once per value of --param; plot training and validation error against it."""
    with user_errors():
        from dlx.sweep.capacity import capacity_sweep
        loaded, spec = config_or_resumed(config, set_, resume, "curve capacity", "capacity")
        if resume is None and (param is None or values is None):
            abort("give --param and --values, e.g. --param model.layers.0.dense.units --values 2,8,32,128")
        with planner_backend(backend, address):
            result = capacity_sweep(loaded, spec.get("parameter", param),
                                    spec.get("values") or split_list(values, "--values", "2,8,32,128"),
                                    results_dir=str(results) if results else None,
                                    reporter=trial_reporter() if workers is None and backend == "local" else None,
                                    workers=workers, resume_dir=resume, backend=backend, address=address)
    best = (result.summary.get("best") or {}).get("trial")
    columns = ["value", "train_error", "val_error", "train_loss", "val_loss", "status"]
    report(result, columns, f"capacity sweep over {result.summary.get('parameter', param)} (error: {result.summary['error']}; "
                            f"* = lowest validation error)", best)


def report(result, columns: list[str], title: str, marked: int | None = None) -> None:
    """A table of the points, then the sweep folder; exit 130 if the sweep was interrupted."""
    from rich.table import Table
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in ("value", "status") else "right")
    for index, point in enumerate(result.points):
        cells = [_cell(point, column) for column in columns]
        if index == marked:
            cells[0] = f"{cells[0]} *"
        table.add_row(*cells)
    out = console()
    out.print(table)
    out.print(f"sweep folder: {result.run_dir}")
    if result.status == "interrupted":
        console(stderr=True).print("[yellow]interrupted[/]: the table holds the trials that finished")
        raise typer.Exit(130)


def _cell(point: dict, column: str) -> str:
    text = fmt(point.get(column))
    std = point.get(f"{column}_std")
    return f"{text} ± {std:.2g}" if isinstance(std, float) else text
