"""``dlx lr-find``: the range test's schedule, its stopping rule, its suggestion, the command's files."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dlx.config import load_config, parse_config
from dlx.sweep.lrfind import lr_range_test, schedule, suggest
from tests.cli import forked
from dlx.train.experiment import prepare
from dlx.train.loop import Trainer
from tests.conftest import BREAST_CANCER_SMALL


def test_the_rates_grow_exponentially_between_the_bounds():
    rates = schedule(1e-6, 1.0, 7)
    assert np.allclose(rates, [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_the_suggestion_is_the_lowest_loss_rate_over_ten():
    assert math.isclose(suggest([1e-3, 1e-2, 1e-1, 1.0], [2.0, 1.0, 0.5, math.nan]), 1e-2)


def test_the_test_stops_when_the_loss_explodes_and_stays_within_one_epoch():
    loaded = parse_config(BREAST_CANCER_SMALL, overrides=["training.batch_size=8"])
    result = lr_range_test(loaded, min_lr=1e-4, max_lr=1e3, max_steps=1000)
    assert len(result.lrs) <= math.ceil(0.65 * 569 / 8) + 1  # one epoch of the training split at most
    assert result.stopped.startswith("loss exploded")  # Adam at lr 1000 does not survive
    assert 1e-5 <= result.suggestion <= 1e2


def test_the_command_writes_the_plot_and_prints_the_suggestion(tmp_path):
    config = tmp_path / "small.yaml"
    config.write_text(BREAST_CANCER_SMALL)
    done = forked.run(["lr-find", config, "--results", tmp_path / "r"], timeout=300)
    assert done.returncode == 0, done.stderr
    assert "suggested learning rate:" in done.stdout and "try: dlx train" in done.stdout
    folder = next((tmp_path / "r" / "lr-find" / "small").iterdir())
    saved = json.loads((folder / "lr_find.json").read_text())
    assert saved["suggestion"] > 0 and (folder / "plots" / "lr_find.png").stat().st_size > 1000
    summary = json.loads((folder / "summary.json").read_text())  # a run through the run session
    assert summary["kind"] == "lr-find" and summary["status"] == "finished"
    assert summary["headline"] == {"suggested_lr": saved["suggestion"]} and summary["provenance"]["versions"]
    assert {"config.yaml", "run.log", "lr_find.json", "plots/lr_find.png"} <= set(summary["artifacts"])


class FirstStep(Exception):
    """Stops the trainer after it has computed its first batch's loss."""


def test_on_one_masked_batch_lr_find_and_the_trainer_compute_the_same_loss():
    """Padded sentences: both see the mask (lr-find once computed 1.9530 on this batch, the trainer 1.9439)."""
    loaded = load_config(Path(__file__).resolve().parents[2] / "configs" / "tagging_gru.yaml")
    found = lr_range_test(loaded, max_steps=1)
    x = prepare(loaded)  # the same seed: the same initial weights and the same first batch
    assert x.splits["train"].lengths is not None and x.splits["train"].lengths.min() < x.splits["train"].X.shape[1]
    seen = []

    def first_loss(value, *where):
        seen.append(value)
        raise FirstStep

    x.guard.check = first_loss
    with pytest.raises(FirstStep):
        Trainer(x).train_epoch(1)
    assert found.losses[0] == seen[0]
