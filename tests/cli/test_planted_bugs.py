"""Black-box checks of what a run leaves, each written against a bug once planted that the suite missed.

* early stopping that restores the last epoch's weights instead of the best's;
* a learning-rate schedule that is logged but never applied (or never logged);
* ``dlx predict`` that skips the scaler or writes the class names in reversed order;
* a command dropped from the real ``dlx`` app; ``--debug`` that shows no traceback.
"""
import csv
import io
import json
import math

import numpy as np
import pytest

from tests.cli.cli_process import XOR, dlx, metric_table, output_of, train, write

OVERFITTING = """\
description: a wide MLP on few noisy moons with a large learning rate, so validation loss turns up
dataset: {name: two_moons, options: {n_samples: 200, noise: 0.5}, validation: 0.4, test: 0.1, scaling: standardize}
model: {layers: [{dense: {units: 64}}, relu, {dense: {units: 64}}, relu, {dense: {units: outputs}}]}
loss: cross_entropy
optimiser: {name: adam, lr: 0.03}
regularisation: {early_stopping: {patience: 100, monitor: val_loss, restore_best: true}}
training: {epochs: 35, batch_size: 16, seed: 0, checkpoint_seconds: 0}
output: {plots: false}
"""


@pytest.mark.slow
def test_the_saved_model_is_the_best_epochs_not_the_last(tmp_path):
    run = train(tmp_path, OVERFITTING)
    summary = json.loads((run / "summary.json").read_text())
    best, final = summary["best"]["val_loss"], summary["final"]["val_loss"]
    assert summary["restored_best"] and summary["best_epoch"] < summary["epochs_completed"]
    assert abs(final - best) > 0.01, "the run must overfit for this test to tell best from last"
    result = dlx("evaluate", run, "--split", "validation", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    evaluated = metric_table(result.stdout)["loss"]  # printed to 4 decimals
    assert evaluated == pytest.approx(best, abs=2e-4), (evaluated, best, final)


def logged(run, column):
    return [json.loads(line)[column] for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_the_logged_learning_rate_follows_the_schedule(tmp_path):
    text = XOR.replace("optimiser: {name: adam, lr: 0.05}",
                       "optimiser: {name: sgd, lr: 0.4, schedule: {name: step, step_size: 2, gamma: 0.5}}")
    run = train(tmp_path, text.replace("epochs: 3", "epochs: 6"))
    # full batch: one step per epoch, at epoch e - 1; torch.optim.lr_scheduler.StepLR: lr0 * gamma ** (e // step)
    expected = [0.4 * 0.5 ** ((epoch - 1) // 2) for epoch in range(1, 7)]
    assert logged(run, "lr") == pytest.approx(expected, rel=1e-12)


def test_the_schedule_is_applied_to_the_steps_not_only_logged(tmp_path):
    """After a decay by 1e-6 the weights stop moving: the training loss freezes (it falls without the decay)."""
    schedule = "schedule: {name: step, step_size: 1, gamma: 0.000001}"
    text = XOR.replace("optimiser: {name: adam, lr: 0.05}", f"optimiser: {{name: sgd, lr: 0.5, {schedule}}}")
    frozen = logged(train(tmp_path, text.replace("epochs: 3", "epochs: 5"), name="frozen.yaml"), "train_loss")
    moving = logged(train(tmp_path, text.replace(f", {schedule}", "").replace("epochs: 3", "epochs: 5"),
                          name="moving.yaml"), "train_loss")
    assert frozen[0] == pytest.approx(moving[0], rel=1e-6)  # the same first step (lr 0.5) in both runs
    assert frozen[1:] == pytest.approx([frozen[0]] * 4, rel=1e-5)  # later steps of lr 0.5e-6 barely move it
    assert abs(moving[-1] - moving[0]) > 1e-3 * abs(moving[0])


def three_species(rng, n_per_class=40):
    """Three classes 10 standard deviations apart on a feature offset by 1000 (unscaled, a net saturates)."""
    names = np.repeat(["ant", "bee", "cow"], n_per_class)
    centre = np.repeat([1000.0, 1010.0, 1020.0], n_per_class)
    a = centre + rng.normal(0, 1, len(names))
    b = rng.normal(0, 1, len(names)) * 100
    return a, b, names


@pytest.mark.slow
def test_predict_applies_the_scaler_and_keeps_the_class_order(tmp_path):
    a, b, names = three_species(np.random.default_rng(0))
    data = tmp_path / "species.csv"
    data.write_text("a,b,species\n" + "".join(f"{x:.4f},{y:.4f},{n}\n" for x, y, n in zip(a, b, names)))
    text = (f"description: species\ndataset: {{name: csv, options: {{path: '{data}', target: species}}, "
            f"validation: 0, test: 0, scaling: standardize}}\n"
            "model: {layers: [{dense: {units: 16}}, tanh, {dense: {units: outputs}}]}\n"
            "optimiser: {name: adam, lr: 0.05}\ntraining: {epochs: 60, batch_size: full}\noutput: {plots: false}\n")
    run = train(tmp_path, text)
    rows = write(tmp_path, "b,a\n" + "".join(f"{y:.4f},{x:.4f}\n" for x, y in zip(a, b)), "rows.csv")  # columns swapped
    result = dlx("predict", run, rows, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == ["prediction", "p_ant", "p_bee", "p_cow"]
    predicted = [row["prediction"] for row in table]
    # the classes are 10 sigma apart: the Bayes error is about 2 * Phi(-5) ~ 6e-7 per sample
    assert np.mean(np.array(predicted) == names) >= 0.95
    for row in table:
        probabilities = {name: float(row[f"p_{name}"]) for name in ("ant", "bee", "cow")}
        assert max(probabilities, key=probabilities.get) == row["prediction"]
        assert math.isclose(sum(probabilities.values()), 1.0, abs_tol=1e-4)


def test_every_command_is_in_the_real_app(tmp_path):
    result = dlx("--help", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    for command in ("train", "evaluate", "predict", "list", "cv", "curve", "config", "schema", "sweep", "lr-find",
                    "explain", "play", "sample"):
        assert f" {command} " in result.stdout, f"'{command}' missing from dlx --help"
    for group, command in (("curve", "learning"), ("curve", "capacity"), ("config", "show")):
        sub = dlx(group, "--help", cwd=tmp_path)
        assert sub.returncode == 0 and f" {command} " in sub.stdout, output_of(sub)


def test_debug_shows_the_traceback_and_its_absence_hides_it(tmp_path):
    plain = dlx("train", tmp_path / "nope.yaml", cwd=tmp_path)
    debug = dlx("--debug", "train", tmp_path / "nope.yaml", cwd=tmp_path)
    assert plain.returncode == 1 and "Traceback" not in output_of(plain)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr and "ConfigError" in debug.stderr
