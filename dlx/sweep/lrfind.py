"""The learning-rate range test (Smith, 2017; as fastai's ``lr_find``).

Train from the config's initial weights for at most one epoch while the learning rate
grows exponentially from ``min_lr`` to ``max_lr``, one step per mini-batch (the trainer runs
the supervised learner's own step: its loss, masks, noise and penalties); stop when the
smoothed loss exceeds ``explode`` times its lowest value (or turns NaN). The loss
against the learning rate falls, flattens and explodes; the suggestion is the rate at
the lowest smoothed loss divided by 10 (a step safely before the explosion, fastai's
``min/10`` rule). The loss is smoothed by an exponential moving average with bias
correction, ``s_t = beta s_{t-1} + (1 - beta) l_t``, reported as ``s_t / (1 - beta^t)``.

Example::

    result = lr_range_test(load_config("configs/digits_mlp.yaml"))
    result.suggestion, result.lrs[:3], result.smoothed[:3]
    folder = lr_find_run(result, loaded, "results")  # results/lr-find/<run-name>/<stamp>/: a run like any other
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlx.config import LoadedConfig
from dlx.data import minibatches
from dlx.errors import ConfigError
from dlx.runs import atomic_write_json, atomic_write_text
from dlx.runs.metrics_log import csv_text
from dlx.runs.plots import new_figure, save_png
from dlx.runs.session import RunSession
from dlx.threads import use_threads
from dlx.train.experiment import prepare
from dlx.train.learner import LazyBatches, Learner
from dlx.train.loop import SupervisedLearner
from dlx.train.runner import experiment_threads, resolved_yaml
from dlx.train.trainer import fit


@dataclass
class LRFindResult:
    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    suggestion: float = math.nan
    stopped: str = ""
    config_lr: float = math.nan
    threads: dict = field(default_factory=dict)  # the setting used (dlx.threads)


def schedule(min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """``steps`` rates from ``min_lr`` to ``max_lr``, equally spaced on a log scale."""
    return np.exp(np.linspace(np.log(min_lr), np.log(max_lr), steps))


def lr_range_test(loaded: LoadedConfig, min_lr: float = 1e-6, max_lr: float = 1.0, max_steps: int = 200,
                  beta: float = 0.9, explode: float = 4.0) -> LRFindResult:
    """Run the range test on the config's model, data and optimiser (its schedule is ignored).

    Args:
        loaded: the validated config.
        min_lr (default 1e-6), max_lr (default 1.0): the range of learning rates.
        max_steps (default 200): at most this many steps, and at most one epoch.
        beta (default 0.9): smoothing of the loss curve.
        explode (default 4.0): stop when the smoothed loss exceeds this times its lowest value.
    """
    for name, value in (("--min-lr", min_lr), ("--max-lr", max_lr)):
        if not math.isfinite(value):
            raise ConfigError(f"lr-find needs finite learning rates, got {name} {value:g}; "
                              f"e.g. --min-lr 1e-6 --max-lr 1")
    if not 0 < min_lr < max_lr:
        raise ConfigError(f"lr-find needs 0 < --min-lr < --max-lr, got {min_lr:g} and {max_lr:g}")
    x = prepare(loaded)
    threads = experiment_threads(x)
    with use_threads(threads):
        result = _range_steps(x, min_lr, max_lr, max_steps, beta, explode)
    result.threads = threads.record()
    return result


class RangeTestLearner(Learner):
    """The range test as a learner: an epoch of the trainer is one step of the supervised learner
    (its batch, loss and gradients) at the next rate of the schedule; the run stops when the
    smoothed loss explodes. The figures collect in ``result``."""

    def __init__(self, x, min_lr: float, max_lr: float, max_steps: int, beta: float, explode: float):
        self.x, self.beta, self.explode, self.max_lr = x, beta, explode, max_lr
        self.step = SupervisedLearner(x)  # padding masked, noise and penalties as in training
        self.batches = list(minibatches(len(x.splits["train"]), x.settings.batch_size, x.rngs["shuffle"]))[:max_steps]
        self.rates = schedule(min_lr, max_lr, len(self.batches))
        self.result = LRFindResult(config_lr=x.rate.base)  # the config's rate, or the optimiser's own
        self.average, self.best = 0.0, math.inf
        x.model.train()

    def planned_epochs(self) -> int:
        return len(self.batches)

    def configure_optimisers(self) -> list:
        return [self.x.optimiser]

    def train_batches(self, epoch: int) -> LazyBatches:
        return LazyBatches([self.batches[epoch - 1]], self.step.training_batch)

    def training_step(self, batch) -> dict:
        return self.step.training_step(batch)

    def before_step(self, epoch: int, step: int, steps: int) -> None:
        self.x.optimiser.lr = float(self.rates[epoch - 1])

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        value = outputs[-1]["loss"]
        self.average = self.beta * self.average + (1 - self.beta) * value
        smooth = self.average / (1 - self.beta ** epoch)
        for column, number in (("lrs", float(self.rates[epoch - 1])), ("losses", value), ("smoothed", smooth)):
            getattr(self.result, column).append(number)
        return {"step": epoch, "lr": float(self.rates[epoch - 1]), "loss": value, "smoothed": smooth}

    def should_stop(self, row: dict) -> tuple[str, str] | None:
        smooth = row["smoothed"]
        if not math.isfinite(smooth) or smooth > self.explode * self.best:
            return "finished", f"loss exploded at lr {row['lr']:.3g}"
        self.best = min(self.best, smooth)
        return None


def _range_steps(x, min_lr: float, max_lr: float, max_steps: int, beta: float, explode: float) -> LRFindResult:
    learner = RangeTestLearner(x, min_lr, max_lr, max_steps, beta, explode)
    state = fit(learner)
    result = learner.result
    result.stopped = state.message or f"reached max lr {max_lr:g} after {len(result.lrs)} steps"
    result.suggestion = suggest(result.lrs, result.smoothed)
    return result


def suggest(lrs: list[float], smoothed: list[float]) -> float:
    """The rate at the lowest smoothed loss, divided by 10."""
    finite = [(loss, lr) for lr, loss in zip(lrs, smoothed) if math.isfinite(loss)]
    return min(finite)[1] / 10 if finite else math.nan


def plot_lr_find(result: LRFindResult, path: Path) -> Path:
    figure = new_figure(6.5, 4.0)
    axes = figure.add_subplot()
    axes.plot(result.lrs, result.losses, color="0.75", linewidth=0.8, label="loss per step")
    axes.plot(result.lrs, result.smoothed, color="C0", label="smoothed")
    finite = [v for v in result.smoothed if math.isfinite(v)]
    if finite:
        axes.set_ylim(min(finite) * 0.9, min(max(finite), 4 * min(finite)) * 1.05)
    axes.axvline(result.suggestion, color="C2", linestyle="--", label=f"suggested {result.suggestion:.3g}")
    axes.axvline(result.config_lr, color="C1", linestyle=":", label=f"config's {result.config_lr:.3g}")
    axes.set_xscale("log")
    axes.set_xlabel("learning rate")
    axes.set_ylabel("training loss")
    axes.set_title("learning-rate range test")
    axes.legend(fontsize=8)
    return save_png(figure, path)


def write_lr_find(result: LRFindResult, folder: Path) -> None:
    """lr_find.png, lr_find.csv (lr, loss, smoothed) and lr_find.json (suggestion, why it stopped)."""
    rows = [{"step": i + 1, "lr": lr, "loss": loss, "smoothed": s}
            for i, (lr, loss, s) in enumerate(zip(result.lrs, result.losses, result.smoothed))]
    atomic_write_text(folder / "lr_find.csv", csv_text(rows))
    atomic_write_json(folder / "lr_find.json", {"suggestion": result.suggestion, "config_lr": result.config_lr,
                                                "stopped": result.stopped, "steps": len(rows),
                                                "threads": result.threads})
    plot_lr_find(result, folder / "plots" / "lr_find.png")


def lr_find_run(result: LRFindResult, loaded: LoadedConfig, results_dir: str | Path) -> Path:
    """Write the range test as a run through the run session: ``<results_dir>/lr-find/<run-name>/<stamp>/``
    with the resolved config.yaml, run.log, the lr_find files and summary.json (kind ``lr-find``,
    headline: the suggested rate). Returns the folder."""
    session = RunSession.create(Path(results_dir) / "lr-find", loaded.config.output.run_name, resolved_yaml(loaded),
                                kind="lr-find")
    with session:
        session.log(f"{len(result.lrs)} steps from {result.lrs[0]:.3g} to {result.lrs[-1]:.3g}; {result.stopped}"
                    if result.lrs else result.stopped)
        write_lr_find(result, session.run_dir)
        session.finish("finished", {"config": loaded.source, "config_lr": result.config_lr,
                                    "stopped": result.stopped, "steps": len(result.lrs), "threads": result.threads,
                                    "headline": {"suggested_lr": result.suggestion}})
    return session.run_dir
