"""Adding problem through the shipped configs: gated RNNs remember, a tanh RNN stays at the mean's 1/6.

Reference: predicting the mean gives MSE Var(u1 + u2) = 2/12 = 1/6 (Hochreiter & Schmidhuber
1997; Le et al. 2015); "solved" is test MSE below 0.01 as in the issue. The reduced form
(gated RNNs at T = 20, 3000 sequences, 15 epochs; the tanh RNN at T = 100, 2000 sequences,
8 epochs) runs in seconds. The shipped configs (T = 100) take 1-3 minutes each, too long for the
suite's budget: `OMP_NUM_THREADS=1 dlx train configs/adding_{lstm,gru,rnn}.yaml` reproduces the
figures in the README (LSTM 0.0008, GRU 0.0002, tanh RNN 0.161 test MSE); every shipped config
also trains one epoch in tests/test_configs.py.
"""
import json
from pathlib import Path

import pytest

from dlx.config import load_config
from dlx.train.runner import start_run

ROOT = Path(__file__).resolve().parents[2]
MEAN_MSE = 1 / 6
SOLVED = 0.01


def train(model: str, tmp_path: Path, overrides=()) -> dict:
    loaded = load_config(ROOT / "configs" / f"adding_{model}.yaml", ["output.plots=false", *overrides])
    result = start_run(loaded, results_dir=str(tmp_path / "results"))
    assert result.status == "finished"
    return result.summary


SHORT = ["dataset.options.steps=20", "dataset.options.n=3000", "training.epochs=15", "training.checkpoint=false"]
FEWER = ["dataset.options.n=2000", "training.epochs=8", "training.checkpoint=false"]  # T = 100


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_gated_rnn_solves_the_reduced_adding_problem(model, tmp_path):
    assert train(model, tmp_path, SHORT)["test"]["test_mse"] < SOLVED


def test_tanh_rnn_stays_near_the_mean_at_one_hundred_steps(tmp_path):
    assert train("rnn", tmp_path, FEWER)["test"]["test_mse"] > 0.8 * MEAN_MSE


def test_gradient_flow_is_recorded_and_vanishes_in_a_tanh_rnn(tmp_path):
    """Reference: dh_t/dh_{t-1} = diag(1 - h_t^2) W_h; at T = 100 a tanh RNN passes almost nothing back."""
    loaded = load_config(ROOT / "configs" / "adding_rnn.yaml",
                         ["dataset.options.n=400", "training.epochs=2", "training.checkpoint=false"])
    run_dir = start_run(loaded, results_dir=str(tmp_path / "results")).run_dir
    records = json.loads((run_dir / "plots" / "gradient_flow.json").read_text())["records"]
    assert [r["epoch"] for r in records] == [0, 1, 2]
    norms = records[-1]["layers"][0]
    assert len(norms) == 100 and norms[0] < 1e-3 * norms[-1]
    assert (run_dir / "plots" / "gradient_flow.png").stat().st_size > 0
