"""The generative kind: autoencoders, VAE and GAN (``task: generative``); the schema is
``dlx.generative.settings.GenerativeConfig``, the run ``dlx.generative.experiment.run_generative``.

Its trials report the rows of the loop (``val_neg_elbo``, ``val_loss``, ``modes_covered``, ...)
as ``final`` and the test figures as ``test_*``; a VAE sweep ranks by ``val_neg_elbo``
(nats per image), an autoencoder's by ``val_loss``, a GAN's by ``modes_covered`` (max).
"""
from __future__ import annotations

from pathlib import Path

from dlx.config.loading import default_run_name
from dlx.experiments.registry import ExperimentKind, register_kind, train_with, trial_with
from dlx.generative.settings import GenerativeConfig

ROW_METRICS = ("train_loss", "val_loss", "train_neg_elbo", "train_reconstruction", "train_kl", "val_neg_elbo",
               "val_reconstruction", "val_kl", "d_loss", "g_loss", "d_accuracy", "g_grad_norm", "modes_covered",
               "high_quality")
TEST_METRICS = ("test_mse", "pca_test_mse", "test_neg_elbo", "test_reconstruction", "test_kl")


def check(loaded) -> None:
    """The optimisers exist and take their hyperparameters (the layers are checked with the data's shape)."""
    from dlx.train.checks import check_optimiser
    for key in ("optimiser", "discriminator_optimiser"):
        if getattr(loaded.config, key) is not None:
            check_optimiser(loaded, (key,), getattr(loaded.config, key))


def run(loaded, folder=None, results_dir=None, on_epoch=None):
    """Train in ``folder`` (or a new run folder under ``results_dir``); a RunResult with the rows
    as ``history`` and the summary's ``final`` (last row) and ``test`` (``test_*``) metrics."""
    from dlx.generative.experiment import run_generative
    from dlx.train.runner import RunResult
    output, rows = loaded.config.output, []

    def on_row(row: dict):
        rows.append(row)
        return on_epoch(row) if on_epoch is not None else None

    summary = run_generative(loaded.raw, folder, on_row=on_row, results_dir=results_dir or output.results_dir,
                             run_name=output.run_name or default_run_name(loaded.source))
    test = summary.get("test") if isinstance(summary.get("test"), dict) else {}
    summary["final"] = rows[-1] if rows else {}
    summary["epochs_completed"] = sum(row.get("epoch") != 0 for row in rows)  # a VAE's epoch 0: before training
    summary["test"] = {**{f"test_{k}": v for k, v in test.items()},
                       **{k: v for k, v in summary.items() if k in TEST_METRICS}}
    return RunResult(Path(summary["run_dir"]), summary["status"], summary, summary.get("message", ""), rows)


train, run_trial = train_with(run), trial_with(run)  # the entry points of dlx.experiments.registry


def show(loaded) -> dict:
    """The resolved config without the settings of the other family (a VAE's has no GAN steps)."""
    resolved = loaded.config.model_dump(mode="json")
    resolved["training"] = {k: v for k, v in resolved["training"].items() if v is not None}
    if resolved["discriminator_optimiser"] is None:
        del resolved["discriminator_optimiser"]
    return resolved


def planned_epochs(config) -> int:
    """Epochs, or a GAN's rows: one per ``checkpoint_every`` steps."""
    training = config.training
    return training.epochs if config.model.kind != "gan" else -(-training.steps // training.checkpoint_every)


def default_metric(config) -> tuple[str, str]:
    return {"gan": ("modes_covered", "max"), "vae": ("val_neg_elbo", "min")}.get(config.model.kind, ("val_loss", "min"))


def headline(summary: dict) -> tuple[str, dict]:
    return "", {k: v for k, v in summary.get("test", {}).items() if isinstance(v, (int, float))}


GENERATIVE = register_kind(ExperimentKind(
    name="generative", schema=GenerativeConfig, description="an autoencoder, VAE or GAN of the data (task: "
    "generative)", train=train, run_trial=run_trial, check=check, show=show, seed_key="training.seed",
    planned_epochs=planned_epochs, metrics=lambda: ROW_METRICS + TEST_METRICS, default_metric=default_metric,
    headline=headline, frequent_rows=True))
