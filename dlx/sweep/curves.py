"""Learning curves and capacity sweeps: training vs validation error, underfitting and overfitting.

A learning curve trains the config on growing, nested, stratified subsets of
its training split (the validation split fixed) and plots the final training
and validation error against the number of training samples. A capacity sweep
trains it once per value of one config key (hidden units, epochs, ...) and
plots both errors against that value with the minimum validation error
marked: left of it the model underfits, right of it it overfits. The error is
``1 - accuracy`` for classification and the MSE for regression (the losses
are recorded too), measured in eval mode with the weights each run ends with.

Each sweep writes ``results/sweeps/<run-name>-<kind>/<stamp>/``: ``sweep.yaml``,
``config.yaml``, ``trials.jsonl``, ``trials/<i>/`` (run folders), ``curve.json``
and ``curve.csv`` (or ``capacity.*``) and ``plots/``::

    loaded = load_config("configs/breast_cancer_mlp.yaml")
    learning_curve(loaded, fractions=(0.1, 0.5, 1.0)).points
    capacity_sweep(loaded, "model.layers.0.dense.units", [1, 4, 16, 64]).summary["best"]
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from dlx.config import LoadedConfig
from dlx.data import CLASSIFICATION_TASKS, Dataset
from dlx.errors import ConfigError, DlxError
from dlx.models.builder import build_model, check_output
from dlx.runs import atomic_write_json, atomic_write_text, create_run_dir, plot_curves, to_jsonable
from dlx.runs.metrics_log import csv_text
from dlx.runs.plots import new_figure, save_png
from dlx.sweep.crossval import (SUBSET_STREAM, mean_and_std, prepare_from_splits, stream, train_trial,
                                with_seed)
from dlx.train.evaluate import evaluate
from dlx.train.experiment import check_components, expected_outputs, loss_spec, load_splits, prepare, seeded_generators
from dlx.train.runner import resolved_yaml

MEASURES = ("train_error", "val_error", "train_loss", "val_loss")


@dataclass
class CurveResult:
    """A finished sweep: its folder, its kind and the content of its JSON file."""

    run_dir: Path
    kind: str  # "learning_curve" or "capacity"
    summary: dict

    @property
    def status(self) -> str:
        return self.summary["status"]

    @property
    def points(self) -> list[dict]:
        return self.summary["points"]


# ---- building blocks ------------------------------------------------------------------------------
def with_override(loaded: LoadedConfig, override: str) -> LoadedConfig:
    """A copy of ``loaded`` with ``a.b.c=value`` applied and validated; ConfigError on a bad path or value.

    Example::

        wide = with_override(loaded, "model.layers.0.dense.units=256")
    """
    return loaded.with_overrides([override])


def nested_order(ds: Dataset, rng: np.random.Generator, stratify: bool = True) -> np.ndarray:
    """A permutation of ``range(len(ds))`` whose every prefix keeps each class's share (within one sample).

    Each class is shuffled and its samples placed at evenly spaced quantiles, so the
    first n indices form a stratified subset and growing n gives nested subsets.

    Example::

        order = nested_order(ds, np.random.default_rng(0))
        small, large = ds.subset(order[:20]), ds.subset(order[:100])   # small is inside large
    """
    n = len(ds)
    if not (stratify and ds.task in CLASSIFICATION_TASKS):
        return rng.permutation(n)
    position = np.empty(n)
    for label in np.unique(ds.y):
        members = rng.permutation(np.flatnonzero(ds.y == label))
        position[members] = (np.arange(len(members)) + 0.5) / len(members)
    return np.lexsort((rng.random(n), position))


def subset_sizes(n: int, fractions) -> list[int]:
    """Training samples per fraction: ``max(1, round(f * n))``.

    Example::

        subset_sizes(300, [0.1, 0.5, 1.0])   # [30, 150, 300]
    """
    return [max(1, int(round(f * n))) for f in fractions]


def error_name(task: str) -> str:
    """What "error" means for a task: the MSE for regression, 1 - accuracy otherwise."""
    return "mse" if task == "regression" else "1 - accuracy"


def measured_errors(experiment) -> dict:
    """Error and loss on the training and validation splits, in eval mode, with the current weights."""
    x = experiment
    n_outputs = x.model.output_shape(x.splits["train"].input_shape)[-1]
    out = {}
    for prefix, split in (("train", "train"), ("val", "validation")):
        metrics = evaluate(x.model, x.splits[split], x.loss, n_outputs)
        error = metrics["mse"] if x.task == "regression" else 1.0 - metrics["accuracy"]
        out[f"{prefix}_error"], out[f"{prefix}_loss"] = float(error), float(metrics["loss"])
    return out


def _trial_row(index: int, experiment, result) -> dict:
    return {"trial": index, "run_dir": f"trials/{index}", "status": result.status,
            "epochs_completed": result.summary["epochs_completed"], **measured_errors(experiment)}


def _need_validation(splits: dict, what: str) -> None:
    if not len(splits["validation"]):
        raise ConfigError(f"{what} compare training with validation error, but dataset.validation is 0; "
                          f"set it above 0, e.g. --set dataset.validation=0.2")


def _sweep_dir(loaded: LoadedConfig, kind: str, results_dir, spec: dict) -> Path:
    c = loaded.config
    root = Path(results_dir or c.output.results_dir) / "sweeps"
    sweep_dir = create_run_dir(root, f"{c.output.run_name}-{kind}")
    atomic_write_text(sweep_dir / "sweep.yaml", yaml.safe_dump(to_jsonable(spec), sort_keys=False))
    atomic_write_text(sweep_dir / "config.yaml", resolved_yaml(loaded))
    (sweep_dir / "trials").mkdir()
    return sweep_dir


def _write_trials(sweep_dir: Path, trials: list[dict]) -> None:
    text = "".join(json.dumps(to_jsonable(row)) + "\n" for row in trials)
    atomic_write_text(sweep_dir / "trials.jsonl", text)


def _write_results(sweep_dir: Path, name: str, summary: dict, rows: list[dict]) -> None:
    atomic_write_json(sweep_dir / f"{name}.json", summary)
    atomic_write_text(sweep_dir / f"{name}.csv", csv_text(rows))


def _spans_a_decade(values) -> bool:
    array = np.asarray(values, dtype=float)
    return bool(array.size > 1 and np.all(array > 0) and array.max() / array.min() > 10)


# ---- learning curve -------------------------------------------------------------------------------
def learning_curve(loaded: LoadedConfig, fractions=(0.1, 0.2, 0.4, 0.7, 1.0), repeats: int = 1,
                   results_dir: str | Path | None = None, reporter=None) -> CurveResult:
    """Train on growing fractions of the training split; plot train and validation error against n.

    Args:
        loaded: the experiment; its validation split stays fixed (each trial's summary.json also holds
            test metrics, as a ``dlx train`` run's does, but the curve never uses them).
        fractions (default (0.1, 0.2, 0.4, 0.7, 1.0)): shares of the training split, each in (0, 1].
        repeats (default 1): runs per fraction with other subsets and seeds (``training.seed + r``);
            above 1 the points are means with ± one sample std (ddof=1) bands.
        results_dir (default None): the results folder; None uses ``output.results_dir``.
        reporter (default None): a ``Reporter`` given each trial's epochs; None keeps quiet.

    Example::

        result = learning_curve(load_config("configs/digits_mlp.yaml"), fractions=(0.05, 0.2, 1.0))
        [(p["n_train"], p["train_error"], p["val_error"]) for p in result.points]
    """
    fractions = _checked_fractions(fractions)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"repeats must be a positive integer, got {repeats!r}; use 1 for one run per point")
    check_components(loaded)
    c = loaded.config
    base = load_splits(loaded, seeded_generators(c.training.seed)["data"])  # the splits of dlx train
    _need_validation(base, "learning curves")
    sizes = subset_sizes(len(base["train"]), fractions)
    spec = {"kind": "learning_curve", "config": loaded.source, "fractions": fractions, "sizes": sizes,
            "repeats": repeats}
    sweep_dir = _sweep_dir(loaded, "learning-curve", results_dir, spec)
    trials = []
    for repeat in range(repeats):
        if not _learning_trials(loaded, base, sizes, fractions, repeat, sweep_dir, trials, reporter):
            break
    return _finish_learning(loaded, sweep_dir, spec, base, trials)


def _learning_trials(loaded, base: dict, sizes: list[int], fractions: list[float], repeat: int, sweep_dir: Path,
                     trials: list[dict], reporter) -> bool:
    """One repeat: nested subsets from one random order, one run each; False if interrupted."""
    c = loaded.config
    order = nested_order(base["train"], stream(c.training.seed, SUBSET_STREAM, repeat), c.dataset.stratify)
    seeded = with_seed(loaded, c.training.seed + repeat)
    for fraction, n in zip(fractions, sizes):
        splits = dict(base, train=base["train"].subset(np.sort(order[:n])))  # n = all: as dlx train
        experiment = prepare_from_splits(seeded, splits)
        result = train_trial(experiment, sweep_dir / "trials" / str(len(trials)), reporter)
        trials.append({**_trial_row(len(trials), experiment, result), "repeat": repeat, "fraction": fraction,
                       "n_train": n})
        _write_trials(sweep_dir, trials)
        if result.status == "interrupted":
            return False
    return True


def _checked_fractions(fractions) -> list[float]:
    values = [float(f) for f in fractions]
    if not values or not all(0 < f <= 1 for f in values):
        raise ConfigError(f"fractions must be numbers in (0, 1], got {list(fractions)}; e.g. 0.1,0.3,1")
    return values


def _curve_points(trials: list[dict], repeats: int) -> list[dict]:
    points = []
    for n in dict.fromkeys(t["n_train"] for t in trials):
        group = [t for t in trials if t["n_train"] == n]
        point = {"fraction": group[0]["fraction"], "n_train": n, "runs": len(group)}
        for measure in MEASURES:
            stats = mean_and_std([t[measure] for t in group])
            point[measure] = stats["mean"]
            if repeats > 1:
                point[f"{measure}_std"] = stats["std"]
        points.append(point)
    return points


def _finish_learning(loaded, sweep_dir: Path, spec: dict, base: dict, trials: list[dict]) -> CurveResult:
    repeats, task = spec["repeats"], base["train"].task
    points = _curve_points(trials, repeats)
    complete = len(trials) == len(spec["sizes"]) * repeats
    summary = {"kind": "learning_curve", "status": "completed" if complete else "interrupted",
               "config": loaded.source, "seed": loaded.config.training.seed, "error": error_name(task),
               "samples": {"train": len(base["train"]), "validation": len(base["validation"])},
               "repeats": repeats, "std": "sample standard deviation across repeats (ddof=1)" if repeats > 1 else None,
               "points": points, "trials": trials}
    _write_results(sweep_dir, "curve", summary, points)
    ns = [p["n_train"] for p in points]
    band = {"train error": [p["train_error_std"] for p in points],
            "validation error": [p["val_error_std"] for p in points]} if repeats > 1 and len(trials) > 1 else None
    plot_curves(ns, {"train error": [p["train_error"] for p in points],
                     "validation error": [p["val_error"] for p in points]},
                sweep_dir / "plots" / "learning_curve.png", "training samples", error_name(task),
                "learning curve", log_x=_spans_a_decade(ns), band=band)
    return CurveResult(sweep_dir, "learning_curve", summary)


# ---- capacity sweep -------------------------------------------------------------------------------
def capacity_sweep(loaded: LoadedConfig, parameter: str, values: list, results_dir: str | Path | None = None,
                   reporter=None) -> CurveResult:
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

    Example::

        result = capacity_sweep(loaded, "model.layers.0.dense.units", [1, 2, 4, 8, 16, 32, 64, 128, 256])
        result.summary["best"]   # {'value': 16, 'val_error': 0.02, ...}
    """
    overrides, parsed = _capacity_overrides(parameter, values)
    configs = [_checked(override, with_override, loaded, override) for override in overrides]
    first = _checked(overrides[0], prepare, configs[0])
    _need_validation(first.splits, "capacity sweeps")
    for override, trial_loaded in zip(overrides[1:], configs[1:]):
        _checked(override, _check_model, trial_loaded, first.splits["train"])
    spec = {"kind": "capacity", "config": loaded.source, "parameter": parameter, "values": parsed}
    sweep_dir = _sweep_dir(loaded, "capacity", results_dir, spec)
    task, trials = first.task, []
    for index, (trial_loaded, value) in enumerate(zip(configs, parsed)):
        experiment, first = (first if index == 0 else prepare(trial_loaded)), None
        result = train_trial(experiment, sweep_dir / "trials" / str(index), reporter)
        trials.append({**_trial_row(index, experiment, result), "value": value})
        _write_trials(sweep_dir, trials)
        if result.status == "interrupted":
            break
    return _finish_capacity(loaded, sweep_dir, spec, task, trials)


def _capacity_overrides(parameter: str, values) -> tuple[list[str], list]:
    """``PATH=VALUE`` for each value, and the values as YAML reads them."""
    if not isinstance(parameter, str) or not parameter.strip() or "=" in parameter:
        raise ConfigError(f"the parameter must be a config key path such as model.layers.0.dense.units, "
                          f"got {parameter!r}")
    if not values:
        raise ConfigError(f"give at least one value for {parameter}, e.g. 2,8,32,128")
    texts = [v.strip() if isinstance(v, str) else json.dumps(to_jsonable(v)) for v in values]
    return [f"{parameter.strip()}={text}" for text in texts], [yaml.safe_load(text) for text in texts]


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
    outputs = expected_outputs(train, loss_spec(c, train)[0])
    model = build_model(c.model, train.input_shape, outputs, np.random.default_rng(0))
    check_output(model, train.input_shape, outputs)


def _best_index(trials: list[dict]) -> int | None:
    finite = [i for i, t in enumerate(trials) if math.isfinite(t["val_error"])]
    return min(finite, key=lambda i: trials[i]["val_error"]) if finite else None


def _finish_capacity(loaded, sweep_dir: Path, spec: dict, task: str, trials: list[dict]) -> CurveResult:
    best = _best_index(trials)
    summary = {"kind": "capacity", "status": "completed" if len(trials) == len(spec["values"]) else "interrupted",
               "config": loaded.source, "seed": loaded.config.training.seed, "parameter": spec["parameter"],
               "error": error_name(task), "points": trials,
               "best": None if best is None else {k: trials[best][k] for k in ("trial", "value", *MEASURES)}}
    _write_results(sweep_dir, "capacity", summary, trials)
    plot_capacity(trials, spec["parameter"], best, sweep_dir / "plots" / "capacity.png", error_name(task))
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
    log_x = numeric and _spans_a_decade(xs)
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
