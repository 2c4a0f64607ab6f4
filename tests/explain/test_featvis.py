"""Feature visualisation: the closed-form optimum, the warp and the Fourier basis against references,
convergence, and pictures of the digits CNN's units that are not the average digit."""
import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.explain import ExplainTarget
from dlx.explain.featvis import activation_maximisation
from dlx.explain.featvis_image import binomial_blur, fourier_basis, random_warp_matrix, warp
from dlx.nn import Conv2D, Dense, Flatten, ReLU, Sequential
from tests.explain.conftest import linear_target


@pytest.fixture(scope="module")
def conv_target():
    rng = np.random.default_rng(0)
    net = Sequential([Conv2D(4, 3, padding=1), ReLU(), Flatten(), Dense(5)])
    net.build((1, 8, 8), rng)
    return ExplainTarget(forward=net, kind="multiclass", input_shape=(1, 8, 8),
                         train_X=rng.uniform(0, 1, (30, 1, 8, 8)), model=net)


PLAIN = dict(parameterisation="pixel", data_range=False, jitter=0, scale=0, rotate=0)


@pytest.mark.parametrize("layer,unit,objective", [(0, 2, "neuron"), (1, 1, "channel"), (3, 4, "neuron"),
                                                  (0, 0, "layer")])
def test_the_objective_rises_and_converges(conv_target, layer, unit, objective):
    result = activation_maximisation(conv_target, layer=layer, unit=unit, objective=objective, steps=400,
                                     rng=np.random.default_rng(1))
    s = result.summary
    assert s["final_activation"] > s["start_activation"]
    assert s["converged"] and s["last_tenth_change"] < 0.01 and s["steps"] == 400
    early = activation_maximisation(conv_target, layer=layer, unit=unit, objective=objective, steps=400,
                                    min_steps=50, rng=np.random.default_rng(1)).summary
    assert early["converged"] and early["steps"] < 400


def test_linear_score_with_l2_converges_to_closed_form():
    # J = w . x - l2 ||(x - mean) / std||^2 is maximal at x* = mean + w std^2 / (2 l2)
    w = np.array([1.0, -2.0, 0.5, 3.0])
    target = linear_target(w)
    lam = 0.5
    result = activation_maximisation(target, layer=0, unit=0, l2=lam, lr=0.5, steps=2000, tolerance=1e-9,
                                     rng=np.random.default_rng(0), **PLAIN)
    mean, std = target.train_X.mean(axis=0), target.train_X.std(axis=0)
    np.testing.assert_allclose(result.arrays["image"], mean + w * std ** 2 / (2 * lam), rtol=1e-4)


def test_in_the_data_range_a_linear_score_is_maximal_at_the_corner_its_signs_point_to():
    w = np.array([1.0, -2.0, 0.5, 3.0])
    target = linear_target(w)
    result = activation_maximisation(target, layer=0, unit=0, l2=0.0, rng=np.random.default_rng(0))
    low, high = target.train_X.min(axis=0), target.train_X.max(axis=0)
    corner = np.where(w > 0, high, low)
    assert np.all(np.abs(result.arrays["image"] - corner) < 0.02 * (high - low))


def test_transforms_and_regularisers_run_and_are_seeded(conv_target):
    options = dict(layer=3, unit=1, steps=20, tv=0.01, l2=0.01, blur=0.1, jitter=1, scale=0.1,
                   rotate=10, images=3, diversity=0.5)
    first = activation_maximisation(conv_target, rng=np.random.default_rng(2), **options)
    second = activation_maximisation(conv_target, rng=np.random.default_rng(2), **options)
    np.testing.assert_array_equal(first.arrays["images"], second.arrays["images"])
    assert first.arrays["images"].shape == (3, 1, 8, 8)
    assert first.summary["final_activation"] > first.summary["start_activation"]


def test_the_identity_warp_keeps_the_image_and_a_shift_brings_in_the_border_colour():
    from dlx.tensor import Tensor
    image = np.random.default_rng(0).uniform(size=(1, 2, 5, 5))
    matrix, inside = random_warp_matrix(5, 5, np.random.default_rng(0), jitter=0, scale=0.0, rotate=0.0)
    np.testing.assert_allclose(matrix, np.eye(25), atol=1e-12)
    background = np.array([0.25, 0.75])
    shifted = np.zeros((25, 25))
    for row in range(5):
        for column in range(1, 5):
            shifted[row * 5 + column, row * 5 + column - 1] = 1.0      # a shift right by one pixel
    seen = warp(Tensor(image), shifted, shifted.sum(axis=1), background).data
    np.testing.assert_allclose(seen[0, :, :, 1:], image[0, :, :, :-1])
    np.testing.assert_allclose(seen[0, :, :, 0], background[:, None] * np.ones((2, 5)))
    np.testing.assert_allclose(binomial_blur(np.full((2, 4, 4), 3.0)), 3.0)


