"""A toy experiment kind for the trainer's tests: its learner walks a number towards 10.

Each epoch takes three steps of ``1 + 0.1 * mean(noise)`` (noise from the learner's own
generator), so the number passes 10 near epoch 3 and the validation loss ``|w - 10|`` rises
after it: early stopping (patience 2) ends the run two epochs after the best and puts the best
epoch's number back. ``$TOY_INTERRUPT_AT=E`` raises KeyboardInterrupt in the second step of epoch E
(as Ctrl-C would). Everything else (rows, checkpoints, resume, progress) is the trainer's.

Registered by importing this module (``python -c "import tests.train.toy_kind; ..."``).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from dlx.experiments.registry import ExperimentKind, register_kind
from dlx.runs.session import RunSession
from dlx.train.callbacks import DivergenceGuard, EarlyStopping
from dlx.train.learner import Batch, LazyBatches, Learner
from dlx.train.runner import RunResult
from dlx.train.trainer import Trainer

TARGET = 10.0


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = "toy_walk"
    epochs: int = Field(20, ge=1)
    patience: int = Field(2, ge=1)
    seed: int = 0


class WalkLearner(Learner):
    """Manual optimisation of one number; checkpoints every epoch; early stopping on val_loss."""

    automatic_optimisation = False
    checkpoint = "epoch"
    early_stopping = True
    restore_best = True

    def __init__(self, config: ToyConfig):
        self.config, self.w = config, np.zeros(1)
        self.rng = np.random.default_rng(config.seed)
        self.stopper = EarlyStopping("val_loss", patience=config.patience)
        self.guard = DivergenceGuard()
        self.interrupt_at = int(os.environ.get("TOY_INTERRUPT_AT", "0"))
        self.epoch = 0

    def planned_epochs(self) -> int:
        return self.config.epochs

    def train_batches(self, epoch: int) -> LazyBatches:
        self.epoch = epoch
        return LazyBatches([1, 2, 3], lambda step: Batch(self.rng.normal(size=4), index=np.array([step])))

    def training_step(self, batch: Batch) -> dict:
        if self.epoch == self.interrupt_at and batch.index[0] == 2:
            raise KeyboardInterrupt
        self.w += 1.0 + 0.1 * batch.inputs.mean()
        return {"loss": float(abs(self.w[0] - TARGET))}

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        return {"epoch": epoch, "train_loss": float(np.mean([o["loss"] for o in outputs])),
                "val_loss": float(abs(self.w[0] - TARGET)), "w": float(self.w[0])}

    def weights(self) -> dict:
        return {"w": self.w.copy()}

    def load_weights(self, weights: dict) -> None:
        self.w = np.array(weights["w"], dtype=np.float64)

    def state_dict(self) -> tuple[dict, dict]:
        return {"model/w": self.w.copy()}, {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, arrays: dict, meta: dict) -> None:
        self.w = np.array(arrays["model/w"], dtype=np.float64)
        self.rng.bit_generator.state = meta["rng"]


def _train_in(session: RunSession, config: ToyConfig, reporter, checkpoint: Path | None = None) -> RunResult:
    with session:
        trainer = Trainer(WalkLearner(config), session, reporter)
        if checkpoint is not None:
            trainer.restore(checkpoint)
        state = trainer.fit()
        summary = {"epochs_completed": state.epoch, "best_epoch": trainer.learner.stopper.best_epoch,
                   "restored_best": state.restored_best, "test": {"w": float(trainer.learner.w[0])}}
        session.finish(state.status, summary, state.message)
    return RunResult(Path(session.run_dir), state.status, session.summary, state.message, state.history)


def train(loaded, results_dir=None, reporter=None, folder=None):
    text = yaml.safe_dump(loaded.config.model_dump(), sort_keys=False)
    return _train_in(RunSession.create(results_dir or "results", "toy-walk", text, folder), loaded.config, reporter)


def resume(run_dir, loaded, reporter=None):
    return _train_in(RunSession.reopen(run_dir), loaded.config, reporter,
                     Path(run_dir) / "checkpoints" / "last.npz")


register_kind(ExperimentKind(
    name="toy_walk", schema=ToyConfig, description="a number walked towards 10 (trainer tests)", train=train,
    resume=resume, run_trial=lambda loaded, folder=None, *rest: train(loaded, folder=folder), seed_key="seed",
    planned_epochs=lambda config: config.epochs, metrics=lambda: ("val_loss",),
    default_metric=lambda config: ("val_loss", "min"), headline=lambda summary: ("", summary["test"])))
