"""Experiment kinds through the real CLI in fresh processes: one front door, one schema, one kind of error."""
from __future__ import annotations

import csv
import difflib
import json
import shutil

import pytest

from tests.cli import forked
from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of

CONFIGS = {"digits_mlp": 18, "vae_digits": 22, "gan_ring": 29}  # the line of each file's optimiser section


@pytest.mark.parametrize("name,line", sorted(CONFIGS.items()))
def test_a_misspelt_override_names_the_override_the_file_and_the_line(tmp_path, name, line):
    config = ROOT / "configs" / f"{name}.yaml"
    result = dlx("train", config, "--set", "optimiser.lrr=0.1", "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "--set optimiser.lrr=0.1: ", f"{config}:{line}: optimiser.lrr",
                          "did you mean 'lr'?")
    assert not (tmp_path / "results").exists()  # no run folder for a config error


@pytest.mark.parametrize("name,fragment", [("frozenlake_q", "unknown key 'optimiser'; known: agent, budget, "),
                                           ("cartpole_dqn", "did you mean 'agent.lr'?")])
def test_a_misspelt_override_of_an_agent_is_the_same_kind_of_line(tmp_path, name, fragment):
    config = ROOT / "configs" / f"{name}.yaml"
    result = dlx("train", config, "--set", "optimiser.lrr=0.1", "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, f"--set optimiser.lrr=0.1: {config}: ", fragment)
    assert not (tmp_path / "results").exists()
    key, guess, line = ("alpah", "alpha", 4) if name == "frozenlake_q" else ("lrr", "lr", 6)  # agent's line
    assert_one_error_line(dlx("config", "show", config, "--set", f"agent.{key}=0.2", cwd=tmp_path),
                          f"--set agent.{key}=0.2: {config}:{line}: unknown key 'agent.{key}'", f"did you mean '{guess}'?")


@pytest.mark.parametrize("name,expected", [("digits_mlp", "scaling: standardize"), ("vae_digits", "kind: vae"),
                                           ("gan_ring", "steps: 2000"), ("frozenlake_q", "name: q_learning")])
def test_config_show_works_for_every_kind(tmp_path, name, expected):
    result = dlx("config", "show", ROOT / "configs" / f"{name}.yaml", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert expected in result.stdout


def test_config_show_fills_the_generative_defaults_of_the_loops(tmp_path):
    config = tmp_path / "ae.yaml"
    config.write_text("task: generative\ndataset: {name: digits}\nmodel: {kind: autoencoder, latent_dim: 2, "
                      "encoder: [{dense: {units: 2}}], decoder: [{dense: {units: outputs}}]}\n")
    result = dlx("config", "show", config, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert "epochs: 20" in result.stdout and "batch_size: 64" in result.stdout and "lr: 0.001" in result.stdout
    assert "steps" not in result.stdout  # a GAN's setting
    bad = tmp_path / "bad.yaml"
    bad.write_text(config.read_text() + "training: {epochs: 2, stepz: 3}\n")
    assert_one_error_line(dlx("train", bad, cwd=tmp_path), f"{bad}:4: training.stepz: unknown key",
                          "did you mean 'steps'?")
    assert not (tmp_path / "results").exists()


def test_schema_describes_every_kind(tmp_path):
    result = dlx("schema", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    schema = json.loads(result.stdout)
    assert [m["$ref"].split("/")[-1] for m in schema["oneOf"]] == ["ExperimentConfig", "GenerativeConfig", "RLConfig",
                                                               "CompressConfig", "STDPConfig", "ContinualConfig"]
    definitions = schema["$defs"]
    assert set(definitions["GenerativeModelConfig"]["properties"]["kind"]["enum"]) == \
        {"autoencoder", "denoising_autoencoder", "vae", "gan"}
    assert {"QLearningSettings", "DQNSettings"} <= set(definitions)
    assert "adam" in definitions["OptimiserConfig"]["properties"]["name"]["enum"]  # registered components


def test_a_config_may_name_its_kind(tmp_path):
    config = tmp_path / "vae.yaml"
    text = (ROOT / "configs" / "vae_digits.yaml").read_text().replace("task: generative\n", "kind: generative\n")
    config.write_text(text)
    assert dlx("config", "show", config, cwd=tmp_path).returncode == 0
    config.write_text(text.replace("kind: generative\n", "kind: generativ\n"))
    assert_one_error_line(dlx("config", "show", config, cwd=tmp_path), f"{config}:7: kind: unknown experiment kind "
                          "'generativ'; did you mean 'generative'?")


def test_commands_for_a_data_set_refuse_other_kinds_in_one_line(tmp_path):
    config = ROOT / "configs" / "frozenlake_q.yaml"
    assert_one_error_line(dlx("cv", config, cwd=tmp_path), "dlx cv needs a supervised config; this one is rl")
    assert_one_error_line(dlx("lr-find", config, cwd=tmp_path), "dlx lr-find needs a supervised config")


def test_a_vae_sweep_of_the_latent_size_runs_on_the_pool(tmp_path):
    result = dlx("sweep", ROOT / "configs" / "vae_digits.yaml", "--param", "model.latent_dim", "--values", "2,4",
                 "--set", "training.epochs=1", "--set", "output.plots=false", "--set", "plots=false", "--workers", "2",
                 "--results", tmp_path / "results", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, output_of(result)
    sweep_dir = next((tmp_path / "results" / "sweeps" / "vae-digits").iterdir())
    rows = list(csv.DictReader((sweep_dir / "summary.csv").open()))
    assert {r["group"] for r in rows} == {"latent_dim=2", "latent_dim=4"}
    assert all(float(r["val_neg_elbo_mean"]) > 0 for r in rows)  # the kind's metric: nats per image
    assert all(float(r["epochs_mean"]) == 1 for r in rows)  # the epochs trained (not the row before training)
    assert (sweep_dir / "report.html").is_file()
    assert "by val_neg_elbo (min)" in result.stdout


TOY = '''"""A toy kind for the tests: counts to a number."""
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from dlx.experiments.registry import ExperimentKind, register_kind
from dlx.runs.session import RunSession
from dlx.train.runner import RunResult


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = "toy"
    count: int = Field(3, ge=1, description="how far to count")
    seed: int = 0


def train(loaded, results_dir=None, reporter=None, folder=None):
    session = RunSession.create(results_dir or "results", "toy", "count: %d\\n" % loaded.config.count, folder)
    with session:
        for i in range(loaded.config.count):
            session.record({"epoch": i + 1, "total": float(i + 1)})
        session.finish("finished", {"test": {"total": float(loaded.config.count)}})
    return RunResult(Path(session.run_dir), "finished", session.summary)


register_kind(ExperimentKind(
    name="toy", schema=ToyConfig, description="counts", train=train,
    run_trial=lambda loaded, folder=None, *rest: train(loaded, folder=folder), seed_key="seed",
    planned_epochs=lambda config: config.count, metrics=lambda: ("total",),
    default_metric=lambda config: ("total", "max"), headline=lambda summary: ("", summary["test"])))
'''


def test_a_new_kind_is_one_new_file_and_one_registration_line(tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "dlx", copy / "dlx", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "dlx" / "experiments" / "toy.py").write_text(TOY)
    registry = copy / "dlx" / "experiments" / "registry.py"
    before = registry.read_text().splitlines()
    registry.write_text(registry.read_text().replace('    "rl": "dlx.experiments.rl",\n',
                                                     '    "rl": "dlx.experiments.rl",\n'
                                                     '    "toy": "dlx.experiments.toy",\n'))
    diff = [line for line in difflib.unified_diff(before, registry.read_text().splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == ['+    "toy": "dlx.experiments.toy",']  # the whole edit outside the new file
    config = tmp_path / "toy.yaml"
    config.write_text("kind: toy\ncount: 4\n")
    env = {"PYTHONPATH": str(copy)}

    def run(*args):
        return forked.run(args, cwd=tmp_path, env={**__import__("os").environ, **env}, timeout=300)

    shown = run("config", "show", config)
    assert shown.returncode == 0 and "count: 4" in shown.stdout, shown.stderr
    assert "ToyConfig" in run("schema").stdout
    trained = run("train", config, "--results", tmp_path / "results")
    assert trained.returncode == 0 and "total 4" in trained.stdout, trained.stdout + trained.stderr
    wrong = run("train", config, "--set", "cuont=3")
    assert "--set cuont=3" in wrong.stderr + wrong.stdout and "did you mean 'count'?" in wrong.stderr + wrong.stdout
    swept = run("sweep", config, "--param", "count", "--values", "2,5", "--workers", "2", "--set", "plots=false",
                "--results", tmp_path / "results")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert "by total (max)" in swept.stdout


def test_a_q_learning_sweep_runs_on_the_pool_and_ranks_by_the_evaluation(tmp_path):
    result = dlx("sweep", ROOT / "configs" / "frozenlake_q.yaml", "--param", "agent.alpha", "--values", "0.1,0.5",
                 "--set", "budget.episodes=200", "--set", "evaluation.episodes=50", "--set", "output.plots=false",
                 "--set", "plots=false", "--workers", "2",
                 "--results", tmp_path / "results", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, output_of(result)
    assert "by eval_mean_return (max)" in result.stdout
    sweep_dir = next((tmp_path / "results" / "sweeps" / "frozenlake-q").iterdir())
    rows = list(csv.DictReader((sweep_dir / "summary.csv").open()))
    assert {r["group"] for r in rows} == {"alpha=0.1", "alpha=0.5"}
    assert all(0 <= float(r["eval_success_rate_mean"]) <= 1 for r in rows)
    assert (sweep_dir / "report.html").is_file()
    records = [json.loads(line) for line in (sweep_dir / "trials.jsonl").read_text().splitlines()]
    assert all(r["summary"]["test"]["eval_mean_return"] == r["metric"] for r in records)
