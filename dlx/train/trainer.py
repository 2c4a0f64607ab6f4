"""The one trainer: epochs of a learner's steps, inside a run session.

One epoch: the learner's batches one by one; after each ``training_step`` the divergence guard
checks the step's loss and (automatic optimisation) the trainer steps the learner's optimisers.
After the epoch the learner makes its metrics row; the trainer records it in the run session,
keeps a checkpoint, shows it, asks early stopping, the learner and the pruning hook whether to go
on. Ctrl-C stops after saving what exists; a resumed run continues from the last completed epoch
with identical results. The trainer knows no kind of experiment: what differs between kinds is
the learner's (``dlx.train.learner``).

    state = Trainer(learner, session, reporter, on_epoch).fit()
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.errors import DivergenceError
from dlx.runs import load_checkpoint
from dlx.train.learner import Learner
from dlx.train.state import prefixed, unprefixed


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
    """Receives progress; the CLI shows a progress bar or prints a line per epoch (each method is optional:
    a reporter without it is not told of that event)."""

    def start(self, total_epochs: int | None, first_epoch: int, unit: str | None = None) -> None: ...
    def batch(self, epoch: int, done: int, total: int) -> None: ...
    def epoch(self, row: dict) -> None: ...
    def stop(self) -> None: ...


def _nothing(*args, **kwargs) -> None:
    return None


def as_learner(x) -> Learner:
    """``x`` itself if it is a learner, else the learner of an experiment (``x.learner()``)."""
    return x if isinstance(x, Learner) else x.learner()


class Trainer:
    """Trains a learner inside a run session.

    Args:
        learner: a ``Learner``, or an experiment that makes one (``prepare``'s ``Experiment``).
        session: the ``RunSession`` that records rows and checkpoints (None: nothing written).
        reporter: progress display.
        on_epoch: called with each epoch's row; returning True stops the run (``pruned``).
    """

    def __init__(self, learner, session=None, reporter: Reporter | None = None, on_epoch=None):
        self.learner = as_learner(learner)
        self.session, self.on_epoch = session, on_epoch
        self.reporter = reporter or Reporter()
        self.on_batch = self.reported("batch") if self.learner.batch_progress else _nothing
        self.state = LoopState(epoch=self.learner.epochs_done())

    def reported(self, event: str):
        """The reporter's method for ``event`` (``start``, ``batch``, ``epoch``, ``stop``), or one that does nothing."""
        method = getattr(self.reporter, event, None)
        return method if method is not None else _nothing

    # ---- one epoch ------------------------------------------------------------------------
    def train_epoch(self, epoch: int) -> list[dict]:
        """The learner's steps over the epoch's batches; their outputs, in order."""
        learner, outputs = self.learner, []
        batches = learner.train_batches(epoch)
        steps = len(batches) if hasattr(batches, "__len__") else None
        optimisers = learner.configure_optimisers() if learner.automatic_optimisation else []
        for step, batch in enumerate(batches, start=1):
            out = learner.training_step(batch)
            learner.before_step(epoch, step, steps)
            if learner.guard is not None:
                learner.guard.check(out["loss"], epoch, step, learner.learning_rate())
            for optimiser in optimisers:
                optimiser.step()
            outputs.append(out)
            self.on_batch(epoch, step, steps)
        learner.on_epoch_end(epoch)
        return outputs

    def epoch_row(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        return self.learner.validation_step(epoch, outputs, seconds)

    # ---- the run --------------------------------------------------------------------------
    def fit(self) -> LoopState:
        """Train until the budget, early stopping, pruning, the learner's stop, divergence or Ctrl-C."""
        learner = self.learner
        if learner.solves_in_one_step():
            return self.fit_closed_form()
        unit = {"unit": learner.progress_unit} if learner.progress_unit else {}
        self.reported("start")(*learner.progress(self.state.epoch), **unit)
        # overflow and NaN are the divergence guard's to report, in one line, not NumPy's
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._fit_epochs()
            if self.state.status not in ("interrupted", "diverged"):
                learner.on_fit_end(self.state.status)
        if learner.checkpoint == "end" and self.session is not None:  # also after Ctrl-C: the agent as it is
            self.session.checkpoint(self.snapshot, force=True)
        if self.state.status in ("finished", "early_stopped"):
            self.state.restored_best = self.restore_best()
        return self.state

    def _fit_epochs(self) -> None:
        try:
            if self.state.epoch == 0 and (first := self.learner.on_fit_start()) is not None:
                self.record(first)
            for epoch in itertools.count(self.state.epoch + 1):
                if self.learner.finished(epoch - 1):
                    self.state.status = "finished"
                    break
                start = time.perf_counter()
                outputs = self.train_epoch(epoch)
                stop = self.end_epoch(self.epoch_row(epoch, outputs, time.perf_counter() - start), epoch)
                if stop:
                    self.state.status, self.state.message = stop
                    break
        except KeyboardInterrupt:
            self.state.status = "interrupted"
            self.state.message = f"interrupted during epoch {self.state.epoch + 1}; the last checkpoint holds " \
                                 f"epoch {self.state.epoch}"
        except DivergenceError as error:
            self.state.status = "diverged"
            self.state.message = str(error)
        finally:
            self.reported("stop")()

    def fit_closed_form(self) -> LoopState:
        """Models solved in one step (the normal equation): a single 'epoch' row, no gradient steps."""
        start = time.perf_counter()
        self.learner.solve()
        self.end_epoch(self.epoch_row(1, [], time.perf_counter() - start), 1)
        self.state.status = "finished"
        return self.state

    def record(self, row: dict) -> None:
        """A row before training (a VAE's epoch 0): logged and shown, no epoch counted."""
        self.state.history.append(row)
        if self.session is not None:
            self.session.record(row, self.learner.format_row(row))
        self.reported("epoch")(row)
        if self.on_epoch is not None:
            self.on_epoch(row)

    def end_epoch(self, row: dict, epoch: int) -> tuple[str, str] | None:
        """Record the epoch; (status, message) to stop with (``early_stopped``, ``pruned``, the learner's)
        or None to go on."""
        learner = self.learner
        self.state.history.append(row)
        self.state.epoch = epoch
        improved, stop = learner.stopper.update(row) if learner.stopper is not None else (False, False)
        if improved:
            self.state.best_state = learner.weights()
        if self.session is not None:
            self.session.record(row, learner.format_row(row))
            if learner.checkpoint == "epoch":
                self.session.checkpoint(self.snapshot)
        self.reported("epoch")(row)
        if (ended := learner.should_stop(row)) is not None:
            return ended
        if self.on_epoch is not None and self.on_epoch(row) is True:
            return "pruned", ""
        return ("early_stopped", "") if stop and learner.early_stopping else None

    # ---- checkpoints ----------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The checkpoints of this moment, in memory: the learner's state; for epoch checkpoints also the
        trainer's (epoch, rows, callbacks) and the best weights (``best``)."""
        learner = self.learner
        arrays, meta = learner.state_dict()
        if learner.checkpoint != "epoch":
            return {learner.checkpoint_name: (arrays, meta)}
        stopper, guard = learner.stopper, learner.guard
        best_epoch = stopper.best_epoch if stopper is not None else None
        meta = {"epoch": self.state.epoch, "history": list(self.state.history),
                "stopper": stopper.state() if stopper is not None else None,
                "guard": guard.state() if guard is not None else None, "best_epoch": best_epoch, **meta}
        arrays = dict(arrays)
        if self.state.best_state is not None:
            arrays.update(prefixed("best", self.state.best_state))
        out = {learner.checkpoint_name: (arrays, meta)}
        if self.state.best_state is not None:
            out["best"] = (prefixed("model", self.state.best_state), {"kind": "weights", "epoch": best_epoch})
        return out

    def restore(self, checkpoint: Path) -> None:
        """Continue from an epoch checkpoint (``checkpoints/last.npz``)."""
        arrays, meta = load_checkpoint(checkpoint)
        self.learner.load_state_dict(arrays, meta)
        self.state.epoch = int(meta["epoch"])
        self.state.history = list(meta["history"])
        self.state.best_state = unprefixed("best", arrays) or None
        if self.learner.stopper is not None:
            self.learner.stopper.load_state(meta["stopper"])
        if self.learner.guard is not None:
            self.learner.guard.load_state(meta["guard"])
        if self.session is not None and self.session.metrics.rows != self.state.history:
            self.session.metrics.replace(self.state.history)  # killed between the log and the checkpoint

    def restore_best(self) -> bool:
        """Put the best epoch's weights back if early stopping asks for it."""
        if self.learner.restore_best and self.state.best_state is not None:
            self.learner.load_weights(self.state.best_state)
            return True
        return False


def fit(learner, on_epoch=None) -> LoopState:
    """Train ``learner`` without a run session, as a library call does (``train_vae``, ``Agent.train``,
    an objective's path): the trainer's state; Ctrl-C propagates as KeyboardInterrupt once the
    trainer has stopped, as it would from a hand-written loop."""
    state = Trainer(learner, on_epoch=on_epoch).fit()
    if state.status == "interrupted":
        raise KeyboardInterrupt
    return state
