"""Building models from config sections; describing and rebuilding them."""
import numpy as np
import pytest

from dlx import Tensor
from dlx.errors import ConfigError, ShapeError
from dlx.models.builder import build_model, check_output, describe_model, final_activation, layer_spec, \
    model_from_description


def test_layer_spec_forms():
    assert layer_spec("relu") == ("relu", {})
    assert layer_spec({"dense": {"units": 4}}) == ("dense", {"units": 4})
    assert layer_spec({"flatten": None}) == ("flatten", {})
    with pytest.raises(ConfigError, match="'- name'"):
        layer_spec({"dense": {"units": 4}, "relu": None})


def test_outputs_means_the_data_sets_output_size(rng):
    model = build_model({"layers": [{"dense": {"units": 5}}, "tanh", {"dense": {"units": "outputs"}}]}, (3,), 7, rng)
    assert model.output_shape((3,)) == (7,)
    check_output(model, (3,), 7)
    with pytest.raises(ShapeError, match=r"\(7,\) per sample but the data set needs \(2,\)"):
        check_output(model, (3,), 2)


def test_named_mlp_with_dropout_and_its_description_round_trip(rng):
    model = build_model({"name": "mlp", "options": {"hidden": [8, 4], "dropout": 0.1,
                                                    "output_activation": "sigmoid"}}, (3,), 2, rng)
    assert final_activation(model) == "sigmoid"
    names = [type(layer).registry_name for layer in model.layers]
    assert names == ["dense", "relu", "dropout", "dense", "relu", "dropout", "dense", "sigmoid"]
    description = describe_model(model, (3,), 2)
    again = model_from_description(description)
    again.load_state_dict(model.state_dict())
    x = Tensor(rng.standard_normal((5, 3)).astype(np.float32))
    model.eval(), again.eval()
    np.testing.assert_array_equal(model(x).data, again(x).data)
    assert description["parameters"] == model.num_parameters() == 3 * 8 + 8 + 8 * 4 + 4 + 4 * 2 + 2


def test_same_generator_seed_gives_the_same_weights():
    spec = {"layers": [{"conv2d": {"filters": 2, "kernel_size": 3, "in_channels": 1}}, "flatten",
                       {"dense": {"units": 3, "in_features": 18}}]}
    a = build_model(spec, (1, 5, 5), 3, np.random.default_rng(4))
    b = build_model(spec, (1, 5, 5), 3, np.random.default_rng(4))
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
