"""A trained run as something to explain: its model from the raw input, and its own data splits.

    target, X = target_for_run("results/digits-cnn/<run>", split="test")
    explain_to_folder(target, "integrated_gradients", run_dir, X=X, index=3)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.experiments import load_experiment, require_command
from dlx.explain.base import no_method_message
from dlx.explain.target import ExplainTarget, target_for_model
from dlx.explain.text_methods import run_vocabulary
from dlx.inference import load_run
from dlx.inference.splits import chosen_splits, run_splits
from dlx.runs.run_kind import run_kind, wrong_kind_message

UNEXPLAINED = {"reinforcement_learning": ("a reinforcement-learning", "play"),
               "generative": ("a generative{detail}", "sample")}

SPLITS = ("train", "validation", "test")


def target_for_run(run_dir: Path | str, split: str = "test") -> tuple[ExplainTarget, np.ndarray]:
    """The run's network behind its scaler (gradients reach the raw input), and the raw inputs of ``split``.

    The splits are the run's own (its ``splits.npz``; a run without one: drawn again from its config and seed).
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DlxError(f"run folder '{run_dir}' not found; give a folder under results/ (dlx train writes them)")
    if split not in SPLITS:
        raise DlxError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
    family, detail = run_kind(run_dir)
    if family in UNEXPLAINED:  # no explainer's tags accept these kinds: say so, and which command applies
        what, command = UNEXPLAINED[family]
        what = what.format(detail=f" ({detail.upper() if detail in ('vae', 'gan') else detail})" if detail else "")
        raise DlxError(no_method_message(run_dir, what, f"use dlx {command} {run_dir}"))
    wrong_kind = wrong_kind_message(run_dir, "explain", sequences=False)
    if wrong_kind:
        raise DlxError(wrong_kind)
    run = load_run(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml; give the folder of a dlx run")
    loaded = load_experiment(run_dir / "config.yaml")
    require_command(loaded, "explain")
    splits = run_splits(run_dir, loaded)
    train, chosen = splits["train"], splits[chosen_splits(splits, loaded, split)[0]]
    target = target_for_model(run.network, run.task.name, train.X, train.y, preprocess=run.scaler,
                              feature_names=run.feature_names, class_names=run.class_names)
    target.extra.update(split_X=chosen.X, split_y=chosen.y, split=split)   # global methods' held-out data
    vocabulary = run_vocabulary(loaded.config.dataset.name, dict(loaded.config.dataset.options))
    if vocabulary is not None:  # word ids: the text methods, with the words they stand for
        target.extra.update(data="text", vocabulary=vocabulary)
    if loaded.config.dataset.name in ("documents", "train_delays"):  # sentences x words: the attention method
        from dlx.data.sequences import tagging_vocabulary
        target.extra.update(data="documents", vocabulary=tagging_vocabulary())
    target.extra["network"] = run.network  # model-specific methods (attention) read the network itself
    return target, chosen.X
