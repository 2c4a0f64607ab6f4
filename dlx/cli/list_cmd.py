"""``dlx list [KIND]``: the registries and a one-line description of each component."""
from __future__ import annotations

from typing import Optional

import typer

from dlx.cli.common import console, user_errors

KINDS = ("datasets", "layers", "activations", "losses", "optimisers", "schedules", "initialisers", "models",
         "operations", "tasks", "explainers", "agents", "experiments")


def _registries() -> dict:
    from dlx import registry
    from dlx.components import load_components
    load_components()
    found = {kind: getattr(registry, kind) for kind in KINDS if kind != "experiments"}
    return {**found, "experiments": _ExperimentKinds()}


class _ExperimentKinds:
    """The experiment kinds (``kind:`` of a config) shown like a registry."""

    def canonical(self) -> dict:
        from dlx.experiments import KINDS as EXPERIMENT_KINDS
        return dict(EXPERIMENT_KINDS)

    def describe(self, name: str) -> str:
        return self.canonical()[name].description


def list_components(kind: Optional[str] = typer.Argument(None, help=f"One of: {', '.join(KINDS)}.")):
    """Show the registered components (all kinds, or one) with a one-line description."""
    from rich.table import Table
    with user_errors():
        from dlx.errors import UnknownNameError
        from dlx.registry import unknown_name_message
        if kind is not None and kind.lower() not in KINDS:
            raise UnknownNameError(unknown_name_message("kind", kind, KINDS))
        registries = _registries()
        chosen = [kind.lower()] if kind else list(registries)
        out = console()
        for name in chosen:
            table = Table(title=name, title_justify="left", show_header=False)
            table.add_column("name", style="bold")
            table.add_column("description")
            registry = registries[name]
            describe = _explainer_line if name == "explainers" else registry.describe
            for component in sorted(registry.canonical()):
                table.add_row(component, plain(describe(component)))
            out.print(table)


def plain(text: str) -> str:
    """A docstring line for a terminal: ``name`` (reStructuredText literal) shown as name."""
    return text.replace("``", "")


def _explainer_line(name: str) -> str:
    from dlx.explain import describe_explainer
    return describe_explainer(name)
