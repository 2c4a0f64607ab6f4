"""Whole runs: results folder, reproducibility, divergence, early stopping, interrupt and resume."""
import json

import numpy as np
import pytest

from dlx.config import load_config, parse_config
from dlx.runs import MetricsLog, load_checkpoint
from dlx.inference.evaluate import evaluate_run
from dlx.train.runner import resume_run, start_run

DIGITS = """\
dataset: {name: digits, validation: 0.2, test: 0.2, scaling: standardize}
model:
  layers: [{dense: {units: 32}}, relu, {dropout: {p: 0.2}}, {dense: {units: outputs}}]
optimiser: {name: adam, lr: 0.003, schedule: {name: cosine}}
regularisation: {l2: 0.0001, input_noise: 0.1, weight_noise: 0.01, early_stopping: {patience: 50}}
training: {epochs: 4, batch_size: 64, seed: 3}
output: {plots: false}
"""


TIMING = ("epoch_seconds", "samples_per_second")


def run(tmp_path, text=DIGITS, overrides=(), hook=None):
    loaded = parse_config(text, "digits.yaml", list(overrides), default_run_name="digits")
    return start_run(loaded, results_dir=str(tmp_path / "results"), hook=hook)


def model_arrays(run_dir):
    arrays, _ = load_checkpoint(run_dir / "model.npz")
    return arrays


def test_a_run_folder_holds_every_result(tmp_path):
    result = run(tmp_path, overrides=["output.plots=true"])
    d = result.run_dir
    assert d.parent == tmp_path / "results" / "digits"
    for name in ("config.yaml", "metrics.jsonl", "metrics.csv", "summary.json", "model.npz", "model.json",
                 "run.log", "checkpoints/last.npz", "checkpoints/best.npz", "plots/loss.png",
                 "plots/accuracy.png", "plots/confusion_matrix.png"):
        assert (d / name).is_file(), name
    rows = MetricsLog.read(d)
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4]
    assert {"train_loss", "val_loss", "val_accuracy", "val_f1", "epoch_seconds", "samples_per_second"} <= set(rows[0])
    assert len((d / "metrics.csv").read_text().strip().splitlines()) == 5
    summary = json.loads((d / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["seed"] == 3
    assert {"test_loss", "test_accuracy"} <= set(summary["test"])
    assert "numpy" in summary["provenance"]["versions"]
    assert not list(d.rglob("*.tmp"))
    assert load_config(d / "config.yaml").config.training.seed == 3


def test_the_same_seed_gives_identical_losses(tmp_path):
    a, b = run(tmp_path / "a"), run(tmp_path / "b")
    keys = ("train_loss", "val_loss")
    rows_a, rows_b = MetricsLog.read(a.run_dir), MetricsLog.read(b.run_dir)
    assert [[r[k] for k in keys] for r in rows_a] == [[r[k] for k in keys] for r in rows_b]
    c = run(tmp_path / "c", overrides=["training.seed=4"])
    assert MetricsLog.read(c.run_dir)[0]["train_loss"] != rows_a[0]["train_loss"]


def test_run_folders_are_never_reused(tmp_path):
    assert run(tmp_path).run_dir != run(tmp_path).run_dir


def interrupt_after(epoch):
    def hook(row):
        if row["epoch"] == epoch:
            raise KeyboardInterrupt
    return hook


def test_interrupted_run_resumes_to_the_same_weights(tmp_path):
    full = run(tmp_path / "full")
    broken = run(tmp_path / "broken", hook=interrupt_after(2))
    assert broken.status == "interrupted"
    summary = json.loads((broken.run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["epochs_completed"] == 2
    assert len(MetricsLog.read(broken.run_dir)) == 2
    resumed = resume_run(broken.run_dir)
    assert resumed.status == "finished"
    untimed = lambda rows: [{k: v for k, v in r.items() if k not in TIMING} for r in rows]  # noqa: E731
    assert untimed(MetricsLog.read(resumed.run_dir)) == untimed(MetricsLog.read(full.run_dir))
    a, b = model_arrays(full.run_dir), model_arrays(resumed.run_dir)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_a_completed_run_cannot_be_resumed(tmp_path):
    from dlx.errors import DlxError
    done = run(tmp_path)
    with pytest.raises(DlxError, match="already finished"):
        resume_run(done.run_dir)


def test_divergence_stops_the_run_and_blames_the_learning_rate(tmp_path):
    text = """\
dataset: {name: polynomial, options: {n_samples: 100}}
model: {layers: [{dense: {units: 16}}, tanh, {dense: {units: outputs}}]}
optimiser: {name: sgd, lr: 5.0}
training: {epochs: 20, batch_size: 8}
output: {plots: false}
"""
    result = run(tmp_path, text)
    assert result.status == "diverged"
    assert "learning rate 5 is probably too high" in result.message
    assert "--set optimiser.lr=0.5" in result.message
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["status"] == "diverged"


def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    text = DIGITS.replace("patience: 50", "patience: 2").replace("epochs: 4", "epochs: 60") \
        .replace("lr: 0.003", "lr: 0.05")
    result = run(tmp_path, text)
    summary = result.summary
    assert result.status == "early_stopped"
    assert summary["epochs_completed"] == summary["best_epoch"] + 2
    assert summary["restored_best"]
    best = load_checkpoint(result.run_dir / "checkpoints" / "best.npz")[0]
    final = model_arrays(result.run_dir)
    for key, value in best.items():
        np.testing.assert_array_equal(final[key], value)


def test_evaluate_reproduces_the_test_metrics(tmp_path):
    result = run(tmp_path)
    again = evaluate_run(result.run_dir, "test")["test"]
    assert again["accuracy"] == result.summary["test"]["test_accuracy"]
    np.testing.assert_allclose(again["loss"], result.summary["test"]["test_loss"], rtol=1e-6)


def test_resume_rewrites_a_log_that_ran_ahead_of_the_checkpoint(tmp_path):
    broken = run(tmp_path, hook=interrupt_after(2))
    log = broken.run_dir / "metrics.jsonl"
    log.write_text(log.read_text() + log.read_text().splitlines(keepends=True)[-1])  # a row past the checkpoint
    resumed = resume_run(broken.run_dir)
    assert [r["epoch"] for r in MetricsLog.read(resumed.run_dir)] == [1, 2, 3, 4]
