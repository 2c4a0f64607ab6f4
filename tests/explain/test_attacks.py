"""FGSM (closed form on logistic regression), one-pixel attack, adversarial patch, counterfactuals."""
import numpy as np
import pytest

from dlx.explain import ExplainTarget
from dlx.explain.attacks import adversarial_patch, fgsm
from dlx.explain.counterfactual import counterfactual
from dlx.explain.onepixel import apply_pixels, one_pixel_attack
from dlx.tensor import Tensor
from tests.explain.conftest import linear_target


@pytest.mark.parametrize("label", [0, 1])
def test_fgsm_moves_the_logit_by_epsilon_times_l1_norm(label):
    w = np.array([0.5, -1.5, 2.0, 0.25])
    target = linear_target(w, b=0.3, kind="binary")
    result = fgsm(target, target.train_X[0], label=label, epsilon=0.2)
    expected = 0.2 * np.abs(w).sum() * (-1 if label == 1 else 1)      # always away from the label
    assert result.summary["logit_change"][0] == pytest.approx(expected, rel=1e-12)


def _pixel_reader():
    """A 3-class image 'model' that reads two pixels: class 2 when pixel (1, 1) is bright."""
    def forward(x: Tensor) -> Tensor:
        bright = x[:, 0, 1, 1].reshape(-1, 1)
        return (bright * Tensor(np.array([[0.0, 0.0, 10.0]])) + Tensor(np.array([[0.0, 3.0, 0.0]])))
    rng = np.random.default_rng(0)
    return ExplainTarget(forward=forward, kind="multiclass", input_shape=(1, 4, 4), train_X=rng.uniform(0, 1, (20, 1, 4, 4)))


def test_one_pixel_attack_finds_the_pixel_that_matters():
    target = _pixel_reader()
    x = np.zeros((1, 4, 4))
    result = one_pixel_attack(target, x, label=1, population=20, generations=50, rng=np.random.default_rng(0))
    assert result.summary["success"] and result.summary["pixel"] == [1, 1]
    assert result.summary["adversarial_class"] == 2
    assert apply_pixels(x, np.array([[1.0, 2.0, 0.7]]))[0, 0, 1, 2] == 0.7


def test_adversarial_patch_covers_the_pixel_that_matters():
    target = _pixel_reader()
    target.train_X[:, 0, 1, 1] = 0.0                        # every training image is class 1
    result = adversarial_patch(target, goal=2, size=3, steps=20, rng=np.random.default_rng(0))
    assert result.summary["images"] == 20
    # a 3x3 patch on a 4x4 image always covers pixel (1, 1): it must learn to light it
    assert result.summary["success_rate"] == 1.0


def test_counterfactual_reaches_the_other_class_with_small_changes():
    w = np.array([2.0, 0.0, -1.0])
    target = linear_target(w, b=0.0, kind="binary")
    x = np.array([-1.0, 0.5, 1.0])                           # logit -3: class 0
    result = counterfactual(target, x, desired_class=1)
    s = result.summary
    assert s["reached"] and s["adversarial_class"] == 1
    assert "x1" not in s["changes"]                          # the model ignores x1: no reason to change it


def test_regression_counterfactual_moves_the_cheapest_feature():
    # with the MAD-weighted L1 distance the cheapest way to move x . w is the feature of largest |w_j| MAD_j
    from dlx.explain.counterfactual import median_absolute_deviation
    w = np.array([1.0, -2.0, 0.5])
    target = linear_target(w)
    x = target.train_X[0]
    goal = float(x @ w) + 3.0
    result = counterfactual(target, x, desired_value=goal, tolerance=0.05)
    cheapest = int(np.argmax(np.abs(w) * median_absolute_deviation(target.train_X)))
    assert result.summary["reached"]
    assert list(result.summary["changes"])[0] == f"x{cheapest}"
