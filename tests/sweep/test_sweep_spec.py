"""Sweep files: schema errors in one line with the file's line, plans, sampling, claims checked up front."""
import math

import numpy as np
import pytest
import yaml

from dlx.errors import ConfigError
from dlx.sweep.driver import validate
from dlx.sweep.sampling import draw, parameter_sets, short_names
from dlx.sweep.spec import Distribution, parse_sweep
from tests.conftest import BREAST_CANCER_SMALL

BASE = yaml.safe_dump({"base": yaml.safe_load(BREAST_CANCER_SMALL)})


def sweep_text(body: str) -> str:
    return "name: t\n" + BASE + body


def test_a_grid_crossed_with_seeds_gives_one_trial_per_setting_and_seed():
    loaded = parse_sweep(sweep_text("parameters:\n  optimiser.lr: [1e-3, 1.0e-2]\n  optimiser.name: [sgd, adam]\n"
                                    "seeds: 2\n"))
    plan = validate(loaded)
    assert len(plan) == 8 and len({p.id for p in plan}) == 8
    assert {p.group for p in plan} == {"lr=0.001 name=sgd", "lr=0.01 name=sgd", "lr=0.001 name=adam",
                                       "lr=0.01 name=adam"}
    assert plan[0].params == {"optimiser.lr": 0.001, "optimiser.name": "sgd"}  # "1e-3" is a number


def test_sampled_parameters_follow_their_distributions_and_the_sample_seed():
    rng = np.random.default_rng(0)
    logs = [draw(Distribution(distribution="log_uniform", low=1e-4, high=1e-1), rng) for _ in range(2000)]
    assert min(logs) >= 1e-4 and max(logs) <= 1e-1
    # log-uniform: a quarter of the draws below the first quarter of the decades (10^-3.25)
    assert abs(np.mean(np.array(logs) < 10 ** -3.25) - 0.25) < 0.04
    ints = {draw(Distribution(distribution="int", low=2, high=4), rng) for _ in range(200)}
    assert ints == {2, 3, 4}
    text = sweep_text("parameters:\n  optimiser.lr: {distribution: uniform, low: 0.01, high: 0.1}\n"
                      "  optimiser.name: [sgd, adam]\nsamples: 3\n")
    sets = parameter_sets(parse_sweep(text))
    assert len(sets) == 6 and sets == parameter_sets(parse_sweep(text))
    assert all(0.01 <= s["optimiser.lr"] <= 0.1 for s in sets)


def test_short_names_keep_whole_paths_where_the_last_parts_collide():
    assert short_names(["optimiser.lr", "a.units", "b.units"]) == {"optimiser.lr": "lr", "a.units": "a.units",
                                                                    "b.units": "b.units"}


@pytest.mark.parametrize("body, message", [
    ("parameters:\n  optimiser.lr: []\n", "the grid of 'optimiser.lr' is empty"),
    ("parameters:\n  optimiser.lr: {distribution: loguniform, low: 1, high: 2}\n",
     "Input should be 'uniform', 'log_uniform', 'int' or 'choice' (got 'loguniform')"),
    ("parameters:\n  training.epoch: [1, 2]\n", "unknown key 'training.epoch'; did you mean 'epochs'?"),
    ("parameters:\n  optimiser.lr: [0.1]\nexpect:\n  x: adam.val_loss < 1\n", "'adam.val_loss' names no group"),
    ("parameters:\n  optimiser.lr: [0.1]\nexpect:\n  x: lr[0.1].val_los < 1\n",
     "unknown metric 'val_los'; did you mean 'val_loss'?"),
    ("parameters:\n  optimiser.lr: [0.1]\nexpect:\n  x: lr[0.1].val_loss <\n", "the claim ends early"),
    ("parameters:\n  optimiser.lr: [0.1]\nseed: 3\n", "unknown key; did you mean 'seeds'?"),
])
def test_a_bad_sweep_is_one_line_naming_the_file_and_line(body, message):
    with pytest.raises(ConfigError) as error:
        validate(parse_sweep(sweep_text(body), "s.yaml"))
    text = str(error.value)
    assert message in text and text.startswith("s.yaml:") and "\n" not in text


def test_a_missing_base_file_and_a_value_the_optimiser_rejects_are_caught_before_any_trial():
    with pytest.raises(ConfigError, match="s.yaml:2: base: config file 'nowhere.yaml' not found"):
        parse_sweep("name: t\nbase: nowhere.yaml\nparameters: {optimiser.lr: [0.1]}\n", "s.yaml")
    with pytest.raises(ConfigError, match=r"s.yaml:\d+: parameters.optimiser.lr: value -1: .*optimiser.lr: Input should be greater than 0"):
        validate(parse_sweep(sweep_text("parameters:\n  optimiser.lr: [0.1, -1.0]\n"), "s.yaml"))


def test_overrides_change_the_sweep_or_every_trial():
    loaded = parse_sweep(sweep_text("parameters:\n  optimiser.lr: [0.1]\n"), "s.yaml", [])
    from dlx.sweep.spec import sweep_from_mapping
    changed = sweep_from_mapping(loaded.raw, "s.yaml", overrides=["seeds=3", "training.epochs=1"])
    assert changed.spec.seed_list() == [0, 1, 2] and changed.spec.set == ["training.epochs=1"]
    assert math.isclose(validate(changed)[0].trial.loaded().config.optimiser.lr, 0.1)


def test_every_sweep_file_in_experiments_validates():
    from pathlib import Path

    from dlx.sweep.spec import load_sweep
    files = sorted((Path(__file__).resolve().parents[2] / "experiments" / "sweeps").glob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        assert validate(load_sweep(path)), path
