"""Tests that fail when an explanation is computed wrongly, each against a closed form (issue 27, item 3).

* LIME's kernel width decides how local the surrogate is. With the training data
  standardised (z ~ N(0, 1)) and the kernel sqrt(exp(-d^2 / width^2)), the samples
  weighted by the kernel around an instance z0 are Gaussian with variance
  s^2 = width^2 / (1 + width^2) and mean m = z0 / (1 + width^2); the weighted
  least-squares slope of f is then E[f'] under that Gaussian (Stein's lemma),
  for f = exp: exp(m + s^2 / 2). A small width gives the local slope f'(z0).
* LIME for an explicit class fits that class's probability: on a multiclass linear
  model, softmax(xW + b), its slope per standard deviation is
  std_j * p_c (W_jc - sum_k W_jk p_k), which follows column c of W.
* Occlusion with stride equal to the window: every window is occluded alone, so on
  a linear image model each window's drop is sum over the window of w * (x - baseline).
"""
import numpy as np
import pytest

from dlx.explain import ExplainTarget, lime, occlusion
from dlx.nn import Sequential
from dlx.tensor import Tensor
from tests.explain.conftest import dense_with, function_target


@pytest.fixture(scope="module")
def exponential_target():
    z = np.random.default_rng(0).normal(size=(400, 1))
    return function_target(lambda x: x.exp(), (z - z.mean()) / z.std())   # mean 0, std 1 exactly


def stein_slope(z0: float, width: float) -> float:
    """The kernel-weighted least-squares slope of exp around z0 (see the module doc)."""
    variance, mean = width ** 2 / (1 + width ** 2), z0 / (1 + width ** 2)
    return float(np.exp(mean + variance / 2))


def test_lime_kernel_width_sets_how_local_the_slope_is(exponential_target):
    z0 = 1.0
    slopes = {}
    for width in (0.2, 2.0, None):
        result = lime(exponential_target, np.array([z0]), kernel_width=width, n_samples=20000, check=False,
                      rng=np.random.default_rng(0))
        slopes[width] = result.arrays["attribution"][0]
        used = width if width is not None else 0.75     # LIME's default: sqrt(features) * 0.75
        assert result.summary["kernel_width"] == used
        assert slopes[width] == pytest.approx(stein_slope(z0, used), rel=0.02), width
    assert slopes[0.2] == pytest.approx(np.exp(z0), rel=0.05)               # the local slope f'(z0) = e
    assert abs(slopes[None] - np.exp(z0)) > 0.15 * np.exp(z0)               # the default width is not local
    assert slopes[2.0] < slopes[None] < slopes[0.2]


@pytest.fixture(scope="module")
def multiclass_linear_target():
    weight = 0.01 * np.array([[2.0, -1.0, -1.0], [-1.0, 2.0, -1.0], [-1.0, -1.0, 2.0], [1.0, 0.0, -1.0]])
    net = Sequential([dense_with(weight, [0.3, 0.0, -0.3])])      # the bias makes class 0 the predicted one
    X = np.random.default_rng(7).normal(loc=np.arange(4), scale=np.linspace(0.5, 3.0, 4), size=(400, 4))
    return ExplainTarget(forward=net, kind="multiclass", input_shape=(4,), train_X=X, model=net), weight


@pytest.mark.parametrize("asked", [1, 2])
def test_lime_for_an_explicit_class_follows_that_class_column(multiclass_linear_target, asked):
    target, weight = multiclass_linear_target
    x = target.train_X[0]
    p = target.score_array(x[None])[0]
    assert p.argmax() == 0 != asked
    result = lime(target, x, class_index=asked, num_features=4, feature_selection="none", check=False,
                  rng=np.random.default_rng(0))
    expected = target.train_X.std(axis=0) * p[asked] * (weight[:, asked] - weight @ p)
    assert result.summary["class"] == asked
    np.testing.assert_allclose(result.arrays["attribution"], expected, rtol=0.05)


def test_occlusion_with_stride_equal_to_the_window_drops_each_windows_exact_contribution():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(2, 6, 6))

    def forward(x: Tensor) -> Tensor:
        return (x * Tensor(w)).sum(axis=(1, 2, 3)).reshape(-1, 1)

    target = ExplainTarget(forward=forward, kind="regression", input_shape=(2, 6, 6),
                           train_X=rng.uniform(0, 1, (10, 2, 6, 6)))
    x = rng.uniform(0, 1, (2, 6, 6))
    baseline = np.full((2, 6, 6), 0.25)
    result = occlusion(target, x, baseline=baseline, window=2, stride=2, check=False)
    attribution = result.arrays["attribution"]
    for r in range(0, 6, 2):
        for c in range(0, 6, 2):
            exact = float((w * (x - baseline))[:, r:r + 2, c:c + 2].sum())
            np.testing.assert_allclose(attribution[:, r:r + 2, c:c + 2], exact, rtol=1e-10, atol=1e-12)
