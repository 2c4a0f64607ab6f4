"""k-fold cross-validation: each fold a ``Trial`` (split indices), in the layout of every sweep.

The test split is held out exactly as ``dlx train`` holds it out (the same
seed gives the same test samples) and is never looked at. The remaining
samples (train + validation) are dealt into k stratified folds; fold i trains
a fresh model on the other k - 1 folds, validates on fold i, and is seeded
with ``training.seed + i`` so that the folds' initialisations differ. Each
fold's scaler is fitted on that fold's training part only.

``results/sweeps/<run-name>-cv/<stamp>/`` gets the sweep layout (``dlx.sweep.layout``):
``sweep.yaml``, ``config.yaml``, ``trials/<i>/`` (each fold a complete run), ``trials.jsonl``,
``summary.csv`` (a row per fold, then the mean and the sample standard deviation, ddof=1),
``report.md``, ``plots/cv.png``, and ``cv.json`` with everything::

    result = cross_validate(load_config("configs/breast_cancer_mlp.yaml"), k=5)
    result.mean["val_accuracy"], result.std["val_accuracy"]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.config import LoadedConfig
from dlx.data import Dataset, kfold_indices, split_indices
from dlx.errors import ConfigError
from dlx.runs import atomic_write_json
from dlx.runs.plots import new_figure, save_png
from dlx.sweep.layout import open_sweep_dir, write_results, write_trial_records
from dlx.sweep.planned import results_in_order
from dlx.sweep.trials import Trial
from dlx.train.experiment import check_components, load_dataset, seeded_generators
from dlx.train.runner import resolved_yaml

KFOLD_STREAM, SUBSET_STREAM = 1, 2  # extra random streams of one seed, apart from those of a run
STD_NOTE = "sample standard deviation across folds (ddof=1)"


def stream(seed: int, purpose: int, *more: int) -> np.random.Generator:
    """A generator of ``seed`` for one purpose (k-fold, subsets), independent of a run's four streams."""
    return np.random.default_rng([seed, purpose, *more])


# ---- cross-validation --------------------------------------------------------------------------
@dataclass
class CVPartition:
    """The held-out test split, the pool the folds are dealt from, and the folds (indices into pool).

    ``pool_indices`` maps the pool's rows to the whole data set, so that a fold can travel as a
    ``Trial`` (plain indices) to any process.
    """

    pool: Dataset
    test: Dataset
    folds: list[tuple[np.ndarray, np.ndarray]]
    pool_indices: np.ndarray


@dataclass
class CVResult:
    """A finished cross-validation: its folder and the content of its cv.json."""

    run_dir: Path
    summary: dict

    @property
    def status(self) -> str:
        return self.summary["status"]

    @property
    def folds(self) -> list[dict]:
        """Per fold: run folder, status, seed, samples, and ``final``/``best`` validation metrics."""
        return self.summary["folds"]

    @property
    def reported(self) -> str:
        """``"best"`` or ``"final"``: the epoch whose weights each fold ends with."""
        return self.summary["reported"]

    @property
    def mean(self) -> dict[str, float]:
        return {k: v["mean"] for k, v in self.summary["metrics"][self.reported].items()}

    @property
    def std(self) -> dict[str, float]:
        return {k: v["std"] for k, v in self.summary["metrics"][self.reported].items()}


def cv_partition(loaded: LoadedConfig, k: int) -> CVPartition:
    """Split off the test set as a normal run does, then deal the rest into k folds.

    Args:
        loaded: the experiment; ``training.seed`` decides the test split and the folds.
        k: number of folds, 2 <= k <= the number of samples outside the test split.

    Example::

        part = cv_partition(load_config("configs/breast_cancer_mlp.yaml"), 5)
        [len(val) for _, val in part.folds]   # [92, 91, 91, 91, 91]
    """
    c = loaded.config
    rng = seeded_generators(c.training.seed)["data"]
    full = load_dataset(loaded, rng)  # the same draws as a run's load_splits: the same test split
    parts = split_indices(full, c.dataset.validation, c.dataset.test, rng, c.dataset.stratify)
    pool_indices = np.concatenate([parts["train"], parts["validation"]])
    pool = full.subset(pool_indices)
    n = len(pool)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ConfigError(f"k={k}: cross-validation needs an integer k with 2 <= k <= {n} (the samples outside "
                          f"the test split); choose e.g. k=5")
    folds = kfold_indices(pool, int(k), stream(c.training.seed, KFOLD_STREAM), stratify=c.dataset.stratify)
    return CVPartition(pool, full.subset(parts["test"]), folds, pool_indices)


