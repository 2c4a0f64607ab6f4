"""Registry-wide checks that every registered layer gets for free.

Each layer class provides ``example() -> (constructor kwargs, per-sample input shape)``.
The layer is built in float64 and its input and every parameter pass gradcheck
in training mode (layers that draw random numbers read ``self.rng``, which is
reset before each forward so that the function being checked is deterministic).
"""
import numpy as np
import pytest

import dlx.nn  # noqa: F401  (registers the layers)
from dlx.registry import layers
from dlx.tensor import Tensor, gradcheck

BATCH = 3


def _build(name, rng):
    cls = layers.get(name)
    kwargs, shape = cls.example()
    layer = cls(**kwargs)
    layer.build(shape, rng)
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    for module in layer.modules():
        for key, value in list(vars(module).get("_buffers", {}).items()):
            module._buffers[key] = np.asarray(value, dtype=np.float64)
    return layer, shape


def _swap_parameters(layer, values):
    """Point the layer's parameters at the given tensors; returns the originals."""
    originals = []
    for (dotted, _), value in zip(layer.named_parameters(), values):
        owner_path, _, attr = dotted.rpartition(".")
        owner = layer
        for part in owner_path.split(".") if owner_path else []:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        originals.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)
    return originals


def _restore(originals):
    for owner, attr, value in originals:
        setattr(owner, attr, value)


def _input(layer, rng, shape, scale=1.0, shift=0.0):
    """The layer's own example input if it declares one (integer tokens), else Gaussian numbers."""
    if hasattr(layer, "example_input"):
        return layer.example_input(rng, (BATCH, *shape))
    return rng.standard_normal((BATCH, *shape)) * scale + shift


@pytest.mark.parametrize("name", sorted(layers.canonical()))
def test_layer_gradcheck(name, rng):
    layer, shape = _build(name, rng)
    layer.train()
    x = _input(layer, rng, shape, 0.9, 0.05)
    params = [p.data.copy() for p in layer.parameters()]

    def forward(x, *ps):
        if hasattr(layer, "rng"):
            layer.rng = np.random.default_rng(7)
        originals = _swap_parameters(layer, ps)
        try:
            return layer(x)
        finally:
            _restore(originals)

    assert gradcheck(forward, [x, *params]) < 1e-6


@pytest.mark.parametrize("name", sorted(layers.canonical()))
def test_layer_output_shape_matches_forward(name, rng):
    layer, shape = _build(name, rng)
    x = _input(layer, rng, shape)
    out = layer(Tensor(x) if x.dtype.kind == "f" else x)
    assert out.shape == (BATCH, *layer.output_shape(shape))


@pytest.mark.parametrize("name", sorted(layers.canonical()))
def test_layer_state_dict_round_trip(name, rng):
    layer, shape = _build(name, rng)
    other, _ = _build(name, np.random.default_rng(99))
    other.load_state_dict(layer.state_dict())
    x = _input(layer, rng, shape)
    x = Tensor(x) if x.dtype.kind == "f" else x
    layer.eval(), other.eval()
    np.testing.assert_array_equal(layer(x).data, other(x).data)


@pytest.mark.parametrize("name", sorted(layers.canonical()))
def test_layer_has_description(name):
    assert layers.describe(name), f"layer '{name}' needs a docstring whose first line describes it"
