"""``dlx runs``: find runs in a results folder: a table, filtered and sorted; rebuild the index; prune.

Example::

    dlx runs                                                 # every run and sweep, newest first
    dlx runs --filter "status=finished and val_accuracy>0.97 and optimiser.name in (adam, sgd)" --sort -val_accuracy
    dlx runs --kind rl --columns eval_mean_return,agent.alpha --json
    dlx runs --reindex                                       # rebuild results/index.sqlite from the folders
    dlx runs --prune "status in (failed, interrupted)" --yes # delete them (--archive: move to results/.archive/)
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, user_errors

ARCHIVE = ".archive"


def runs(
    filter_: Optional[str] = typer.Option(None, "--filter", "-f", help="Keep runs matching EXPR, e.g. \"status="
                                          "finished and val_accuracy>0.97 and optimiser.name in (adam, sgd)\"."),
    sort: Optional[str] = typer.Option(None, "--sort", help="Sort by a column; -KEY for descending "
                                                            "(default: newest first)."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Comma-separated columns to show after the name."),
    kind: Optional[list[str]] = typer.Option(None, "--kind", help="Only runs of this kind (supervised, generative, "
                                                                   "rl, sweep); repeatable."),
    trials: bool = typer.Option(False, "--trials", help="Also list the trials inside sweeps."),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as JSON (every metric and config key)."),
    reindex: bool = typer.Option(False, "--reindex", help="Rebuild the results index from the folders first."),
    prune: Optional[str] = typer.Option(None, "--prune", help="Delete the runs matching EXPR (asks first)."),
    archive: bool = typer.Option(False, "--archive", help="With --prune: move them to RESULTS/.archive/ instead."),
    yes: bool = typer.Option(False, "--yes", "-y", help="With --prune: do not ask."),
    results: Path = typer.Option(Path("results"), "--results", help="Results folder."),
):
    """List the runs and sweeps of a results folder: name, kind, stamp, status, epochs, headline metrics and the
    config keys that differ."""
    with user_errors():
        from dlx.runs.filter_expr import parse_filter
        from dlx.runs.index import sync
        from dlx.runs.listing import choose_columns, plain_table, select
        if not results.is_dir():
            abort(f"no results folder '{results}'; train a run first (dlx train CONFIG) or pass --results DIR")
        match = parse_filter(prune if prune is not None else filter_) if (prune or filter_) is not None else None
        records, warnings = sync(results, rebuild=reindex)
        for warning in warnings:
            console(stderr=True).print(f"[yellow]warning:[/] {warning}", markup=True, highlight=False)
        rows = select(records, match, kind, trials and prune is None, sort)  # a trial is pruned with its sweep
        if prune is not None:
            return prune_runs(results, rows, archive, yes)
        if as_json:
            by_path = {r["path"]: r for r in records}
            typer.echo(json.dumps([_public(by_path[row["path"]]) for row in rows], indent=1, default=str))
            return
        if reindex:
            typer.echo(f"indexed {len(records)} folders in {results / 'index.sqlite'}", err=True)
        if not rows:
            typer.echo("no runs match" if match or kind else f"no runs in '{results}'")
            return
        by_path = {r["path"]: r for r in records}
        shown = choose_columns([by_path[row["path"]] for row in rows],
                               [c.strip() for c in columns.split(",") if c.strip()] if columns else None)
        typer.echo(plain_table(rows, shown))


def _public(record: dict) -> dict:
    return {key: value for key, value in record.items() if key not in ("signature", "problem")}


def prune_runs(results: Path, rows: list[dict], archive: bool, yes: bool) -> None:
    """Delete (or move to RESULTS/.archive/) the folders of ``rows`` after a confirmation."""
    from dlx.errors import DlxError
    from dlx.runs.lock import FolderLock
    if not rows:
        typer.echo("no runs match; nothing pruned")
        return
    verb = "archive" if archive else "delete"
    many = f"{len(rows)} run{'s' if len(rows) > 1 else ''} match{'es' if len(rows) == 1 else ''}"
    if not yes and not sys.stdin.isatty():
        abort(f"{many} '{rows[0]['path']}'{' ...' if len(rows) > 1 else ''}; add --yes to {verb} "
              f"{'them' if len(rows) > 1 else 'it'} without a question")
    for row in rows[:20]:
        typer.echo(f"  {row['path']}  {row['status']}")
    if len(rows) > 20:
        typer.echo(f"  ... and {len(rows) - 20} more")
    if not yes:
        if not typer.confirm(f"{verb} these {len(rows)} runs?", default=False):
            abort("nothing pruned")
    done = 0
    for row in rows:
        folder = results / row["path"]
        try:
            FolderLock.check(folder, "run folder")  # never remove a run another process is writing
        except DlxError as error:
            typer.echo(f"skipped {row['path']}: {error}", err=True)
            continue
        if archive:
            target = results / ARCHIVE / row["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(target))
        else:
            shutil.rmtree(folder)
        done += 1
    from dlx.runs.index import sync
    sync(results)  # the index forgets them
    typer.echo(f"{verb}d {done} runs" + (f" into {results / ARCHIVE}" if archive else ""))
