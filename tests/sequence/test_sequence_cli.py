"""``dlx train`` on the sequence configs and ``dlx sample`` of a character model, in fresh processes."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of


def write_config(tmp_path: Path, name: str, changes: dict) -> Path:
    """A shipped config with some sections replaced, written under ``tmp_path`` (results there too)."""
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    for section, value in changes.items():
        config[section] = value if not isinstance(value, dict) or section == "model" else {**config[section], **value}
    config["output"] = {**config["output"], "results_dir": str(tmp_path / "results")}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_folder(tmp_path: Path) -> Path:
    (summary,) = (tmp_path / "results").glob("*/*/summary.json")
    return summary.parent


def test_tagging_config_trains_with_masks_and_reports_token_accuracy(tmp_path):
    path = write_config(tmp_path, "tagging_gru", {"dataset": {"options": {"n": 300}}, "training": {"epochs": 2}})
    result = dlx("train", path, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    run = run_folder(tmp_path)
    test = json.loads((run / "summary.json").read_text())["test"]
    assert 0.0 <= test["test_token_accuracy"] <= 1.0 and test["test_loss"] > 0
    assert (run / "plots" / "gradient_flow.png").is_file()


@pytest.fixture(scope="module")
def char_run(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("char")
    path = write_config(tmp_path, "char_lm", {
        "dataset": {"options": {"length": 16, "limit": 4000}},
        "model": {"layers": [{"embedding": {"vocab_size": 100, "dim": 8}},
                             {"lstm": {"units": 16, "return_sequences": True}}, {"time_dense": {"units": "outputs"}}]},
        "training": {"epochs": 2}, "output": {"plots": False}})
    result = dlx("train", path, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    return run_folder(tmp_path)


def test_char_model_reports_bits_per_char_next_to_the_baselines(char_run):
    test = json.loads((char_run / "summary.json").read_text())["test"]
    assert test["test_bits_per_char"] == pytest.approx(test["test_loss"] / 0.6931471805599453)
    assert 0 < test["test_bigram_bits_per_char"] < test["test_unigram_bits_per_char"]
    assert "bigram_bits_per_char" in (char_run / "run.log").read_text()


def test_sample_prints_text_in_a_fresh_process_from_the_run_folder_alone(char_run, tmp_path):
    copied = shutil.copytree(char_run, tmp_path / "moved")  # the vocabulary travels with the run
    first = dlx("sample", copied, "--length", "40", "--temperature", "0.8", "--seed-text", "The ", cwd=tmp_path)
    again = dlx("sample", copied, "--length", "40", "--temperature", "0.8", "--seed-text", "The ", cwd=tmp_path)
    assert first.returncode == 0, output_of(first)
    text = first.stdout[:-1]  # without the final newline
    assert text.startswith("The ") and len(text) == 4 + 40
    vocabulary = json.loads((copied / "model.json").read_text())["class_names"]
    assert set(text) <= set(vocabulary)
    assert again.stdout == first.stdout  # --seed 0 by default: the same text


def test_sample_with_unknown_seed_characters_is_one_line(char_run, tmp_path):
    assert_one_error_line(dlx("sample", char_run, "--seed-text", "\u00e9\u00e9", cwd=tmp_path), "never saw")


@pytest.mark.parametrize("name, changes, fragment", [
    ("adding_lstm", {"dataset": {"name": "polynomial", "options": {}}}, "(T, features)"),
    ("adding_lstm", {"dataset": {"options": {"n": 50, "steps": 10}},
                     "model": {"layers": [{"lstm": {"units": 4, "truncate": 20}}, {"dense": {"units": "outputs"}}]}},
     "truncate=20 is longer than the sequence"),
], ids=["two_d_input", "truncation_too_long"])
def test_sequence_config_mistakes_are_one_line_and_leave_no_folder(name, changes, fragment, tmp_path):
    path = write_config(tmp_path, name, changes)
    assert_one_error_line(dlx("train", path, cwd=tmp_path), fragment)
    assert not (tmp_path / "results").exists()
