"""The continual kind: tasks learned one after another (notes: progressive networks, catastrophic forgetting).

    kind: continual
    dataset: {name: digits, validation: 0.15, test: 0.2}
    tasks: [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]     # the classes of each task, relabelled 0.. within it
    model: {name: progressive, hidden: [64, 64]}  # or finetune: one network that keeps training
    optimiser: {name: adam, lr: 0.001}
    training: {epochs: 10, batch_size: 32, seed: 0}   # epochs per task

The one Trainer runs ``epochs * len(tasks)`` epochs of ``ContinualLearner``; when an epoch starts a new
task, the model adds a column (``dlx.nn.progressive``; earlier columns frozen) or a head, and a fresh
optimiser takes the parameters that still train. Every row has each seen task's validation accuracy
(``val_task1_accuracy`` ...). The summary's test metrics: each task's test accuracy at the end
(``test_task1_accuracy``), right after its own training (``test_task1_accuracy_after``) and the
difference, ``test_task1_forgetting`` = after - end (0: nothing forgotten).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlx.config.schema import DatasetConfig, OptimiserConfig, OutputConfig
from dlx.errors import ConfigError
from dlx.experiments.registry import ExperimentKind, register_kind, train_with, trial_with
from dlx.train.learner import Batch, LazyBatches, Learner

MAX_TASKS = 10


class ContinualModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Literal["progressive", "finetune"] = Field("progressive", description="progressive: a new column per "
                                                     "task over frozen ones; finetune: one network trained on each "
                                                     "task in turn (a new head only for another number of classes)")
    hidden: list[int] = Field(default_factory=lambda: [64, 64], description="units of each column's hidden layers")


class ContinualTraining(BaseModel):
    model_config = ConfigDict(extra="forbid")
    epochs: int = Field(10, ge=1, description="epochs per task")
    batch_size: int = Field(32, ge=1, description="samples per step")
    seed: int = Field(0, ge=0, description="one seed for the split, initialisation and shuffling")


class ContinualConfig(BaseModel):
    """Tasks learned in sequence by one model."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["continual"] = "continual"
    description: str = ""
    dataset: DatasetConfig
    tasks: list[list[int]] = Field(description="the class labels of each task, in the order they are learned")
    model: ContinualModel = Field(default_factory=ContinualModel)
    optimiser: OptimiserConfig = Field(default_factory=lambda: OptimiserConfig(name="adam", lr=0.001))
    training: ContinualTraining = Field(default_factory=ContinualTraining)
    output: OutputConfig = Field(default_factory=OutputConfig)


def check(loaded) -> None:
    from dlx.train.checks import check_optimiser
    tasks = loaded.config.tasks
    if not 1 <= len(tasks) <= MAX_TASKS or any(len(t) < 2 for t in tasks):
        raise ConfigError(f"{loaded.where(('tasks',))}: give 1 to {MAX_TASKS} tasks of at least two classes each, "
                          f"e.g. [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]")
    check_optimiser(loaded, ("optimiser",), loaded.config.optimiser)


def task_splits(loaded, rng) -> tuple[list[dict], int]:
    """Per task: {split: (X, y relabelled 0..)} of the classes it names; and the number of input features."""
    from dlx.data import get_scaler, split_indices
    from dlx.registry import datasets
    c = loaded.config
    full = datasets.get(c.dataset.name)(rng=rng, **c.dataset.options)
    X, y = full.X.reshape(len(full.X), -1).astype(np.float32), np.asarray(full.y).ravel()
    parts = split_indices(full, validation=c.dataset.validation, test=c.dataset.test, rng=rng,
                          stratify=c.dataset.stratify)
    scaler = get_scaler(c.dataset.scaling).fit(X[parts["train"]])
    X = scaler.transform(X)
    out = []
    for i, classes in enumerate(c.tasks):
        missing = sorted(set(classes) - set(np.unique(y).tolist()))
        if missing:
            raise ConfigError(f"{loaded.where(('tasks', i))}: the data set has no class {missing[0]}; "
                              f"its labels are {sorted(np.unique(y).tolist())}")
        relabel = {label: k for k, label in enumerate(classes)}
        task = {}
        for split in ("train", "validation", "test"):
            idx = np.asarray(parts.get(split, []), dtype=np.int64)
            idx = idx[np.isin(y[idx], classes)]
            task[split] = (X[idx], np.array([relabel[v] for v in y[idx]], dtype=np.int64))
        out.append(task)
    return out, X.shape[1]


def accuracy(model, X: np.ndarray, y: np.ndarray, task: int) -> float:
    from dlx.tensor import Tensor, no_grad
    if not len(y):
        return float("nan")
    with no_grad():
        model.eval()
        predicted = model(Tensor(X), task=task).data.argmax(axis=1)
        model.train()
    return float((predicted == y).mean())


