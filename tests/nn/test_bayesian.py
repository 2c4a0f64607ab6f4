"""Bayes by backprop's layer and MC dropout: random in training and under ``predictive_sampling``, the
posterior mean (or the identity) in evaluation, and the sampled KL the learner adds to the loss."""
import numpy as np

from dlx.nn import BayesDense, MCDropout, Sequential
from dlx.nn.bayesian import is_stochastic, model_kl, predictive_sampling
from dlx.ops.bayes import sampled_kl, softplus_array
from dlx.tensor import Tensor


def layer(rng):
    dense = BayesDense(3, init_rho=-1.0)
    dense.build((2,), rng)
    return dense


def test_evaluation_uses_the_posterior_means_and_sampling_draws(rng):
    dense, x = layer(rng), Tensor(rng.standard_normal((4, 2)))
    dense.eval()
    means = x.data @ dense.weight_mu.data + dense.bias_mu.data
    np.testing.assert_allclose(dense(x).data, means, rtol=1e-6)
    with predictive_sampling(dense):
        first, second = dense(x).data, dense(x).data
    assert not np.allclose(first, second) and not np.allclose(first, means)
    np.testing.assert_allclose(dense(x).data, means, rtol=1e-6)  # sampling ends with the block


def test_training_forward_keeps_the_sampled_kl_of_its_draw(rng):
    dense, x = layer(rng), Tensor(rng.standard_normal((4, 2)))
    dense.rng = np.random.default_rng(5)
    out = dense(x)
    eps = np.random.default_rng(5)
    eps_w = eps.standard_normal(dense.weight_mu.shape).astype(np.float32)
    eps_b = eps.standard_normal(dense.bias_mu.shape).astype(np.float32)
    w = dense.weight_mu.data + softplus_array(dense.weight_rho.data) * eps_w
    b = dense.bias_mu.data + softplus_array(dense.bias_rho.data) * eps_b
    np.testing.assert_allclose(out.data, x.data @ w + b, rtol=1e-5)
    expected = sum(sampled_kl(Tensor(v), m, r, 0.5, 1.0, 0.0025).item()
                   for v, m, r in ((w, dense.weight_mu, dense.weight_rho), (b, dense.bias_mu, dense.bias_rho)))
    assert model_kl(Sequential([dense])).item() == np.float32(expected)


def test_mc_dropout_drops_only_when_sampling(rng):
    drop = MCDropout(0.5, rng=rng)
    x = Tensor(np.ones((3, 40)))
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)
    with predictive_sampling(Sequential([drop])):
        dropped = drop(x).data
    assert set(np.unique(dropped)) == {0.0, 2.0} and not drop.training
    assert is_stochastic(Sequential([drop])) and not is_stochastic(Sequential([]))
