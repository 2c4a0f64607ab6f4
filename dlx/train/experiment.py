"""From a loaded config to everything a training run needs, checked before any work.

``check_components`` resolves every name in the config against its registry
and every keyword argument against the component's signature, pointing at
the YAML line of the offending key. ``prepare`` then loads and splits the data,
fits the scaler on the training part, builds the model (shapes checked layer
by layer), the loss, the optimiser and the schedule, all seeded from
``training.seed``.
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dlx.data  # noqa: F401  (registers the data sets)
import dlx.losses  # noqa: F401  (registers the losses)
import dlx.models  # noqa: F401  (registers the named models)
import dlx.optim  # noqa: F401  (registers optimisers and schedules)
from dlx.config import LoadedConfig
from dlx.data import Dataset, get_scaler, split_dataset
from dlx.data.augment import get_augmentation
from dlx.errors import ConfigError, DlxError, ShapeError, UnknownNameError
from dlx.losses import check_pairing
from dlx.models.builder import PENALTY_KEYS, build_model, check_output, create_layer, final_activation, layer_spec
from dlx.optim import get_schedule
from dlx.registry import closest, datasets, layers, losses, models, optimisers
from dlx.train.metrics import METRICS_BY_TASK


@dataclass
class Experiment:
    """Everything a run needs; built by ``prepare``."""

    loaded: LoadedConfig
    splits: dict[str, Dataset]
    scaler: Any
    model: Any
    loss: Any
    loss_name: str
    optimiser: Any
    schedule: Any
    augment: Any
    rngs: dict[str, np.random.Generator]
    warnings: list[str] = field(default_factory=list)

    @property
    def config(self):
        return self.loaded.config

    @property
    def task(self) -> str:
        return self.splits["train"].task


# ---- checks against the registries --------------------------------------------------------------
def _spec(spec) -> tuple[str, dict]:
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
    for name, param in params.items():
        if param.default is inspect.Parameter.empty and name not in kwargs and name != "output_size":
            raise loaded.error(path, f"required argument '{name}' is missing")


def _lookup(loaded: LoadedConfig, path: tuple, registry, name: str):
    try:
        return registry.get(name)
    except UnknownNameError as error:
        raise loaded.error(path, str(error)) from None


def check_components(loaded: LoadedConfig) -> None:
    """Resolve every component name and argument in the config; ConfigError on the first problem."""
    c = loaded.config
    _check_kwargs(loaded, ("dataset", "options"), _lookup(loaded, ("dataset", "name"), datasets, c.dataset.name),
                  c.dataset.options)
    if c.model.name:
        factory = _lookup(loaded, ("model", "name"), models, c.model.name)
        _check_kwargs(loaded, ("model", "options"), factory, c.model.options)
    else:
        for i, spec in enumerate(c.model.layers):
            try:
                name, kwargs = layer_spec(spec)
            except ConfigError as error:
                raise loaded.error(("model", "layers", i), str(error)) from None
            cls = _lookup(loaded, ("model", "layers", i), layers, name)
            _check_kwargs(loaded, ("model", "layers", i, name), cls,
                          {k: v for k, v in kwargs.items() if k not in PENALTY_KEYS},
                          skip=("self", "rng", "in_features"))
            for key in PENALTY_KEYS:
                if key in kwargs and not (isinstance(kwargs[key], (int, float)) and kwargs[key] >= 0):
                    raise loaded.error(("model", "layers", i, name, key), f"must be a number >= 0, got {kwargs[key]!r}")
            try:  # constructing a layer checks its arguments' values; building it needs the data
                create_layer(name, kwargs, output_size=1)
            except (DlxError, TypeError, ValueError) as error:
                raise loaded.error(("model", "layers", i, name), str(error)) from None
    if c.loss is not None:
        _check_named(loaded, ("loss",), losses, c.loss)
    optimiser = _lookup(loaded, ("optimiser", "name"), optimisers, c.optimiser.name)
    _check_kwargs(loaded, ("optimiser",), optimiser, c.optimiser.hyperparameters(), skip=("self", "params"))
    if c.optimiser.schedule is not None:
        _build(loaded, ("optimiser", "schedule"), get_schedule, c.optimiser.schedule)
    for i, spec in enumerate(c.dataset.augment):
        _build(loaded, ("dataset", "augment", i), get_augmentation, spec)
    known = sorted({m for names in METRICS_BY_TASK.values() for m in names} | {"loss"})
    for i, metric in enumerate(c.training.metrics or []):
        if metric not in known:
            guess = closest(metric, known)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise loaded.error(("training", "metrics", i), f"unknown metric '{metric}'; {hint}known: {', '.join(known)}")


def _check_named(loaded, path, registry, spec):
    try:
        name, kwargs = _spec(spec)
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


# ---- building -----------------------------------------------------------------------------------
def seeded_generators(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for data, initialisation, shuffling and noise, all from one seed."""
    data, init, shuffle, noise = np.random.default_rng(seed).spawn(4)
    return {"data": data, "init": init, "shuffle": shuffle, "noise": noise}


