"""Generative configs end to end, `dlx sample`'s library side, and the one-line errors."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from dlx.errors import DlxError, ShapeError
from dlx.generative import (NotGenerativeError, build_generative_model, load_generative, run_generative,
                            sample_run)
from dlx.runs.files import atomic_write_json

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
GENERATIVE = ["ae_digits", "vae_digits", "vae_digits_2d", "gan_ring", "gan_ring_collapse"]
SHORT = {"gan": {"steps": 20, "checkpoint_every": 10, "eval_samples": 100}}


def load(name: str) -> dict:
    return yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())


def without_plots(config: dict) -> dict:
    """The config with ``output: {plots: false}``, for a test that never looks at the run's plots."""
    return {**config, "output": {**(config.get("output") or {}), "plots": False}}


@pytest.mark.parametrize("name", GENERATIVE)
def test_config_runs_briefly_and_leaves_its_files(name, tmp_path):
    config = load(name)
    assert config["description"] and config["task"] == "generative"
    kind = config["model"]["kind"]
    run_dir = tmp_path / "run"
    summary = run_generative(config, run_dir, overrides=SHORT.get(kind, {"epochs": 1}))
    for file in ("config.yaml", "run.log", "metrics.jsonl", "metrics.csv", "summary.json", "model.json", "model.npz"):
        assert (run_dir / file).is_file(), file
    plots = {p.name for p in (run_dir / "plots").glob("*.png")}
    expected = {"autoencoder": {"reconstructions.png", "loss.png"},
                "vae": {"elbo.png", "reconstructions.png", "samples.png", "interpolations.png"},
                "gan": {"gan_curves.png", "samples_per_checkpoint.png"}}[kind]
    if name == "vae_digits_2d":
        expected |= {"latent_map.png", "latent_scatter.png"}
    assert expected <= plots
    assert summary["model"] == kind and summary["kind"] == "generative" and summary["status"] == "finished"


@pytest.mark.parametrize("name, image", [("vae_digits", True), ("gan_ring", False)])
def test_sample_writes_a_grid_or_a_scatter_from_a_run_folder(name, image, tmp_path):
    run_dir = tmp_path / "run"
    run_generative(without_plots(load(name)), run_dir, overrides=SHORT.get(load(name)["model"]["kind"], {"epochs": 1}))
    path = sample_run(run_dir, n=16, seed=0)
    assert path.is_file() and path.stat().st_size > 1000
    model = load_generative(run_dir)  # the saved parameters come back
    state = dict(np.load(run_dir / "model.npz", allow_pickle=False))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    assert (model.data_shape == (64,)) == image


def test_sample_on_a_supervised_run_gives_one_line(tmp_path):
    from dlx.models.builder import build_model, describe_model
    model = build_model({"layers": [{"dense": {"units": 3}}]}, (4,), 3, np.random.default_rng(0))
    atomic_write_json(tmp_path / "model.json", describe_model(model, (4,), 3))
    with pytest.raises(NotGenerativeError) as error:
        sample_run(tmp_path, n=8)
    message = str(error.value)
    assert "\n" not in message and "not a generative model" in message and "VAE or GAN" in message


def test_sample_on_an_autoencoder_run_gives_one_line(tmp_path):
    run_generative(without_plots(load("ae_digits")), tmp_path / "run", overrides={"epochs": 1})
    with pytest.raises(DlxError, match="cannot draw new samples"):
        sample_run(tmp_path / "run", n=8)


@pytest.mark.parametrize("config, part, layers, shape", [
    ("vae_digits", "decoder", [{"dense": {"units": 63}}], (64,)),
    ("ae_digits", "decoder", [{"dense": {"units": 64}}], (1, 8, 8)),  # images need a reshape at the end
    ("gan_ring", "generator", [{"dense": {"units": 3}}], (2,)),
])
def test_output_that_does_not_match_the_data_gives_one_line(config, part, layers, shape):
    section = {**load(config)["model"], part: layers}
    with pytest.raises(ShapeError) as error:
        build_generative_model(section, shape, np.random.default_rng(0))
    message = str(error.value)
    assert "\n" not in message and f"model.{part} outputs" in message and str(shape) in message
    assert "units" in message  # says what to change


def test_unknown_kind_and_settings_are_named():
    with pytest.raises(DlxError, match="model.kind 'gen' is unknown"):
        build_generative_model({"kind": "gen"}, (2,), np.random.default_rng(0))
    with pytest.raises(DlxError, match="training.epochs is not a setting"):
        run_generative({**load("gan_ring"), "training": {"epochs": 3}}, "unused")


def test_gan_on_digit_images_writes_an_image_grid(tmp_path):
    config = {**load("gan_ring"), "dataset": {"name": "digits", "test": 0.2},
              "training": {"steps": 4, "batch_size": 16, "checkpoint_every": 2, "eval_samples": 16}}
    run_dir = tmp_path / "run"
    summary = run_generative(config, run_dir)
    assert summary["modes_per_checkpoint"] == [None, None]  # modes are a measure of the ring only
    assert (run_dir / "plots" / "samples.png").is_file() and (run_dir / "plots" / "gan_curves.png").is_file()
    assert sample_run(run_dir, n=9).is_file()
