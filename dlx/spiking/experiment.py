"""Run an STDP config end to end in a run folder: data, network, unsupervised learning, labelling,
test accuracy, plots and the learned weights.

The run session owns config.yaml, run.log, metrics.jsonl/csv (one row per epoch) and summary.json;
the run adds ``stdp.npz`` (weights, thresholds, each neuron's class), ``model.json`` (the settings)
and plots/receptive_fields.png, spikes.png and membrane.png.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

from dlx.data.generative import digits_images, mnist_images, split_train_test
from dlx.data.sources import data_files_read
from dlx.errors import ConfigError
from dlx.runs.files import atomic_save_npz, atomic_write_json
from dlx.runs.session import RunSession
from dlx.spiking.learner import EVAL_SEED, STDPLearner
from dlx.spiking.plots import plot_presentation, plot_receptive_fields
from dlx.spiking.settings import STDPConfig
from dlx.spiking.stdp import STDPNetwork, STDPSettings
from dlx.train.trainer import Trainer


def load_images(config: STDPConfig) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Flattened images (N, D) in [0, 1], their labels and the image's (height, width)."""
    options = dict(config.dataset.options)
    if config.dataset.name == "digits":
        X, y = digits_images(flatten=True, **options)
        return X, y, (8, 8)
    if "path" not in options:
        raise ConfigError("dataset.options.path is missing; give the folder with the MNIST IDX files")
    X, y = mnist_images(flatten=True, **options)
    side = int(round(np.sqrt(X.shape[1])))
    return X, y, (side, side)


def run_stdp(config: STDPConfig, raw: dict, folder=None, on_row: Callable[[dict], None] | None = None,
             results_dir: str = "results", run_name: str = "stdp") -> dict:
    """Learn by STDP in a new run folder (``folder``, or one under ``results_dir/run_name``); the summary."""
    rng = np.random.default_rng(config.training.seed)
    with data_files_read() as files:
        X, y, image_shape = load_images(config)
    X_train, y_train, X_test, y_test = split_train_test(X, y, config.dataset.test, rng)
    settings = STDPSettings(**config.network.model_dump())
    network = STDPNetwork(X.shape[1], settings, rng)
    n_classes = int(y.max()) + 1
    session = RunSession.create(results_dir, run_name, yaml.safe_dump(raw, sort_keys=False), folder=folder,
                                data_files=files, kind="stdp")
    with session:
        learner = STDPLearner(network, X_train, y_train, config.training, n_classes, rng)
        state = Trainer(learner, session, on_epoch=on_row).fit()
        if not state.history:  # interrupted before the first row: no neuron has been named
            learner.label_neurons()
        test_accuracy = float(np.mean(learner.predict(X_test) == y_test))
        run_dir = Path(session.run_dir)
        atomic_save_npz(run_dir / "stdp.npz", {**learner.weights(), "assignment": learner.assignment})
        atomic_write_json(run_dir / "model.json", {"format": "dlx-stdp", "version": 1, "image_shape": image_shape,
                                                   "settings": asdict(settings)})
        if config.output.plots:
            plot_receptive_fields(network, image_shape, learner.assignment, run_dir / "plots" / "receptive_fields.png")
            plot_presentation(network, X_test[0], str(y_test[0]), np.random.default_rng(EVAL_SEED), run_dir / "plots")
        neurons_per_class = np.bincount(learner.assignment, minlength=n_classes).tolist()
        summary = {"dataset": config.dataset.name, "neurons": settings.neurons, "test_accuracy": test_accuracy,
                   "neurons_per_class": neurons_per_class, "final": state.history[-1] if state.history else {},
                   "headline": {"test_accuracy": test_accuracy}}
        return session.finish(state.status, summary, state.message)
