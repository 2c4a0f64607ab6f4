"""STDP: the pair rule against its exponential windows, winner-take-all, homeostasis, normalisation,
specialisation, and the stdp kind through the real CLI in fresh processes."""
from __future__ import annotations

import json

import numpy as np
from dlx.spiking.stdp import STDPNetwork, STDPSettings
from tests.cli.cli_process import assert_no_run_folder, assert_one_error_line, dlx, output_of, write

TAU = 4.0


def two_inputs_one_neuron(**changes) -> STDPNetwork:
    settings = STDPSettings(neurons=1, beta=1.0, threshold=1.0, inhibition=0.0, tau_pre=TAU, tau_post=TAU,
                            eta_plus=0.1, eta_minus=0.05, w_max=10.0, theta_plus=0.0, **changes)
    network = STDPNetwork(2, settings, np.random.default_rng(0))
    network.weights[:] = [[0.1], [1.5]]  # input 0 alone never fires the neuron, input 1 does
    return network


def test_pair_rule_follows_the_exponential_windows():
    """Input 0 fires at t=0, input 1 at t=2 (the neuron fires), input 0 again at t=5:
    pre 2 steps before post potentiates by eta+ e^(-2/tau); post 3 steps before pre depresses by eta- e^(-3/tau)."""
    network = two_inputs_one_neuron()
    pre = np.zeros((6, 2))
    pre[0, 0] = pre[2, 1] = pre[5, 0] = 1
    shown = network.run(pre, record=True)
    assert shown.spikes[:, 0].tolist() == [0, 0, 1, 0, 0, 0]
    expected_0 = 0.1 + 0.1 * np.exp(-2 / TAU) - 0.05 * np.exp(-3 / TAU)
    expected_1 = 1.5 + 0.1 * 1.0  # its own spike, in the step the neuron fires: pre before post, no delay
    np.testing.assert_allclose(network.weights[:, 0], [expected_0, expected_1], rtol=1e-12)


def test_no_learning_leaves_the_weights():
    network = two_inputs_one_neuron()
    before = network.weights.copy()
    network.run(np.ones((5, 2)), learn=False)
    np.testing.assert_array_equal(network.weights, before)


def test_one_winner_per_step_homeostasis_and_normalisation(rng):
    settings = STDPSettings(neurons=5, steps=30, max_rate=1.0, tau_theta=1e12, theta_plus=0.07)
    network = STDPNetwork(16, settings, rng)
    network.weights[:] = network.weights[:, :1]  # identical neurons: all cross the threshold together
    shown = network.run(rng.random((30, 16)) < 0.5, record=True)
    assert shown.spikes.sum(axis=1).max() == 1  # lateral inhibition: at most one spike per step
    np.testing.assert_allclose(network.theta, 0.07 * shown.counts, rtol=1e-9)  # each spike raises its threshold
    network.present(rng.random(16), rng)
    np.testing.assert_allclose(network.weights.sum(axis=0), settings.weight_sum, rtol=1e-12)


def test_competing_neurons_specialise_on_two_patterns(rng):
    """Two neurons, two disjoint patterns: after learning each pattern has its own neuron."""
    left, right = np.r_[np.ones(8), np.zeros(8)], np.r_[np.zeros(8), np.ones(8)]
    network = STDPNetwork(16, STDPSettings(neurons=2, steps=30, max_rate=0.5, tau_theta=2000), rng)
    for _ in range(30):
        for image in (left, right):
            network.present(image, rng)
    counts = network.responses(np.stack([left, right]), np.random.default_rng(1))
    assert np.argmax(counts[0]) != np.argmax(counts[1])
    fields = network.weights  # (16, 2): each neuron's weight mass sits on its own pattern's half
    for neuron, half in ((np.argmax(counts[0]), slice(0, 8)), (np.argmax(counts[1]), slice(8, 16))):
        assert fields[half, neuron].sum() > 0.5 * fields[:, neuron].sum()


TINY = """\
kind: stdp
dataset: {name: digits, test: 0.2}
network: {neurons: 10, steps: 8}
training: {epochs: 1, label_images: 100, images_per_step: 500}
output: {run_name: stdp-tiny}
"""


def test_stdp_kind_trains_end_to_end_in_a_fresh_process(tmp_path):
    config = write(tmp_path, TINY)
    result = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    run = next((tmp_path / "results" / "stdp-tiny").iterdir())
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["kind"] == "stdp"
    assert summary["test_accuracy"] > 0.1  # above chance (10 classes) although no label was used in learning
    with np.load(run / "stdp.npz", allow_pickle=False) as saved:
        assert saved["weights"].shape == (64, 10)
        np.testing.assert_allclose(saved["weights"].sum(axis=0), 3.0, rtol=1e-9)
    assert {"receptive_fields.png", "spikes.png", "membrane.png"} <= {p.name for p in (run / "plots").iterdir()}
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1]


def test_a_bad_stdp_config_is_one_line_and_no_folder(tmp_path):
    result = dlx("train", write(tmp_path, TINY.replace("neurons: 10", "neuron: 10")), "--results",
                 tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "neuron")
    assert_no_run_folder(tmp_path / "results")


def test_dlx_list_shows_the_spiking_components():
    from typer.testing import CliRunner

    from dlx.cli.app import app
    runner = CliRunner()
    kinds = runner.invoke(app, ["list", "experiments"])
    assert kinds.exit_code == 0 and "stdp" in kinds.output
    layers = runner.invoke(app, ["list", "layers"]).output
    assert all(name in layers for name in ("lif", "rate_coding", "latency_coding", "time_readout"))
