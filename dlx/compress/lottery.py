"""The lottery ticket (Frankle and Carbin, 2019): iterative magnitude pruning with rewinding.

Round r prunes ``rate`` (20%) of the weights still present, by magnitude of the weights the
previous round trained (round 1: the run's own trained weights), rewinds the survivors to the
run's initial weights (``rewind_epoch`` k > 0: to the weights the run's own training had after
k epochs, Frankle et al. 2020) and trains the ticket again, through the Trainer, with the removed
weights held at zero.
After r rounds ``0.8^r`` of the weights remain (8 rounds: 16.8%). The control: the same mask on
a random re-initialisation (the same initialiser, another seed), trained the same way. The
rounds table records both test metrics next to the dense run's; the new run holds the last ticket.
"""
from __future__ import annotations

from dlx.compress.masks import make_masks
from dlx.compress.prune import Compressed, layer_sparsity, weights_left
from dlx.compress.training import test_metrics, train_masked
from dlx.errors import DlxError
from dlx.train.loop import Trainer

SHOWN = ("round", "weights_left", "ticket_test_accuracy", "random_test_accuracy", "dense_test_accuracy")
DEFAULTS = {"rounds": 8, "rate": 0.2, "scope": "layer", "rewind_epoch": 0, "control": True}


def checked_options(options: dict, source=None) -> dict:
    o = {**DEFAULTS, **options}
    if not 0 < float(o["rate"]) < 1:
        raise DlxError(f"rate must be a fraction above 0 and below 1 (0.2 prunes 20% per round), got {o['rate']}")
    if int(o["rounds"]) < 1 or int(o["rewind_epoch"]) < 0:
        raise DlxError(f"rounds must be 1 or more and rewind_epoch 0 or more, got {o['rounds']} and "
                       f"{o['rewind_epoch']}")
    if o["scope"] not in ("layer", "global"):
        raise DlxError(f"unknown scope '{o['scope']}'; use layer or global")
    return o


def rewound_weights(source, epoch: int) -> dict:
    """The run's initial weights (its seed's initialisation), or its weights after ``epoch`` epochs: the run's
    own training (its config, seed and whole learning-rate schedule) stopped at the end of that epoch."""
    x = source.experiment(weights=False)
    if epoch == 0:
        return x.model.state_dict()
    state = Trainer(x, on_epoch=lambda row: row.get("epoch", 0) >= epoch).fit()
    if state.epoch < epoch:
        raise DlxError(f"rewind_epoch {epoch} is past the run's training, which stopped after {state.epoch} "
                       f"epochs; give a smaller rewind_epoch")
    return x.model.state_dict()


def random_weights(source) -> dict:
    """A fresh initialisation from another seed (the control's weights)."""
    seed = source.loaded.config.training.seed
    return source.experiment([f"training.seed={seed + 1000}"], weights=False).model.state_dict()


def trained_ticket(source, start: dict, masks: dict):
    """Train the network from ``start`` with ``masks``; (experiment, test and validation metrics)."""
    x = source.experiment(weights=False)
    x.model.load_state_dict(start)
    train_masked(x, masks)
    return x, {**test_metrics(x), **test_metrics(x, "validation")}


def lottery(source, options: dict, log=print) -> Compressed:
    """Rounds of prune-rewind-train; the last ticket is the new model."""
    o = checked_options(options)
    start = rewound_weights(source, int(o["rewind_epoch"]))
    trained = source.experiment()  # the dense run's trained weights
    dense = {**test_metrics(trained), **test_metrics(trained, "validation")}
    masks, rows, ticket = None, [], trained
    for r in range(1, int(o["rounds"]) + 1):
        sparsity = 1 - (1 - float(o["rate"])) ** r
        masks = make_masks(ticket.model, sparsity, o["scope"], masks)
        ticket, metrics = trained_ticket(source, start, masks)
        row = {"round": r, "weights_left": weights_left(masks), **{f"ticket_{k}": v for k, v in metrics.items()},
               **{f"dense_{k}": v for k, v in dense.items()}}
        if o["control"]:
            _, control = trained_ticket(source, random_weights(source), masks)
            row.update({f"random_{k}": v for k, v in control.items()})
        rows.append(row)
        log("  ".join(f"{k} {v:.4g}" for k, v in row.items() if k in SHOWN))
    return Compressed(ticket.model, sparse=True, rows=rows, masks=masks,
                      record={"rounds": rows, "dense_test": dense, "per_layer": layer_sparsity(masks),
                              "sparsity": 1 - weights_left(masks), "rewind_epoch": int(o["rewind_epoch"])})


def plot_rounds(rows: list, path) -> None:
    """Test accuracy of the ticket, the random re-initialisation and the dense network against the weights left."""
    from dlx.runs import plot_curves
    left = [100 * r["weights_left"] for r in rows]
    series = {name: [r.get(f"{key}_test_accuracy", float("nan")) for r in rows]
              for name, key in (("winning ticket", "ticket"), ("random re-init", "random"), ("dense", "dense"))}
    plot_curves(left, series, path, "weights left (%)", "test accuracy", "lottery tickets", log_x=True)
