"""Early stopping and the divergence guard."""
from __future__ import annotations

import math

import numpy as np

from dlx.errors import DivergenceError
from dlx.tasks.metrics import is_higher_better


class EarlyStopping:
    """Stop when the monitored metric has not improved for ``patience`` epochs (notes: early stopping).

    Args:
        monitor (str, default "val_loss"): a column of the metrics rows.
        patience (int, default 10): epochs without improvement before stopping.
        min_delta (float, default 0): smallest change that counts as improvement.
        restore_best (bool, default True): whether the run ends with the best weights.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 restore_best: bool = True):
        self.monitor, self.patience, self.min_delta, self.restore_best = monitor, patience, min_delta, restore_best
        self.higher_is_better = is_higher_better(monitor)
        self.best: float | None = None
        self.best_epoch = 0
        self.wait = 0

    def improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.higher_is_better:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def update(self, row: dict) -> tuple[bool, bool]:
        """Record an epoch; returns (improved, stop)."""
        value = row.get(self.monitor)
        if value is None or not math.isfinite(value):
            self.wait += 1
            return False, self.wait >= self.patience
        if self.improved(value):
            self.best, self.best_epoch, self.wait = float(value), int(row["epoch"]), 0
            return True, False
        self.wait += 1
        return False, self.wait >= self.patience

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state(self, state: dict) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]


class DivergenceGuard:
    """Stop a run whose loss is NaN, infinite or exploding (notes: divergence with a too high alpha).

    NaN or infinity stops the run at once. Explosion is judged against the
    largest loss of the first epoch: after it, a mini-batch loss above
    ``factor`` times that value means each update overshoots the minimum
    further than the last. (One mini-batch's loss can be 0 by chance, so the
    first epoch as a whole is the reference, not its first step.)
    """

    def __init__(self, factor: float = 1e3):
        self.factor = factor
        self.reference: float | None = None  # the largest loss of the first epoch
        self.first_epoch_done = False

    def check(self, loss: float, epoch: int, step: int, lr: float) -> None:
        if not np.isfinite(loss):
            self._fail(f"became {loss}", epoch, step, lr)
        if epoch == 1 and not self.first_epoch_done:
            self.reference = max(self.reference or 0.0, abs(loss))
            return
        self.first_epoch_done = True
        limit = self.factor * max(self.reference or 0.0, 1e-8)
        if abs(loss) > limit:
            self._fail(f"grew to {loss:.3g}, over {self.factor:g} times the first epoch's largest "
                       f"({self.reference:.3g})", epoch, step, lr)

    def _fail(self, what: str, epoch: int, step: int, lr: float):
        raise DivergenceError(
            f"training diverged at epoch {epoch}, step {step}: the loss {what}; the learning rate {lr:g} is "
            f"probably too high, each step overshoots the minimum; lower it, e.g. --set optimiser.lr={lr / 10:g}")

    def state(self) -> dict:
        return {"reference": self.reference, "first_epoch_done": self.first_epoch_done}

    def load_state(self, state: dict) -> None:
        self.reference, self.first_epoch_done = state["reference"], state["first_epoch_done"]
