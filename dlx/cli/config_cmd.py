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
    """Print CONFIG with overrides applied and every default filled in, after checking it.

    A hyperparameter the config leaves out shows the component's own default
    ({name: adadelta} trains with lr 1.0, adam with 0.001).
    """
    with user_errors():
        import yaml

        from dlx.experiments import kind_named, load_experiment
        loaded = load_experiment(config, set_ or [])
        typer.echo(yaml.safe_dump(kind_named(loaded.kind).resolved(loaded), sort_keys=False), nl=False)


def schema():
    """Print the JSON Schema of config files of every experiment kind (point your editor's YAML support at it).

    The keys of each layer, optimiser and schedule come from their registered signatures.
    """
    from dlx.components import load_components
    from dlx.config.components import add_component_schemas
    from dlx.experiments import json_schema
    from dlx.models.builder import FROZEN_KEY, PENALTY_KEYS
    load_components()  # every layer, optimiser and schedule registered
    extras = {key: {"type": "number", "minimum": 0, "description": f"this layer's {key} penalty"}
              for key in PENALTY_KEYS}
    extras[FROZEN_KEY] = {"type": "boolean", "description": "freeze this layer's parameters (no gradient, no update)"}
    typer.echo(json.dumps(add_component_schemas(json_schema(), extras), indent=2))
