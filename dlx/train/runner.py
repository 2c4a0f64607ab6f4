"""A whole supervised run: check and prepare, open a run session, train, and write the results.

The folder is created only after the config, the data and the model have been
checked, so a bad experiment leaves nothing behind. The run session
(``dlx.runs.session``) owns the folder; a diverged, interrupted or failed run
still gets its summary, metrics and plots, marked with its status.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from dlx.config import LoadedConfig, load_config
from dlx.data import resolve_batch_size
from dlx.data.sources import data_files_read
from dlx.errors import DlxError
from dlx.models.builder import describe_model
from dlx.models.work import largest_product
from dlx.runs import atomic_write_json, plot_history
from dlx.runs.lock import FolderLock
from dlx.runs.session import RunSession
from dlx.runs.splits import read_splits
from dlx.tasks import uncertainty
from dlx.threads import ThreadSetting, choose_threads, use_threads
from dlx.train.experiment import Experiment, check_components, load_dataset, prepare, prepare_from_splits, \
    seeded_generators, subsets
from dlx.train.gradient_flow import plot_gradient_flow
from dlx.train.trackers import Tracking, trackers_for
from dlx.train.trainer import LoopState, Reporter, Trainer
from dlx.train.state import save_model_file


@dataclass
class RunResult:
    run_dir: Path
    status: str
    summary: dict
    message: str = ""
    history: list = field(default_factory=list)


def resolved_yaml(loaded: LoadedConfig) -> str:
    return yaml.safe_dump(loaded.config.model_dump(mode="json"), sort_keys=False)


def start_run(loaded: LoadedConfig, reporter: Reporter | None = None, results_dir: str | None = None,
              hook=None) -> RunResult:
    """Train the experiment of ``loaded`` in a new run folder under ``results_dir``."""
    return run_in_folder(loaded, None, reporter=reporter, hook=hook, results_dir=results_dir)


def run_in_folder(loaded: LoadedConfig, folder: str | Path | None = None, splits: dict | None = None,
                  reporter: Reporter | None = None, hook=None, results_dir: str | None = None) -> RunResult:
    """Train ``loaded`` in the new folder ``folder`` (None: a new run folder under the results folder).

    ``splits`` maps ``train``/``validation``/``test`` to indices into the loaded data set (a
    missing key is an empty split); None splits as the config says. ``hook(row)`` returning
    True stops the run after that epoch with status ``pruned``.
    """
    with data_files_read() as files:
        experiment = prepare(loaded) if splits is None else prepare_indexed(loaded, splits)
    c = loaded.config
    session = RunSession.create(results_dir or c.output.results_dir, c.output.run_name, resolved_yaml(loaded),
                                folder, experiment.settings.checkpoint_seconds, files, kind="supervised")
    return train_in(experiment, session, reporter, hook)


def prepare_indexed(loaded: LoadedConfig, splits: dict) -> Experiment:
    """``prepare`` for splits given as indices into the whole data set (a fold, a subset)."""
    check_components(loaded)
    full = load_dataset(loaded, seeded_generators(loaded.config.training.seed)["data"])
    return prepare_from_splits(loaded, subsets(full, splits), splits)


def resume_run(run_dir: Path | str, reporter: Reporter | None = None, hook=None,
               loaded: LoadedConfig | None = None) -> RunResult:
    """Finish an interrupted run in its own folder, from its last checkpoint; ``loaded``: the run's
    config.yaml as already read (default: read here)."""
    run_dir = Path(run_dir)
    FolderLock.check(run_dir, "run folder")  # its checkpoint may not be written yet: say who is at work
    config_file, checkpoint = run_dir / "config.yaml", run_dir / "checkpoints" / "last.npz"
    if not config_file.is_file() or not checkpoint.is_file():
        raise DlxError(f"'{run_dir}' is not a resumable dlx run (needs config.yaml and checkpoints/last.npz); "
                       f"give a run folder under results/")
    saved = read_splits(run_dir)  # a fold or a curve point resumes on its own samples
    loaded = loaded or load_config(config_file)
    with data_files_read() as files:
        experiment = prepare(loaded) if saved is None else prepare_indexed(loaded, saved)
    session = RunSession.reopen(run_dir, experiment.settings.checkpoint_seconds, files, kind="supervised")
    return train_in(experiment, session, reporter, hook, checkpoint)


def train_in(experiment: Experiment, session: RunSession, reporter=None, hook=None,
             checkpoint: Path | None = None) -> RunResult:
    """Train ``experiment`` in ``session`` (from ``checkpoint`` if given) and write every result file.

    An exception inside training leaves ``summary.json`` with status ``failed``, the error
    and the epochs completed, and is raised again as one line (``RunFailed``).
    """
    threads = experiment_threads(experiment)
    with session, use_threads(threads):
        session.log(threads.describe())
        if experiment.split_indices:  # None are known for splits given as data sets
            session.save_splits(experiment.split_indices)
        for warning in experiment.warnings:
            session.log(f"warning: {warning}")
        trackers = trackers_for(experiment.config.output, session.run_dir, experiment.loaded.raw)
        if trackers:
            reporter = Tracking(reporter, trackers, experiment.model)
        trainer = Trainer(experiment, session, reporter, hook)
        if checkpoint is not None:
            trainer.restore(checkpoint)
            session.log(f"resumed after epoch {trainer.state.epoch}")
        started = time.perf_counter()
        state = trainer.fit()
        state.gradient_flow = trainer.learner.flow_records
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverged model computes NaN
            summary = finish(experiment, session, state, time.perf_counter() - started, threads)
        if trackers:
            reporter.end(session.run_dir, summary)
    return RunResult(session.run_dir, state.status, summary, state.message, state.history)


def experiment_threads(x: Experiment) -> ThreadSetting:
    """The thread setting of a supervised run: ``training.threads``, else ``dlx.threads``' policy
    for the model's largest matrix product at the run's batch size."""
    train = x.splits["train"]
    batch_size = resolve_batch_size(x.settings.batch_size, len(train))
    return choose_threads(x.config.training.threads, largest_product(x.model, train.input_shape, batch_size))


def finish(x: Experiment, session: RunSession, state: LoopState, seconds: float,
           threads: ThreadSetting | None = None) -> dict:
    """Test evaluation, model files, plots and summary.json for a run that ended in any way."""
    run_dir = session.run_dir
    train = x.splits["train"]
    test = x.task.evaluate(x.model, x.splits["test"], x.loss, x.n_outputs)
    references = x.task.references(x.splits)  # baselines on the same held-out data (language models)
    for key, value in references.items():
        session.log(f"{key} {value:.4f}")
    test.update(references)
    curve = None
    if uncertainty.applies(x.model, train) and state.history:
        spreads, curve = uncertainty.spread_report(x.model, train, x.scaler, x.config.output.predictive_samples,
                                                   x.config.output.spread_range)
        test.update(spreads)
    description = describe_model(x.model, train.input_shape, x.n_outputs)
    meta = {"kind": "model", "description": description, "task": train.task, "loss": x.loss_name,
            "scaling": x.config.dataset.scaling, "class_names": train.class_names,
            "feature_names": train.feature_names, "epoch": state.epoch,
            "predictive_samples": x.config.output.predictive_samples}
    save_model_file(run_dir / "model.npz", x.model, x.scaler, meta)
    atomic_write_json(run_dir / "model.json", {**description, **{k: v for k, v in meta.items() if k != "description"}})
    if x.config.output.plots and state.history:
        plot_history(state.history, run_dir / "plots")
        x.task.plots(x.model, x.splits, test, run_dir / "plots")
        plot_gradient_flow(state.gradient_flow, run_dir / "plots")
        if curve is not None:
            uncertainty.plot_predictive(curve, run_dir / "plots" / "predictive.png")
    confusion = test.pop("confusion_matrix", None)
    summary = _summary(x, state, test, confusion, seconds)
    if threads is not None:
        summary["threads"] = threads.record()
    return session.finish(state.status, summary, state.message)


def _summary(x: Experiment, state: LoopState, test: dict, confusion, seconds: float) -> dict:
    best_epoch = x.stopper.best_epoch
    return {
        "config": x.loaded.source, "seed": x.config.training.seed, "task": x.task.name,
        "epochs_completed": state.epoch, "epochs_planned": x.settings.epochs,
        "monitor": x.stopper.monitor, "best_epoch": best_epoch, "restored_best": state.restored_best,
        "final": state.history[-1] if state.history else None,
        "best": next((r for r in state.history if r["epoch"] == best_epoch), None),
        "test": {f"test_{k}": v for k, v in test.items()}, "test_confusion_matrix": confusion,
        "headline": {f"test_{k}": v for k, v in test.items() if isinstance(v, (int, float))},
        "samples": {k: len(v) for k, v in x.splits.items()}, "parameters": x.model.num_parameters(),
        "train_seconds": seconds, "warnings": x.warnings,
    }
