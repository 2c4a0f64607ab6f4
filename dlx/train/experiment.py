"""From a loaded config to everything a training run needs, checked before any work.

``prepare`` is the one place that reads the config: it loads and splits the
data, chooses the task, fits the scaler on the training part, builds the model
(shapes checked layer by layer), the loss, the optimiser, the learning-rate
schedule, the penalties and the callbacks, all seeded from ``training.seed``.
The training loop then receives explicit settings, never the config.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlx.config import LoadedConfig
from dlx.data import Dataset, get_scaler, resolve_batch_size, split_indices
from dlx.data.dataset import CLASSIFICATION_TASKS
from dlx.data.augment import get_augmentation
from dlx.errors import ConfigError, DlxError, ShapeError
from dlx.losses import PAIRINGS, check_pairing
from dlx.models.builder import build_model, check_output, final_activation, layer_spec
from dlx.models.graph import structural
from dlx.models.memory import memory_limit
from dlx.optim import ScheduledRate, get_schedule
from dlx.registry import datasets, losses, optimisers
from dlx.tasks import Task, get_task
from dlx.train.callbacks import DivergenceGuard, EarlyStopping
from dlx.train.checks import check_components, component_spec
from dlx.train.penalties import penalised_weights


@dataclass
class TrainSettings:
    """What the loop needs to know besides the model and the data; built from the config by ``prepare``.

    L2 comes from two places, which add up: ``regularisation.l2`` (or a layer's own ``l2``,
    which replaces it for that layer's weights) is a penalty ``l2 * sum w^2`` on the weights,
    applied by the loop (``penalties``); ``optimiser.weight_decay`` is the optimiser's
    coupled decay ``g += wd * w`` on every parameter (biases too), the same as an
    ``l2`` of ``wd / 2`` on all of them. Use one or the other.
    """

    epochs: int
    batch_size: int | str
    shuffle: bool = True
    metrics: list[str] | None = None  # None: all of the task's
    train_metrics: bool = True
    checkpoint: bool = True
    checkpoint_seconds: float = 30.0
    input_noise: float = 0.0
    weight_noise: float = 0.0
    penalties: list[tuple] = field(default_factory=list)  # (weight, l1, l2), see penalties.py
    restore_best: bool = False  # end with the best epoch's weights (early stopping asks for it)


@dataclass
class Experiment:
    """Everything a run needs, built by ``prepare``."""

    loaded: LoadedConfig
    splits: dict[str, Dataset]
    task: Task
    n_outputs: int
    scaler: Any
    model: Any
    loss: Any
    loss_name: str
    optimiser: Any
    rate: ScheduledRate
    augment: Any
    rngs: dict[str, np.random.Generator]
    settings: TrainSettings
    stopper: EarlyStopping
    guard: DivergenceGuard
    early_stopping: bool = False
    warnings: list[str] = field(default_factory=list)
    split_indices: dict[str, np.ndarray] = field(default_factory=dict)  # into the loaded data set (splits.npz)

    @property
    def config(self):
        return self.loaded.config

    def learner(self):
        """The supervised learner of this experiment, for the trainer."""
        from dlx.train.loop import SupervisedLearner
        return SupervisedLearner(self)


def seeded_generators(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for data, initialisation, shuffling and noise, all from one seed."""
    data, init, shuffle, noise = np.random.default_rng(seed).spawn(4)
    return {"data": data, "init": init, "shuffle": shuffle, "noise": noise}


_kept: dict[str, tuple[Dataset, dict]] = {}  # see keep_datasets
_keep_count = 0


def keep_datasets(count: int) -> None:
    """Keep the last ``count`` data sets this process loads (0: none, the default), for a process that runs
    many trials of one data set (a sweep's pool worker): a trial whose data set config and data generator
    state equal an earlier one's gets that data set again, and the generator the state that loading left,
    so its splits and everything after are what a fresh load gives. Nothing changes a loaded data set
    (splits and scaling make new arrays)."""
    global _keep_count
    _keep_count = int(count)
    while len(_kept) > _keep_count:
        _kept.pop(next(iter(_kept)))


def load_dataset(loaded: LoadedConfig, rng: np.random.Generator) -> Dataset:
    """The whole data set of the config, before any split (kept for the next trial: ``keep_datasets``)."""
    c = loaded.config.dataset
    if not _keep_count:
        return datasets.get(c.name)(rng=rng, **c.options)
    key = json.dumps({"name": c.name, "options": c.options, "rng": rng.bit_generator.state}, sort_keys=True,
                     default=str)
    if key in _kept:
        full, state = _kept[key]
        rng.bit_generator.state = state
        return full
    full = datasets.get(c.name)(rng=rng, **c.options)
    _kept[key] = (full, rng.bit_generator.state)
    keep_datasets(_keep_count)  # the oldest goes
    return full


def load_split_indices(loaded: LoadedConfig, rng: np.random.Generator) -> tuple[Dataset, dict[str, np.ndarray]]:
    """The whole data set and the indices of its train/validation/test parts, drawn as the config says."""
    c = loaded.config.dataset
    full = load_dataset(loaded, rng)
    return full, split_indices(full, validation=c.validation, test=c.test, rng=rng, stratify=c.stratify)


def load_splits(loaded: LoadedConfig, rng: np.random.Generator) -> dict[str, Dataset]:
    full, indices = load_split_indices(loaded, rng)
    return subsets(full, indices)


def subsets(full: Dataset, indices: dict) -> dict[str, Dataset]:
    """The train/validation/test parts of ``full`` at ``indices`` (a missing part is empty)."""
    return {key: full.subset(np.asarray(indices.get(key, []), dtype=np.int64))
            for key in ("train", "validation", "test")}


def scale_splits(splits: dict[str, Dataset], scaler) -> dict[str, Dataset]:
    """The splits with the scaler (already fitted on train) applied to their inputs."""
    out = {}
    for key, part in splits.items():
        out[key] = part.with_inputs(scaler.transform(part.X)) if len(part) else part
    return out


def loss_spec(c, task: Task) -> tuple[str, dict]:
    """(loss name, keyword arguments): the config's ``loss``, or the lecture's default for the task."""
    if c.loss is not None:
        return component_spec(c.loss)
    last = c.model.layers[-1] if c.model.layers else None
    plain = last is not None and structural(last) is None  # a graph item ends in a merge or a block: linear
    return task.default_loss(layer_spec(last)[0] if plain else "linear"), {}


def prepare(loaded: LoadedConfig) -> Experiment:
    """Load and split the data, then ``prepare_from_splits``; ConfigError/ShapeError before any training."""
    check_components(loaded)
    full, indices = load_split_indices(loaded, seeded_generators(loaded.config.training.seed)["data"])
    return prepare_from_splits(loaded, subsets(full, indices), indices)


def prepare_from_splits(loaded: LoadedConfig, splits: dict[str, Dataset],
                        indices: dict[str, np.ndarray] | None = None) -> Experiment:
    """Everything a run needs for splits already chosen (by ``prepare``, a fold, a subset).

    The scaler is fitted on ``splits["train"]`` only; ``training.seed`` seeds the
    initialisation, shuffling and noise. The model's shapes are checked layer by
    layer before it is built. The config must have passed ``check_components``.
    ``indices`` (default None: none recorded) says where the splits lie in the loaded data
    set; the run saves them as ``splits.npz``.
    """
    c = loaded.config
    rngs = seeded_generators(c.training.seed)
    scaler = get_scaler(c.dataset.scaling).fit(splits["train"].X)
    splits = scale_splits(splits, scaler)
    train = splits["train"]
    task = get_task(train.task)
    loss_key, loss_kwargs = loss_spec(c, task)
    loss = losses.create(loss_key, **loss_kwargs)
    task.check_loss(loss, loaded.where(("loss",)))
    outputs = task.outputs(train, loss)
    check_data(loaded, train)
    try:
        model = build_model(c.model, train.input_shape, outputs, rngs["init"],
                            resolve_batch_size(c.training.batch_size, len(train)), memory_limit(c.training.memory_limit))
        check_output(model, train.input_shape, outputs, expected=task.output_shape(train, outputs))
    except ShapeError as error:  # a graph's error names its node's key path
        raise ShapeError(f"{loaded.where(('model',) + getattr(error, 'key_path', ()))}: {error}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_pairing(final_activation(model), loss_key, train.task if train.task in PAIRINGS else None)
    optimiser = optimisers.create(c.optimiser.name, params=model.parameters(), **c.optimiser.hyperparameters())
    stopper, early = callbacks(c, has_validation=len(splits["validation"]) > 0)
    return Experiment(loaded, splits, task, outputs, scaler, model, loss, losses.get(loss_key).registry_name,
                      optimiser, ScheduledRate(optimiser, get_schedule(c.optimiser.schedule), c.training.epochs),
                      get_augmentation(list(c.dataset.augment)) if c.dataset.augment else None, rngs,
                      settings(c, model, early and stopper.restore_best), stopper,
                      DivergenceGuard(c.training.divergence_factor), early, [str(w.message) for w in caught],
                      {key: np.asarray(part, dtype=np.int64) for key, part in (indices or {}).items()})


def check_data(loaded: LoadedConfig, train: Dataset) -> None:
    """What only the data can tell, before any folder exists: classes, and augmentations that fit."""
    c = loaded.config
    if train.task in CLASSIFICATION_TASKS and len(np.unique(train.y)) < 2:
        names = [train.class_names[i] for i in np.unique(train.y)] if train.class_names else []
        raise ConfigError(f"{loaded.where(('dataset',))}: the training data has one class ({', '.join(names)}); "
                          f"a classifier needs at least two: check the target column, or use task regression")
    if c.dataset.augment and len(train):
        try:  # on two samples: an augmentation for images fails on flat features here, not in epoch 1
            get_augmentation(list(c.dataset.augment))(train.X[:2], np.random.default_rng(0))
        except (DlxError, ValueError, IndexError) as error:
            raise ConfigError(f"{loaded.where(('dataset', 'augment'))}: {error}") from None


def callbacks(c, has_validation: bool) -> tuple[EarlyStopping, bool]:
    """The early-stopping watcher (it also tracks the best epoch when early stopping is off)."""
    es = c.regularisation.early_stopping
    monitor = (es.monitor if es else "val_loss") if has_validation else "train_loss"
    if es is None:
        return EarlyStopping(monitor, patience=10**9), False
    return EarlyStopping(monitor, es.patience, es.min_delta, es.restore_best), True


def settings(c, model, restore_best: bool) -> TrainSettings:
    t, reg = c.training, c.regularisation
    return TrainSettings(epochs=t.epochs, batch_size=t.batch_size, shuffle=t.shuffle, metrics=t.metrics,
                         train_metrics=t.train_metrics, checkpoint=t.checkpoint,
                         checkpoint_seconds=t.checkpoint_seconds, input_noise=reg.input_noise,
                         weight_noise=reg.weight_noise, penalties=penalised_weights(model, reg.l1, reg.l2),
                         restore_best=restore_best)


__all__ = ["Experiment", "TrainSettings", "check_components", "load_dataset", "load_split_indices", "load_splits",
           "prepare", "prepare_from_splits", "scale_splits", "seeded_generators", "subsets"]
