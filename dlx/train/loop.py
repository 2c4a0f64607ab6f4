"""The training loop: shuffled mini-batches, validation every epoch, callbacks, results.

One epoch: for each mini-batch (drawn by the seeded shuffle generator) the
model's loss is differentiated on the tape, the L1/L2 penalty gradients are
added, the schedule sets the learning rate and the optimiser steps. After the
epoch the model is evaluated (eval mode) on the training and validation sets,
a row is appended to metrics.jsonl/metrics.csv and the last (and best)
checkpoint is written. Ctrl-C stops after saving what exists; ``--resume``
continues from the last completed epoch with identical results.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.data import minibatches
from dlx.errors import DivergenceError
from dlx.nn import Parameter
from dlx.runs import MetricsLog, save_checkpoint
from dlx.tensor import Tensor
from dlx.train.callbacks import DivergenceGuard, EarlyStopping
from dlx.train.evaluate import evaluate, loss_targets
from dlx.train.state import load_training_state, prefixed, training_snapshot, unprefixed


@dataclass
class LoopState:
    epoch: int = 0  # epochs completed
    history: list[dict] = field(default_factory=list)
    best_state: dict | None = None
    status: str = "running"
    message: str = ""


class Reporter:
    """Receives progress; the CLI shows a progress bar or prints a line per epoch."""

    def start(self, total_epochs: int, first_epoch: int) -> None: ...
    def epoch(self, row: dict) -> None: ...
    def stop(self) -> None: ...


def penalised_weights(model, l1: float, l2: float) -> list[tuple]:
    """(weight, l1, l2) for every weight (ndim >= 2; not biases or normalisation scales) with a penalty.

    A layer's own ``penalty`` (``- dense: {units: 8, l2: 0.01}`` in a config)
    overrides the global ``regularisation.l1`` / ``l2`` for its weights.
    """
    out = []
    for module in model.modules():
        own = getattr(module, "penalty", None) or {}
        a, b = own.get("l1", l1), own.get("l2", l2)
        for _, child in module._children():
            if isinstance(child, Parameter) and child.ndim >= 2 and (a or b):
                out.append((child, a, b))
    return out


def add_penalty_gradients(weights: list[tuple]) -> None:
    """Gradients of l1 * sum|w| + l2 * sum w^2: l1 * sign(w) + 2 * l2 * w."""
    for p, l1, l2 in weights:
        if p.grad is None:
            continue
        extra = (2.0 * l2) * p.data
        if l1:
            extra = extra + l1 * np.sign(p.data)
        p.grad = p.grad + extra.astype(p.dtype, copy=False)


def penalty_value(weights: list[tuple]) -> float:
    return float(sum(l1 * np.abs(p.data).sum() + l2 * (p.data.astype(np.float64) ** 2).sum()
                     for p, l1, l2 in weights))


class WeightNoise:
    """Gaussian noise on the weights for one step (training with noise): the gradient is taken at
    w + e and applied to w."""

    def __init__(self, weights: list, std: float, rng: np.random.Generator):
        self.weights, self.std, self.rng = weights, std, rng
        self.saved: list[np.ndarray] = []

    def __enter__(self):
        self.saved = [p.data for p in self.weights]
        for p in self.weights:
            p.data = p.data + self.rng.normal(0.0, self.std, p.shape).astype(p.dtype)
        return self

    def __exit__(self, *exc):
        for p, original in zip(self.weights, self.saved):
            p.data = original
        return False


class Trainer:
    """Trains an ``Experiment`` and writes its metrics and checkpoints into ``run_dir``."""

    def __init__(self, experiment, run_dir: Path, reporter: Reporter | None = None, logger=None):
        self.x = experiment
        self.run_dir = Path(run_dir)
        self.reporter = reporter or Reporter()
        self.logger = logger
        c = experiment.config
        self.metrics_log = MetricsLog(self.run_dir)
        self.guard = DivergenceGuard(c.training.divergence_factor)
        es = c.regularisation.early_stopping
        has_validation = len(experiment.splits["validation"]) > 0
        monitor = (es.monitor if es else "val_loss") if has_validation else "train_loss"
        self.stopper = EarlyStopping(monitor, es.patience, es.min_delta, es.restore_best) if es else \
            EarlyStopping(monitor, patience=10**9)
        self.early_stopping = es is not None
        train = experiment.splits["train"]
        self.n_outputs = experiment.model.output_shape(train.input_shape)[-1]
        self.targets = loss_targets(train, experiment.loss, self.n_outputs)
        self.base_lr = experiment.optimiser.lr  # the config's lr, or the optimiser's own default
        reg = c.regularisation
        self.penalised = penalised_weights(experiment.model, reg.l1, reg.l2)
        self.noisy_weights = [p for p in experiment.model.parameters() if p.ndim >= 2] if reg.weight_noise else []
        self.state = LoopState()
        self.snapshot: tuple[dict, dict] | None = None  # the last completed epoch, not yet on disk
        self.last_write = time.monotonic()
        self.on_epoch_end = None  # hook for tests and tools: called with the row after each epoch

    # ---- one epoch ------------------------------------------------------------------------
    def train_epoch(self, epoch: int) -> float:
        x, c = self.x, self.x.config
        train = x.splits["train"]
        reg = c.regularisation
        batches = list(minibatches(len(train), c.training.batch_size, x.rngs["shuffle"], c.training.shuffle))
        total, seen = 0.0, 0
        x.model.train()
        for step, idx in enumerate(batches, start=1):
            inputs = train.X[idx]
            if x.augment is not None:
                inputs = x.augment(inputs, x.rngs["noise"])
            if reg.input_noise:
                inputs = inputs + x.rngs["noise"].normal(0.0, reg.input_noise, inputs.shape).astype(inputs.dtype)
            with WeightNoise(self.noisy_weights, reg.weight_noise, x.rngs["noise"]):
                loss = x.loss(x.model(Tensor(inputs)), self.targets[idx])
                x.optimiser.zero_grad()
                loss.backward()
            add_penalty_gradients(self.penalised)
            x.optimiser.lr = x.schedule(self.base_lr, epoch - 1 + (step - 1) / len(batches), c.training.epochs)
            value = loss.item()
            self.guard.check(value, epoch, step, self.base_lr)
            x.optimiser.step()
            total += value * len(idx)
            seen += len(idx)
        return total / max(seen, 1)

    def epoch_row(self, epoch: int, running_loss: float, seconds: float) -> dict:
        x, c = self.x, self.x.config
        row = {"epoch": epoch, "lr": x.optimiser.lr}
        wanted = c.training.metrics
        parts = [("train", x.splits["train"])] if c.training.train_metrics else []
        parts.append(("val", x.splits["validation"]))
        for prefix, ds in parts:
            for key, value in evaluate(x.model, ds, x.loss, self.n_outputs).items():
                if key != "confusion_matrix" and (wanted is None or key in wanted or key == "loss"):
                    row[f"{prefix}_{key}"] = value
        if "train_loss" not in row:
            row["train_loss"] = running_loss
        if self.penalised:
            row["penalty"] = penalty_value(self.penalised)
        row["epoch_seconds"] = seconds
        row["samples_per_second"] = len(x.splits["train"]) / max(seconds, 1e-9)
        return row

    # ---- the run --------------------------------------------------------------------------
    def fit(self) -> LoopState:
        """Train until the last epoch, early stopping, divergence or Ctrl-C; returns the final state."""
        if getattr(self.x.model, "closed_form", False):
            return self.fit_closed_form()
        epochs = self.x.config.training.epochs
        self.reporter.start(epochs, self.state.epoch + 1)
        # overflow and NaN are the divergence guard's to report, in one line, not NumPy's
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._fit_epochs(epochs)

    def _fit_epochs(self, epochs: int) -> LoopState:
        try:
            for epoch in range(self.state.epoch + 1, epochs + 1):
                start = time.perf_counter()
                running = self.train_epoch(epoch)
                row = self.epoch_row(epoch, running, time.perf_counter() - start)
                stop = self.end_epoch(row)
                if stop:
                    self.state.status = "stopped early"
                    break
            else:
                self.state.status = "completed"
        except KeyboardInterrupt:
            self.state.status = "interrupted"
            self.state.message = f"interrupted during epoch {self.state.epoch + 1}; the last checkpoint holds " \
                                 f"epoch {self.state.epoch}"
        except DivergenceError as error:
            self.state.status = "diverged"
            self.state.message = str(error)
        finally:
            self.reporter.stop()
            self.write_checkpoint()
        return self.state

    def fit_closed_form(self) -> LoopState:
        """Models solved in one step (the normal equation): a single 'epoch' row, no gradient steps."""
        start = time.perf_counter()
        self.x.model.fit_closed_form(self.x.splits["train"].X, self.targets)
        self.end_epoch(self.epoch_row(1, float("nan"), time.perf_counter() - start))
        self.state.status = "completed"
        return self.state

    def end_epoch(self, row: dict) -> bool:
        self.state.history.append(row)
        self.state.epoch = row["epoch"]
        self.metrics_log.append(row)
        improved, stop = self.stopper.update(row)
        if improved:
            self.state.best_state = self.x.model.state_dict()
        if self.x.config.training.checkpoint:
            self.take_snapshot()
        if self.logger:
            self.logger.info(format_row(row))
        self.reporter.epoch(row)
        if self.on_epoch_end is not None:
            self.on_epoch_end(row)
        return stop and self.early_stopping

    def take_snapshot(self) -> None:
        """Keep the state after this epoch in memory; write it when the interval has passed.

        Copies in memory cost little; writing (and fsync) every epoch would dominate
        short epochs. Whatever ends the run (last epoch, early stop, divergence,
        Ctrl-C) writes the snapshot of the last completed epoch.
        """
        meta = {"epoch": self.state.epoch, "history": list(self.state.history), "stopper": self.stopper.state(),
                "guard": self.guard.state(), "best_epoch": self.stopper.best_epoch}
        self.snapshot = training_snapshot(self.x, self.state.best_state, meta)
        if time.monotonic() - self.last_write >= self.x.config.training.checkpoint_seconds:
            self.write_checkpoint()

    def write_checkpoint(self) -> None:
        """``checkpoints/last.npz`` (resumable) and ``checkpoints/best.npz`` (best weights) from the snapshot."""
        if self.snapshot is None:
            return
        arrays, meta = self.snapshot
        folder = self.run_dir / "checkpoints"
        folder.mkdir(exist_ok=True)
        save_checkpoint(folder / "last.npz", arrays, meta)
        best = unprefixed("best", arrays)
        if best:
            save_checkpoint(folder / "best.npz", prefixed("model", best), {"kind": "weights",
                                                                            "epoch": meta["best_epoch"]})
        self.snapshot = None
        self.last_write = time.monotonic()

    def restore(self, checkpoint: Path) -> None:
        """Continue from a training checkpoint written by ``save_checkpoint``."""
        meta, best = load_training_state(checkpoint, self.x)
        self.state.epoch = int(meta["epoch"])
        self.state.history = list(meta["history"])
        self.state.best_state = best
        self.stopper.load_state(meta["stopper"])
        self.guard.load_state(meta["guard"])
        if self.metrics_log.rows != self.state.history:  # killed between the log and the checkpoint
            self.metrics_log.replace(self.state.history)

    def restore_best(self) -> bool:
        """Put the best epoch's weights back if early stopping asks for it."""
        es = self.x.config.regularisation.early_stopping
        if es and es.restore_best and self.state.best_state is not None:
            self.x.model.load_state_dict(self.state.best_state)
            return True
        return False


def format_row(row: dict) -> str:
    """``epoch 3  lr 0.001  train_loss 0.1234  val_loss 0.2  val_accuracy 0.9722  0.05s`` for logs."""
    shown = ("lr", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "train_r2", "val_r2")
    parts = [f"epoch {row['epoch']:>3}"] + [f"{k} {row[k]:.4g}" for k in shown if k in row]
    parts.append(f"{row['epoch_seconds']:.2f}s")
    return "  ".join(parts)
