"""The STDP kind (``kind: stdp``): unsupervised spike-timing-dependent plasticity in a layer of
competing LIF neurons; the schema is ``dlx.spiking.settings.STDPConfig``, the run
``dlx.spiking.experiment.run_stdp``.

Its rows hold ``mean_spikes``, ``label_accuracy`` (the neurons named by labelled training images,
scored on them) and ``theta_mean``; its trials report ``test_accuracy`` (the same vote on the
held-out images), which a sweep ranks by (max).
"""
from __future__ import annotations

from pathlib import Path

from dlx.config.loading import default_run_name
from dlx.experiments.registry import ExperimentKind, register_kind, train_with, trial_with
from dlx.spiking.settings import STDPConfig


def run(loaded, folder=None, results_dir=None, on_epoch=None):
    from dlx.spiking.experiment import run_stdp
    from dlx.train.runner import RunResult
    output, rows = loaded.config.output, []

    def on_row(row: dict):
        rows.append(row)
        return on_epoch(row) if on_epoch is not None else None

    summary = run_stdp(loaded.config, loaded.raw, folder, on_row, results_dir or output.results_dir,
                       output.run_name or default_run_name(loaded.source))
    summary["epochs_completed"] = len(rows)
    summary["test"] = {"test_accuracy": summary["test_accuracy"]}
    return RunResult(Path(summary["run_dir"]), summary["status"], summary, summary.get("message", ""), rows)


train, run_trial = train_with(run), trial_with(run)  # the entry points of dlx.experiments.registry


def headline(summary: dict) -> tuple[str, dict]:
    return "neurons named by labelled images", dict(summary.get("test") or {})


STDP = register_kind(ExperimentKind(
    name="stdp", schema=STDPConfig, description="unsupervised STDP in competing LIF neurons (kind: stdp)",
    train=train, run_trial=run_trial, seed_key="training.seed", planned_epochs=lambda config: config.training.epochs,
    metrics=lambda: ("mean_spikes", "label_accuracy", "theta_mean", "test_accuracy"),
    default_metric=lambda config: ("test_accuracy", "max"), headline=headline))
