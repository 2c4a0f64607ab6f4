"""``dlx compress`` as a user runs it: on a run another process trained, its result opened by evaluate and
predict in fresh processes; bad input in one line with nothing written."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dlx.runs.checkpoint import read_arrays
from tests.cli.cli_process import assert_one_error_line, dlx, output_of, write
from tests.cli.trained_runs import CONFIGS, trained

DIGITS = """\
description: a small digits MLP for compression tests
dataset: {name: digits, validation: 0.15, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 32}}, relu, {dense: {units: outputs}}]}
loss: cross_entropy
optimiser: {name: adam, lr: 0.01}
training: {epochs: 3, batch_size: 64}
output: {plots: false}
"""
STUDENT = "model: {layers: [{dense: {units: 8}}, relu, {dense: {units: outputs}}]}\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("compress")
    return trained(folder, write(folder, DIGITS))


def compressed(run: Path, method: str, *options: str) -> tuple[Path, dict]:
    """Compress ``run`` in another process; (the new run folder, its summary)."""
    before = set((run / "children" / f"compress-{method}").glob("*"))
    result = dlx("compress", run, "--method", method, *options, cwd=run.parent)
    assert result.returncode == 0, output_of(result)
    (new,) = set((run / "children" / f"compress-{method}").glob("*")) - before
    assert str(new) in result.stdout and "bytes_on_disk" in result.stdout
    return new, json.loads((new / "summary.json").read_text())


def evaluated(run: Path) -> dict:
    result = dlx("evaluate", run, "--json", cwd=run.parent)
    assert result.returncode == 0, output_of(result)
    return json.loads(result.stdout)["test"]


def test_pruned_run_is_sparse_on_disk_and_opens_as_any_run(run, tmp_path):
    new, summary = compressed(run, "prune", "--sparsity", "0.9", "--epochs", "1")
    assert summary["status"] == "finished" and summary["derived_from"]["run_dir"] == str(run)
    stored = read_arrays(new / "model.npz")
    assert "model/layers.0.weight@bitmap" in stored and "model/layers.0.weight" not in stored
    assert summary["compression"]["sparsity"] == pytest.approx(0.9, abs=1e-3)
    assert summary["table"]["compressed"]["nonzero_parameters"] < 0.15 * summary["table"]["original"]["parameters"]
    assert evaluated(new)["accuracy"] == summary["test"]["test_accuracy"]
    assert (new / "plots" / "layer_sparsity.png").is_file()
    rows = write(tmp_path, "\n".join(",".join("8" for _ in range(64)) for _ in range(3)) + "\n", "rows.csv")
    predicted = dlx("predict", new, rows, cwd=tmp_path)
    assert predicted.returncode == 0, output_of(predicted)
    assert len(predicted.stdout.strip().splitlines()) == 4  # a header and a line per row


def test_int8_run_holds_integer_codes_and_evaluates_as_any_run(run):
    new, summary = compressed(run, "quantise", "--bits", "8")
    stored = read_arrays(new / "model.npz")
    assert stored["model/layers.0.weight_codes"].dtype == np.int8
    assert evaluated(new)["accuracy"] == summary["test"]["test_accuracy"]
    weights, units, scaler = 64 * 32 + 32 * 10, 32 + 10, 2 * 64 * 4
    assert summary["table"]["original"]["bytes_of_arrays"] == 4 * (weights + units) + scaler
    # a byte per weight; float32 biases and scales per output channel, an input scale per layer
    assert summary["table"]["compressed"]["bytes_of_arrays"] == weights + 4 * (2 * units + 2) + scaler


def test_distilled_student_records_the_student_alone(run, tmp_path):
    """On a transfer set (half the training split) the student fits its own scaler: the new run must carry it,
    so that evaluating it in another process gives the accuracy the student had in memory."""
    new, summary = compressed(run, "distil", "--student", write(tmp_path, STUDENT, "student.yaml"),
                              "--transfer", "0.5")
    record = summary["compression"]
    assert set(record["student_alone"]) == set(record["student_distilled"]) and "test_accuracy" in record["student_alone"]
    assert summary["table"]["compressed"]["parameters"] == 64 * 8 + 8 + 8 * 10 + 10
    train = len(np.load(run / "splits.npz")["train"])
    assert abs(record["transfer_samples"] - train / 2) <= 5  # half of each of the 10 classes, rounded
    assert evaluated(new)["accuracy"] == record["student_distilled"]["test_accuracy"]


def test_lottery_rounds_keep_80_percent_each_and_record_the_random_control(run):
    new, summary = compressed(run, "lottery", "--rounds", "2")
    rounds = summary["compression"]["rounds"]
    assert [r["weights_left"] for r in rounds] == pytest.approx([0.8, 0.64], abs=1e-3)
    assert all("ticket_test_accuracy" in r and "random_test_accuracy" in r for r in rounds)
    weights = 64 * 32 + 32 * 10
    assert summary["table"]["compressed"]["nonzero_parameters"] <= round(0.64 * weights) + 32 + 10
    assert evaluated(new)["accuracy"] == rounds[-1]["ticket_test_accuracy"]
    assert (new / "plots" / "lottery.png").is_file()


@pytest.mark.parametrize("options,fragment", [
    (("--method", "prune", "--sparsity", "1.5"), "sparsity must be a fraction from 0 to below 1"),
    (("--method", "quantise", "--bits", "0"), "bits must be a whole number from 2 to 8"),
    (("--method", "squeeze"), "unknown compression method 'squeeze'"),
])
def test_bad_options_say_what_is_wrong_in_one_line_and_write_nothing(run, options, fragment):
    def folders():
        return sorted(p for p in (run / "children").rglob("*") if p.is_dir())
    before = folders()
    assert_one_error_line(dlx("compress", run, *options, cwd=run.parent), fragment)
    assert folders() == before


@pytest.mark.parametrize("config,settings,fragment", [
    (CONFIGS / "frozenlake_q.yaml", ("budget.episodes=20", "evaluation.episodes=5", "output.plots=false"),
     "reinforcement-learning run"),
    (CONFIGS / "ae_digits.yaml", ("training.epochs=1", "output.plots=false"), "generative"),
])
def test_compressing_a_run_of_another_kind_is_refused_in_one_line(tmp_path, config, settings, fragment):
    other = trained(tmp_path, config, *settings)
    assert_one_error_line(dlx("compress", other, "--method", "prune", cwd=tmp_path), fragment,
                          "compress works on supervised runs")
    assert not (other / "children").exists()


def compress_config(folder: Path, **settings) -> Path:
    base = write(folder, DIGITS, "digits.yaml")
    lines = ["kind: compress", f"base: {base.name}"] + [f"{k}: {v}" for k, v in settings.items()]
    return write(folder, "\n".join(lines) + "\n", "compress.yaml")


def test_a_compress_config_with_a_bad_sparsity_fails_before_any_folder(tmp_path):
    config = compress_config(tmp_path, method="prune", sparsity=1.5)
    assert_one_error_line(dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path),
                          "compress.yaml", "sparsity must be a fraction")
    assert not (tmp_path / "results").exists()


def test_a_sweep_of_compress_trials_checks_its_claims(tmp_path):
    """Each trial trains its base with the trial's seed, then quantises it; the claims read both."""
    compress_config(tmp_path, method="quantise")
    sweep = write(tmp_path, "name: q\nbase: compress.yaml\nparameters: {bits: [8]}\nseeds: 1\nmetric: test_accuracy\n"
                  "goal: max\nexpect:\n  smaller: bits[8].disk_ratio > 1\n"
                  "  close: bits[8].original_test_accuracy - bits[8].test_accuracy < 0.5\nplots: false\n", "sweep.yaml")
    result = dlx("sweep", sweep, "--backend", "serial", "--results", tmp_path / "results", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)  # the trial and its claims are tested, not the pool
    (trial,) = (tmp_path / "results").glob("sweeps/q/*/trials/*")
    assert (trial / "model.npz").is_file() and len(list(trial.glob("children/compress-quantise/*/model.npz"))) == 1
