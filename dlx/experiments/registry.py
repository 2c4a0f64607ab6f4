"""The registry of experiment kinds, the one rule that names a config's kind, and the union of their schemas.

A kind is one ``ExperimentKind``: its name, its config schema (a pydantic model) and
the entry points the commands call (check, train, resume, run a trial). A module of
``dlx.experiments`` builds one and calls ``register_kind``; ``BUILT_IN`` below names that module
(one line per kind), imported when a config of the kind or a listing of the kinds first needs it. Nothing above this package names a kind.

The kind of a config (``kind_of``), in this order:

1. ``kind: NAME`` when the config says it (any registered kind);
2. ``rl`` when it has an ``environment`` section;
3. ``generative`` when it says ``task: generative``;
4. ``supervised`` otherwise (a data set and a model).

The schemas form one pydantic union whose callable discriminator is ``kind_of``
(``config_adapter``), so every config is validated, described (``dlx schema``) and
reported the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Annotated, Any, Callable, Union

from pydantic import BaseModel, Discriminator, Tag, TypeAdapter

from dlx.errors import ConfigError
from dlx.registry import closest


def _nothing(*args, **kwargs) -> None:
    return None


@dataclass(frozen=True)
class ExperimentKind:
    """One kind of experiment and what the commands need of it.

    Args:
        name: what ``kind:`` says, e.g. ``supervised``.
        schema: the pydantic model of its configs (``extra="forbid"``; a field ``kind``).
        description: one line for ``dlx schema`` and messages.
        check (default: nothing): ``check(loaded)`` resolves names against the registries,
            raising ConfigError with the file's line; called before any work or folder.
        show (default: ``model_dump``): ``show(loaded) -> dict``, the resolved config of
            ``dlx config show``.
        train: ``train(loaded, results_dir, reporter) -> RunResult`` (``run_dir``, ``status``,
            ``summary``, ``message``) in a new run folder.
        resume (default None): ``resume(run_dir, loaded, reporter) -> RunResult``; None: cannot resume.
        run_trial: ``run_trial(loaded, folder, splits, reporter, on_epoch) -> RunResult`` for sweeps;
            ``summary`` holds ``final``/``test`` metrics named as in ``metrics``.
        seed_key: the dotted key of the seed (a sweep's seeds replace it).
        planned_epochs: ``planned_epochs(config) -> int``, the rows a trial writes unpruned (ASHA).
        metrics: ``metrics() -> names``, what its trials report (a sweep's ``--metric``).
        default_metric: ``default_metric(config) -> (metric, goal)``, what a sweep ranks by unless
            told (``goal``: min or max).
        headline (default: none): ``headline(summary) -> (label, {name: value})``, the line
            ``dlx train`` prints for a run without epochs of a table.
        commands (default ()): which of the commands that need a data set and a model (``cv``,
            ``curve``, ``lr-find``, ``explain``, ``evaluate``) take configs of this kind.
        frequent_rows (default False): its rows (an agent's episodes) come too often for a printed
            line each: progress off a terminal is a line every few seconds.
    """

    name: str
    schema: type[BaseModel]
    description: str
    train: Callable
    run_trial: Callable
    seed_key: str
    planned_epochs: Callable[[Any], int]
    metrics: Callable[[], tuple[str, ...]]
    default_metric: Callable[[Any], tuple[str, str]]
    check: Callable = _nothing
    show: Callable | None = None
    resume: Callable | None = None
    headline: Callable | None = None
    commands: tuple[str, ...] = ()
    frequent_rows: bool = False

    def resolved(self, loaded) -> dict:
        """The resolved config as ``dlx config show`` prints it."""
        return self.show(loaded) if self.show else loaded.config.model_dump(mode="json")


# The kinds that come with dlx and the modules that register them, imported on first use: a command
# that trains a supervised config does not pay for the generative, RL and compression schemas
# (about 0.1 s of CPU at every start). Anything that lists the kinds sees all of them.
def train_with(run: Callable) -> Callable:
    """The ``train`` entry point of a kind whose ``run(loaded, folder, results_dir=None, on_epoch=None)``
    trains in a run folder (None: a new one): its rows shown by the reporter, which is stopped after."""
    def train(loaded, results_dir=None, reporter=None):
        if reporter is None:
            return run(loaded, None, results_dir)
        try:
            return run(loaded, None, results_dir, on_epoch=reporter.epoch)
        finally:
            reporter.stop()
    return train


def trial_with(run: Callable) -> Callable:
    """The ``run_trial`` entry point of such a kind: the trial in its folder, its rows to ``on_epoch``."""
    def run_trial(loaded, folder=None, splits=None, reporter=None, on_epoch=None):
        return run(loaded, folder, on_epoch=on_epoch)
    return run_trial


BUILT_IN = {
    "supervised": "dlx.experiments.supervised",
    "generative": "dlx.experiments.generative",
    "rl": "dlx.experiments.rl",
    "compress": "dlx.experiments.compress",
    "stdp": "dlx.experiments.stdp",
    "continual": "dlx.experiments.continual",
}


class Kinds(dict):
    """The registered kinds by name; reading it as a whole (or a built-in kind not yet imported)
    first imports the built-in kinds' modules, so it reads as if they had been imported up front."""

    def load(self, name: str) -> None:
        if name in BUILT_IN and not dict.__contains__(self, name):
            import_module(BUILT_IN[name])

    def load_all(self) -> None:
        """Import every built-in kind; the built-in ones first, in ``BUILT_IN``'s order, then others."""
        if all(dict.__contains__(self, name) for name in BUILT_IN):
            return
        for name in BUILT_IN:
            self.load(name)
        order = [name for name in BUILT_IN if dict.__contains__(self, name)]
        order += [name for name in dict.keys(self) if name not in BUILT_IN]
        entries = [(name, dict.__getitem__(self, name)) for name in order]
        dict.clear(self)
        dict.update(self, entries)

    def __getitem__(self, name):
        self.load(name)
        return dict.__getitem__(self, name)

    def get(self, name, default=None):
        self.load(name)
        return dict.get(self, name, default)

    def __contains__(self, name) -> bool:
        self.load(name)
        return dict.__contains__(self, name)

    def __iter__(self):
        self.load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.load_all()
        return dict.__len__(self)

    def __repr__(self) -> str:
        self.load_all()
        return dict.__repr__(self)

    def keys(self):
        self.load_all()
        return dict.keys(self)

    def values(self):
        self.load_all()
        return dict.values(self)

    def items(self):
        self.load_all()
        return dict.items(self)


KINDS: dict[str, ExperimentKind] = Kinds()


def register_kind(kind: ExperimentKind) -> ExperimentKind:
    """Add ``kind`` (a kind of the same name is replaced); the union is rebuilt on next use."""
    KINDS[kind.name] = kind
    config_adapter.cache_clear()
    return kind


def kind_named(name: str) -> ExperimentKind:
    """The registered kind ``name``; ConfigError naming the known kinds and the closest."""
    if name in KINDS:  # imports a built-in kind's module on first use
        return KINDS[name]
    guess = closest(str(name), sorted(KINDS))
    hint = f"did you mean '{guess}'? " if guess else ""
    raise ConfigError(f"unknown experiment kind '{name}'; {hint}known: {', '.join(sorted(KINDS))}")


def kinds_for(command: str) -> list[str]:
    """The kinds whose configs ``command`` (e.g. ``cv``) takes."""
    return [name for name, kind in KINDS.items() if command in kind.commands]


def require_command(loaded, command: str) -> None:
    """ConfigError unless ``command`` takes configs of ``loaded``'s kind (one line: which kinds it takes)."""
    if command not in kind_named(loaded.kind).commands:
        raise ConfigError(f"{loaded.source}: dlx {command} needs a {' or '.join(kinds_for(command))} config; "
                          f"this one is {loaded.kind}")


def kind_of(raw: Any) -> str:
    """The kind of a config mapping (the rule in this module's docstring); the union's discriminator."""
    if isinstance(raw, BaseModel):
        raw = raw.model_dump()
    if not isinstance(raw, dict):
        return "supervised"
    if raw.get("kind") is not None:
        return str(raw["kind"])
    if "environment" in raw:
        return "rl"
    if raw.get("task") == "generative":
        return "generative"
    return "supervised"


@lru_cache(maxsize=1)
def config_adapter() -> TypeAdapter:
    """One validator for every kind: the registered schemas as a union tagged by ``kind_of``."""
    members = tuple(Annotated[kind.schema, Tag(kind.name)] for kind in KINDS.values())
    return TypeAdapter(Annotated[Union[members], Discriminator(kind_of)])  # noqa: UP007


def json_schema() -> dict:
    """The JSON Schema of any config file (one ``oneOf`` member per kind), for editors' YAML support."""
    schema = config_adapter().json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "dlx experiment config"
    schema["description"] = "one of the experiment kinds: " + "; ".join(
        f"{kind.name}: {kind.description}" for kind in KINDS.values())
    return schema
