"""float32 end to end: in a training step of every model family no array is silently float64.

``watch_dtypes`` records the dtype of every operation's output and of every gradient an
operation's backward returns; the optimiser's state and the parameters' gradients are
checked after the step. A float64 constant slipped into one operation (``x * np.pi``
with a float64 array, ``np.zeros(shape)`` without a dtype) doubles its memory traffic
and every operation after it, and shows up here by name.
"""
from pathlib import Path

import numpy as np
import pytest
import yaml

from dlx.config import load_config
from dlx.tensor import watch_dtypes
from dlx.train.experiment import load_splits, prepare_from_splits, seeded_generators
from dlx.train.loop import Trainer

ROOT = Path(__file__).resolve().parents[2]
SUPERVISED = ["digits_mlp", "digits_cnn", "breast_cancer_mlp", "polynomial_regression", "tagging_gru",
              "adding_lstm", "adding_rnn", "char_lm", "streetlights"]


def floating_arrays(value, where: str):
    """(where, dtype) of every floating array inside nested dicts and lists."""
    if isinstance(value, np.ndarray):
        return [(where, value.dtype)] if np.issubdtype(value.dtype, np.floating) else []
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in floating_arrays(item, f"{where}.{key}")]
    if isinstance(value, (list, tuple)):
        return [found for k, item in enumerate(value) for found in floating_arrays(item, f"{where}[{k}]")]
    return []


def assert_float32(watch, model, optimiser):
    assert watch.found, "the watch saw no operation"
    others = watch.floating_other_than(np.float32)
    others += [(f"{name}.grad", p.grad.dtype) for name, p in enumerate(model.parameters())
               if p.grad is not None and p.grad.dtype != np.float32]
    others += [(f"parameter {k}", p.data.dtype) for k, p in enumerate(model.parameters()) if p.data.dtype != np.float32]
    others += [found for found in floating_arrays(getattr(optimiser, "state", {}), "optimiser state")
               if found[1] != np.float32]
    assert not others, f"float64 (or other) arrays in a float32 training step: {others[:8]}"


@pytest.mark.parametrize("name", SUPERVISED)
def test_a_supervised_training_step_stays_float32(name):
    loaded = load_config(ROOT / "configs" / f"{name}.yaml", ["training.batch_size=16"])
    splits = load_splits(loaded, seeded_generators(loaded.config.training.seed)["data"])
    splits = {key: part.subset(np.arange(min(len(part), 32))) for key, part in splits.items()}
    experiment = prepare_from_splits(loaded, splits)
    trainer = Trainer(experiment)
    with watch_dtypes() as watch:
        trainer.train_epoch(1)  # two steps of 16: forward, loss, backward, optimiser step
    assert_float32(watch, experiment.model, experiment.optimiser)


@pytest.mark.parametrize("name, short", [("vae_digits", {"epochs": 1}), ("ae_digits", {"epochs": 1}),
                                         ("gan_ring", {"steps": 20, "checkpoint_every": 10, "eval_samples": 200})])
def test_a_generative_training_run_stays_float32(name, short, tmp_path):
    from dlx.generative.experiment import run_generative
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    with watch_dtypes() as watch:
        run_generative(config, folder=tmp_path / "run", overrides=short)
    assert watch.found and watch.floating_other_than(np.float32) == []


def test_a_dqn_update_stays_float32(rng):
    from dlx.registry import agents
    from dlx.rl import EnvironmentSettings, make_env
    agent = agents.create("dqn", hidden=[16], batch_size=16, buffer_size=100, learning_starts=16) \
        .setup(make_env(EnvironmentSettings(id="CartPole-v1")), np.random.default_rng(0))
    for _ in range(32):
        agent.buffer.add(rng.standard_normal(4), int(rng.integers(2)), float(rng.standard_normal()),
                         rng.standard_normal(4), bool(rng.integers(2)))
    with watch_dtypes() as watch:
        agent.update()
    assert_float32(watch, agent.online, agent.optimiser)


def test_the_watch_names_a_float64_operation():
    from dlx.nn import Dense
    from dlx.tensor import Tensor
    layer = Dense(3)
    layer.build((4,), np.random.default_rng(0))
    with watch_dtypes() as watch:
        out = layer(Tensor(np.ones((2, 4), dtype=np.float32)))
        (out * Tensor(np.ones((2, 3), dtype=np.float64))).sum().backward()  # a float64 factor slips in
    names = {what for what, _ in watch.floating_other_than(np.float32)}
    assert "mul" in names and "mul backward" in names
