"""A trained run as something to explain: its model from the raw input, and its own data splits.

    target, X = target_for_run("results/digits-cnn/<run>", split="test")
    explain_to_folder(target, "integrated_gradients", run_dir, X=X, index=3)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.experiments import load_experiment, require_command
from dlx.explain.target import ExplainTarget, target_for_model
from dlx.inference import load_run
from dlx.train.experiment import load_splits, seeded_generators

SPLITS = ("train", "validation", "test")


def target_for_run(run_dir: Path | str, split: str = "test") -> tuple[ExplainTarget, np.ndarray]:
    """The run's network behind its scaler (gradients reach the raw input), and the raw inputs of ``split``.

    The splits are rebuilt from the run's config and seed, exactly as the run drew them.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DlxError(f"run folder '{run_dir}' not found; give a folder under results/ (dlx train writes them)")
    if split not in SPLITS:
        raise DlxError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
    run = load_run(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml; give the folder of a dlx run")
    loaded = load_experiment(run_dir / "config.yaml")
    require_command(loaded, "explain")
    splits = load_splits(loaded, seeded_generators(loaded.config.training.seed)["data"])
    train, chosen = splits["train"], splits[split]
    if len(chosen) == 0:
        raise DlxError(f"the run's {split} split is empty; choose another with --split")
    target = target_for_model(run.network, run.task.name, train.X, train.y, preprocess=run.scaler,
                              feature_names=run.feature_names, class_names=run.class_names)
    return target, chosen.X
