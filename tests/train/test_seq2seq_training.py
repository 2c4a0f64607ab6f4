"""An encoder-decoder trains through the one supervised Trainer: targets handed over, the schedule followed."""
from pathlib import Path

import numpy as np

from dlx.experiments import load_experiment
from dlx.train.experiment import prepare
from dlx.train.loop import Trainer

ROOT = Path(__file__).resolve().parents[2]


def test_the_trainer_feeds_targets_and_follows_the_teacher_forcing_schedule():
    overrides = ["dataset.options.n=80", "training.epochs=3", "model.options.units=8",
                 "model.options.teacher_forcing_epochs=3", "model.options.teacher_forcing_end=0.4"]
    x = prepare(load_experiment(ROOT / "configs" / "addition_attention.yaml", overrides))
    seen = []
    start_epoch = x.model.start_epoch
    x.model.start_epoch = lambda epoch: (start_epoch(epoch), seen.append(x.model.ratio))
    state = Trainer(x).fit()
    assert state.status == "finished" and np.allclose(seen, [1.0, 0.7, 0.4])
    losses = [row["train_loss"] for row in state.history]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]  # summed over the target steps, per sequence
    assert {"val_exact_match", "val_token_accuracy"} <= set(state.history[-1])
