"""The model-randomisation check of integrated gradients (and saliency behind a scaler) and its complementary
gradient check (issue 27, item 5).

IG = (x - x') * (gradient averaged along the path). When the features lie at very
different distances from the baseline, the factor (x - x'), the same for every model,
decides the ranks of |IG| whatever the weights: the check fails for a reason that
belongs to the method. The averaged gradients of two independently drawn networks
are unrelated, so their rank correlation is near 0 (its spread is 1 / sqrt(d - 1)
for d features; d = 40 puts 0.5 at three standard deviations).
"""
import numpy as np

from dlx.explain import ExplainTarget, integrated_gradients
from dlx.nn import Dense, InputScaler, Sequential, Tanh
from dlx.tensor import Tensor

FEATURES = 40


def scaled_target():
    """A random tanh network behind a fixed scaler whose divisors span four orders of magnitude."""
    rng = np.random.default_rng(0)
    divisor = 10.0 ** np.linspace(-2, 2, FEATURES)
    net = Sequential([Dense(32), Tanh(), Dense(1)])
    net.build((FEATURES,), rng)
    scaler = InputScaler(np.zeros(FEATURES), divisor)
    train = rng.normal(size=(200, FEATURES)) * divisor

    def forward(x: Tensor) -> Tensor:
        return net(scaler(x))
    target = ExplainTarget(forward=forward, kind="regression", input_shape=(FEATURES,), train_X=train,
                           model=net, preprocess=scaler)
    # standardised distances from the baseline (the training mean) from 0.01 to 10, in shuffled order
    distance = rng.permutation(10.0 ** np.linspace(-2, 1, FEATURES)) * rng.choice([-1.0, 1.0], FEATURES)
    return target, train.mean(axis=0) + distance * divisor


def test_ig_fails_randomisation_by_its_input_factor_and_the_gradient_check_passes():
    target, x = scaled_target()
    check = integrated_gradients(target, x, rng=np.random.default_rng(0)).summary["randomisation"]
    assert check["rank_correlation"] > 0.5 and not check["passed"]        # (x - x') decides the ranks
    assert check["gradients"]["passed"] and abs(check["gradients"]["rank_correlation"]) < 0.5
    assert "caveat: integrated gradients are (x - baseline) x an averaged gradient" in check["message"]


def test_the_gradient_check_takes_gradients_after_the_scaler():
    # with respect to the raw input every gradient carries 1 / divisor_j, the same for every model
    from dlx.explain.quality import gradient_check, integrated_gradients_factor, randomised_weights
    target, x = scaled_target()
    baseline = target.train_X.mean(axis=0)
    trained = integrated_gradients(target, x, check=False).arrays["attribution"]
    with randomised_weights(target.model, np.random.default_rng(0)):
        randomised = integrated_gradients(target, x, check=False).arrays["attribution"]
    factor, _ = integrated_gradients_factor(target, x, baseline)
    np.testing.assert_allclose(factor, (x - baseline) / (10.0 ** np.linspace(-2, 2, FEATURES)), rtol=1e-12)
    assert gradient_check(target, trained, randomised, factor)["passed"]
    assert not gradient_check(target, trained, randomised, x - baseline)["passed"]   # 1 / divisor decides


def test_saliency_of_a_scaled_run_carries_the_scaler_caveat_and_passes_the_gradient_check():
    from dlx.explain import saliency
    target, x = scaled_target()
    check = saliency(target, x, rng=np.random.default_rng(0)).summary["randomisation"]
    assert not check["passed"]                                     # |d f / d x| ranks follow 1 / divisor
    assert check["gradients"]["passed"] and "the scaler's slope" in check["message"]


def test_other_methods_carry_no_caveat(digits_mlp_target):
    from dlx.explain import saliency     # no scaler: saliency has no model-free factor
    check = saliency(digits_mlp_target, digits_mlp_target.extra["test_X"][0]).summary["randomisation"]
    assert "gradients" not in check and "caveat" not in check["message"]
