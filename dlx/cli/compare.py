"""``dlx compare RUN RUN ...``: runs (or sweeps) side by side, in the terminal and as an HTML page.

Example::

    dlx compare results/digits-mlp/20261201-101500-1a2b3c results/digits-mlp/20261201-103000-4d5e6f
    dlx compare --filter "name=digits-mlp and status=finished" --html compare.html
    dlx compare results/sweeps/lr/20261201-... results/sweeps/lr/20261202-...      # sweeps: best groups, trials
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, user_errors

SPARK = "▁▂▃▄▅▆▇█"
MAX_FILTERED = 12


def compare(
    folders: Optional[list[Path]] = typer.Argument(None, help="Run folders, or sweep folders, to compare."),
    filter_: Optional[str] = typer.Option(None, "--filter", "-f", help="Compare the runs matching EXPR "
                                                                        "(the language of dlx runs --filter)."),
    html: Optional[Path] = typer.Option(None, "--html", help="The HTML page (default: "
                                                             "RESULTS/compare/<time>.html)."),
    results: Path = typer.Option(Path("results"), "--results", help="Results folder (for --filter)."),
):
    """Overlay the runs' curves, tabulate their metrics with the differences from the first, and show the config keys
    that differ; the same as one HTML page."""
    with user_errors():
        from dlx.runs.compare import load_compared, write_compare_page
        folders = list(folders or []) + (_filtered(results, filter_) if filter_ else [])
        if len(folders) < 2:
            abort("give at least two run folders to compare (or a --filter matching two or more runs)")
        runs = [load_compared(folder) for folder in folders]
        if len({run.is_sweep for run in runs}) > 1:
            abort("give only runs or only sweeps: a sweep is compared with sweeps (its best group, its trials)")
        _print(runs)
        from datetime import datetime
        page = html or results / "compare" / f"{datetime.now():%Y%m%d-%H%M%S}.html"
        typer.echo(f"page: {write_compare_page(runs, page)}")


def _filtered(results: Path, text: str) -> list[Path]:
    from dlx.runs.filter_expr import parse_filter
    from dlx.runs.index import sync
    from dlx.runs.listing import select
    records, _ = sync(results)
    rows = select(records, parse_filter(text), trials=True)
    if len(rows) > MAX_FILTERED:
        abort(f"the filter matches {len(rows)} runs, more than {MAX_FILTERED}; narrow it "
              f"(dlx runs --filter shows them)")
    return [results / row["path"] for row in rows]


def sparkline(values: list[float], width: int = 40) -> str:
    """A curve in one line of block characters (the values resampled to ``width``)."""
    import math
    values = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not values:
        return ""
    step = max(1, math.ceil(len(values) / width))
    values = values[::step]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((v - low) / span * len(SPARK)))] for v in values)


def _print(runs) -> None:
    from rich.table import Table

    from dlx.cli.common import fmt
    from dlx.runs.compare import config_rows, curve_keys, metric_rows
    out = console()
    for key in curve_keys(runs):
        out.print(f"[bold]{key}[/]")
        for run in runs:
            values = [row.get(key) for row in run.history]
            shown = [v for v in values if isinstance(v, (int, float))]
            out.print(f"  {sparkline(values)}  {fmt(shown[0]) if shown else ''} -> "
                      f"{fmt(shown[-1]) if shown else ''}  {run.label}", markup=False)
    table = Table(title="metrics (Δ: minus the first)")
    table.add_column("metric")
    for run in runs:
        table.add_column(run.label, justify="right")
    for run in runs[1:]:
        table.add_column(f"Δ {run.label}", justify="right")
    for name, values, differences in metric_rows(runs):
        table.add_row(name, *[fmt(v) for v in values], *["" if d is None else f"{d:+.4g}" for d in differences[1:]])
    out.print(table)
    diff = Table(title="config keys that differ")
    diff.add_column("key")
    for run in runs:
        diff.add_column(run.label)
    for key, values in config_rows(runs):
        diff.add_row(key, *[fmt(v) for v in values])
    out.print(diff if diff.row_count else "config: the same in every run")