def cross_validate(loaded: LoadedConfig, k: int, results_dir: str | Path | None = None,
                   reporter=None, workers: int | None = None, resume_dir: str | Path | None = None,
                   backend: str = "local", address: str | None = None) -> CVResult:
    """Train one model per fold and summarise the validation metrics across the folds.

    Args:
        loaded: the experiment (``load_config(path, overrides)``).
        k: number of folds (2 <= k <= samples outside the test split).
        results_dir (default None): the results folder; None uses ``output.results_dir``.
        reporter (default None): a ``Reporter`` given every fold's epochs; None keeps quiet.
        workers (default None): run the folds on a pool of this many processes (None: one by one here).
        resume_dir (default None): the folder of an interrupted cross-validation; only its missing folds run.
        backend (default "local"), address (default None): "ray" runs the folds as Ray tasks, at ``address``
            or on a local Ray (``dlx.sweep.planned.run_planned``).

    Returns:
        A ``CVResult``; ``result.mean`` and ``result.std`` map ``val_<metric>`` to numbers.

    Example::

        result = cross_validate(load_config("configs/breast_cancer_mlp.yaml"), k=5)
        print(result.mean["val_accuracy"], "+-", result.std["val_accuracy"], result.run_dir)
    """
    check_components(loaded)
    part = cv_partition(loaded, k)  # a bad k fails here, before any folder exists
    c = loaded.config
    spec = {"kind": "cross_validation", "config": loaded.source, "k": len(part.folds), "seed": c.training.seed}
    run_dir = Path(resume_dir) if resume_dir is not None else \
        open_sweep_dir(results_dir or c.output.results_dir, f"{c.output.run_name}-cv", spec, resolved_yaml(loaded))
    trials = [Trial(loaded.raw, seed=c.training.seed + i, folder=str(run_dir / "trials" / str(i)), source=loaded.source,
                    splits={"train": part.pool_indices[train_idx].tolist(),
                            "validation": part.pool_indices[val_idx].tolist()})
              for i, (train_idx, val_idx) in enumerate(part.folds)]  # the test split stays untouched
    folds = [_fold_record(i, result) for i, result in results_in_order(trials, workers, reporter, "fold", backend, address)]
    write_trial_records(run_dir, folds)
    summary = _summary(loaded, part, folds)
    atomic_write_json(run_dir / "cv.json", summary)
    plot = plot_fold_metrics(summary["metrics"][summary["reported"]], run_dir / "plots" / "cv.png",
                             title=f"{k}-fold cross-validation ({summary['reported']} epoch of each fold)")
    write_results(run_dir, f"{k}-fold cross-validation", [f"config: {loaded.source}, seed {c.training.seed}, "
                                                          f"status {summary['status']}", STD_NOTE],
                  _csv_rows(summary), [plot])
    return CVResult(run_dir, summary)


def mean_and_std(values: list[float]) -> dict:
    """``{"mean", "std", "values"}``; std is the sample standard deviation (ddof=1), NaN for one value.

    Example::

        mean_and_std([0.9, 1.0])   # {'mean': 0.95, 'std': 0.0707..., 'values': [0.9, 1.0]}
    """
    array = np.asarray(values, dtype=np.float64)
    if not array.size:
        return {"mean": math.nan, "std": math.nan, "values": []}
    std = float(np.std(array, ddof=1)) if array.size > 1 else math.nan
    return {"mean": float(np.mean(array)), "std": std, "values": [float(v) for v in array]}


def _validation_part(row: dict | None) -> dict:
    return {key: value for key, value in (row or {}).items() if key.startswith("val_")}


def _fold_record(index: int, result) -> dict:
    s = result.summary
    return {"fold": index, "run_dir": f"trials/{index}", "status": result.status, "seed": s["seed"],
            "samples": {"train": s["samples"]["train"], "validation": s["samples"]["validation"]},
            "epochs_completed": s["epochs_completed"], "best_epoch": s["best_epoch"],
            "restored_best": s["restored_best"],
            "final": _validation_part(s["final"]), "best": _validation_part(s["best"])}


def _aggregate(folds: list[dict], which: str) -> dict:
    names = list(dict.fromkeys(key for fold in folds for key in fold[which]))
    return {name: mean_and_std([fold[which].get(name, math.nan) for fold in folds]) for name in names}


def _summary(loaded: LoadedConfig, part: CVPartition, folds: list[dict]) -> dict:
    c = loaded.config
    restored = bool(folds) and all(fold["restored_best"] for fold in folds)
    return {
        "status": "finished" if len(folds) == len(part.folds) else "interrupted",
        "config": loaded.source, "run_name": c.output.run_name, "k": len(part.folds),
        "folds_completed": len(folds), "seed": c.training.seed, "stratified": bool(c.dataset.stratify),
        "samples": {"cross_validated": len(part.pool), "test_held_out": len(part.test)},
        "std": STD_NOTE, "reported": "best" if restored else "final",
        "metrics": {"final": _aggregate(folds, "final"), "best": _aggregate(folds, "best")},
        "folds": folds,
    }


def _csv_rows(summary: dict) -> list[dict]:
    """A row per fold, then a mean row and a std row; columns ``final_val_*`` and ``best_val_*``."""
    rows = []
    for fold in summary["folds"]:
        row = {"fold": fold["fold"], "status": fold["status"], "epochs_completed": fold["epochs_completed"],
               "best_epoch": fold["best_epoch"]}
        for which in ("final", "best"):
            row.update({f"{which}_{key}": value for key, value in fold[which].items()})
        rows.append(row)
    for stat in ("mean", "std"):
        row = {"fold": stat}
        for which in ("final", "best"):
            row.update({f"{which}_{key}": v[stat] for key, v in summary["metrics"][which].items()})
        rows.append(row)
    return rows


def plot_fold_metrics(metrics: dict[str, dict], path: Path, title: str = "cross-validation") -> Path:
    """One panel per metric: each fold's value as a point, the mean as a line, ± one std shaded.

    Args:
        metrics: ``name -> {"mean", "std", "values"}`` as in cv.json.
        path: the PNG to write.
        title: the figure title.
    """
    figure = new_figure(3.0 * max(len(metrics), 1) + 0.5, 3.4)
    for index, (name, stats) in enumerate(metrics.items(), start=1):
        axes = figure.add_subplot(1, len(metrics), index)
        folds = np.arange(len(stats["values"]))
        axes.plot(folds, stats["values"], "o", color="C0", label="fold")
        mean, std = stats["mean"], stats["std"]
        axes.axhline(mean, color="C1", label=f"mean {mean:.4g}")
        if math.isfinite(std):
            axes.axhspan(mean - std, mean + std, color="C1", alpha=0.2, linewidth=0, label=f"± std {std:.2g}")
        axes.set_xticks(folds)
        axes.set(xlabel="fold", title=name.replace("_", " "))
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    figure.suptitle(title)
    return save_png(figure, path)
