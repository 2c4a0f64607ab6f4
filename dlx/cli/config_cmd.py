"""``dlx config show CONFIG`` prints the resolved config; ``dlx schema`` the JSON Schema for editors."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import user_errors

config_app = typer.Typer(help="Inspect configs.", no_args_is_help=True)


@config_app.command("show")
def show(
    config: Path = typer.Argument(..., help="YAML experiment config."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a key: --set optimiser.lr=0.01."),
):
    """Print CONFIG with overrides applied and every default filled in, after checking it."""
    with user_errors():
        from dlx.config import load_config
        from dlx.train.experiment import check_components
        from dlx.train.runner import resolved_yaml
        loaded = load_config(config, set_ or [])
        check_components(loaded)
        typer.echo(resolved_yaml(loaded), nl=False)


def schema():
    """Print the JSON Schema of config files (point your editor's YAML support at it)."""
    from dlx.config import json_schema
    typer.echo(json.dumps(json_schema(), indent=2))
