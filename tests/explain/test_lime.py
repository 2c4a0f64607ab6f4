"""LIME against its reference behaviour (lime_tabular / lime_image, Ribeiro et al. 2016)."""
import numpy as np
import pytest

from dlx.explain import lime
from dlx.explain.superpixels import grid_segments, slic
from dlx.explain.surrogate import weighted_r2, weighted_ridge
from tests.explain.conftest import linear_target


@pytest.mark.parametrize("around_instance", [False, True])
def test_linear_model_weights_are_coefficient_times_std(linear_regression_target, around_instance):
    target = linear_regression_target
    w = target.model[0].weight.data[:, 0]
    result = lime(target, target.train_X[3], index=3, num_features=5, feature_selection="none",
                  sample_around_instance=around_instance, rng=np.random.default_rng(0))
    expected = w * target.train_X.std(axis=0)
    got = np.array([result.summary["weights"][f"x{j}"] for j in range(5)])
    np.testing.assert_allclose(got, expected, rtol=0.02)
    assert result.summary["score"] > 0.999
    assert abs(result.summary["local_prediction"] - result.summary["model_prediction"]) < 1e-2 * np.abs(expected).sum()


def test_top_k_features_are_the_used_ones():
    w = np.zeros(8)
    used = [1, 4, 6]
    w[used] = [1.5, -2.0, 0.7]
    target = linear_target(w)
    for selection in ("forward_selection", "highest_weights", "none", "auto"):
        result = lime(target, target.train_X[0], num_features=3 if selection != "none" else 8,
                      feature_selection=selection, rng=np.random.default_rng(1))
        top = list(result.summary["weights"])[:3]
        assert sorted(top) == sorted(f"x{j}" for j in used), selection


def test_same_seed_same_explanation(linear_regression_target):
    x = linear_regression_target.train_X[5]
    first = lime(linear_regression_target, x, rng=np.random.default_rng(3), discretize=True)
    second = lime(linear_regression_target, x, rng=np.random.default_rng(3), discretize=True)
    assert first.to_json() == second.to_json()


def test_discretized_weights_have_the_coefficient_sign():
    target = linear_target([2.0, -3.0])
    result = lime(target, np.array([3.0, 3.0]), discretize=True, rng=np.random.default_rng(0))
    weights = result.summary["weights"]          # both features lie in their top quartile
    assert set(weights) == {f"x0 > {np.percentile(target.train_X[:, 0], 75):.3g}",
                            f"x1 > {np.percentile(target.train_X[:, 1], 75):.3g}"}
    by_feature = {name.split()[0]: value for name, value in weights.items()}
    assert by_feature["x0"] > 0 > by_feature["x1"]


def test_weighted_ridge_matches_sklearn():
    from sklearn.linear_model import Ridge
    rng = np.random.default_rng(0)
    Z, y, w = rng.normal(size=(50, 4)), rng.normal(size=50), rng.uniform(0.1, 1, 50)
    fit = weighted_ridge(Z, y, w, alpha=1.0)
    reference = Ridge(alpha=1.0).fit(Z, y, sample_weight=w)
    np.testing.assert_allclose(fit.coef, reference.coef_, rtol=1e-10)
    np.testing.assert_allclose(fit.intercept, reference.intercept_, rtol=1e-10)
    assert abs(weighted_r2(y, fit.predict(Z), w) - reference.score(Z, y, sample_weight=w)) < 1e-12


def test_image_lime_finds_the_superpixel_the_model_reads():
    from dlx.explain import ExplainTarget
    from dlx.tensor import Tensor
    mask = np.zeros((1, 8, 8))
    mask[0, 2, 4] = 1.0            # one pixel of grid superpixel 6 (row 1, column 2)

    def forward(x: Tensor) -> Tensor:
        return (x * Tensor(mask * 5.0)).sum(axis=(1, 2, 3)).reshape(-1, 1)

    rng = np.random.default_rng(0)
    train = rng.uniform(0, 1, size=(20, 1, 8, 8))
    target = ExplainTarget(forward=forward, kind="regression", input_shape=(1, 8, 8), train_X=train)
    image = train[0].copy()
    image[0, 2, 4] = 1.0
    image[0, 3, 5] = 0.0           # the superpixel's mean colour differs from its pixels
    result = lime(target, image, rng=np.random.default_rng(0))
    assert list(result.summary["weights"])[0] == "superpixel 6"
    assert result.summary["score"] > 0.99


def test_superpixels_cover_the_image():
    assert grid_segments(8, 8).max() == 15
    rng = np.random.default_rng(0)
    image = np.zeros((3, 24, 24))
    image[:, :, 12:] = 1.0
    image += rng.normal(0, 0.01, image.shape)
    labels = slic(image, n_segments=16)
    assert labels.shape == (24, 24)
    # no superpixel straddles the colour edge
    for label in np.unique(labels):
        columns = np.nonzero(labels == label)[1]
        assert columns.max() < 12 or columns.min() >= 12


def test_same_seed_same_explanation_without_discretising_and_for_images(linear_regression_target):
    x = linear_regression_target.train_X[1]
    runs = [lime(linear_regression_target, x, rng=np.random.default_rng(4)).to_json() for _ in range(2)]
    assert runs[0] == runs[1]
    from tests.explain.test_common import _image
    target = _image()
    runs = [lime(target, target.train_X[0], n_samples=200, rng=np.random.default_rng(4)).to_json() for _ in range(2)]
    assert runs[0] == runs[1]


def test_the_explained_class_defaults_to_the_predicted_one(digits_mlp_target):
    x = digits_mlp_target.extra["test_X"][3]
    result = lime(digits_mlp_target, x, n_samples=300, check=False)
    assert result.summary["class"] == int(digits_mlp_target.predict(x[None])[0])
    other = lime(digits_mlp_target, x, class_index=(result.summary["class"] + 1) % 10, n_samples=300, check=False)
    assert other.summary["class"] == (result.summary["class"] + 1) % 10
