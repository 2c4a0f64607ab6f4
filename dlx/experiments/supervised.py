"""The supervised kind: a data set, a model, a loss and an optimiser (classification, regression,
sequences and language models alike); the schema is ``dlx.config.schema.ExperimentConfig``."""
from __future__ import annotations

from dlx.config.schema import ExperimentConfig
from dlx.experiments.registry import ExperimentKind, register_kind

COMMANDS = ("cv", "curve", "lr-find", "explain", "evaluate", "summary")  # need a data set, a model and epochs


def check(loaded) -> None:
    from dlx.train.experiment import check_components
    check_components(loaded)


def show(loaded) -> dict:
    from dlx.config.components import with_component_defaults
    return with_component_defaults(loaded.config.model_dump(mode="json"))


def train(loaded, results_dir=None, reporter=None):
    from dlx.train.runner import start_run
    return start_run(loaded, reporter, results_dir=results_dir)


def resume(run_dir, loaded, reporter=None):
    from dlx.train.runner import resume_run
    return resume_run(run_dir, reporter, loaded=loaded)


def run_trial(loaded, folder=None, splits=None, reporter=None, on_epoch=None):
    from dlx.train.runner import run_in_folder
    return run_in_folder(loaded, folder, splits=splits, reporter=reporter, hook=on_epoch)


def metrics() -> tuple[str, ...]:
    """Every split's loss and every task's metric: ``val_loss``, ``test_accuracy``, ..."""
    from dlx.tasks.metrics import METRICS_BY_TASK
    from dlx.tasks.uncertainty import SPREAD_METRICS
    names = {"loss"} | {m for task in METRICS_BY_TASK.values() for m in task}
    spreads = {f"test_{m}" for m in SPREAD_METRICS}  # a model with random layers on a 1-D regression
    return tuple(sorted({f"{split}_{m}" for split in ("train", "val", "test") for m in names} | spreads))


SUPERVISED = register_kind(ExperimentKind(
    name="supervised", schema=ExperimentConfig, description="a data set and a model trained on its targets",
    train=train, run_trial=run_trial, resume=resume, check=check, show=show, seed_key="training.seed",
    planned_epochs=lambda config: config.training.epochs, metrics=metrics,
    default_metric=lambda config: ("val_loss", "min"), commands=COMMANDS))
