"""Capacity sweeps: training and validation error against one config value (underfitting, overfitting).

Each value of one key (hidden units, epochs, ...) gets a run; the plot marks
the lowest validation error: left of it the model underfits, right of it it
overfits (the training error keeps falling while the validation error rises).
See ``dlx.sweep.curves`` for the folder layout and the error measure.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from dlx.config import LoadedConfig
from dlx.config.safe_yaml import load_yaml
from dlx.data import Dataset
from dlx.errors import ConfigError, DlxError
from dlx.models.builder import build_model, check_output
from dlx.runs import to_jsonable
from dlx.runs.plots import new_figure, save_png
from dlx.sweep.curves import (MEASURES, CurveResult, create_sweep_dir, curve_trial, error_name, need_validation,
                              run_curve_trials, spans_a_decade, with_override, write_curve_results)
from dlx.sweep.layout import write_trial_records
from dlx.registry import losses
from dlx.tasks import get_task
from dlx.train.experiment import check_components, loss_spec, prepare


def capacity_sweep(loaded: LoadedConfig, parameter: str, values: list, results_dir: str | Path | None = None,
                   reporter=None, workers: int | None = None, resume_dir: str | Path | None = None,
                   backend: str = "local", address: str | None = None) -> CurveResult:
    """Train once per value of ``parameter``; plot train and validation error against it.

    Every value is applied and checked (path, type, model shapes) before the first run, so a
    bad parameter path is a ConfigError and leaves no folder behind.

    Args:
        loaded: the experiment.
        parameter: a config key path, e.g. ``model.layers.0.dense.units`` or ``training.epochs``.
        values: the values, numbers or YAML text (``"64"``); numbers give a numeric x axis
            (logarithmic when they span more than a decade).
        results_dir (default None): the results folder; None uses ``output.results_dir``.
        reporter (default None): a ``Reporter`` given each trial's epochs; None keeps quiet.
        workers (default None): run the trials on a pool of this many processes (None: one by one here).
        resume_dir (default None): the folder of an interrupted sweep; only its missing trials run.
        backend (default "local"), address (default None): "ray" runs the trials as Ray tasks (``run_planned``).

    Example::

        result = capacity_sweep(loaded, "model.layers.0.dense.units", [1, 2, 4, 8, 16, 32, 64, 128, 256])
        result.summary["best"]   # {'value': 16, 'val_error': 0.02, ...}
    """
    overrides, parsed = _capacity_overrides(parameter, values)
    configs = [_checked(override, with_override, loaded, override) for override in overrides]
    first = _checked(overrides[0], prepare, configs[0])
    need_validation(first.splits, "capacity sweeps")
    for override, trial_loaded in zip(overrides[1:], configs[1:]):
        _checked(override, _check_model, trial_loaded, first.splits["train"])
    spec = {"kind": "capacity", "config": loaded.source, "parameter": parameter, "values": parsed}
    sweep_dir = Path(resume_dir) if resume_dir is not None else create_sweep_dir(loaded, "capacity", results_dir, spec)
    task = first.task.name
    planned = [curve_trial(loaded, sweep_dir, index, overrides=(override,)) for index, override in enumerate(overrides)]
    trials = [{**row, "value": value} for row, value in zip(run_curve_trials(planned, task, workers, reporter, backend,
                                                                                 address), parsed)]
    write_trial_records(sweep_dir, trials)
    return _finish_capacity(loaded, sweep_dir, spec, task, trials)


def _capacity_overrides(parameter: str, values) -> tuple[list[str], list]:
    """``PATH=VALUE`` for each value, and the values as YAML reads them."""
    if not isinstance(parameter, str) or not parameter.strip() or "=" in parameter:
        raise ConfigError(f"the parameter must be a config key path such as model.layers.0.dense.units, "
                          f"got {parameter!r}")
    if not values:
        raise ConfigError(f"give at least one value for {parameter}, e.g. 2,8,32,128")
    texts = [v.strip() if isinstance(v, str) else json.dumps(to_jsonable(v)) for v in values]
    return [f"{parameter.strip()}={text}" for text in texts], [load_yaml(text) for text in texts]


def _checked(override: str, function, *args):
    """``function(*args)``; a failure caused by the value becomes a ConfigError naming ``override``."""
    try:
        return function(*args)
    except ConfigError as error:
        if str(error).startswith("--set"):
            raise
        raise ConfigError(f"--set {override}: {error}") from None
    except (DlxError, TypeError, ValueError) as error:
        raise ConfigError(f"--set {override}: {error}") from None


def _check_model(trial_loaded: LoadedConfig, train: Dataset) -> None:
    """Check the names and build the model (on the first trial's data shapes) before any training."""
    check_components(trial_loaded)
    c = trial_loaded.config
    task = get_task(train.task)
    name, kwargs = loss_spec(c, task)
    outputs = task.outputs(train, losses.create(name, **kwargs))
    model = build_model(c.model, train.input_shape, outputs, np.random.default_rng(0))
    check_output(model, train.input_shape, outputs)


def _best_index(trials: list[dict]) -> int | None:
    finite = [i for i, t in enumerate(trials) if math.isfinite(t["val_error"])]
    return min(finite, key=lambda i: trials[i]["val_error"]) if finite else None


def _finish_capacity(loaded, sweep_dir: Path, spec: dict, task: str, trials: list[dict]) -> CurveResult:
    best = _best_index(trials)
    summary = {"kind": "capacity", "status": "finished" if len(trials) == len(spec["values"]) else "interrupted",
               "config": loaded.source, "seed": loaded.config.training.seed, "parameter": spec["parameter"],
               "error": error_name(task), "points": trials,
               "best": None if best is None else {k: trials[best][k] for k in ("trial", "value", *MEASURES)}}
    plot_capacity(trials, spec["parameter"], best, sweep_dir / "plots" / "capacity.png", error_name(task))
    write_curve_results(sweep_dir, "capacity", summary, trials, sweep_dir / "plots" / "capacity.png")
    return CurveResult(sweep_dir, "capacity", summary)


def plot_capacity(points: list[dict], parameter: str, best: int | None, path: Path, ylabel: str) -> Path:
    """Train and validation error against ``parameter``; the minimum validation error marked, and
    the regions left of it ("underfitting") and right of it ("overfitting") shaded and labelled.

    Example::

        plot_capacity(result.points, "model.layers.0.dense.units", 3, Path("plots/capacity.png"), "1 - accuracy")
    """
    values = [p["value"] for p in points]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    xs = np.asarray(values if numeric else range(len(values)), dtype=float)
    log_x = numeric and spans_a_decade(xs)
    order = np.argsort(xs, kind="stable")
    figure = new_figure(6.5, 4.2)
    axes = figure.add_subplot()
    for key, label in (("train_error", "train error"), ("val_error", "validation error")):
        ys = np.asarray([p[key] for p in points], dtype=float)
        axes.plot(xs[order], ys[order], marker="o", markersize=4, label=label)
    if best is not None:
        axes.plot([xs[best]], [points[best]["val_error"]], marker="*", markersize=14, color="C3",
                  linestyle="none", label=f"min validation error ({values[best]})")
        if numeric:  # names (optimisers, ...) have no order of capacity: no regions
            _mark_regions(axes, xs, xs[best], log_x)
    if log_x:
        axes.set_xscale("log")
    if not numeric:
        axes.set_xticks(xs, [str(v) for v in values])
    axes.set(title="capacity: training vs validation error", xlabel=parameter, ylabel=ylabel)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return save_png(figure, path)


def _mark_regions(axes, xs: np.ndarray, x_best: float, log_x: bool) -> None:
    """Shade and label "underfitting" left of the best value and "overfitting" right of it."""
    low, high = xs.min(), xs.max()
    axes.axvline(x_best, color="C3", linestyle="--", linewidth=1)
    middle = (lambda a, b: math.sqrt(a * b)) if log_x else (lambda a, b: (a + b) / 2)
    for start, end, text, colour in ((low, x_best, "underfitting", "C0"), (x_best, high, "overfitting", "C1")):
        if end > start:
            axes.axvspan(start, end, color=colour, alpha=0.08, linewidth=0)
            axes.text(middle(start, end), 0.97, text, transform=axes.get_xaxis_transform(), ha="center",
                      va="top", fontsize=9, color=colour)
