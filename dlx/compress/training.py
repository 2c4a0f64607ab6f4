"""Training a compressed network through the one Trainer: fine-tuning with masks, and what a run records of it."""
from __future__ import annotations

from dlx.compress.masks import MaskedOptimiser, apply_masks
from dlx.train.experiment import Experiment
from dlx.train.loop import Trainer


def train_masked(x: Experiment, masks: dict | None = None) -> dict:
    """Train ``x`` (its config's epochs, optimiser, schedule and early stopping) with the removed weights
    kept at zero; returns the last epoch's row (``val_accuracy`` ...) and the epochs run."""
    if masks:
        apply_masks(x.model, masks)
        x.optimiser = MaskedOptimiser(x.optimiser, x.model, masks)
    state = Trainer(x).fit()
    if masks:
        apply_masks(x.model, masks)  # the best epoch's weights were masked too; this only makes it certain
    last = dict(state.history[-1]) if state.history else {}
    return {"epochs": state.epoch, "status": state.status,
            **{k: v for k, v in last.items() if k.startswith(("train_", "val_"))}}


def test_metrics(x: Experiment, split: str = "test") -> dict:
    """The network's metrics on the experiment's (scaled) test split (or ``split``: "validation"), named
    ``test_*`` (``val_*``)."""
    results = x.task.evaluate(x.model, x.splits[split], x.loss, x.n_outputs)
    prefix = "val" if split == "validation" else split
    return {f"{prefix}_{k}": v for k, v in results.items() if k != "confusion_matrix"}
