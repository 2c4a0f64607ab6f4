"""The Transformer and CTC configs as a user runs them: ``dlx train`` and ``dlx sample`` in fresh processes.

Tiny budgets: these check the mechanism (the configs load, train, report their metrics, a
run folder samples text); the figures of the full configs are in experiments/README.md.
"""
import json

import pytest

from tests.cli.cli_process import assert_one_error_line, dlx, output_of
from tests.sequence.test_sequence_cli import run_folder, write_config

TINY_ENCODER = [{"embedding": {"vocab_size": 10, "dim": 8}}, {"positional_encoding": {"max_length": 10}},
                {"transformer_encoder_layer": {"num_heads": 2, "hidden": 16}}, {"time_dense": {"units": "outputs"}}]


def test_sorting_config_reports_exact_match_of_whole_strings(tmp_path):
    path = write_config(tmp_path, "sorting_transformer", {"dataset": {"options": {"n": 300, "length": 10}},
                                                          "model": {"layers": TINY_ENCODER},
                                                          "training": {"epochs": 2}, "output": {"plots": False}})
    result = dlx("train", path, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    test = json.loads((run_folder(tmp_path) / "summary.json").read_text())["test"]
    assert 0.0 <= test["test_exact_match"] <= test["test_token_accuracy"] <= 1.0


def test_ctc_config_reports_greedy_and_beam_label_error_rates(tmp_path):
    path = write_config(tmp_path, "ctc_gru", {"dataset": {"options": {"n": 200, "noise": 0.6}},
                                              "model": {"layers": [{"gru": {"units": 8, "return_sequences": True}},
                                                                   {"time_dense": {"units": "outputs"}}]},
                                              "training": {"epochs": 2}, "output": {"plots": False}})
    result = dlx("train", path, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert "warning" not in output_of(result)  # a linear output with the CTC loss is the table's pair
    test = json.loads((run_folder(tmp_path) / "summary.json").read_text())["test"]
    assert test["test_loss"] > 0 and 0 <= test["test_label_error_rate"] and 0 <= test["test_beam_label_error_rate"]


def test_decoder_only_transformer_samples_text_in_a_fresh_process(tmp_path):
    layers = [{"embedding": {"vocab_size": 100, "dim": 8}}, {"learned_positional_encoding": {"max_length": 16}},
              {"transformer_encoder_layer": {"num_heads": 2, "hidden": 16, "causal": True, "norm_first": True}},
              "layer_norm", {"time_dense": {"units": "outputs"}}]
    path = write_config(tmp_path, "char_transformer", {"dataset": {"options": {"length": 16, "limit": 3000}},
                                                       "model": {"layers": layers}, "training": {"epochs": 1},
                                                       "output": {"plots": False}})
    result = dlx("train", path, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    sample = dlx("sample", run_folder(tmp_path), "--length", "40", "--seed-text", "The ", cwd=tmp_path)
    assert sample.returncode == 0, output_of(sample)
    assert sample.stdout.startswith("The ") and len(sample.stdout.rstrip("\n")) >= 44


BAD_CONFIGS = {
    "heads": ("sorting_transformer", {"dataset": {"options": {"n": 50}}, "model": {"layers": [
        dict(TINY_ENCODER[0]), {"transformer_encoder_layer": {"num_heads": 3}}, {"time_dense": {"units": 10}}]}},
        "num_heads"),
    "ctc_loss": ("ctc_gru", {"dataset": {"options": {"n": 50}}, "loss": "cross_entropy"}, "train with loss: ctc"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_configs_give_one_line_and_no_run(case, tmp_path):
    name, changes, fragment = BAD_CONFIGS[case]
    assert_one_error_line(dlx("train", write_config(tmp_path, name, changes), cwd=tmp_path), fragment)
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").glob("*/*"))
