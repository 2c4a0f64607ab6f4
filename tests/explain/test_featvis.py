"""Feature visualisation: monotone ascent without transforms, the closed-form optimum w / (2 lambda)."""
import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.explain import ExplainTarget
from dlx.explain.featvis import activation_maximisation, blur, random_warp
from dlx.nn import Conv2D, Dense, Flatten, ReLU, Sequential
from tests.explain.conftest import linear_target


@pytest.fixture(scope="module")
def conv_target():
    rng = np.random.default_rng(0)
    net = Sequential([Conv2D(4, 3, padding=1), ReLU(), Flatten(), Dense(5)])
    net.build((1, 8, 8), rng)
    return ExplainTarget(forward=net, kind="multiclass", input_shape=(1, 8, 8),
                         train_X=rng.uniform(0, 1, (30, 1, 8, 8)), model=net)


@pytest.mark.parametrize("layer,unit", [(0, 2), (1, 1), (3, 4)])
def test_activation_rises_at_every_step_without_transforms(conv_target, layer, unit):
    result = activation_maximisation(conv_target, layer=layer, unit=unit, steps=30, lr=0.01,
                                     rng=np.random.default_rng(1))
    assert np.all(np.diff(result.arrays["activations"]) > 0)


def test_linear_score_with_l2_converges_to_closed_form():
    w = np.array([1.0, -2.0, 0.5, 3.0])
    target = linear_target(w)
    lam = 0.5
    result = activation_maximisation(target, layer=0, unit=0, steps=300, lr=0.2, l2=lam,
                                     rng=np.random.default_rng(0))
    np.testing.assert_allclose(result.arrays["image"], w / (2 * lam), rtol=1e-6)


def test_transforms_and_regularisers_run_and_are_seeded(conv_target):
    options = dict(layer=3, unit=1, steps=20, lr=0.05, tv=0.01, l2=0.01, blur_every=5, jitter=1, scale=0.1, rotate=10)
    first = activation_maximisation(conv_target, rng=np.random.default_rng(2), **options)
    second = activation_maximisation(conv_target, rng=np.random.default_rng(2), **options)
    np.testing.assert_array_equal(first.arrays["image"], second.arrays["image"])
    assert first.summary["final_activation"] > first.summary["start_activation"]


def test_identity_warp_and_blur_keep_a_constant_image():
    index = random_warp((1, 5, 5), np.random.default_rng(0), jitter=0, scale=0.0, rotate=0.0)
    np.testing.assert_array_equal(index, np.arange(25))
    np.testing.assert_allclose(blur(np.full((2, 4, 4), 3.0)), 3.0)


def test_unknown_layer_and_unit_name_the_choices(conv_target):
    with pytest.raises(DlxError, match=r"layer '7' does not exist; choose one of: 0 \(Conv2D\), 1 \(ReLU\)"):
        activation_maximisation(conv_target, layer=7, steps=1)
    with pytest.raises(DlxError, match=r"unit 9 does not exist in this layer; choose 0..4"):
        activation_maximisation(conv_target, layer=3, unit=9, steps=1)


def test_class_model_visualisation_is_classified_as_its_class(digits_mlp_target):
    # Simonyan et al. 2014: maximising a class score with an L2 penalty gives an input of that class
    for digit in (0, 3, 7):
        result = activation_maximisation(digits_mlp_target, layer=-1, unit=digit, steps=100, lr=0.1, l2=0.01,
                                         rng=np.random.default_rng(0))
        assert digits_mlp_target.predict(result.arrays["image"][None])[0] == digit
