"""Module, Parameter, Dense and initialisers."""
import numpy as np
import pytest

from dlx import Tensor
from dlx.errors import CheckpointError, ConfigError, ShapeError, UnknownNameError
from dlx.nn import Dense, Module, Parameter, ReLU, Sequential, Sigmoid, get_initialiser
from dlx.registry import initialisers


class TwoLayer(Module):
    def __init__(self, rng):
        super().__init__()
        self.hidden = Dense(4, in_features=3, rng=rng)
        self.blocks = [Dense(2, in_features=4, rng=rng)]
        self.scale = Parameter(np.ones(1, dtype=np.float32))

    def forward(self, x):
        return self.blocks[0](self.hidden(x).relu()) * self.scale


def test_parameters_are_found_in_attributes_lists_and_nested_modules(rng):
    net = TwoLayer(rng)
    names = [n for n, _ in net.named_parameters()]
    assert names == ["hidden.weight", "hidden.b", "blocks.0.weight", "blocks.0.b", "scale"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2 + 1


def test_train_and_eval_modes_reach_every_module(rng):
    net = TwoLayer(rng).eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_state_dict_round_trip_and_mismatch(rng):
    a, b = TwoLayer(rng), TwoLayer(np.random.default_rng(5))
    b.load_state_dict(a.state_dict())
    x = Tensor(rng.standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_array_equal(a(x).data, b(x).data)
    state = a.state_dict()
    state["hidden.weight"] = np.zeros((2, 2))
    with pytest.raises(CheckpointError, match="hidden.weight"):
        b.load_state_dict(state)
    del state["hidden.weight"]
    with pytest.raises(CheckpointError, match="missing"):
        b.load_state_dict(state)


def test_state_dict_is_a_copy(rng):
    net = TwoLayer(rng)
    state = net.state_dict()
    state["scale"][0] = 42.0
    assert net.scale.data[0] == 1.0


def test_dense_computes_x_w_plus_b(rng):
    layer = Dense(3, in_features=2, rng=rng)
    x = rng.standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data + layer.b.data, rtol=1e-6)


def test_dense_infers_its_input_size_and_rejects_images(rng):
    net = Sequential([Dense(8), ReLU(), Dense(1), Sigmoid()])
    net.build((5,), rng)
    assert net.layers[0].weight.shape == (5, 8)
    with pytest.raises(ShapeError, match=r"layer 0 \(dense\).*\(features,\).*\(1, 8, 8\)"):
        Sequential([Dense(8)]).output_shape((1, 8, 8))


def test_get_config_lists_constructor_arguments(rng):
    layer = Dense(3, in_features=2, init="he_normal", rng=rng)
    assert layer.get_config() == {"name": "dense", "units": 3, "in_features": 2, "bias": True,
                                  "init": "he_normal", "bias_init": "zeros"}


@pytest.mark.parametrize("name,fan_in,fan_out,variance", [
    ("glorot_uniform", 300, 200, 2 / 500), ("glorot_normal", 300, 200, 2 / 500),
    ("he_uniform", 300, 200, 2 / 300), ("he_normal", 300, 200, 2 / 300),
])
def test_initialiser_variance_matches_closed_form(name, fan_in, fan_out, variance, rng):
    w = get_initialiser(name)((fan_in, fan_out), fan_in, fan_out, rng)
    assert w.dtype == np.float32
    # the sample variance of 60,000 draws is within a few percent of the true one
    assert abs(w.var() / variance - 1) < 0.05
    assert abs(w.mean()) < 4 * np.sqrt(variance / w.size)


def test_orthogonal_and_identity(rng):
    q = get_initialiser({"name": "orthogonal", "gain": 2.0})((6, 4), 6, 4, rng).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(get_initialiser("identity")((3, 3), 3, 3, rng), np.eye(3))
    with pytest.raises(ConfigError, match="2-D"):
        get_initialiser("identity")((3, 3, 3), 3, 3, rng)


def test_every_initialiser_gives_the_requested_shape(rng):
    for name in initialisers.canonical():
        shape = (4, 4)
        assert get_initialiser(name)(shape, 4, 4, rng).shape == shape


def test_unknown_initialiser_names_the_closest_match():
    with pytest.raises(UnknownNameError, match="Did you mean 'he_normal'"):
        get_initialiser("he_normall")


def test_constant_initialiser_takes_a_value_or_the_values(rng):
    np.testing.assert_array_equal(get_initialiser({"name": "constant", "value": 0.5})((2, 2), 2, 2, rng),
                                  np.full((2, 2), 0.5))
    w = get_initialiser({"name": "constant", "values": [0.5, 0.48, -0.7]})((3, 1), 3, 1, rng)
    np.testing.assert_allclose(w[:, 0], [0.5, 0.48, -0.7], rtol=1e-7)
    with pytest.raises(ConfigError, match="3 values for a weight of shape"):
        get_initialiser({"name": "constant", "values": [1, 2, 3]})((2, 2), 2, 2, rng)
