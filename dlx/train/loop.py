"""The supervised learner: shuffled mini-batches of a data set, its loss, penalties and noise.

One epoch (run by ``dlx.train.trainer.Trainer``): for each mini-batch (drawn by the seeded
shuffle generator) the model's loss is differentiated on the tape, the L1/L2 penalty
gradients are added, the schedule sets the learning rate and the trainer steps the
optimiser. After the epoch the model is evaluated (eval mode) on the training and
validation sets by the task. Classification, regression, sequences and language models
alike; a model solved in closed form (the normal equation) takes one step.

The learner reads no config: ``prepare`` (experiment.py) hands it the built model,
loss, optimiser, learning-rate schedule, task, data and ``TrainSettings``.

    state = Trainer(SupervisedLearner(prepare(loaded)), session).fit()
"""
from __future__ import annotations

import numpy as np

from dlx.data import batch, minibatches, resolve_batch_size
from dlx.nn import forward_masked
from dlx.nn.bayesian import BayesDense, kl_weight, model_kl
from dlx.tasks.base import predict_outputs
from dlx.tensor import Tensor
from dlx.train.gradient_flow import GradientFlow
from dlx.train.learner import Batch, LazyBatches, Learner
from dlx.train.penalties import WeightNoise, add_penalty_gradients, penalty_value
from dlx.train.state import load_training_state, training_state
from dlx.train.trainer import LoopState, Reporter, Trainer  # noqa: F401  (their home before the learners)


