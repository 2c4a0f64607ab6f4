"""``dlx list [KIND]``: the registries and a one-line description of each component."""
from __future__ import annotations

from typing import Optional

import typer

from dlx.cli.common import console, user_errors

KINDS = ("datasets", "layers", "activations", "losses", "optimisers", "schedules", "initialisers", "models",
         "operations", "tasks", "explainers", "agents")


def _registries(kinds: list[str] | None = None) -> dict:
    import dlx.data  # noqa: F401  (each import fills its registries)
    import dlx.losses  # noqa: F401
    import dlx.models  # noqa: F401
    import dlx.nn  # noqa: F401
    import dlx.optim  # noqa: F401
    import dlx.tasks  # noqa: F401
    if kinds is None or "explainers" in kinds:
        import dlx.explain  # noqa: F401  (loaded only when listed: it is the largest family)
    if kinds is None or "agents" in kinds:
        import dlx.rl  # noqa: F401  (imports gymnasium)
    from dlx import registry
    return {kind: getattr(registry, kind) for kind in KINDS}


def list_components(kind: Optional[str] = typer.Argument(None, help=f"One of: {', '.join(KINDS)}.")):
    """Show the registered components (all kinds, or one) with a one-line description."""
    from rich.table import Table
    with user_errors():
        from dlx.errors import UnknownNameError
        from dlx.registry import unknown_name_message
        if kind is not None and kind.lower() not in KINDS:
            raise UnknownNameError(unknown_name_message("kind", kind, KINDS))
        registries = _registries([kind.lower()] if kind else None)
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
