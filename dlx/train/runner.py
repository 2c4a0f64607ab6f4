"""A whole run: check and prepare, create the run folder, train, and write the results.

The folder is created only after the config, the data and the model have been
checked, so a bad experiment leaves nothing behind. Everything in it is
written atomically; a diverged or interrupted run still gets its summary,
metrics and plots, marked with its status.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from dlx.config import LoadedConfig, load_config
from dlx.errors import DlxError
from dlx.models.builder import describe_model
from dlx.runs import (atomic_write_json, atomic_write_text, create_run_dir, plot_confusion_matrix, plot_history,
                      read_summary, write_summary)
from dlx.runs.summary import package_versions
from dlx.train.evaluate import evaluate
from dlx.train.experiment import (Experiment, check_components, load_dataset, prepare, prepare_from_splits,
                                  seeded_generators)
from dlx.train.loop import LoopState, Reporter, Trainer
from dlx.train.state import save_model_file
from dlx.train.visualise import write_cnn_pictures


@dataclass
class RunResult:
    run_dir: Path
    status: str
    summary: dict
    message: str = ""
    history: list = field(default_factory=list)


def start_run(loaded: LoadedConfig, reporter: Reporter | None = None, results_dir: str | None = None,
              hook=None) -> RunResult:
    """Train the experiment of ``loaded`` in a new run folder."""
    experiment = prepare(loaded)
    root = results_dir or loaded.config.output.results_dir
    run_dir = create_run_dir(root, loaded.config.output.run_name)
    atomic_write_text(run_dir / "config.yaml", resolved_yaml(loaded))
    return train_in(experiment, run_dir, reporter, hook)


def run_in_folder(loaded: LoadedConfig, folder: str | Path | None = None, splits: dict | None = None,
                  reporter: Reporter | None = None, hook=None) -> RunResult:
    """Train ``loaded`` in the new folder ``folder`` (None: a new run folder under the results folder).

    ``splits`` maps ``train``/``validation``/``test`` to indices into the loaded data set (missing
    keys are empty); None splits as the config says. ``hook(row)`` returning True stops the run
    after that epoch with status ``pruned``.
    """
    check_components(loaded)
    if splits is None:
        experiment = prepare(loaded)
    else:
        full = load_dataset(loaded, seeded_generators(loaded.config.training.seed)["data"])
        parts = {key: full.subset(np.asarray(splits.get(key, []), dtype=np.int64))
                 for key in ("train", "validation", "test")}
        experiment = prepare_from_splits(loaded, parts)
    if folder is None:
        run_dir = create_run_dir(loaded.config.output.results_dir, loaded.config.output.run_name)
    else:
        run_dir = Path(folder)
        run_dir.mkdir(parents=True, exist_ok=False)
        (run_dir / "plots").mkdir()
    atomic_write_text(run_dir / "config.yaml", resolved_yaml(loaded))
    return train_in(experiment, run_dir, reporter, hook)


def resume_run(run_dir: Path | str, reporter: Reporter | None = None, hook=None) -> RunResult:
    """Finish an interrupted run in its own folder, from its last checkpoint."""
    run_dir = Path(run_dir)
    config_file, checkpoint = run_dir / "config.yaml", run_dir / "checkpoints" / "last.npz"
    if not config_file.is_file() or not checkpoint.is_file():
        raise DlxError(f"'{run_dir}' is not a resumable dlx run (needs config.yaml and checkpoints/last.npz); "
                       f"give a run folder under results/")
    status = read_summary(run_dir).get("status") if (run_dir / "summary.json").is_file() else None
    if status in ("finished", "early_stopped"):
        raise DlxError(f"run '{run_dir}' is already {status.replace('_', ' ')}; start a new run with dlx train CONFIG")
    experiment = prepare(load_config(config_file))
    return train_in(experiment, run_dir, reporter, hook, checkpoint)


def resolved_yaml(loaded: LoadedConfig) -> str:
    return yaml.safe_dump(loaded.config.model_dump(mode="json"), sort_keys=False)


@contextmanager
def run_log(run_dir: Path):
    """A logger that writes ``run_dir/run.log``; closed on exit."""
    logger = logging.getLogger(f"dlx.run.{run_dir}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(run_dir / "run.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def train_in(experiment: Experiment, run_dir: Path, reporter=None, hook=None, checkpoint: Path | None = None
             ) -> RunResult:
    """Train ``experiment`` in ``run_dir`` (from ``checkpoint`` if given) and write every result file."""
    with run_log(run_dir) as logger:
        for warning in experiment.warnings:
            logger.warning(f"warning: {warning}")
        trainer = Trainer(experiment, run_dir, reporter, logger)
        trainer.on_epoch_end = hook
        if checkpoint is not None:
            trainer.restore(checkpoint)
            logger.info(f"resumed after epoch {trainer.state.epoch}")
        started = time.perf_counter()
        state = trainer.fit()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverged model computes NaN
            summary = finish(trainer, state, time.perf_counter() - started)
        logger.info(f"{state.status}: {state.message}" if state.message else state.status)
    return RunResult(run_dir, state.status, summary, state.message, state.history)


def finish(trainer: Trainer, state: LoopState, seconds: float) -> dict:
    """Test evaluation, model files, plots and summary.json for a run that ended in any way."""
    x, run_dir = trainer.x, trainer.run_dir
    restored = trainer.restore_best() if state.status in ("finished", "early_stopped") else False
    train = x.splits["train"]
    test = evaluate(x.model, x.splits["test"], x.loss, trainer.n_outputs)
    confusion = test.pop("confusion_matrix", None)
    description = describe_model(x.model, train.input_shape, trainer.n_outputs)
    meta = {"kind": "model", "description": description, "task": train.task, "loss": x.loss_name,
            "scaling": x.config.dataset.scaling, "class_names": train.class_names,
            "feature_names": train.feature_names, "epoch": state.epoch}
    save_model_file(run_dir / "model.npz", x.model, x.scaler, meta)
    atomic_write_json(run_dir / "model.json", {**description, **{k: v for k, v in meta.items() if k != "description"}})
    if x.config.output.plots and state.history:
        plot_history(state.history, run_dir / "plots")
        if confusion is not None:
            plot_confusion_matrix(confusion, train.class_names, run_dir / "plots" / "confusion_matrix.png",
                                  title="test confusion matrix")
        _cnn_pictures(x, run_dir / "plots")
    summary = _summary(trainer, state, test, confusion, restored, seconds)
    write_summary(run_dir, summary)
    return summary


def _cnn_pictures(x: Experiment, plots: Path) -> None:
    """First-layer filters and one example's feature maps, for models that start with convolutions."""
    part = next((x.splits[k] for k in ("test", "validation", "train") if len(x.splits[k])), None)
    if part is None or len(part.input_shape) != 3:
        return
    label = part.class_names[int(part.y[0])] if part.class_names else str(part.y[0])
    write_cnn_pictures(x.model, part.X[0], label, plots)


def _summary(trainer: Trainer, state: LoopState, test: dict, confusion, restored: bool, seconds: float) -> dict:
    x = trainer.x
    best_epoch = trainer.stopper.best_epoch
    best_row = next((r for r in state.history if r["epoch"] == best_epoch), None)
    return {
        "status": state.status, "message": state.message, "run_dir": str(trainer.run_dir),
        "config": x.loaded.source, "seed": x.config.training.seed, "task": x.task,
        "epochs_completed": state.epoch, "epochs_planned": x.config.training.epochs,
        "monitor": trainer.stopper.monitor, "best_epoch": best_epoch, "restored_best": restored,
        "final": state.history[-1] if state.history else None, "best": best_row,
        "test": {f"test_{k}": v for k, v in test.items()}, "test_confusion_matrix": confusion,
        "samples": {k: len(v) for k, v in x.splits.items()}, "parameters": x.model.num_parameters(),
        "train_seconds": seconds, "warnings": x.warnings, "versions": package_versions(),
    }
