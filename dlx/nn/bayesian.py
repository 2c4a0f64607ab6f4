"""Bayesian layers (notes: next-generation networks): Bayes by backprop and MC dropout.

Both make a network whose outputs are random, so that several passes give a predictive
mean and spread. In training mode they always draw. In evaluation mode they are
deterministic (``bayes_dense`` uses the posterior means, ``mc_dropout`` is the identity)
unless ``predictive_sampling(model)`` is on, as it is for the passes of
``dlx.tasks.uncertainty.predictive``: then they draw as in training (Gal and Ghahramani's
MC dropout keeps dropout on at prediction).

A ``bayes_dense`` layer keeps the complexity cost (the sampled KL of its last drawn
weights, ``dlx.ops.bayes.sampled_kl``) as ``self.kl``; the supervised learner adds
``model_kl(model)``, weighted per mini-batch, to the loss.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Module, Parameter
from dlx.nn.regularization import Dropout
from dlx.ops.bayes import sampled_kl, softplus_sample
from dlx.ops.elementwise import add
from dlx.registry import layers
from dlx.tensor import Tensor


@layers.register("bayes_dense", "bayesian_dense")
class BayesDense(Module):
    """A dense layer with a Gaussian posterior on every weight and bias (Bayes by backprop).

    Each forward in training draws W = mu_W + softplus(rho_W) * eps (and b the same way), computes
    x W + b and keeps the sampled KL of the draw against the scale-mixture prior
    pi N(0, sigma1^2) + (1 - pi) N(0, sigma2^2) as ``self.kl``.

    Args:
        units (int): number of outputs.
        prior_pi (float, default 0.5): the prior's weight on its first Gaussian, in (0, 1].
        prior_sigma1 (float, default 1.0): standard deviation of the prior's first (wide) Gaussian.
        prior_sigma2 (float, default 0.0025): standard deviation of its second (narrow) Gaussian.
        init_rho (float, default -5.0): the starting rho of every weight (sigma = softplus(-5) = 0.0067).
        init_scale (float, default 0.1): the posterior means start uniform in [-init_scale, init_scale].
        rng: generator for the initial means and the noise; otherwise seeded when the model is built.

    Shape:
        input (N, in_features), output (N, units).

    Example::

        >>> layer = BayesDense(3, rng=np.random.default_rng(0)); layer.build((2,), np.random.default_rng(0))
        >>> layer(Tensor(np.ones((5, 2)))).shape
        (5, 3)
    """

    stochastic = True

    def __init__(self, units: int, prior_pi: float = 0.5, prior_sigma1: float = 1.0, prior_sigma2: float = 0.0025,
                 init_rho: float = -5.0, init_scale: float = 0.1, rng: np.random.Generator | None = None):
        super().__init__()
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ConfigError(f"bayes_dense: units must be a positive integer, got {units!r}")
        if not 0 < prior_pi <= 1:
            raise ConfigError(f"bayes_dense: prior_pi must lie in (0, 1], got {prior_pi}")
        if not (prior_sigma1 > 0 and prior_sigma2 > 0):
            raise ConfigError(f"bayes_dense: prior_sigma1 and prior_sigma2 must be > 0, got {prior_sigma1}, "
                              f"{prior_sigma2}")
        self.units, self.prior_pi = int(units), float(prior_pi)
        self.prior_sigma1, self.prior_sigma2 = float(prior_sigma1), float(prior_sigma2)
        self.init_rho, self.init_scale = float(init_rho), float(init_scale)
        self.rng = rng
        self.kl: Tensor | None = None
        self.sampling = False
        self.built = False

    @staticmethod
    def example():
        return {"units": 3, "init_rho": -1.0}, (4,)

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ShapeError(f"expects input of shape (features,), got {tuple(input_shape)}; "
                             f"add a 'flatten' layer before it")
        return (self.units,)

    def count_multiply_adds(self, input_shape) -> int:
        """Those of one pass, x W: in_features * units (drawing W adds one multiply-add per weight in training)."""
        return int(input_shape[-1]) * self.units

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        fan_in, s = int(input_shape[0]), self.init_scale
        self.weight_mu = Parameter(rng.uniform(-s, s, (fan_in, self.units)).astype(np.float32))
        self.weight_rho = Parameter(np.full((fan_in, self.units), self.init_rho, dtype=np.float32))
        self.bias_mu = Parameter(rng.uniform(-s, s, (self.units,)).astype(np.float32))
        self.bias_rho = Parameter(np.full((self.units,), self.init_rho, dtype=np.float32))
        self.rng = np.random.default_rng(rng.integers(2 ** 63))
        self.built = True

    def _draw(self, mu: Parameter, rho: Parameter) -> tuple[Tensor, Tensor]:
        """(a sampled weight, its sampled KL against the prior)."""
        eps = self.rng.standard_normal(mu.shape).astype(mu.dtype)
        w = softplus_sample(mu, rho, eps)
        return w, sampled_kl(w, mu, rho, self.prior_pi, self.prior_sigma1, self.prior_sigma2)

    def forward(self, x: Tensor) -> Tensor:
        if not (self.training or self.sampling):
            return x @ self.weight_mu + self.bias_mu  # the posterior means
        weight, kl_weight = self._draw(self.weight_mu, self.weight_rho)
        bias, kl_bias = self._draw(self.bias_mu, self.bias_rho)
        self.kl = add(kl_weight, kl_bias)
        return x @ weight + bias  # (N, in) @ (in, units) + (units,) -> (N, units)


@layers.register("mc_dropout")
class MCDropout(Dropout):
    """Dropout that stays on when predicting with several passes (MC dropout, Gal and Ghahramani 2016).

    In training: inverted dropout, as ``dropout``. In evaluation: the identity, except under
    ``predictive_sampling`` where it drops as in training, so the spread of many passes
    estimates the model's uncertainty.

    Args:
        p (float, default 0.5): probability of zeroing an element, in [0, 1).

    Shape:
        input (N, *), output the same.
    """

    stochastic = True

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None):
        self.sampling = False
        super().__init__(p, rng)

    @staticmethod
    def example():
        return {"p": 0.3}, (3, 4)

    def forward(self, x: Tensor) -> Tensor:
        if self.sampling and not self.training:
            self.training = True
            try:
                return super().forward(x)
            finally:
                self.training = False
        return super().forward(x)


def stochastic_layers(model: Module) -> list[Module]:
    """The layers of ``model`` whose outputs are random at prediction (``bayes_dense``, ``mc_dropout``)."""
    return [m for m in model.modules() if getattr(m, "stochastic", False)]


def is_stochastic(model: Module) -> bool:
    return bool(stochastic_layers(model))


@contextmanager
def predictive_sampling(model: Module):
    """Within: the stochastic layers draw in evaluation mode too (one draw per forward)."""
    found = stochastic_layers(model)
    for layer in found:
        layer.sampling = True
    try:
        yield model
    finally:
        for layer in found:
            layer.sampling = False


def model_kl(model: Module) -> Tensor | None:
    """The sum of the ``bayes_dense`` layers' sampled KL from their last training forward (None: none)."""
    total = None
    for layer in model.modules():
        kl = getattr(layer, "kl", None) if isinstance(layer, BayesDense) else None
        if kl is not None:
            total = kl if total is None else add(total, kl)
    return total


def kl_weight(step: int, steps: int, weighting: str = "uniform") -> float:
    """The KL's weight pi_i in mini-batch i (1-based) of M = ``steps`` (Blundell et al. 2015, section 3.4).

    ``uniform``: 1 / M, so the epoch's weights sum to 1. ``blundell``: 2^(M - i) / (2^M - 1), large for the first
    batches and small for the last (they sum to 1 too), written as 2^-i / (1 - 2^-M) so that a large M does not
    overflow.
    """
    if weighting == "uniform":
        return 1.0 / steps
    if weighting == "blundell":
        return 2.0 ** -step / (1.0 - 2.0 ** -steps)
    raise ConfigError(f"unknown KL weighting '{weighting}'; use uniform or blundell")
