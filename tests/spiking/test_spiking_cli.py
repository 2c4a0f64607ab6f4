"""The spiking digits config through the real CLI: trained in one process, evaluated in another to the
same test accuracy (the layers are saved with their settings, and rate coding repeats in evaluation)."""
from __future__ import annotations

import json

from tests.cli.cli_process import ROOT, dlx, metric_table, output_of

SMALL = ["--set", "training.epochs=1", "--set", "output.plots=false", "--set", "model.layers.0.rate_coding.steps=6",
         "--set", "model.layers.1.time_dense.units=16"]


def test_spiking_run_evaluates_alike_in_a_fresh_process(tmp_path):
    trained = dlx("train", ROOT / "configs" / "spiking_digits.yaml", "--results", tmp_path / "results", *SMALL,
                  cwd=tmp_path)
    assert trained.returncode == 0, output_of(trained)
    run = next((tmp_path / "results" / "spiking-digits").iterdir())
    summary = json.loads((run / "summary.json").read_text())
    evaluated = dlx("evaluate", run, cwd=tmp_path)
    assert evaluated.returncode == 0, output_of(evaluated)
    assert metric_table(output_of(evaluated))["accuracy"] == round(summary["test"]["test_accuracy"], 4)
