"""Asynchronous successive halving (ASHA; Li et al., 2020, as Ray Tune's ASHAScheduler does it).

Rungs lie at ``grace * reduction**k`` epochs. When a trial reaches a rung, its metric
joins the values recorded there; if it is worse than the ``1 - 1/reduction`` quantile
of those values (for ``goal: min``: above the ``1/reduction`` quantile), the trial
stops. A trial is never stopped by a rung where it is alone, and nothing waits for
other trials: a decision uses whatever has been recorded so far (asynchronous). A
missing or non-finite value counts as the worst.

``Coordinator`` is what workers talk to after every epoch: it records progress for
the live table and asks the pruner. In a process pool it lives in a manager process
(its proxy travels to the workers); on Ray it is an actor; in one process it is itself.

Example::

    asha = Asha(goal="min", grace_epochs=1, reduction=3)
    asha.report("a", 1, 0.5), asha.report("b", 1, 0.9)   # (False, True): b is worse at rung 1
"""
from __future__ import annotations

import math
import signal
from multiprocessing.managers import BaseManager

import numpy as np


class Asha:
    """Stop a trial at a rung when its metric is not in the best ``1/reduction`` recorded there."""

    def __init__(self, goal: str = "min", grace_epochs: int = 1, reduction: int = 3, max_epochs: int | None = None):
        self.goal, self.grace, self.reduction, self.max_epochs = goal, grace_epochs, reduction, max_epochs
        self.rungs: dict[int, list[float]] = {}

    def is_rung(self, epoch: int) -> bool:
        if epoch < self.grace or (self.max_epochs and epoch >= self.max_epochs):
            return False
        k = math.log(epoch / self.grace, self.reduction)
        return abs(k - round(k)) < 1e-9

    def report(self, trial_id: str, epoch: int, value) -> bool:
        """Record ``value`` at a rung epoch; True when the trial should stop."""
        if not self.is_rung(epoch):
            return False
        score = float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.inf
        score = score if self.goal == "min" else -score  # smaller is better from here on
        recorded = self.rungs.setdefault(epoch, [])
        recorded.append(score)
        if len(recorded) < 2:
            return False
        cutoff = float(np.quantile(np.array(recorded), 1.0 / self.reduction))
        return score > cutoff


class Coordinator:
    """Progress of running trials and pruning decisions, in one place all workers can reach."""

    def __init__(self, metric: str, pruner: Asha | None = None):
        self.metric, self.pruner = metric, pruner
        self.running: dict[str, dict] = {}

    def started(self, trial_id: str) -> None:
        self.running[trial_id] = {"epoch": 0}

    def epoch(self, trial_id: str, row: dict) -> bool:
        """Record a trial's epoch; True if it should stop (pruned)."""
        self.running[trial_id] = {"epoch": row.get("epoch", 0), self.metric: row.get(self.metric)}
        if self.pruner is None:
            return False
        return self.pruner.report(trial_id, int(row.get("epoch", 0)), row.get(self.metric))

    def progress(self) -> dict[str, dict]:
        return dict(self.running)


class CoordinatorManager(BaseManager):
    """A manager process that holds a sweep's one ``Coordinator``. It is defined here, beside the
    coordinator, so that the spawned manager process imports this module alone (and NumPy), not the
    trials' modules: its start-up is a bare interpreter's."""


CoordinatorManager.register("Coordinator", Coordinator)


def start_manager(context) -> CoordinatorManager:
    """A started ``CoordinatorManager`` in a process of ``context`` that ignores Ctrl-C (the driver ends it)."""
    manager = CoordinatorManager(ctx=context)
    manager.start(signal.signal, (signal.SIGINT, signal.SIG_IGN))
    return manager
