"""Learning curves, and what every curve sweep shares (capacity sweeps: ``dlx.sweep.capacity``).

A learning curve trains the config on growing, nested, stratified subsets of
its training split (the validation split fixed) and plots the final training
and validation error against the number of training samples. A capacity sweep
trains it once per value of one config key (hidden units, epochs, ...) and
plots both errors against that value with the minimum validation error
marked: left of it the model underfits, right of it it overfits. The error is
``1 - accuracy`` for classification and the MSE for regression (the losses
are recorded too), measured in eval mode with the weights each run ends with.

Each sweep writes the layout of every sweep (``dlx.sweep.layout``), in
``results/sweeps/<run-name>-<kind>/<stamp>/``: ``sweep.yaml``, ``config.yaml``,
``trials.jsonl``, ``trials/<i>/`` (each a complete run of a ``Trial``), ``summary.csv``,
``report.md``, ``plots/`` and ``curve.json`` (or ``capacity.json``) with everything::

    loaded = load_config("configs/breast_cancer_mlp.yaml")
    learning_curve(loaded, fractions=(0.1, 0.5, 1.0)).points
    capacity_sweep(loaded, "model.layers.0.dense.units", [1, 4, 16, 64]).summary["best"]
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.config import LoadedConfig
from dlx.data import CLASSIFICATION_TASKS, Dataset, split_indices
from dlx.errors import ConfigError
from dlx.runs import atomic_write_json, plot_curves
from dlx.sweep.layout import open_sweep_dir, write_results, write_trial_records
from dlx.sweep.crossval import SUBSET_STREAM, mean_and_std, stream
from dlx.sweep.planned import results_in_order
from dlx.sweep.trials import Trial
from dlx.train.experiment import check_components, load_dataset, seeded_generators
from dlx.train.runner import resolved_yaml

MEASURES = ("train_error", "val_error", "train_loss", "val_loss")
REPORTED = ("training.train_metrics=true", "training.metrics=null")  # rows hold what the curves read


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


def measured_errors(summary: dict, task: str) -> dict:
    """Error and loss on the training and validation splits with the weights the run ends with: its best
    epoch's row when it restored the best weights, else its last row (both measured in eval mode)."""
    row = (summary.get("best") if summary.get("restored_best") else summary.get("final")) or {}
    out = {}
    for prefix in ("train", "val"):
        value = float(row.get(f"{prefix}_{'mse' if task == 'regression' else 'accuracy'}", np.nan))
        out[f"{prefix}_error"] = value if task == "regression" else 1.0 - value
        out[f"{prefix}_loss"] = float(row.get(f"{prefix}_loss", np.nan))
    return out


def curve_trial(loaded: LoadedConfig, sweep_dir: Path, index: int, **trial) -> Trial:
    """Trial ``index`` of a curve (a ``Trial`` of ``loaded`` with ``trial``'s splits, overrides or seed)
    in ``trials/<index>/``."""
    overrides = (*trial.pop("overrides", ()), *REPORTED)
    return Trial(loaded.raw, overrides, folder=str(sweep_dir / "trials" / str(index)), source=loaded.source, **trial)


def run_curve_trials(trials: list[Trial], task: str, workers=None, reporter=None, backend: str = "local",
                     address: str | None = None) -> list[dict]:
    """The rows for trials.jsonl of the trials that ran (``results_in_order``), up to the first interrupted."""
    return [{"trial": index, "run_dir": f"trials/{index}", "status": result.status,
             "epochs_completed": result.summary["epochs_completed"], **measured_errors(result.summary, task)}
            for index, result in results_in_order(trials, workers, reporter, "trial", backend, address)]


def need_validation(splits: dict, what: str) -> None:
    if not len(splits["validation"]):
        raise ConfigError(f"{what} compare training with validation error, but dataset.validation is 0; "
                          f"set it above 0, e.g. --set dataset.validation=0.2")


def create_sweep_dir(loaded: LoadedConfig, kind: str, results_dir, spec: dict) -> Path:
    c = loaded.config
    return open_sweep_dir(results_dir or c.output.results_dir, f"{c.output.run_name}-{kind}", spec,
                          resolved_yaml(loaded))


def write_curve_results(sweep_dir: Path, name: str, summary: dict, rows: list[dict], plot: Path) -> None:
    """``<name>.json`` (everything) and the shared layout's ``summary.csv`` and ``report.md``."""
    atomic_write_json(sweep_dir / f"{name}.json", summary)
    lines = [f"config: {summary['config']}, seed {summary['seed']}, status {summary['status']}",
             f"error: {summary['error']}"]
    write_results(sweep_dir, name.replace("_", " "), lines, rows, [plot])


def spans_a_decade(values) -> bool:
    array = np.asarray(values, dtype=float)
    return bool(array.size > 1 and np.all(array > 0) and array.max() / array.min() > 10)


