"""Generative models and their data sets live in the one model and data-set registries (issue 18, item 6).

A generative config may name any registered data set (here two_moons, which no generative code
knows by name), a supervised config that names a generative model gets one line, and ``dlx list``
and ``dlx schema`` show the generative models and the ring with the rest, in fresh processes.
"""
from __future__ import annotations

import json

import numpy as np

from tests.cli.cli_process import dlx

MOONS_AE = """\
task: generative
dataset: {name: two_moons, options: {n_samples: 200, noise: 0.05}, test: 0.25}
model:
  kind: autoencoder
  latent_dim: 1
  encoder: [{dense: {units: 8}}, tanh, {dense: {units: 1}}]
  decoder: [{dense: {units: 8}}, tanh, {dense: {units: outputs}}]
training: {epochs: 2, batch_size: 50}
output: {run_name: moons-ae, plots: false}
"""


def test_a_generative_config_trains_on_any_registered_data_set(tmp_path):
    (tmp_path / "moons.yaml").write_text(MOONS_AE)
    done = dlx("train", "moons.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = next((tmp_path / "results" / "moons-ae").iterdir())
    summary = json.loads((run / "summary.json").read_text())
    assert summary["kind"] == "generative" and summary["status"] == "finished"
    assert np.isfinite(summary["headline"]["test_mse"])


def test_unknown_data_set_and_option_name_the_registry(tmp_path):
    (tmp_path / "moons.yaml").write_text(MOONS_AE)
    typo = dlx("train", "moons.yaml", "--set", "dataset.name=two_moon", cwd=tmp_path)
    assert typo.returncode == 1 and "did you mean 'two_moons'" in typo.stderr.lower()
    option = dlx("train", "moons.yaml", "--set", "dataset.options.radius=2", cwd=tmp_path)
    assert option.returncode == 1 and "'radius' is not an option of 'two_moons'" in option.stderr
    assert len((typo.stderr + option.stderr).strip().splitlines()) == 2
    assert not (tmp_path / "results").exists()


def test_a_supervised_config_naming_a_generative_model_gets_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("dataset: {name: digits}\nmodel: {name: vae}\ntraining: {epochs: 1}\n")
    done = dlx("train", "bad.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "'vae' is a generative model" in done.stderr
    assert "bad.yaml:2" in done.stderr and not (tmp_path / "results").exists()


def test_list_and_schema_show_generative_models_and_the_ring(tmp_path):
    models = dlx("list", "models", cwd=tmp_path)
    assert all(name in models.stdout for name in ("vae", "gan", "autoencoder", "mlp"))
    sets = dlx("list", "datasets", cwd=tmp_path)
    assert "ring" in sets.stdout
    schema = json.loads(dlx("schema", cwd=tmp_path).stdout)
    text = json.dumps(schema)
    enums = [value for value in _walk(schema) if isinstance(value, dict) and "enum" in value]
    assert any({"vae", "gan"} <= set(e["enum"]) for e in enums), "the generative kinds are listed"
    assert any({"ring", "digits", "two_moons"} <= set(e["enum"]) for e in enums), "the data sets are listed"
    assert "generative" in text


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
