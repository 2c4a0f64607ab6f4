"""``dlx site [RESULTS_DIR]``: a static HTML site of every run, sweep, explanation and claim.

Example::

    dlx site                       # results/site/index.html: open it in a browser (file://) or serve the folder
    dlx site old-results --out /tmp/site
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, user_errors


def site(
    results: Path = typer.Argument(Path("results"), help="The results folder."),
    out: Optional[Path] = typer.Option(None, "--out", help="The site's folder (default: RESULTS_DIR/site; an earlier "
                                                           "site there is replaced, any other folder refused)."),
):
    """Write a static site of RESULTS_DIR: an index of runs and sweeps (sort, filter), a page per run with its plots
    and config, the sweeps' reports, explanations and claims."""
    with user_errors():
        from dlx.runs.site import write_site
        if not results.is_dir():
            abort(f"no results folder '{results}'; give the folder your runs are in (dlx site RESULTS_DIR)")
        index = write_site(results, out or results / "site")
        typer.echo(f"site: {index}")
