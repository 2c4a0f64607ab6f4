"""The training loop: shuffled mini-batches, validation every epoch, callbacks, checkpoints.

One epoch: for each mini-batch (drawn by the seeded shuffle generator) the
model's loss is differentiated on the tape, the L1/L2 penalty gradients are
added, the schedule sets the learning rate and the optimiser steps. After the
epoch the model is evaluated (eval mode) on the training and validation sets
by the task, and the run session records the row and keeps a checkpoint.
Ctrl-C stops after saving what exists; ``--resume`` continues from the last
completed epoch with identical results.

The loop reads no config: ``prepare`` (experiment.py) hands it the built model,
loss, optimiser, learning-rate schedule, task, data and ``TrainSettings``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.data import batch, minibatches, resolve_batch_size
from dlx.errors import DivergenceError
from dlx.nn import forward_masked
from dlx.tensor import Tensor
from dlx.train.gradient_flow import GradientFlow
from dlx.train.penalties import WeightNoise, add_penalty_gradients, penalty_value
from dlx.train.state import load_training_state, prefixed, training_snapshot, unprefixed


@dataclass
class LoopState:
    epoch: int = 0  # epochs completed
    history: list[dict] = field(default_factory=list)
    best_state: dict | None = None
    status: str = "running"
    message: str = ""
    restored_best: bool = False
    gradient_flow: list[dict] = field(default_factory=list)  # per-step gradient norms (recurrent models)


class Reporter:
    """Receives progress; the CLI shows a progress bar or prints a line per epoch (``batch`` is optional:
    a reporter without it is not told about batches)."""

    def start(self, total_epochs: int, first_epoch: int) -> None: ...
    def batch(self, epoch: int, done: int, total: int) -> None: ...
    def epoch(self, row: dict) -> None: ...
    def stop(self) -> None: ...


class Trainer:
    """Trains the model of an ``Experiment`` (built parts, no config) inside a run session.

    Args:
        x: the experiment from ``prepare``: model, loss, optimiser, rate, task, splits, rngs,
            settings, callbacks (stopper, guard).
        session: the ``RunSession`` that records rows and checkpoints (None: nothing written).
        reporter: progress display.
        on_epoch: called with each epoch's row; returning True stops the run (``pruned``).
    """

    def __init__(self, x, session=None, reporter: Reporter | None = None, on_epoch=None):
        self.x, self.session, self.on_epoch = x, session, on_epoch
        self.reporter = reporter or Reporter()
        self.on_batch = getattr(self.reporter, "batch", None) or (lambda epoch, done, total: None)
        self.settings = x.settings
        self.targets = x.task.targets(x.splits["train"], x.loss, x.n_outputs)
        self.noisy_weights = [p for p in x.model.parameters() if p.ndim >= 2 and not p.frozen] \
            if x.settings.weight_noise else []
        self.state = LoopState()
        self.flow = GradientFlow(x.model)

    # ---- one epoch ------------------------------------------------------------------------
    def train_epoch(self, epoch: int) -> float:
        x, s = self.x, self.settings
        train = x.splits["train"]
        batches = list(minibatches(len(train), s.batch_size, x.rngs["shuffle"], s.shuffle))
        total, seen = 0.0, 0
        x.model.train()
        if hasattr(x.model, "start_epoch"):  # seq2seq hook: the teacher-forcing schedule (see masked_loss)
            x.model.start_epoch(epoch)
        for step, idx in enumerate(batches, start=1):
            value = self.gradients(idx)
            x.rate.set(epoch - 1 + (step - 1) / len(batches))
            x.guard.check(value, epoch, step, x.rate.base)
            x.optimiser.step()
            total += value * len(idx)
            seen += len(idx)
            self.on_batch(epoch, step, len(batches))
        return total / max(seen, 1)

    def batch_inputs(self, idx: np.ndarray) -> tuple:
        """(inputs, targets, mask, target mask) of the training samples ``idx`` as a step sees them:
        padded sequences cut to the batch's longest, then the augmentation and the input noise."""
        x, s = self.x, self.settings
        inputs, targets, mask, target_mask = batch_parts(x.splits["train"], self.targets, idx)
        if x.augment is not None:
            inputs = x.augment(inputs, x.rngs["noise"])
        if s.input_noise:
            inputs = inputs + x.rngs["noise"].normal(0.0, s.input_noise, inputs.shape).astype(inputs.dtype)
        return inputs, targets, mask, target_mask

    def gradients(self, idx: np.ndarray) -> float:
        """The gradients of one training step on the samples ``idx`` (zeroed first; weight noise and the
        L1/L2 penalties included); returns the batch's loss. Stepping the optimiser is the caller's.

        The range test (``dlx.sweep.lrfind``) steps on these gradients too, so both see one loss.
        """
        x = self.x
        inputs, targets, mask, target_mask = self.batch_inputs(idx)
        with WeightNoise(self.noisy_weights, self.settings.weight_noise, x.rngs["noise"]):
            loss = masked_loss(x, inputs, targets, mask, target_mask)
            x.optimiser.zero_grad()
            loss.backward()
        add_penalty_gradients(self.settings.penalties)
        return loss.item()

    def measure_gradient_flow(self, epoch: int) -> None:
        """||dL/dh_t|| per step of each recurrent layer on the first training batch (no optimiser step)."""
        x = self.x
        if not self.flow or not len(x.splits["train"]):
            return
        idx = np.arange(min(resolve_batch_size(self.settings.batch_size, len(x.splits["train"])), 64))
        inputs, targets, mask, target_mask = batch_parts(x.splits["train"], self.targets, idx)
        self.flow.measure(epoch, lambda: masked_loss(x, inputs, targets, mask, target_mask))
        self.state.gradient_flow = self.flow.records

    def epoch_row(self, epoch: int, running_loss: float, seconds: float) -> dict:
        x, s = self.x, self.settings
        row = {"epoch": epoch, "lr": x.optimiser.lr}
        parts = [("train", x.splits["train"])] if s.train_metrics else []
        parts.append(("val", x.splits["validation"]))
        for prefix, ds in parts:
            for key, value in x.task.evaluate(x.model, ds, x.loss, x.n_outputs).items():
                if key != "confusion_matrix" and (s.metrics is None or key in s.metrics or key == "loss"):
                    row[f"{prefix}_{key}"] = value
        if "train_loss" not in row:
            row["train_loss"] = running_loss
        if s.penalties:
            row["penalty"] = penalty_value(s.penalties)
        row["epoch_seconds"] = seconds
        row["samples_per_second"] = len(x.splits["train"]) / max(seconds, 1e-9)
        return row

    # ---- the run --------------------------------------------------------------------------
    def fit(self) -> LoopState:
        """Train until the last epoch, early stopping, pruning, divergence or Ctrl-C."""
        if getattr(self.x.model, "closed_form", False):
            return self.fit_closed_form()
        self.reporter.start(self.settings.epochs, self.state.epoch + 1)
        # overflow and NaN are the divergence guard's to report, in one line, not NumPy's
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.state.epoch == 0:
                self.measure_gradient_flow(0)
            self._fit_epochs(self.settings.epochs)
        if self.state.status in ("finished", "early_stopped"):
            self.state.restored_best = self.restore_best()
        return self.state

    def _fit_epochs(self, epochs: int) -> None:
        try:
            for epoch in range(self.state.epoch + 1, epochs + 1):
                start = time.perf_counter()
                running = self.train_epoch(epoch)
                self.measure_gradient_flow(epoch)
                stop = self.end_epoch(self.epoch_row(epoch, running, time.perf_counter() - start))
                if stop:
                    self.state.status = stop
                    break
            else:
                self.state.status = "finished"
        except KeyboardInterrupt:
            self.state.status = "interrupted"
            self.state.message = f"interrupted during epoch {self.state.epoch + 1}; the last checkpoint holds " \
                                 f"epoch {self.state.epoch}"
        except DivergenceError as error:
            self.state.status = "diverged"
            self.state.message = str(error)
        finally:
            self.reporter.stop()

    def fit_closed_form(self) -> LoopState:
        """Models solved in one step (the normal equation): a single 'epoch' row, no gradient steps."""
        start = time.perf_counter()
        self.x.model.fit_closed_form(self.x.splits["train"].X, self.targets)
        self.end_epoch(self.epoch_row(1, float("nan"), time.perf_counter() - start))
        self.state.status = "finished"
        return self.state

    def end_epoch(self, row: dict) -> str | None:
        """Record the epoch; the status to stop with (``early_stopped``, ``pruned``) or None to go on."""
        self.state.history.append(row)
        self.state.epoch = row["epoch"]
        improved, stop = self.x.stopper.update(row)
        if improved:
            self.state.best_state = self.x.model.state_dict()
        if self.session is not None:
            self.session.record(row, format_row(row))
            if self.settings.checkpoint:
                self.session.checkpoint(self.snapshot)
        self.reporter.epoch(row)
        if self.on_epoch is not None and self.on_epoch(row) is True:
            return "pruned"
        return "early_stopped" if stop and self.x.early_stopping else None

    def snapshot(self) -> dict:
        """``last`` (resumable) and ``best`` (best weights) checkpoints of the epoch just ended, in memory."""
        x = self.x
        meta = {"epoch": self.state.epoch, "history": list(self.state.history), "stopper": x.stopper.state(),
                "guard": x.guard.state(), "best_epoch": x.stopper.best_epoch}
        arrays, meta = training_snapshot(x, self.state.best_state, meta)
        out = {"last": (arrays, meta)}
        best = unprefixed("best", arrays)
        if best:
            out["best"] = (prefixed("model", best), {"kind": "weights", "epoch": meta["best_epoch"]})
        return out

    def restore(self, checkpoint: Path) -> None:
        """Continue from a training checkpoint (``checkpoints/last.npz``)."""
        meta, best = load_training_state(checkpoint, self.x)
        self.state.epoch = int(meta["epoch"])
        self.state.history = list(meta["history"])
        self.state.best_state = best
        self.x.stopper.load_state(meta["stopper"])
        self.x.guard.load_state(meta["guard"])
        if self.session is not None and self.session.metrics.rows != self.state.history:
            self.session.metrics.replace(self.state.history)  # killed between the log and the checkpoint

    def restore_best(self) -> bool:
        """Put the best epoch's weights back if early stopping asks for it."""
        if self.settings.restore_best and self.state.best_state is not None:
            self.x.model.load_state_dict(self.state.best_state)
            return True
        return False