class SupervisedLearner(Learner):
    """The learner of an ``Experiment`` (built parts, no config).

    Args:
        x: the experiment from ``prepare``: model, loss, optimiser, rate, task, splits, rngs,
            settings, callbacks (stopper, guard).
    """

    def __init__(self, x):
        self.x, self.settings = x, x.settings
        self.targets = x.task.targets(x.splits["train"], x.loss, x.n_outputs)
        self.noisy_weights = [p for p in x.model.parameters() if p.ndim >= 2 and not p.frozen] \
            if x.settings.weight_noise else []
        self.flow = GradientFlow(x.model)
        self.flow_records: list[dict] = []
        self.stopper, self.guard, self.early_stopping = x.stopper, x.guard, x.early_stopping
        self.restore_best = x.settings.restore_best
        self.checkpoint = "epoch" if x.settings.checkpoint else None
        self.bayesian = any(isinstance(m, BayesDense) for m in x.model.modules())
        self.step, self.steps = 0, 1

    def planned_epochs(self) -> int:
        return self.settings.epochs

    def configure_optimisers(self) -> list:
        return [self.x.optimiser]

    def learning_rate(self) -> float:
        return self.x.rate.base

    # ---- one epoch ------------------------------------------------------------------------
    def train_batches(self, epoch: int) -> LazyBatches:
        """The epoch's shuffled mini-batches, each cut (and noised) just before its step."""
        x = self.x
        order = list(minibatches(len(x.splits["train"]), self.settings.batch_size, x.rngs["shuffle"],
                                 self.settings.shuffle))
        x.model.train()
        self.step, self.steps = 0, len(order)
        if hasattr(x.model, "start_epoch"):  # seq2seq hook: the teacher-forcing schedule (see masked_loss)
            x.model.start_epoch(epoch)
        return LazyBatches(order, self.training_batch)

    def before_step(self, epoch: int, step: int, steps: int) -> None:
        self.x.rate.set(epoch - 1 + (step - 1) / steps)

    def training_batch(self, idx: np.ndarray) -> Batch:
        """The training samples ``idx`` as a step sees them: padded sequences cut to the batch's longest
        (with their masks), then the augmentation and the input noise."""
        x, s = self.x, self.settings
        train = x.splits["train"]
        inputs, targets, mask, target_mask = batch_parts(train, self.targets, idx)
        if x.augment is not None:
            inputs = x.augment(inputs, x.rngs["noise"])
        if s.input_noise:
            inputs = inputs + x.rngs["noise"].normal(0.0, s.input_noise, inputs.shape).astype(inputs.dtype)
        lengths = None if train.lengths is None else train.lengths[idx]
        return Batch(inputs, targets, mask, target_mask, lengths, idx)

    def training_step(self, batch: Batch) -> dict:
        """The gradients of one step (zeroed first; weight noise and the L1/L2 penalties included) and its
        loss; the trainer steps the optimiser. The range test (``dlx.sweep.lrfind``) steps on these too."""
        x = self.x
        with WeightNoise(self.noisy_weights, self.settings.weight_noise, x.rngs["noise"]):
            loss = masked_loss(x, batch.inputs, batch.targets, batch.mask, batch.target_mask)
            if self.bayesian:
                loss = self.with_kl(loss, len(batch))
            x.optimiser.zero_grad()
            loss.backward()
        add_penalty_gradients(self.settings.penalties)
        return {"loss": loss.item(), "size": len(batch)}

    def with_kl(self, loss: Tensor, batch_size: int) -> Tensor:
        """Bayes by backprop's mini-batch cost per sample: (pi_i KL + sum_batch -log P(y | x, w)) / B, where
        ``loss`` is the batch's mean -log-likelihood and pi_i the KL's weight in mini-batch i
        (``regularisation.kl_weighting``)."""
        self.step += 1
        kl = model_kl(self.x.model)
        weight = kl_weight(min(self.step, self.steps), self.steps, self.x.config.regularisation.kl_weighting)
        return loss + kl * (weight / batch_size)

    def gradients(self, idx: np.ndarray) -> float:
        """``training_step`` on the training samples ``idx``: the gradients, and the batch's loss."""
        return self.training_step(self.training_batch(idx))["loss"]

    def on_fit_start(self) -> None:
        self.measure_gradient_flow(0)

    def on_epoch_end(self, epoch: int) -> None:
        self.measure_gradient_flow(epoch)

    def measure_gradient_flow(self, epoch: int) -> None:
        """||dL/dh_t|| per step of each recurrent layer on the first training batch (no optimiser step)."""
        x = self.x
        if not self.flow or not len(x.splits["train"]):
            return
        idx = np.arange(min(resolve_batch_size(self.settings.batch_size, len(x.splits["train"])), 64))
        inputs, targets, mask, target_mask = batch_parts(x.splits["train"], self.targets, idx)
        self.flow.measure(epoch, lambda: masked_loss(x, inputs, targets, mask, target_mask))
        self.flow_records = self.flow.records

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        """lr, every metric of the task on train (unless off) and validation, the penalty, the speed."""
        x, s = self.x, self.settings
        total, seen = 0.0, 0
        for out in outputs:
            total += out["loss"] * out["size"]
            seen += out["size"]
        running = total / max(seen, 1) if outputs else float("nan")
        row = {"epoch": epoch, "lr": x.optimiser.lr}
        parts = [("train", x.splits["train"])] if s.train_metrics else []
        parts.append(("val", x.splits["validation"]))
        for prefix, ds in parts:
            for key, value in x.task.evaluate(x.model, ds, x.loss, x.n_outputs).items():
                if key != "confusion_matrix" and (s.metrics is None or key in s.metrics or key == "loss"):
                    row[f"{prefix}_{key}"] = value
        if "train_loss" not in row:
            row["train_loss"] = running
        if s.penalties:
            row["penalty"] = penalty_value(s.penalties)
        row["epoch_seconds"] = seconds
        row["samples_per_second"] = len(x.splits["train"]) / max(seconds, 1e-9)
        return row

    def format_row(self, row: dict) -> str:
        return format_row(row)

    def predict(self, inputs: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
        return predict_outputs(self.x.model, inputs, lengths=lengths)

    # ---- closed forms and state -----------------------------------------------------------
    def solves_in_one_step(self) -> bool:
        return bool(getattr(self.x.model, "closed_form", False))

    def solve(self) -> None:
        self.x.model.fit_closed_form(self.x.splits["train"].X, self.targets)

    def weights(self) -> dict:
        return self.x.model.state_dict()

    def load_weights(self, weights: dict) -> None:
        self.x.model.load_state_dict(weights)

    def state_dict(self) -> tuple[dict, dict]:
        """Model, optimiser and scaler arrays; the generators' states."""
        return training_state(self.x)

    def load_state_dict(self, arrays: dict, meta: dict) -> None:
        load_training_state(arrays, meta, self.x)


def masked_loss(x, inputs: np.ndarray, targets: np.ndarray, mask, target_mask) -> Tensor:
    """The experiment's loss of the model on one batch; ``mask`` (B, T) keeps padding out of the
    model, ``target_mask`` out of the loss (None: nothing is padded)."""
    if getattr(x.model, "takes_targets", False):
        # seq2seq hook (dlx/nn/seq2seq.py): an encoder-decoder reads the batch's targets too (teacher forcing),
        # and the model's ``start_epoch(epoch)`` (train_batches) sets its teacher-forcing ratio for the epoch
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