def load_dataset(loaded: LoadedConfig, rng: np.random.Generator) -> Dataset:
    """The whole data set of the config, before any split."""
    c = loaded.config.dataset
    return datasets.get(c.name)(rng=rng, **c.options)


def load_splits(loaded: LoadedConfig, rng: np.random.Generator) -> dict[str, Dataset]:
    c = loaded.config.dataset
    return split_dataset(load_dataset(loaded, rng), validation=c.validation, test=c.test, rng=rng,
                         stratify=c.stratify)


def scale_splits(splits: dict[str, Dataset], scaler) -> dict[str, Dataset]:
    """The splits with the scaler (already fitted on train) applied to their inputs."""
    out = {}
    for key, part in splits.items():
        X = scaler.transform(part.X) if len(part) else part.X
        out[key] = Dataset(X, part.y, part.task, part.name, part.feature_names, part.class_names)
    return out


def default_loss(task: str, activation: str) -> str:
    """The lecture's table: regression -> mse, binary/multi-label -> bce, multi-class -> cross-entropy."""
    if task == "regression":
        return "mse"
    if task == "multiclass":
        return "cross_entropy"
    return "bce" if activation == "sigmoid" else "bce_with_logits"


def expected_outputs(ds: Dataset, loss_name: str) -> int:
    """Units of the last layer: a binary problem trained with cross-entropy needs two."""
    if losses.get(loss_name).family == "cross_entropy" and ds.task == "binary":
        return 2
    return ds.output_size


def loss_spec(c, train: Dataset) -> tuple[str, dict]:
    """(loss name, keyword arguments): the config's ``loss``, or the lecture's default for the task."""
    if c.loss is not None:
        return _spec(c.loss)
    last = c.model.layers[-1] if c.model.layers else None
    return default_loss(train.task, layer_spec(last)[0] if last is not None else "linear"), {}


def prepare(loaded: LoadedConfig) -> Experiment:
    """Load and split the data, then ``prepare_from_splits``; ConfigError/ShapeError before any training."""
    check_components(loaded)
    splits = load_splits(loaded, seeded_generators(loaded.config.training.seed)["data"])
    return prepare_from_splits(loaded, splits)


def prepare_from_splits(loaded: LoadedConfig, splits: dict[str, Dataset]) -> Experiment:
    """Everything a run needs for splits already chosen (by ``prepare``, a fold, a subset).

    The scaler is fitted on ``splits["train"]`` only; ``training.seed`` seeds the
    initialisation, shuffling and noise. The model's shapes are checked layer by
    layer before it is built. The config must have passed ``check_components``
    (``prepare`` and every sweep check it once, before any data is loaded).
    """
    c = loaded.config
    rngs = seeded_generators(c.training.seed)
    scaler = get_scaler(c.dataset.scaling).fit(splits["train"].X)
    splits = scale_splits(splits, scaler)
    train = splits["train"]
    loss_key, loss_kwargs = loss_spec(c, train)
    outputs = expected_outputs(train, loss_key)
    try:
        model = build_model(c.model, train.input_shape, outputs, rngs["init"])
        check_output(model, train.input_shape, outputs)
    except ShapeError as error:
        raise ShapeError(f"{loaded.where(('model',))}: {error}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_pairing(final_activation(model), loss_key, train.task)
    optimiser = optimisers.create(c.optimiser.name, params=model.parameters(), **c.optimiser.hyperparameters())
    augment = get_augmentation(list(c.dataset.augment)) if c.dataset.augment else None
    return Experiment(loaded, splits, scaler, model, losses.create(loss_key, **loss_kwargs),
                      losses.get(loss_key).registry_name, optimiser, get_schedule(c.optimiser.schedule), augment,
                      rngs, [str(w.message) for w in caught])
