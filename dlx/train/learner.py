"""What a kind of experiment gives the trainer: a ``Learner`` (its step) and ``Batch`` (its data).

The trainer (``dlx.train.trainer``) owns the loop: epochs, the order of events, callbacks,
early stopping, the divergence guard, pruning reports, progress, checkpoints and the run
session. A learner owns what differs between kinds, as Lightning's ``LightningModule`` and
Keras 3's overridable ``train_step`` do:

- ``configure_optimisers()``: the optimisers the trainer steps after each ``training_step``
  (automatic optimisation). A learner with ``automatic_optimisation = False`` steps its own
  (a GAN's two, an agent's) inside ``training_step``, as Lightning's ``manual_backward``.
- ``train_batches(epoch)``: the epoch's batches, drawn lazily (each just before its step, so a
  learner's generator is drawn in the same order as a hand-written loop would draw it).
- ``training_step(batch)``: gradients of one batch, or whole steps (manual); a dict of numbers,
  ``loss`` among them when the trainer guards against divergence.
- ``validation_step(epoch, outputs, seconds)``: the epoch's metrics row, from the training
  steps' ``outputs`` and the learner's own evaluation (validation split, samples, greedy play).
- ``state_dict``/``load_state_dict``: what a checkpoint holds; ``weights``/``load_weights``:
  what "the best epoch" keeps; ``predict``/``sample`` where they apply.

Example, a learner of a least-squares line (the trainer does the rest)::

    class Line(Learner):
        def __init__(self, X, y): self.model, self.X, self.y = Dense(1, 1), X, y
        def planned_epochs(self): return 20
        def configure_optimisers(self): return [SGD(self.model.parameters(), lr=0.1)]
        def train_batches(self, epoch): yield Batch(self.X, self.y)
        def training_step(self, batch):
            loss = mse_loss(self.model(Tensor(batch.inputs)), batch.targets)
            self.model.zero_grad(); loss.backward()
            return {"loss": loss.item(), "size": len(batch)}
        def validation_step(self, epoch, outputs, seconds): return {"epoch": epoch, "train_loss": outputs[-1]["loss"]}

    Trainer(Line(X, y)).fit()
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np


@dataclass
class Batch:
    """One step's data, its parts named.

    Args:
        inputs: an array (B, ...), or a dict of named arrays (a GAN's real images and noise).
        targets (default None): what the loss compares the outputs with.
        mask (default None): (B, T) input steps that are real, not padding.
        target_mask (default None): (B, T) target steps that count in the loss.
        lengths (default None): (B,) real steps of each sequence.
        index (default None): (B,) the samples' positions in the training split.
    """

    inputs: Any = None
    targets: Any = None
    mask: np.ndarray | None = None
    target_mask: np.ndarray | None = None
    lengths: np.ndarray | None = None
    index: np.ndarray | None = None

    def __len__(self) -> int:
        if self.index is not None:
            return len(self.index)
        first = next(iter(self.inputs.values())) if isinstance(self.inputs, dict) else self.inputs
        return 0 if first is None else len(first)


class LazyBatches:
    """A sized sequence of batches made one at a time, as they are stepped on: ``make(item)`` for each
    of ``items`` (a learner's generators are drawn in the order a hand-written loop draws them)."""

    def __init__(self, items: list, make):
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return (self.make(item) for item in self.items)


class Learner:
    """The step of one kind of experiment; ``dlx.train.trainer.Trainer`` runs it.

    Class attributes the trainer reads (a learner sets them in ``__init__`` where they vary):
        automatic_optimisation (True): the trainer steps ``configure_optimisers()`` after each step.
        stopper (None): an ``EarlyStopping`` that watches the rows and names the best epoch.
        early_stopping (False): whether the stopper may end the run.
        restore_best (False): whether the run ends with the best epoch's ``weights``.
        guard (None): a ``DivergenceGuard`` checked on each step's ``loss``.
        checkpoint (None): ``"epoch"``, a resumable snapshot after every epoch (written at the session's
            interval); ``"end"``, one snapshot when training ends, however it ends; None, none.
        checkpoint_name ("last"): ``checkpoints/<name>.npz``.
        progress_unit (None): what the progress bar counts (None: epochs).
        batch_progress (True): whether the progress display hears of each step within an epoch.
    """

    automatic_optimisation = True
    stopper = None
    early_stopping = False
    restore_best = False
    guard = None
    checkpoint: str | None = None
    checkpoint_name = "last"
    progress_unit: str | None = None
    batch_progress = True

    # ---- the plan ---------------------------------------------------------------------------
    def planned_epochs(self) -> int | None:
        """Epochs of the whole run (None: until ``finished`` says so)."""
        raise NotImplementedError

    def epochs_done(self) -> int:
        """Epochs already behind this learner when the trainer starts (an agent restored mid-run)."""
        return 0

    def progress(self, epoch: int) -> tuple[int | None, int]:
        """(total, first) for the progress display, in ``progress_unit``s; default: epochs."""
        return self.planned_epochs(), epoch + 1

    def finished(self, epochs_done: int) -> bool:
        """Whether the budget is spent after ``epochs_done`` epochs (default: the planned epochs)."""
        return epochs_done >= self.planned_epochs()

    # ---- the steps --------------------------------------------------------------------------
    def configure_optimisers(self) -> list:
        return []

    def on_fit_start(self) -> dict | None:
        """Called once before the first epoch of a fresh run; a row to record first (epoch 0), or None."""
        return None

    def train_batches(self, epoch: int) -> Iterable[Batch]:
        raise NotImplementedError

    def before_step(self, epoch: int, step: int, steps: int) -> None:
        """Called before the optimisers step (a learning-rate schedule sets the rate here)."""

    def learning_rate(self) -> float:
        """The rate the divergence guard's message quotes."""
        return float("nan")

    def training_step(self, batch: Batch) -> dict:
        raise NotImplementedError

    def on_epoch_end(self, epoch: int) -> None:
        """Called after the epoch's last step, before its row is made."""

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        """The epoch's metrics row, from its training steps' ``outputs`` and the learner's own evaluation."""
        raise NotImplementedError

    def should_stop(self, row: dict) -> tuple[str, str] | None:
        """(status, message) when the row ends the run (an objective at its target), else None."""
        return None

    def on_fit_end(self, status: str) -> None:
        """Called when training ends by its budget, early stopping, pruning or ``should_stop``."""

    def format_row(self, row: dict) -> str | None:
        """The row's line in run.log (None: every key and value)."""
        return None

    # ---- what a trained learner gives -------------------------------------------------------
    def predict(self, inputs: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
        """The model's outputs for ``inputs`` (eval mode, no tape), for learners of a model of inputs."""
        raise NotImplementedError(f"{type(self).__name__} does not predict")

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` samples of the learned distribution, for generative learners."""
        raise NotImplementedError(f"{type(self).__name__} does not sample")

    # ---- closed forms -----------------------------------------------------------------------
    def solves_in_one_step(self) -> bool:
        """True for a model solved in closed form: ``solve`` replaces the epochs."""
        return False

    def solve(self) -> None:
        raise NotImplementedError

    # ---- state ------------------------------------------------------------------------------
    def weights(self) -> dict:
        """What the best epoch keeps (the model's state)."""
        return {}

    def load_weights(self, weights: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, JSON-able meta): everything a resumed run needs of the learner."""
        return {}, {}

    def load_state_dict(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        raise NotImplementedError
