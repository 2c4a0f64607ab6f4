"""PD, ICE and ALE against closed forms."""
import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.explain.effects import accumulated_local_effects, partial_dependence
from dlx.tensor import Tensor
from tests.explain.conftest import function_target, linear_target


def test_partial_dependence_of_a_linear_model_has_slope_w(linear_regression_target):
    target = linear_regression_target
    w = target.model[0].weight.data[:, 0]
    result = partial_dependence(target, rng=np.random.default_rng(0))
    for j in range(len(w)):
        grid, pd = result.arrays[f"grid_{j}"], result.arrays[f"pd_{j}"]
        np.testing.assert_allclose(np.diff(pd) / np.diff(grid), w[j], rtol=1e-8)
        ice = result.arrays[f"ice_{j}"]                     # parallel lines: ICE minus PD is constant
        np.testing.assert_allclose(np.ptp(ice - pd, axis=1), 0.0, atol=1e-8)


def test_ale_recovers_each_component_of_an_additive_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    X[:, 1] = X[:, 0] * 0.8 + rng.normal(scale=0.3, size=500)      # correlated features
    components = [np.sin, lambda v: v ** 2, lambda v: 2.0 * v]

    def forward(x):        # ALE needs outputs only; sin is taken outside the tape
        return (Tensor(np.sin(x.data[:, 0])) + x[:, 1] ** 2 + x[:, 2] * 2.0).reshape(-1, 1)

    target = function_target(forward, X)
    result = accumulated_local_effects(target, bins=10)
    for j, g in enumerate(components):
        edges, ale = result.arrays[f"edges_{j}"], result.arrays[f"ale_{j}"]
        truth = g(edges)
        np.testing.assert_allclose(ale - ale.mean(), truth - truth.mean(), atol=1e-9)


def test_unknown_feature_lists_the_choices():
    target = linear_target([1.0, 2.0])
    with pytest.raises(DlxError, match=r"feature 'age' does not exist; choose one of: x0, x1"):
        partial_dependence(target, features=["age"])
