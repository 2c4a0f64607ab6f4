"""Bayes by backprop end to end: a run trained in one process reports its predictive spread, and ``dlx predict``
in a fresh process gives each row's predictive mean and ``std``."""
import csv
import json

from tests.cli.cli_process import dlx, output_of, train

CONFIG = """\
dataset: {name: bayes_regression, options: {n_samples: 40}, validation: 0, test: 0.25, scaling: none}
model: {layers: [{bayes_dense: {units: 8}}, relu, {bayes_dense: {units: outputs}}]}
loss: {name: gaussian_nll, std: 0.1}
regularisation: {kl_weighting: blundell}
training: {epochs: 2, batch_size: 10}
output: {plots: false, predictive_samples: 6, spread_range: [-1.0, 1.0]}
"""


def test_train_then_predict_reports_the_spread(tmp_path):
    run = train(tmp_path, CONFIG)
    test = json.loads((run / "summary.json").read_text())["test"]
    assert test["test_spread_inside"] > 0 and test["test_spread_at_ends"] > 0
    rows = tmp_path / "rows.csv"
    rows.write_text("x\n-1\n0.25\n1\n")
    result = dlx("predict", run, rows, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    table = list(csv.reader(result.stdout.strip().splitlines()))
    assert table[0] == ["output_0", "std"] and len(table) == 4
    assert all(float(row[1]) > 0 for row in table[1:])