def masked_loss(x, inputs: np.ndarray, targets: np.ndarray, mask, target_mask) -> Tensor:
    """The experiment's loss of the model on one batch; ``mask`` (B, T) keeps padding out of the
    model, ``target_mask`` out of the loss (None: nothing is padded)."""
    if getattr(x.model, "takes_targets", False):
        # seq2seq hook (dlx/nn/seq2seq.py): an encoder-decoder reads the batch's targets too (teacher forcing),
        # and the model's ``start_epoch(epoch)`` (train_epoch) sets its teacher-forcing ratio for the epoch
        outputs = x.model(Tensor(inputs), mask=mask, targets=targets)
    else:
        outputs = forward_masked(x.model, Tensor(inputs), mask)
    return x.task.loss_value(x.loss, outputs, targets, target_mask)


def batch_parts(train, targets: np.ndarray, idx: np.ndarray) -> tuple:
    """(inputs, targets, mask, target mask) of the samples ``idx``; padded sequences are cut to the batch's
    longest, with their (B, T_b) input mask and, for a target per step, the mask of the steps that count."""
    if train.lengths is None:
        return train.X[idx], targets[idx], None, None
    b = batch(train, idx)
    picked = targets[idx]
    if b.target_mask is not None:
        picked = picked[:, :b.y.shape[1]]  # per-step targets: the inputs' width; target sequences: their own
    return b.X, picked, b.mask, b.target_mask


def format_row(row: dict) -> str:
    """``epoch 3  lr 0.001  train_loss 0.1234  val_loss 0.2  val_accuracy 0.9722  0.05s`` for logs."""
    shown = ("lr", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "train_r2", "val_r2",
             "val_token_accuracy", "val_bits_per_char")
    parts = [f"epoch {row['epoch']:>3}"] + [f"{k} {row[k]:.4g}" for k in shown if k in row]
    parts.append(f"{row['epoch_seconds']:.2f}s")
    return "  ".join(parts)
