"""Pruning: remove a fraction of the weights, one shot or in rounds with fine-tuning between them.

With ``rounds`` R the sparsity grows as ``1 - (1 - s)^(r / R)`` after round r (the same share of
the weights left is removed each round), and each round fine-tunes ``epochs`` epochs through the
Trainer with the removed weights held at zero (``masks.MaskedOptimiser``). ``epochs: 0`` prunes
without fine-tuning. The pruned weights are stored sparse on disk (``dlx.runs.sparse``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlx.compress.masks import CRITERIA, apply_masks, check_sparsity, make_masks, prunable
from dlx.compress.training import train_masked
from dlx.errors import DlxError

DEFAULTS = {"sparsity": 0.9, "criterion": "layer", "rounds": 1, "epochs": 10}


@dataclass
class Compressed:
    """What a method hands back: the new network (scaled inputs in), whether to store it sparse, a summary
    section, one row per round or step for ``metrics.jsonl``, the masks (for the sparsity plot), and the
    scaler its inputs need when it is not the original run's (a student fitted on a transfer set)."""

    network: object
    sparse: bool = False
    record: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    masks: dict | None = None
    scaler: object = None


def checked_options(options: dict, source=None) -> dict:
    options = {**DEFAULTS, **options}
    check_sparsity(options["sparsity"])
    if options["criterion"] not in CRITERIA:
        raise DlxError(f"unknown pruning criterion '{options['criterion']}'; use one of {', '.join(CRITERIA)}")
    if int(options["rounds"]) < 1 or int(options["epochs"]) < 0:
        raise DlxError(f"rounds must be 1 or more and epochs 0 or more, got {options['rounds']} and "
                       f"{options['epochs']}")
    return options


def prune(source, options: dict, log=print) -> Compressed:
    """Prune the run's network as ``options`` say (``DEFAULTS``), fine-tuning between rounds."""
    o = checked_options(options)
    rounds, epochs = int(o["rounds"]), int(o["epochs"])
    x = source.experiment([f"training.epochs={epochs}"] if epochs else [])
    masks, rows = None, []
    for r in range(1, rounds + 1):
        target = 1 - (1 - o["sparsity"]) ** (r / rounds)
        masks = make_masks(x.model, target, o["criterion"], masks)
        apply_masks(x.model, masks)
        row = {"round": r, "sparsity": float(target), "weights_left": weights_left(masks)}
        if epochs:
            row.update(train_masked(x, masks))
            x = refreshed(source, x, epochs) if r < rounds else x
        rows.append(row)
        log("  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    return Compressed(x.model, sparse=True, rows=rows, masks=masks,
                      record={"sparsity": weights_sparsity(masks), "per_layer": layer_sparsity(masks)})


def refreshed(source, x, epochs: int):
    """A newly prepared experiment (fresh optimiser, schedule and early stopping) holding ``x``'s weights."""
    fresh = source.experiment([f"training.epochs={epochs}"], weights=False)
    fresh.model.load_state_dict(x.model.state_dict())
    return fresh


def weights_left(masks: dict) -> float:
    return float(sum(m.sum() for m in masks.values()) / sum(m.size for m in masks.values()))


def weights_sparsity(masks: dict) -> float:
    return 1.0 - weights_left(masks)


def layer_sparsity(masks: dict) -> dict:
    """name -> fraction of that weight removed."""
    return {name: float(1 - m.mean()) for name, m in masks.items()}


def masks_of(model) -> dict:
    """The masks a pruned model carries implicitly: its non-zero weights."""
    return {name: (p.data != 0).astype(np.float32) for name, p in prunable(model).items()}
