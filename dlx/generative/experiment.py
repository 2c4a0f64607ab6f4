"""Run a generative config end to end in a folder: data, model, training, metrics, plots, model files.

The run session owns the folder: config.yaml, run.log, metrics.jsonl/csv (one row per epoch
or checkpoint) and summary.json; the model adds model.json + model.npz and plots/*.png.

    config = yaml.safe_load(open("configs/vae_digits.yaml"))
    summary = run_generative(config, "results/vae-digits/run-1")
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import yaml
from pydantic import ValidationError

from dlx.config.messages import describe_validation_error
from dlx.data.sources import data_files_read
from dlx.errors import ConfigError
from dlx.generative.building import build_generative_model, save_generative
from dlx.generative.data import GenerativeData, load_generative_data
from dlx.generative.gan_training import GANLearner, GANSettings
from dlx.generative.metrics import evaluate_vae, modes_covered, pca_reconstruction_error, reconstruction_error
from dlx.generative.models import GAN, VAE
from dlx.generative.reports import autoencoder_plots, gan_plots, vae_plots
from dlx.generative.settings import GenerativeConfig
from dlx.generative.training import AutoencoderLearner, TrainSettings, VAELearner
from dlx.runs.session import RunSession
from dlx.threads import choose_threads, use_threads
from dlx.train.trainer import Trainer


def check_config(config: dict, source: str = "generative config") -> GenerativeConfig:
    """The config validated by its schema (``dlx.generative.settings``); ConfigError in one line if not."""
    try:
        return GenerativeConfig.model_validate(config)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, config, source, {}, GenerativeConfig)) from None


def run_generative(config: dict, folder=None, on_row: Callable[[dict], None] | None = None,
                   overrides: dict | None = None, results_dir: str = "results", run_name: str = "generative") -> dict:
    """Train the model of a generative ``config`` (a dict from ``yaml.safe_load``) in a new run folder.

    ``folder`` is the folder to create (it must not exist yet); None makes
    ``<results_dir>/<run_name>/<stamp>-<hex>/``. The run session (``dlx.runs.session``) owns
    ``config.yaml``, ``run.log``, the metrics rows and ``summary.json``; ``overrides`` replace
    training settings (e.g. ``{"epochs": 1}`` for a smoke run). Returns the summary.
    """
    check_config(config)
    training = {**(config.get("training") or {}), **(overrides or {})}
    rng = np.random.default_rng(int(training.pop("seed", 0)))
    with data_files_read() as files:
        data = load_generative_data(config.get("dataset") or {}, rng)
    model = build_generative_model(config["model"], data.X_train.shape[1:], rng)  # shapes checked: no folder yet
    threads = choose_threads(training.pop("threads", None))  # auto: 1, these models' products are small
    session = RunSession.create(results_dir, run_name, yaml.safe_dump(config, sort_keys=False), folder=folder,
                                data_files=files, kind="generative")
    with session, use_threads(threads):
        session.log(threads.describe())
        header = {"task": "generative", "model": model.kind, "dataset": data.name,
                  "parameters": model.num_parameters()}
        plots = (session.run_dir / "plots") if (config.get("output") or {}).get("plots", True) else None
        learner, report = _learner(model, data, config, training, rng, plots)
        state = Trainer(learner, session, on_epoch=on_row).fit()
        save_generative(model, session.run_dir)
        if state.status == "interrupted":  # Ctrl-C or SIGTERM: keep the model as it is and say so
            return session.finish("interrupted", {**header, "epochs_completed": len(session.metrics.rows)},
                                  f"interrupted (Ctrl-C or SIGTERM) after {len(session.metrics.rows)} rows of "
                                  f"metrics; the model as it was is saved (a generative run does not resume)")
        summary = report(state.history)
        return session.finish(state.status, {**header, **summary, "headline": generative_headline(summary),
                                             "threads": threads.record()}, state.message)


def generative_headline(summary: dict) -> dict:
    """The figures a generative run is judged by: test negative ELBO (VAE), modes covered (GAN) or
    reconstruction error (autoencoders)."""
    if "test" in summary:
        return {f"test_{k}": v for k, v in summary["test"].items() if isinstance(v, (int, float))}
    if "final" in summary:
        return {k: v for k, v in summary["final"].items() if k in ("modes_covered", "high_quality")}
    return {k: summary[k] for k in ("test_mse", "pca_test_mse") if k in summary}


def _settings(config: dict, training: dict) -> TrainSettings:
    return TrainSettings(optimiser=dict(config.get("optimiser") or {"name": "adam", "lr": 1e-3}), **training)


def _learner(model, data: GenerativeData, config: dict, training: dict, rng, plots):
    """The model's learner, and what makes the summary's figures (and the plots, into the folder
    ``plots`` unless it is None: ``output.plots: false``) once it has trained."""
    if isinstance(model, GAN):
        return _gan_learner(model, data, config, training, rng, plots)
    if isinstance(model, VAE):
        at_init = evaluate_vae(model, data.X_test, np.random.default_rng(0))
        learner = VAELearner(model, data.X_train, data.X_test, _settings(config, training), rng,
                             first_row={"epoch": 0, **{f"val_{k}": v for k, v in at_init.items()}})

        def report(rows: list[dict]) -> dict:
            if plots is not None:
                vae_plots(model, data, [row for row in rows if row.get("epoch") != 0], plots, rng)
            final = evaluate_vae(model, data.X_test, np.random.default_rng(0))
            return {"test": final, "test_at_init": at_init, "latent_dim": model.latent_dim, "unit": "nats per image"}
        return learner, report
    learner = AutoencoderLearner(model, data.X_train, data.X_test, _settings(config, training), rng)

    def report(rows: list[dict]) -> dict:
        if plots is not None:
            autoencoder_plots(model, data, rows, plots, rng)
        return {"test_mse": reconstruction_error(model, data.X_test), "code_dim": model.code_dim,
                "pca_test_mse": pca_reconstruction_error(data.X_train, data.X_test, model.code_dim)}
    return learner, report


def _gan_learner(model: GAN, data: GenerativeData, config: dict, training: dict, rng, plots):
    optimiser = dict(config.get("optimiser") or {"name": "adam", "lr": 1e-3})
    settings = GANSettings(generator_optimiser=optimiser,
                           discriminator_optimiser=dict(config.get("discriminator_optimiser") or optimiser), **training)
    evaluate = None
    if data.centres is not None:
        def evaluate(samples):
            return modes_covered(samples, data.centres, data.std)
    learner = GANLearner(model, data.X_train, settings, rng, evaluate)

    def report(rows: list[dict]) -> dict:
        history = learner.history
        if plots is not None:
            gan_plots(model, data, history, plots, rng)
        return {"final": history.rows[-1], "modes_per_checkpoint": [row.get("modes_covered") for row in history.rows]}
    return learner, report
