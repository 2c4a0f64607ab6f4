"""The memory estimate made before a model is built (closed-form counts)."""
import numpy as np
import pytest

from dlx.config.sizes import parse_bytes
from dlx.errors import ConfigError
from dlx.models.builder import create_layer
from dlx.models.memory import DEFAULT_LIMIT, check_layers_memory, check_memory, estimate_memory, memory_limit
from dlx.nn import Sequential


def test_estimate_counts_parameters_gradients_state_and_activations():
    # dense 784->128 and 128->10: 784*128 + 128 + 128*10 + 10 = 101,770 parameters
    shapes = [(784, 128), (128,), (128, 10), (10,)]
    estimate = estimate_memory(shapes, [(128,), (10,)], batch_size=64, itemsize=4, optimiser_slots=2)
    assert estimate.parameters == 4 * 101_770 * 4  # weights, gradients, Adam's m and v
    assert estimate.activations == 2 * 64 * 138 * 4  # outputs and their gradients for a batch
    assert estimate.total == estimate.parameters + estimate.activations


def test_a_billion_units_is_refused_in_one_line_that_says_how_to_raise_the_limit():
    with pytest.raises(ConfigError) as caught:
        check_memory([(784, 10**9), (10**9,)], [(10**9,)], batch_size=32, what="model.layers.0 (dense)")
    message = str(caught.value)
    assert "\n" not in message and "model.layers.0 (dense) needs about" in message
    assert "DLX_MEMORY_LIMIT" in message and "training.memory_limit" in message


def test_huge_shapes_do_not_overflow():
    estimate = estimate_memory([(2**31, 2**31, 4)], [], batch_size=1)
    assert estimate.parameters == 4 * 2**64 * 4  # exact Python integers, no int64 wrap-around


def test_the_limit_comes_from_the_config_then_the_environment(monkeypatch):
    monkeypatch.delenv("DLX_MEMORY_LIMIT", raising=False)
    assert memory_limit() == DEFAULT_LIMIT == 4 * 2**30
    monkeypatch.setenv("DLX_MEMORY_LIMIT", "16GiB")
    assert memory_limit() == 16 * 2**30
    assert memory_limit("512MB") == 512 * 10**6
    assert check_memory([(10**8,)], [], batch_size=1).total == 16 * 10**8  # 1.6 GB fits in 16 GiB


@pytest.mark.parametrize("text,expected", [("8GiB", 8 * 2**30), ("8 gb", 8 * 10**9), ("1.5k", 1536), (8e9, 8 * 10**9)])
def test_sizes(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1GiB", "0", True, "8 parsecs"])
def test_bad_sizes(text):
    with pytest.raises(ConfigError):
        parse_bytes(text)


def test_layers_are_estimated_from_their_arguments_before_they_allocate():
    model = Sequential([create_layer("conv2d", {"filters": 4, "kernel_size": 3}, 10), create_layer("relu", {}, 10),
                        create_layer("flatten", {}, 10), create_layer("dense", {"units": "outputs"}, 10)])
    estimate = check_layers_memory(model.layers, (1, 8, 8), batch_size=2, optimiser_slots=0)
    params = 4 * 1 * 3 * 3 + 4 + 144 * 10 + 10  # conv weight and bias, dense weight and bias
    activations = 4 * 6 * 6 * 2 + 144 + 10  # conv and relu outputs, flatten, dense
    assert estimate.parameters == 2 * params * 4 and estimate.activations == 2 * 2 * activations * 4
    model.build((1, 8, 8), np.random.default_rng(0))
    assert sum(p.data.size for p in model.parameters()) == params  # the estimate counts what build makes


def test_a_billion_unit_layer_is_refused_before_it_is_built():
    layers = [create_layer("dense", {"units": 10**9}, 2), create_layer("dense", {"units": 2}, 2)]
    with pytest.raises(ConfigError, match=r"mostly layer 0, dense\)"):
        check_layers_memory(layers, (784,), batch_size=32, limit=4 * 2**30)
    assert not any(getattr(layer, "built", False) for layer in layers)
