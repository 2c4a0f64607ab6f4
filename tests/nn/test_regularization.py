"""Dropout and Gaussian noise: identity in evaluation, the right statistics in training, gradients."""
import numpy as np
import pytest

import dlx.ops  # noqa: F401  (Tensor operators)
from dlx.errors import ConfigError
from dlx.nn import Dense, Sequential
from dlx.nn.regularization import Dropout, GaussianNoise
from dlx.tensor import Tensor

SIZE = 20_000


@pytest.mark.parametrize("layer", [Dropout(0.5), GaussianNoise(0.3)])
def test_evaluation_mode_is_the_identity(layer, rng):
    layer.build((4,), rng)
    layer.eval()
    x = Tensor(rng.standard_normal((3, 4)))
    np.testing.assert_array_equal(layer(x).data, x.data)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_about_p_and_scales_the_rest(p, rng):
    layer = Dropout(p, rng=rng)
    x = rng.uniform(0.5, 1.5, (SIZE,))
    out = layer(Tensor(x)).data
    dropped = out == 0
    sigma = np.sqrt(SIZE * p * (1 - p))  # binomial standard deviation of the count
    assert abs(dropped.sum() - SIZE * p) < 5 * sigma
    np.testing.assert_array_equal(out[~dropped], x[~dropped] * (1.0 / (1.0 - p)))  # exact scaling


def test_dropout_keeps_the_expectation(rng):
    p = 0.3
    out = Dropout(p, rng=rng)(Tensor(np.ones(SIZE))).data
    sigma = np.sqrt(p / (1 - p) / SIZE)  # each element: mean 1, variance p / (1 - p)
    assert abs(out.mean() - 1.0) < 5 * sigma


def test_dropout_gradient_flows_only_through_kept_elements(rng):
    p = 0.4
    layer = Dropout(p, rng=rng)
    x = Tensor(rng.standard_normal((50, 40)), requires_grad=True)
    out = layer(x)
    out.backward(np.ones(out.shape))
    kept = out.data != 0
    np.testing.assert_array_equal(x.grad[kept], 1.0 / (1.0 - p))
    np.testing.assert_array_equal(x.grad[~kept], 0.0)


def test_dropout_masks_are_reproducible_from_the_seed():
    x = Tensor(np.ones((8, 8), np.float32))

    def masks(seed):
        model = Sequential([Dense(8), Dropout(0.5)])
        model.build((8,), np.random.default_rng(seed))
        return model[1](x).data, model[1](x).data

    first, second = masks(3), masks(3)
    np.testing.assert_array_equal(first[0], second[0])
    assert not np.array_equal(first[0], first[1])  # a new mask every call
    assert first[0].dtype == np.float32


def test_dropout_p_zero_is_the_identity_in_training(rng):
    x = Tensor(rng.standard_normal((3, 4)))
    np.testing.assert_array_equal(Dropout(0.0, rng=rng)(x).data, x.data)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_p_outside_zero_one_is_a_config_error(p):
    with pytest.raises(ConfigError, match=r"\[0, 1\)"):
        Dropout(p)


def test_gaussian_noise_statistics_and_gradient(rng):
    std = 0.3
    layer = GaussianNoise(std, rng=rng)
    x = Tensor(np.full(SIZE, 2.0), requires_grad=True)
    out = layer(x)
    noise = out.data - 2.0
    assert abs(noise.mean()) < 5 * std / np.sqrt(SIZE)
    assert abs(noise.std() - std) < 5 * std / np.sqrt(2 * SIZE)  # standard error of a sample std
    out.backward(np.ones(SIZE))
    np.testing.assert_array_equal(x.grad, 1.0)
    with pytest.raises(ConfigError):
        GaussianNoise(-1.0)
