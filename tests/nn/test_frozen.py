"""Frozen parameters: no gradient, no optimiser update, still saved; ``frozen: true`` in a config."""
import numpy as np
import pytest

import dlx.optim  # noqa: F401  (registers the optimisers)
from dlx import ops
from dlx.errors import ConfigError
from dlx.models.builder import build_model
from dlx.nn import Dense, Parameter, ReLU, Sequential
from dlx.registry import optimisers
from dlx.tensor import Tensor


def mlp(rng) -> Sequential:
    model = Sequential([Dense(8), ReLU(), Dense(3)])
    model.build((4,), rng)
    return model


def one_epoch(model, optimiser, rng, batch_size=10):
    """One pass over 60 random samples in mini-batches: forward, backward, step."""
    X = rng.standard_normal((60, 4)).astype(np.float32)
    y = rng.integers(0, 3, 60)
    for start in range(0, 60, batch_size):
        optimiser.zero_grad()
        loss = ops.cross_entropy(model(Tensor(X[start:start + batch_size])), y[start:start + batch_size])
        loss.backward()
        optimiser.step()


@pytest.mark.parametrize("name, kwargs", [
    ("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "clip_norm": 0.5}),
    ("adam", {"lr": 0.01, "weight_decay": 0.01, "clip_value": 0.1}),
])
def test_frozen_layer_is_bit_for_bit_unchanged_after_an_epoch(name, kwargs, rng):
    model = mlp(rng)
    model.layers[0].freeze()
    before = {key: value.copy() for key, value in model.state_dict().items()}
    one_epoch(model, optimisers.create(name, params=model.parameters(), **kwargs), rng)
    after = model.state_dict()
    for key in before:
        if key.startswith("layers.0."):
            assert np.array_equal(after[key], before[key]), f"{key} changed although frozen"
        else:
            assert not np.allclose(after[key], before[key]), f"{key} did not train"


def test_frozen_parameter_gets_no_gradient_and_the_others_do(rng):
    model = mlp(rng)
    model.layers[0].freeze()
    ops.cross_entropy(model(Tensor(rng.standard_normal((5, 4)))), rng.integers(0, 3, 5)).backward()
    assert model.layers[0].weight.grad is None and model.layers[0].b.grad is None
    assert model.layers[2].weight.grad is not None


@pytest.mark.parametrize("name", sorted(optimisers.canonical()))
def test_every_optimiser_skips_a_frozen_parameter_even_with_a_gradient(name):
    frozen, free = Parameter(np.ones(3)), Parameter(np.ones(3))
    optimiser = optimisers.create(name, params=[frozen, free], weight_decay=0.1, clip_norm=1.0)
    frozen.frozen = True
    frozen.grad, free.grad = np.full(3, 100.0), np.full(3, 0.5)  # a stale gradient set by hand
    optimiser.step()
    np.testing.assert_array_equal(frozen.data, np.ones(3))
    assert not np.array_equal(free.data, np.ones(3))
    assert optimiser.state[0] == {}


def test_frozen_parameters_do_not_count_in_the_clipping_norm():
    """Clipping with a frozen parameter present equals clipping without it (torch's clip_grad_norm_
    over the trainable parameters only)."""
    free_a, free_b, frozen = Parameter(np.array([3.0])), Parameter(np.array([3.0])), Parameter(np.array([4.0]))
    frozen.frozen = True
    for p in (free_a, free_b, frozen):
        p.grad = p.data.copy() if p is not frozen else np.array([4.0])
    optimisers.create("sgd", params=[free_a, frozen], lr=1.0, clip_norm=1.0).step()
    optimisers.create("sgd", params=[free_b], lr=1.0, clip_norm=1.0).step()
    np.testing.assert_array_equal(free_a.data, free_b.data)  # 3 - 1 = 2, not 3 - 3/5


def test_state_dict_keeps_frozen_parameters_and_unfreeze_restores_training(rng):
    model = mlp(rng)
    model.layers[0].freeze()
    state = model.state_dict()
    assert "layers.0.weight" in state and "layers.0.b" in state
    other = mlp(np.random.default_rng(99))
    other.layers[0].freeze()
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.layers[0].weight.data, state["layers.0.weight"])
    assert other.layers[0].weight.frozen
    other.unfreeze()
    assert not any(p.frozen for p in other.parameters())
    assert len(other.trainable_parameters()) == len(other.parameters())


def test_freeze_before_build_applies_to_the_built_parameters(rng):
    layer = Dense(5).freeze()
    layer(Tensor(rng.standard_normal((2, 3))))  # lazy build on the first call
    assert layer.weight.frozen and layer.b.frozen


def test_config_key_frozen_freezes_that_layer(rng):
    config = {"layers": [{"dense": {"units": 6, "frozen": True}}, "relu", {"dense": {"units": "outputs"}}]}
    model = build_model(config, (4,), 2, rng)
    assert model.layers[0].weight.frozen and model.layers[0].b.frozen
    assert not model.layers[2].weight.frozen
    assert "frozen" not in model.layers[0].get_config()


def test_config_key_frozen_must_be_a_boolean(rng):
    config = {"layers": [{"dense": {"units": 6, "frozen": "yes"}}]}
    with pytest.raises(ConfigError, match="frozen must be true or false"):
        build_model(config, (4,), 6, rng)