# ---- learning curve -------------------------------------------------------------------------------
def learning_curve(loaded: LoadedConfig, fractions=(0.1, 0.2, 0.4, 0.7, 1.0), repeats: int = 1,
                   results_dir: str | Path | None = None, reporter=None, workers: int | None = None,
                   resume_dir: str | Path | None = None, backend: str = "local",
                   address: str | None = None) -> CurveResult:
    """Train on growing fractions of the training split; plot train and validation error against n.

    Args:
        loaded: the experiment; its validation split stays fixed (each trial's summary.json also holds
            test metrics, as a ``dlx train`` run's does, but the curve never uses them).
        fractions (default (0.1, 0.2, 0.4, 0.7, 1.0)): shares of the training split, each in (0, 1].
        repeats (default 1): runs per fraction with other subsets and seeds (``training.seed + r``);
            above 1 the points are means with ± one sample std (ddof=1) bands.
        results_dir (default None): the results folder; None uses ``output.results_dir``.
        reporter (default None): a ``Reporter`` given each trial's epochs; None keeps quiet.
        workers (default None): run the trials on a pool of this many processes (None: one by one here).
        resume_dir (default None): the folder of an interrupted curve; only its missing trials run.
        backend (default "local"), address (default None): "ray" runs the trials as Ray tasks (``run_planned``).

    Example::

        result = learning_curve(load_config("configs/digits_mlp.yaml"), fractions=(0.05, 0.2, 1.0))
        [(p["n_train"], p["train_error"], p["val_error"]) for p in result.points]
    """
    fractions = _checked_fractions(fractions)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"repeats must be a positive integer, got {repeats!r}; use 1 for one run per point")
    check_components(loaded)
    full, parts = split_of(loaded)  # the splits of dlx train, as indices into the whole data set
    base = {key: full.subset(idx) for key, idx in parts.items()}
    need_validation(base, "learning curves")
    sizes = subset_sizes(len(base["train"]), fractions)
    spec = {"kind": "learning_curve", "config": loaded.source, "fractions": fractions, "sizes": sizes,
            "repeats": repeats}
    sweep_dir = Path(resume_dir) if resume_dir is not None else \
        create_sweep_dir(loaded, "learning-curve", results_dir, spec)
    points = [point for repeat in range(repeats) for point in _learning_points(loaded, base, parts, sizes, fractions, repeat)]
    trials = [curve_trial(loaded, sweep_dir, index, splits=point.pop("splits"), seed=point.pop("seed"))
              for index, point in enumerate(points)]
    rows = [{**row, **point} for row, point in zip(run_curve_trials(trials, base["train"].task, workers, reporter,
                                                                    backend, address),
                                                   points)]
    write_trial_records(sweep_dir, rows)
    return _finish_learning(loaded, sweep_dir, spec, base, rows)


def split_of(loaded: LoadedConfig) -> tuple[Dataset, dict[str, np.ndarray]]:
    """The whole data set and the indices of its train/validation/test split, drawn as a run draws them."""
    c = loaded.config
    rng = seeded_generators(c.training.seed)["data"]
    full = load_dataset(loaded, rng)
    return full, split_indices(full, c.dataset.validation, c.dataset.test, rng, c.dataset.stratify)


def _learning_points(loaded, base: dict, parts: dict, sizes: list[int], fractions: list[float], repeat: int
                     ) -> list[dict]:
    """One repeat: nested subsets from one random order; each point's splits, seed, fraction and size."""
    c = loaded.config
    order = nested_order(base["train"], stream(c.training.seed, SUBSET_STREAM, repeat), c.dataset.stratify)
    points = []
    for fraction, n in zip(fractions, sizes):
        splits = {key: idx.tolist() for key, idx in parts.items()}
        splits["train"] = parts["train"][np.sort(order[:n])].tolist()  # n = all: as dlx train
        points.append({"splits": splits, "seed": c.training.seed + repeat, "repeat": repeat,
                       "fraction": fraction, "n_train": n})
    return points


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
    summary = {"kind": "learning_curve", "status": "finished" if complete else "interrupted",
               "config": loaded.source, "seed": loaded.config.training.seed, "error": error_name(task),
               "samples": {"train": len(base["train"]), "validation": len(base["validation"])},
               "repeats": repeats, "std": "sample standard deviation across repeats (ddof=1)" if repeats > 1 else None,
               "points": points, "trials": trials}
    ns = [p["n_train"] for p in points]
    band = {"train error": [p["train_error_std"] for p in points],
            "validation error": [p["val_error_std"] for p in points]} if repeats > 1 and len(trials) > 1 else None
    plot_curves(ns, {"train error": [p["train_error"] for p in points],
                     "validation error": [p["val_error"] for p in points]},
                sweep_dir / "plots" / "learning_curve.png", "training samples", error_name(task),
                "learning curve", log_x=spans_a_decade(ns), band=band)
    write_curve_results(sweep_dir, "curve", summary, points, sweep_dir / "plots" / "learning_curve.png")
    return CurveResult(sweep_dir, "learning_curve", summary)


# ---- capacity sweep -------------------------------------------------------------------------------
