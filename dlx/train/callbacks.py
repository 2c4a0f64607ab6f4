"""Early stopping and the divergence guard."""
from __future__ import annotations

import math

import numpy as np

from dlx.errors import DivergenceError
from dlx.train.metrics import is_higher_better


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

    The loss explodes when it exceeds ``factor`` times its first value: each
    update then overshoots the minimum further than the last.
    """

    def __init__(self, factor: float = 1e3):
        self.factor = factor
        self.initial: float | None = None

    def check(self, loss: float, epoch: int, step: int, lr: float) -> None:
        if self.initial is None and np.isfinite(loss):
            self.initial = max(abs(loss), 1e-8)
        exploded = self.initial is not None and abs(loss) > self.factor * self.initial
        if np.isfinite(loss) and not exploded:
            return
        what = f"became {loss}" if not np.isfinite(loss) else \
            f"grew to {loss:.3g}, over {self.factor:g} times its start ({self.initial:.3g})"
        raise DivergenceError(
            f"training diverged at epoch {epoch}, step {step}: the loss {what}; the learning rate {lr:g} is "
            f"probably too high, each step overshoots the minimum; lower it, e.g. --set optimiser.lr={lr / 10:g}")

    def state(self) -> dict:
        return {"initial": self.initial}

    def load_state(self, state: dict) -> None:
        self.initial = state["initial"]
