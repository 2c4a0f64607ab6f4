"""One registry mechanism for every kind of component.

Components register with a decorator and a name::

    layers = Registry("layer")

    @layers.register("dense")
    class Dense(Module): ...

    layers.create("dense", units=8)

An unknown name raises ``UnknownNameError`` listing the known names and the
closest match. A process imports only the modules its command needs (start-up time), so
before a name is called unknown every registering module is imported once
(``dlx.components.load_components``): "unknown" then means unknown to dlx, not to this process.
"""
from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, Iterator

from dlx.errors import UnknownNameError

EVERY_COMPONENT = "dlx.components"  # its load_components() imports every registering module


_loading = False


def load_every_component() -> None:
    """Import every registering module (once; later calls cost nothing; a call made while they are
    being imported does nothing). Imported by name: the components module sits above every package,
    this one below them all."""
    global _loading
    if _loading:
        return
    from importlib import import_module
    _loading = True
    try:
        import_module(EVERY_COMPONENT).load_components()
    finally:
        _loading = False


def closest(name: str, candidates) -> str | None:
    """The candidate most like ``name``, or None if none is close."""
    matches = difflib.get_close_matches(str(name).lower(), [c.lower() for c in candidates], n=1, cutoff=0.5)
    if not matches:
        return None
    lowered = {c.lower(): c for c in candidates}
    return lowered[matches[0]]


def unknown_name_message(kind: str, name: str, known) -> str:
    known = sorted(known)
    guess = closest(name, known)
    hint = f" Did you mean '{guess}'?" if guess else ""
    plural = kind + ("es" if kind.endswith("s") else "s")  # losses, not losss
    return f"unknown {kind} '{name}'.{hint} Known {plural}: {', '.join(known) or 'none (is its module imported?)'}."


class Registry:
    """Maps names to components (classes or functions) of one kind."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Any] = {}

    def register(self, name: str, *aliases: str) -> Callable[[Any], Any]:
        def decorate(obj):
            for key in (name, *aliases):
                key = key.lower()
                if key in self._entries and self._entries[key] is not obj:
                    raise ValueError(f"{self.kind} '{key}' is registered twice")
                self._entries[key] = obj
            obj.registry_name = name
            return obj

        return decorate

    def get(self, name: str):
        key = str(name).lower()
        if key not in self._entries:
            load_every_component()  # perhaps registered by a module this process has not imported
        try:
            return self._entries[key]
        except KeyError:
            raise UnknownNameError(unknown_name_message(self.kind, name, self._entries)) from None

    def create(self, name: str, **kwargs):
        """Instantiate the component ``name`` with keyword arguments."""
        return self.get(name)(**kwargs)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def canonical(self) -> dict[str, Any]:
        """Each component once, under the name it registered with."""
        return {obj.registry_name: obj for obj in self._entries.values()}

    def describe(self, name: str) -> str:
        """The first line of the component's docstring."""
        doc = inspect.getdoc(self.get(name)) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def __contains__(self, name: str) -> bool:
        return str(name).lower() in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.canonical())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


# The registries of the project. Components fill them when their modules are imported.
operations = Registry("operation")
activations = Registry("activation")
layers = Registry("layer")
losses = Registry("loss")
optimisers = Registry("optimiser")
schedules = Registry("schedule")
initialisers = Registry("initialiser")
datasets = Registry("dataset")
models = Registry("model")
tasks = Registry("task")
explainers = Registry("explainer")
agents = Registry("agent")
