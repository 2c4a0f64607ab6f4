"""``dlx claims list|run|report``: the lecture's claims as experiments with verdicts, and one report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, user_errors

claims_app = typer.Typer(help="The lecture's claims as experiments: list, run and report them.",
                         no_args_is_help=True)

FOLDER = typer.Option(Path("experiments/claims"), "--claims", help="Folder of claim files.")
RESULTS = typer.Option(Path("results/claims"), "--results", help="Where the claims' sweeps and report go.")


@claims_app.command("list")
def list_claims(folder: Path = FOLDER):
    """Every claim: its name, the notes' section, the statement, and whether it runs or waits (pending)."""
    with user_errors():
        from rich.table import Table

        from dlx.claims.catalog import load_catalog
        catalog = load_catalog(folder)
        table = Table(title=f"{len(catalog)} claims ({sum(c.runnable for c in catalog)} runnable)",
                      title_justify="left")
        for column in ("claim", "section", "statement", "state"):
            table.add_column(column)
        for c in catalog:
            table.add_row(c.name, c.section, c.statement, "runnable" if c.runnable else f"pending: {c.pending}")
        out = console()
        if not out.is_terminal:
            out.width = 200          # logs and pipes: a row per line rather than wrapped cells
        out.print(table)


@claims_app.command("run")
def run(
    names: Optional[list[str]] = typer.Argument(None, help="Claims to run (default: every runnable one)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Trials at once (default: the cores)."),
    backend: str = typer.Option("local", "--backend", help="local (process pool), serial, or ray."),
    resume: bool = typer.Option(False, "--resume", help="Skip claims whose sweep finished; continue interrupted ones."),
    folder: Path = FOLDER,
    results: Path = RESULTS,
):
    """Run the claims' sweeps, then write the report (results/claims/report.html).

    Exit status: 0 every claim ran (held or not shown); 3 a claim failed; 1 bad input.
    """
    with user_errors():
        from dlx.claims.catalog import load_catalog, pick
        from dlx.claims.report import write_claims_report
        from dlx.claims.runner import run_claims
        chosen = pick(load_catalog(folder), names or [])
        err = console(stderr=True)

        def said(run) -> None:
            what = run.skipped or f"{run.seconds:.0f} s, {run.sweep_dir}"
            err.print(f"claim {run.claim.name}: {what}")
        runs = run_claims(chosen, results, workers=workers, backend=backend, resume=resume, on_claim=said)
        path = write_claims_report(load_catalog(folder), results)
    console().print(f"report: {path}")
    raise typer.Exit(3 if any(r.exit_code == 3 for r in runs) else 0)


@claims_app.command("report")
def report(folder: Path = FOLDER, results: Path = RESULTS):
    """Write the report of every claim from the sweeps already run (results/claims/report.html)."""
    with user_errors():
        from dlx.claims.catalog import load_catalog
        from dlx.claims.report import write_claims_report
        path = write_claims_report(load_catalog(folder), results)
    console().print(f"report: {path}")


def verify(
    path: Path = typer.Argument(..., help="A run folder or a sweep folder."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Trials at once for a sweep."),
):
    """Rerun a run (or every trial of a sweep) from its record and say whether the numbers agree.

    Exactly, when the packages, BLAS and platform match the record; else within 1e-6 relative.
    An edited config.yaml is reported key by key. Exit status: 0 reproduced, 3 not, 1 bad input.
    """
    with user_errors():
        from dlx.claims.verify import describe, verify as run_verify
        result = run_verify(path, workers)
    console().print(describe(result))
    raise typer.Exit(0 if result.reproduced else 3)