def test_a_rotation_by_a_quarter_turn_matches_numpy():
    rng = np.random.default_rng(0)

    class Quarter:          # a generator whose draws give angle 90 degrees, zoom 1, no shift
        def uniform(self, low, high, size=None):
            return np.zeros(size) if size else (90.0 if high == 90.0 else 1.0)
    image = rng.uniform(size=(6, 6))
    matrix, inside = random_warp_matrix(6, 6, Quarter(), jitter=0.0, scale=0.0, rotate=90.0)
    turned = (matrix @ image.reshape(-1)).reshape(6, 6)
    assert np.allclose(turned, np.rot90(image, 1)) or np.allclose(turned, np.rot90(image, -1))


def test_the_fourier_basis_spans_every_image_and_scales_by_one_over_frequency():
    basis = fourier_basis(6, 6)
    assert np.linalg.matrix_rank(basis) == 36
    constant = np.ones(36) / 6.0                                            # unit-norm images
    checkerboard = (np.indices((6, 6)).sum(axis=0) % 2 * 2.0 - 1.0).reshape(-1) / 6.0
    ratio = np.abs(basis.T @ constant).max() / np.abs(basis.T @ checkerboard).max()
    # frequency 0 is scaled by 1 / (1/6), the checkerboard's frequency sqrt(0.5^2 + 0.5^2) by 1 / sqrt(0.5)
    assert ratio == pytest.approx(6.0 * np.sqrt(0.5), rel=1e-9)


def test_unknown_layer_and_unit_name_the_choices(conv_target):
    with pytest.raises(DlxError, match=r"layer '7' does not exist; choose one of: 0 \(Conv2D\), 1 \(ReLU\)"):
        activation_maximisation(conv_target, layer=7, steps=1)
    with pytest.raises(DlxError, match=r"unit 9 does not exist in this layer; choose 0..4"):
        activation_maximisation(conv_target, layer=3, unit=9, steps=1)


def test_class_model_visualisation_is_classified_as_its_class(digits_mlp_target):
    # Simonyan et al. 2014: maximising a class score with an L2 penalty gives an input of that class
    for digit in (0, 3, 7):
        result = activation_maximisation(digits_mlp_target, layer=-1, unit=digit, rng=np.random.default_rng(0))
        assert digits_mlp_target.predict(result.arrays["image"][None])[0] == digit


def test_the_gradient_through_parameterisation_warp_and_diversity_matches_differences():
    # no new tape operation: the Fourier image, the colour mixing and the warp are matrix products
    from dlx.explain.featvis import similarity
    from dlx.explain.featvis_image import ImageParameterisation
    from dlx.tensor import gradcheck
    rng = np.random.default_rng(0)
    train = rng.uniform(0, 1, (20, 3, 5, 5))
    image_map = ImageParameterisation(train, (3, 5, 5), "fourier")
    matrix, inside = random_warp_matrix(5, 5, rng, jitter=1.0, scale=0.2, rotate=20.0)

    def seen(coefficients):
        return warp(image_map(coefficients), matrix, inside, np.array([0.1, 0.2, 0.3]))
    gradcheck(seen, [rng.normal(size=(2, *image_map.shape))])
    gradcheck(lambda a: similarity(a), [rng.normal(size=(3, 4, 2, 2))])


def test_diversity_pushes_the_images_of_one_unit_apart(conv_target):
    def mean_pairwise_correlation(diversity):
        images = activation_maximisation(conv_target, layer=3, unit=2, images=3, diversity=diversity, steps=200,
                                         rng=np.random.default_rng(0)).arrays["images"].reshape(3, -1)
        return np.corrcoef(images)[np.triu_indices(3, 1)].mean()
    assert mean_pairwise_correlation(5.0) < mean_pairwise_correlation(0.0)


def test_an_unknown_objective_or_parameterisation_names_the_choices(conv_target):
    with pytest.raises(DlxError, match=r"featvis objective 'pixelz' is unknown; use one of channel, neuron, layer"):
        activation_maximisation(conv_target, objective="pixelz")
    with pytest.raises(DlxError, match=r"featvis parameterisation 'fft' is unknown; use one of fourier, pixel"):
        activation_maximisation(conv_target, parameterisation="fft")