class ContinualLearner(Learner):
    """Task after task: ``epochs`` epochs each, a column (or head) added when a task starts."""

    def __init__(self, loaded, tasks: list[dict], n_in: int):
        from dlx.registry import models
        c = loaded.config
        self.c, self.tasks, self.n_in = c, tasks, n_in
        init, self.shuffle = np.random.default_rng(c.training.seed).spawn(2)
        self.init = init
        self.model = models.create("progressive", hidden=c.model.hidden, lateral=c.model.name == "progressive")
        self.optimiser, self.current = None, -1
        self.after: dict[int, float] = {}  # test accuracy of each task right after its own training

    def planned_epochs(self) -> int:
        return self.c.training.epochs * len(self.tasks)

    def task_of(self, epoch: int) -> int:
        return (epoch - 1) // self.c.training.epochs

    def start_task(self, task: int) -> None:
        from dlx.registry import optimisers
        if self.current >= 0:
            self.after[self.current] = accuracy(self.model, *self.tasks[self.current]["test"], self.current)
        n_out = len(self.c.tasks[task])
        self.model.add_task(self.n_in, n_out, self.init)
        params = [p for p in self.model.parameters() if not p.frozen]
        self.optimiser = optimisers.create(self.c.optimiser.name, params=params, **self.c.optimiser.hyperparameters())
        self.current = task

    def configure_optimisers(self) -> list:
        return [self.optimiser]

    def train_batches(self, epoch: int) -> LazyBatches:
        from dlx.data import minibatches
        task = self.task_of(epoch)
        if task != self.current:
            self.start_task(task)
        X, y = self.tasks[task]["train"]
        order = list(minibatches(len(y), self.c.training.batch_size, self.shuffle, True))
        return LazyBatches(order, lambda idx: Batch(X[idx], y[idx], index=idx))

    def training_step(self, batch: Batch) -> dict:
        from dlx.ops import cross_entropy
        from dlx.tensor import Tensor
        loss = cross_entropy(self.model(Tensor(batch.inputs), task=self.current), batch.targets)
        self.optimiser.zero_grad()
        loss.backward()
        return {"loss": loss.item(), "size": len(batch)}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        seen = sum(o["size"] for o in outputs)
        row = {"epoch": epoch, "task": self.current + 1,
               "train_loss": sum(o["loss"] * o["size"] for o in outputs) / max(seen, 1)}
        for t in range(self.current + 1):
            row[f"val_task{t + 1}_accuracy"] = accuracy(self.model, *self.tasks[t]["validation"], t)
        row["epoch_seconds"] = seconds
        return row

    def test_metrics(self) -> dict:
        """Each task's test accuracy now, right after its own training, and the difference (forgetting)."""
        self.after.setdefault(self.current, accuracy(self.model, *self.tasks[self.current]["test"], self.current))
        out = {}
        for t in range(self.current + 1):
            now = accuracy(self.model, *self.tasks[t]["test"], t)
            out.update({f"test_task{t + 1}_accuracy": now, f"test_task{t + 1}_accuracy_after": self.after[t],
                        f"test_task{t + 1}_forgetting": self.after[t] - now})
        return out


def run(loaded, folder=None, results_dir=None, on_epoch=None):
    """Train the tasks in sequence in a new run folder; a RunResult with the rows and the test metrics."""
    import yaml

    from dlx.config.loading import default_run_name
    from dlx.data.sources import data_files_read
    from dlx.runs.session import RunSession
    from dlx.train.runner import RunResult
    from dlx.train.trainer import Trainer
    c = loaded.config
    with data_files_read() as files:
        tasks, n_in = task_splits(loaded, np.random.default_rng(c.training.seed))
    session = RunSession.create(results_dir or c.output.results_dir, c.output.run_name or default_run_name(loaded.source),
                                yaml.safe_dump(c.model_dump(mode="json"), sort_keys=False), folder=folder,
                                data_files=files, kind="continual")
    with session:
        learner = ContinualLearner(loaded, tasks, n_in)
        state = Trainer(learner, session, on_epoch=on_epoch).fit()
        test = learner.test_metrics() if state.history else {}
        summary = {"task": "continual", "method": c.model.name, "tasks": c.tasks, "final": state.history[-1]
                   if state.history else None, "test": test, "epochs_completed": state.epoch,
                   "parameters": learner.model.num_parameters(), "headline": test}
        summary = session.finish(state.status, summary, state.message)
    return RunResult(Path(session.run_dir), state.status, summary, state.message, state.history)


train, run_trial = train_with(run), trial_with(run)  # the entry points of dlx.experiments.registry


def metrics() -> tuple[str, ...]:
    names = ["train_loss"]
    for t in range(1, MAX_TASKS + 1):
        names += [f"val_task{t}_accuracy", f"test_task{t}_accuracy", f"test_task{t}_accuracy_after",
                  f"test_task{t}_forgetting"]
    return tuple(names)


CONTINUAL = register_kind(ExperimentKind(
    name="continual", schema=ContinualConfig, description="tasks learned in sequence (progressive networks or "
    "fine-tuning)", train=train, run_trial=run_trial, check=check, seed_key="training.seed",
    planned_epochs=lambda config: config.training.epochs * len(config.tasks), metrics=metrics,
    default_metric=lambda config: ("train_loss", "min"),
    headline=lambda summary: ("", {k: v for k, v in (summary.get("test") or {}).items()})))
