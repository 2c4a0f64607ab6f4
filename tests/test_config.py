"""Config loading: types, unknown keys, YAML lines, overrides, registry checks."""
import re

import pytest

from dlx.config import json_schema, parse_config
from dlx.errors import ConfigError
from dlx.train.experiment import check_components

GOOD = """\
dataset:
  name: xor
  validation: 0
  test: 0
model:
  layers:
    - dense: {units: 8}
    - tanh
    - dense: {units: outputs}
optimiser:
  name: adam
  lr: 0.01
training:
  epochs: 5
  batch_size: full
"""


def error_of(text, overrides=()):
    with pytest.raises(ConfigError) as caught:
        loaded = parse_config(text, "c.yaml", list(overrides))
        check_components(loaded)
    return str(caught.value)


def test_good_config_has_defaults():
    loaded = parse_config(GOOD, "c.yaml", default_run_name="xor")
    c = loaded.config
    assert c.training.batch_size == "full" and c.training.seed == 0
    assert c.output.run_name == "xor" and c.output.results_dir == "results"
    assert c.optimiser.hyperparameters() == {"lr": 0.01, "weight_decay": 0.0}
    check_components(loaded)


@pytest.mark.parametrize("old,new,expected", [
    ("  epochs: 5", "  epoch: 5", r"^c\.yaml:14: training\.epoch: unknown key; did you mean 'epochs'\?"),
    ("  epochs: 5", "  epochs: many", r"^c\.yaml:14: training\.epochs: .*valid integer.*'many'"),
    ("  batch_size: full", "  batch_size: half", r"^c\.yaml:15: training\.batch_size: must be a positive integer"),
    ("  lr: 0.01", "  lr: -1", r"^c\.yaml:12: optimiser\.lr: Input should be greater than 0 \(got -1\)"),
    ("  validation: 0", "  validation: 0\n  scaling: zscore", r"dataset\.scaling: .*'standardize'.*'zscore'"),
    ("    - tanh", "    - tanhh", r"^c\.yaml:8: model\.layers\.1: unknown layer 'tanhh'\. Did you mean 'tanh'\?"),
    ("    - dense: {units: 8}", "    - dense: {unit: 8}", r"model\.layers\.0\.dense\.unit: unknown argument; did you mean 'units'"),
    ("  name: adam", "  name: adamm", r"^c\.yaml:11: optimiser\.name: unknown optimiser 'adamm'\. Did you mean 'adam'"),
    ("  lr: 0.01", "  lr: 0.01\n  beta: 0.9", r"optimiser\.beta: unknown argument; did you mean 'beta[12]'"),
    ("  name: xor", "  name: xorr", r"dataset\.name: unknown dataset 'xorr'\. Did you mean 'xor'"),
    ("  name: xor", "  name: xor\n  options: {repeats: 2}", r"dataset\.options\.repeats: unknown argument; did you mean 'repeat'"),
    ("training:", "loss: msee\ntraining:", r"^c\.yaml:13: loss: unknown loss 'msee'\. Did you mean 'mse'"),
    ("  epochs: 5", "  epochs: 5\n  metrics: [acuracy]", r"training\.metrics\.0: unknown metric 'acuracy'; did you mean 'accuracy'"),
    ("  lr: 0.01", "  lr: 0.01\n  schedule: {name: cosinus}", r"optimiser\.schedule: unknown schedule 'cosinus'"),
])
def test_errors_name_the_line_the_key_and_the_fix(old, new, expected):
    assert old in GOOD
    message = error_of(GOOD.replace(old, new, 1))
    assert "\n" not in message
    assert re.search(expected, message), message


def test_malformed_yaml_names_the_line():
    message = error_of(GOOD.replace("  name: adam", " name: adam:"))
    assert message.startswith("c.yaml:11: malformed YAML")


def test_a_config_must_be_a_mapping():
    assert "must be a mapping" in error_of("- just\n- a list\n")


def test_model_needs_layers_or_a_name():
    assert "either 'layers'" in error_of(GOOD.replace("  layers:", "  name: mlp\n  layers:"))


def test_overrides_are_typed_and_checked():
    loaded = parse_config(GOOD, "c.yaml", ["optimiser.lr=0.5", "training.batch_size=4", "training.seed=3",
                                           "model.layers.0.dense.units=16", "regularisation.early_stopping.patience=2",
                                           "optimiser.beta1=0.8"])
    c = loaded.config
    assert c.optimiser.lr == 0.5 and c.training.batch_size == 4 and c.training.seed == 3
    assert c.model.layers[0] == {"dense": {"units": 16}}
    assert c.regularisation.early_stopping.patience == 2
    assert c.optimiser.hyperparameters()["beta1"] == 0.8


@pytest.mark.parametrize("override,expected", [
    ("training.epoch=3", "unknown key 'training.epoch'; did you mean 'epochs'?"),
    ("trainin.epochs=3", "unknown key 'trainin'; did you mean 'training'?"),
    ("model.layers.7.dense.units=3", "'7' is not an index of a list of 3 items"),
    ("training.epochs", "write PATH=VALUE"),
    ("training.epochs.x=1", "'training.epochs' is a value, not a section"),
])
def test_unknown_override_paths_are_errors(override, expected):
    assert expected in error_of(GOOD, [override])


def test_override_of_a_wrong_type_is_a_validation_error():
    assert "training.epochs" in error_of(GOOD, ["training.epochs=lots"])


def test_json_schema_describes_every_section():
    schema = json_schema()
    assert set(schema["properties"]) >= {"dataset", "model", "loss", "optimiser", "regularisation", "training",
                                          "output"}
    assert schema["title"] == "dlx experiment config"
