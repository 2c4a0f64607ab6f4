"""Weight penalties (global and per layer) and weight noise in the training loop."""
import numpy as np

from dlx import Tensor
from dlx.config import parse_config
from dlx.models.builder import build_model
from dlx.nn import Parameter
from dlx.train.penalties import WeightNoise, add_penalty_gradients, penalised_weights, penalty_value

LAYERS = {"layers": [{"dense": {"units": 4, "l2": 0.5}}, "relu", {"dense": {"units": 2}}]}


def test_a_layers_own_penalty_overrides_the_global_one(rng):
    model = build_model(LAYERS, (3,), 2, rng)
    weights = penalised_weights(model, l1=0.0, l2=0.01)
    assert [(p.shape, l1, l2) for p, l1, l2 in weights] == [((3, 4), 0.0, 0.5), ((4, 2), 0.0, 0.01)]
    assert all(p.ndim == 2 for p, _, _ in weights)  # biases are not penalised


def test_penalty_gradients_are_the_derivative_of_the_penalty(rng):
    w = Parameter(rng.standard_normal((3, 2)))
    w.grad = np.zeros_like(w.data)
    add_penalty_gradients([(w, 0.3, 0.2)])
    np.testing.assert_allclose(w.grad, 0.3 * np.sign(w.data) + 2 * 0.2 * w.data)
    # and the same through the tape, from the penalty's definition
    t = Tensor(w.data.copy(), requires_grad=True)
    (t.abs().sum() * 0.3 + (t * t).sum() * 0.2).backward()
    np.testing.assert_allclose(w.grad, t.grad)
    np.testing.assert_allclose(penalty_value([(w, 0.3, 0.2)]), 0.3 * np.abs(w.data).sum() + 0.2 * (w.data ** 2).sum())


def test_weight_noise_perturbs_for_one_step_and_restores_exactly(rng):
    w = Parameter(rng.standard_normal((50, 40)).astype(np.float32))
    original = w.data.copy()
    with WeightNoise([w], 0.1, np.random.default_rng(0)):
        assert abs(np.std(w.data - original) - 0.1) < 0.01  # 2,000 draws: std within 10%
    np.testing.assert_array_equal(w.data, original)


def test_per_layer_penalty_is_validated():
    text = """\
dataset: {name: xor}
model: {layers: [{dense: {units: 4, l2: -1}}, {dense: {units: outputs}}]}
"""
    from dlx.errors import ConfigError
    from dlx.train.experiment import check_components
    import pytest
    with pytest.raises(ConfigError, match=r"model\.layers\.0\.dense\.l2: must be a number >= 0"):
        check_components(parse_config(text, "c.yaml"))
