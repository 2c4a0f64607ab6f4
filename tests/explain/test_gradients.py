"""Saliency, integrated gradients and occlusion against closed forms; deletion and randomisation checks."""
import numpy as np
import pytest

from dlx.explain import integrated_gradients, occlusion, rank_correlation, saliency
from dlx.explain.quality import randomised_weights
from dlx.nn import Dense, Sequential, Tanh
from tests.explain.conftest import linear_target


def test_saliency_of_a_linear_model_is_abs_w(linear_regression_target):
    w = linear_regression_target.model[0].weight.data[:, 0]
    result = saliency(linear_regression_target, linear_regression_target.train_X[0], check=False)
    np.testing.assert_allclose(result.arrays["attribution"], np.abs(w), rtol=1e-12)


def test_saliency_of_logistic_regression_class_zero_is_abs_w():
    target = linear_target([1.0, -2.0, 0.5], kind="binary")
    result = saliency(target, target.train_X[0], class_index=0, check=False)
    np.testing.assert_allclose(result.arrays["attribution"], [1.0, 2.0, 0.5], rtol=1e-12)


@pytest.mark.parametrize("kind,output", [("multiclass", "logit"), ("multiclass", "score"), ("binary", "logit")])
def test_integrated_gradients_are_complete(kind, output):
    from dlx.explain import ExplainTarget
    rng = np.random.default_rng(0)
    net = Sequential([Dense(16), Tanh(), Dense(3 if kind == "multiclass" else 1)])
    net.build((6,), rng)
    X = rng.normal(size=(50, 6))
    target = ExplainTarget(forward=net, kind=kind, input_shape=(6,), train_X=X, model=net)
    result = integrated_gradients(target, X[0] * 2.0, output=output, check=False)
    s = result.summary
    assert s["completeness_error"] < 0.01
    assert abs(result.arrays["attribution"].sum() - (s["f_x"] - s["f_baseline"])) <= 0.01 * abs(s["f_x"] - s["f_baseline"])


def test_integrated_gradients_of_a_relu_cnn_are_complete_within_one_percent():
    from dlx.explain import ExplainTarget
    from dlx.nn import Conv2D, Flatten, MaxPool2D, ReLU
    rng = np.random.default_rng(0)
    net = Sequential([Conv2D(4, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(3)])
    net.build((1, 8, 8), rng)
    X = rng.uniform(0, 1, (5, 1, 8, 8))
    target = ExplainTarget(forward=net, kind="multiclass", input_shape=(1, 8, 8), train_X=X, model=net)
    for x in X:
        assert integrated_gradients(target, x, check=False).summary["completeness_error"] <= 0.01


def test_occlusion_of_a_linear_model_is_w_times_distance_to_mean(linear_regression_target):
    target = linear_regression_target
    w = target.model[0].weight.data[:, 0]
    x = target.train_X[2]
    result = occlusion(target, x, check=False)
    np.testing.assert_allclose(result.arrays["attribution"], w * (x - target.train_X.mean(axis=0)), atol=1e-10)


def test_rank_correlation_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 40).astype(float), rng.normal(size=40)
    assert abs(rank_correlation(a, b) - stats.spearmanr(a, b).statistic) < 1e-12


def test_randomised_weights_are_restored(digits_mlp_target):
    net = digits_mlp_target.model
    before = net.state_dict()
    with randomised_weights(net, np.random.default_rng(0)):
        assert not np.allclose(net[0].weight.data, before["layers.0.weight"])
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_deletion_curves_fall_faster_than_random(digits_mlp_target):
    target = digits_mlp_target
    for i in range(3):
        x, label = target.extra["test_X"][i], int(target.extra["test_y"][i])
        for method in (integrated_gradients, saliency, occlusion):
            deletion = method(target, x, class_index=label, rng=np.random.default_rng(0)).summary["deletion"]
            assert deletion["area"] < deletion["random_area"], (i, method.__name__)


def test_saliency_passes_the_randomisation_check(digits_mlp_target):
    target = digits_mlp_target
    result = saliency(target, target.extra["test_X"][0], rng=np.random.default_rng(0))
    assert result.summary["randomisation"]["passed"]


def test_an_attribution_that_ignores_the_model_fails_the_check(digits_mlp_target):
    from dlx.explain.quality import randomisation_check
    target = digits_mlp_target
    x = target.extra["test_X"][0]
    model_blind = lambda: np.abs(x - target.train_X.mean(axis=0))  # noqa: E731
    check = randomisation_check(target, model_blind, model_blind(), np.random.default_rng(0))
    assert check["rank_correlation"] == pytest.approx(1.0) and not check["passed"]
    assert check["message"].startswith("FAILED")
