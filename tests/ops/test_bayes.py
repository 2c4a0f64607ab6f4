"""Bayes by backprop's operations: the sampled KL's gradients (mu and rho, through the sampled weight too),
its value against closed forms and PyTorch, and the per-mini-batch KL weights of Blundell et al. 2015."""
import math

import numpy as np
import pytest

from dlx.nn.bayesian import kl_weight
from dlx.ops.bayes import sampled_kl, softplus_array, softplus_sample
from dlx.tensor import Tensor, gradcheck

PRIOR = {"pi": 0.25, "sigma1": 1.0, "sigma2": 0.1}


def complexity_cost(mu, rho, eps, **prior):
    """The paper's f(w, theta) = log q(w | theta) - log P(w) at w = mu + softplus(rho) eps, as the layer builds it."""
    return sampled_kl(softplus_sample(mu, rho, eps), mu, rho, **prior)


def test_kl_gradients_of_mu_and_rho_through_the_sample(rng):
    mu, rho, eps = rng.standard_normal((4, 3)) * 0.5, rng.standard_normal((4, 3)) - 1.0, rng.standard_normal((4, 3))
    assert gradcheck(lambda m, r: complexity_cost(m, r, eps, **PRIOR), [mu, rho]) < 1e-6


def test_sampled_kl_is_an_unbiased_estimate_of_the_closed_form():
    """With one Gaussian as the prior (pi = 1), E_eps[log q - log P] is KL(N(mu, s^2) || N(0, s1^2)) =
    log(s1 / s) + (s^2 + mu^2) / (2 s1^2) - 1/2; the mean over draws must lie within 5 standard errors."""
    rng = np.random.default_rng(0)
    mu, rho = 0.3, -0.5
    s, s1 = softplus_array(np.array(rho)), 2.0
    eps = rng.standard_normal(2000)
    per_draw = [float(complexity_cost(Tensor(np.array([mu]), dtype=np.float64), Tensor(np.array([rho]), dtype=np.float64), e[None],
                                      pi=1.0, sigma1=s1, sigma2=0.1).item()) for e in eps]
    exact = math.log(s1 / s) + (s * s + mu * mu) / (2 * s1 * s1) - 0.5
    per_draw = np.array(per_draw)
    assert abs(per_draw.mean() - exact) < 5 * per_draw.std() / math.sqrt(len(per_draw))


def test_scale_mixture_log_density_written_out(rng):
    w = rng.standard_normal(6) * 0.5
    mu, rho = np.zeros(6), np.zeros(6)
    value = sampled_kl(*(Tensor(a, dtype=np.float64) for a in (w, mu, rho)), **PRIOR).item()
    s = np.log1p(np.exp(0.0))
    normal = lambda x, sd: np.exp(-x * x / (2 * sd * sd)) / (sd * np.sqrt(2 * np.pi))  # noqa: E731
    expected = np.sum(np.log(normal(w, s)) - np.log(0.25 * normal(w, 1.0) + 0.75 * normal(w, 0.1)))
    assert value == pytest.approx(expected, rel=1e-10)


def test_against_torch(rng):
    torch = pytest.importorskip("torch")
    mu, rho, eps = rng.standard_normal((5, 2)) * 0.5, rng.standard_normal((5, 2)) - 2.0, rng.standard_normal((5, 2))
    mine_mu, mine_rho = Tensor(mu, requires_grad=True, dtype=np.float64), Tensor(rho, requires_grad=True, dtype=np.float64)
    cost = complexity_cost(mine_mu, mine_rho, eps, **PRIOR)
    cost.backward()
    t_mu, t_rho = torch.tensor(mu, requires_grad=True), torch.tensor(rho, requires_grad=True)
    sigma = torch.nn.functional.softplus(t_rho)
    w = t_mu + sigma * torch.tensor(eps)
    normal = torch.distributions.Normal
    zero, one, tenth = (torch.tensor(v, dtype=torch.float64) for v in (0.0, 1.0, 0.1))
    log_prior = torch.logsumexp(torch.stack([math.log(0.25) + normal(zero, one).log_prob(w),
                                             math.log(0.75) + normal(zero, tenth).log_prob(w)]), dim=0)
    reference = (normal(t_mu, sigma).log_prob(w) - log_prior).sum()
    reference.backward()
    assert cost.item() == pytest.approx(reference.item(), rel=1e-10)
    np.testing.assert_allclose(mine_mu.grad, t_mu.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mine_rho.grad, t_rho.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("steps", [1, 5, 2000])
def test_kl_weights_sum_to_one_per_epoch(steps):
    for weighting in ("uniform", "blundell"):
        assert sum(kl_weight(i, steps, weighting) for i in range(1, steps + 1)) == pytest.approx(1.0)


def test_blundell_weights_are_the_papers():
    m = 6
    for i in range(1, m + 1):
        assert kl_weight(i, m, "blundell") == pytest.approx(2 ** (m - i) / (2 ** m - 1))
