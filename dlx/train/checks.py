"""Checks of a loaded config against the registries, before any data is loaded or any folder exists.

``check_components`` resolves every name in the config against its registry
and every keyword argument against the component's signature, pointing at the
YAML line of the offending key; it builds each layer once, unbuilt, so that
bad argument values fail here too.
"""
from __future__ import annotations

import inspect

import dlx.data  # noqa: F401  (registers the data sets)
import dlx.losses  # noqa: F401  (registers the losses)
import dlx.models  # noqa: F401  (registers the named models)
import dlx.optim  # noqa: F401  (registers optimisers and schedules)
from dlx.config import LoadedConfig
from dlx.config.components import argument_problem
from dlx.data.augment import get_augmentation
from dlx.errors import ConfigError, DlxError, UnknownNameError
from dlx.models.builder import LAYER_KEYS, PENALTY_KEYS, create_layer, layer_spec, other_kind_problem
from dlx.models.graph import GraphBuilder, GraphSpecError, is_graph_config
from dlx.optim import get_schedule
from dlx.registry import closest, datasets, layers, losses, models, optimisers
from dlx.tasks import known_metrics


def component_spec(spec) -> tuple[str, dict]:
    if isinstance(spec, str):
        return spec, {}
    spec = dict(spec)
    name = spec.pop("name", None)
    if not isinstance(name, str):
        raise ValueError("needs a 'name', e.g. {name: cosine}")
    return name, spec


def _check_kwargs(loaded: LoadedConfig, path: tuple, target, kwargs: dict, skip=("self", "rng")) -> None:
    """Every key must be a keyword of ``target``; every required keyword must be given."""
    params = {n: p for n, p in inspect.signature(target).parameters.items()
              if n not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for key in kwargs:
        if key not in params:
            guess = closest(key, params)
            hint = f"did you mean '{guess}'? " if guess else ""
            allowed = ", ".join(params) or "none"
            raise loaded.error(path + (key,), f"unknown argument; {hint}allowed: {allowed}")
        problem = argument_problem(params[key], kwargs[key])
        if problem:
            raise loaded.error(path + (key,), problem)
    for name, param in params.items():
        if param.default is inspect.Parameter.empty and name not in kwargs and name != "output_size":
            raise loaded.error(path, f"required argument '{name}' is missing")


def _lookup(loaded: LoadedConfig, path: tuple, registry, name: str):
    try:
        return registry.get(name)
    except UnknownNameError as error:
        raise loaded.error(path, str(error)) from None


def check_trackers(loaded: LoadedConfig) -> None:
    """``output.tensorboard`` / ``output.mlflow`` switched on without their package: the line, before any folder."""
    from importlib.util import find_spec
    for key, module in (("tensorboard", "tensorboard"), ("mlflow", "mlflow")):
        if getattr(loaded.config.output, key, False) and find_spec(module) is None:
            raise loaded.error(("output", key), f"needs the {module} package; install with "
                                                f"pip install -e '.[trackers]'")


def check_components(loaded: LoadedConfig) -> None:
    """Resolve every component name and argument in the config; ConfigError on the first problem."""
    c = loaded.config
    _check_kwargs(loaded, ("dataset", "options"), _lookup(loaded, ("dataset", "name"), datasets, c.dataset.name),
                  c.dataset.options)
    if c.model.name:
        factory = _lookup(loaded, ("model", "name"), models, c.model.name)
        if problem := other_kind_problem(c.model.name, factory):
            raise loaded.error(("model", "name"), problem)
        _check_kwargs(loaded, ("model", "options"), factory, c.model.options)
    elif is_graph_config(section := c.model.model_dump()):  # every layer as below, at its place in the graph
        try:
            GraphBuilder(section, lambda path, spec: _checked_layer(loaded, ("model",) + path, spec)).model(section)
        except GraphSpecError as error:
            raise loaded.error(("model",) + error.key_path, str(error)) from None
    else:
        for i, spec in enumerate(c.model.layers):
            _checked_layer(loaded, ("model", "layers", i), spec)
    if c.loss is not None:
        _check_named(loaded, ("loss",), losses, c.loss)
    check_trackers(loaded)
    check_optimiser(loaded, ("optimiser",), c.optimiser)
    if c.optimiser.schedule is not None:
        _build(loaded, ("optimiser", "schedule"), get_schedule, c.optimiser.schedule)
    for i, spec in enumerate(c.dataset.augment):
        _build(loaded, ("dataset", "augment", i), get_augmentation, spec)
    known = known_metrics()
    for i, metric in enumerate(c.training.metrics or []):
        if metric not in known:
            guess = closest(metric, known)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise loaded.error(("training", "metrics", i), f"unknown metric '{metric}'; {hint}known: {', '.join(known)}")


def _checked_layer(loaded: LoadedConfig, path: tuple, spec):
    """The layer ``spec`` at ``path``, its name and arguments checked (unbuilt: building it needs the data)."""
    try:
        name, kwargs = layer_spec(spec)
    except ConfigError as error:
        raise loaded.error(path, str(error)) from None
    cls = _lookup(loaded, path, layers, name)
    _check_kwargs(loaded, path + (name,), cls, {k: v for k, v in kwargs.items() if k not in LAYER_KEYS},
                  skip=("self", "rng", "in_features"))
    for key in PENALTY_KEYS:
        if key in kwargs and not (isinstance(kwargs[key], (int, float)) and kwargs[key] >= 0):
            raise loaded.error(path + (name, key), f"must be a number >= 0, got {kwargs[key]!r}")
    try:  # constructing a layer checks its arguments' values
        return create_layer(name, kwargs, output_size=1)
    except (DlxError, TypeError, ValueError) as error:
        raise loaded.error(path + (name,), str(error)) from None


def check_optimiser(loaded: LoadedConfig, path: tuple, section) -> None:
    """The optimiser of ``section`` (an ``OptimiserConfig`` at ``path``) exists and takes its hyperparameters."""
    optimiser = _lookup(loaded, path + ("name",), optimisers, section.name)
    _check_kwargs(loaded, path, optimiser, section.hyperparameters(), skip=("self", "params"))


def _check_named(loaded, path, registry, spec):
    try:
        name, kwargs = component_spec(spec)
    except ValueError as error:
        raise loaded.error(path, str(error)) from None
    _check_kwargs(loaded, path, _lookup(loaded, path, registry, name), kwargs)


def _build(loaded, path, factory, spec):
    try:
        return factory(spec)
    except DlxError as error:
        raise loaded.error(path, str(error)) from None
    except (TypeError, ValueError) as error:
        raise loaded.error(path, f"{error}") from None
