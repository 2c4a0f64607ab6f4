"""The variational autoencoder's pieces (notes, generative models): sampling and both ELBO terms.

For an encoder q(z | x) = N(mu, diag(exp(logvar))), a standard normal prior p(z) and a
Bernoulli decoder p(x | z) with logits l, the negative evidence lower bound per image is

    -ELBO = E_q[-log p(x | z)] + KL(q(z | x) || p(z))
          = sum_pixels BCE(l, x)  +  1/2 sum_latent (mu^2 + exp(logvar) - 1 - logvar)

in nats. The expectation is estimated with one reparameterised sample
z = mu + exp(logvar / 2) * eps, eps ~ N(0, I): the randomness sits in eps, so z is a
differentiable function of mu and logvar and the gradient flows through the sample.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.activation import sigmoid_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, as_tensor, from_op


def _gaussian_example(rng):
    return [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)) * 0.5, rng.standard_normal((4, 3))]


@operation("reparameterize", _gaussian_example)
def reparameterize(mu: Tensor, logvar: Tensor, eps) -> Tensor:
    """z = mu + exp(logvar / 2) * eps with the noise ``eps`` given (drawn by the caller).

    dz/dmu = 1;  dz/dlogvar = exp(logvar / 2) * eps / 2 = (z - mu) / 2;  dz/deps = exp(logvar / 2).

    Shape: mu, logvar, eps (N, latent) -> z (N, latent).

    Example::

        >>> eps = rng.standard_normal(mu.shape)
        >>> z = reparameterize(mu, logvar, eps)
    """
    eps = as_tensor(eps, like=mu)
    std = np.exp(0.5 * logvar.data)
    out = mu.data + std * eps.data

    def backward(g):
        return g, g * 0.5 * std * eps.data, g * std

    return from_op(out, (mu, logvar, eps), backward, "reparameterize")


@operation("gaussian_kl", lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)) * 0.5])
def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over the latent axis, averaged over the batch.

    KL = 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j) >= 0, zero only for mu = 0, logvar = 0.
    d/dmu = mu / N;  d/dlogvar = (exp(logvar) - 1) / (2 N).

    Shape: mu, logvar (N, latent) -> a scalar, in nats per sample.
    """
    n = mu.shape[0]
    var = np.exp(logvar.data)
    per_sample = 0.5 * np.sum(mu.data ** 2 + var - 1.0 - logvar.data, axis=-1)  # (N,)

    def backward(g):
        return g * mu.data / n, g * 0.5 * (var - 1.0) / n

    return from_op(np.asarray(per_sample.mean(), dtype=mu.dtype), (mu, logvar), backward, "gaussian_kl")


def bernoulli_nll_per_sample(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """-log p(x | logits) of each sample in nats, summed over every axis but the first: (N,)."""
    z = logits.reshape(len(logits), -1)
    t = target.reshape(len(target), -1)
    return np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), axis=1)


@operation("bernoulli_nll", lambda rng: [rng.standard_normal((4, 6)) * 3, rng.uniform(0, 1, (4, 6))])
def bernoulli_nll(logits: Tensor, target) -> Tensor:
    """Bernoulli negative log-likelihood from logits: summed over pixels, averaged over images.

    -log p(x | l) = sum_pixels max(l, 0) - l x + log(1 + e^-|l|)  (BCE of sigmoid(l), in nats).
    d/dl = (sigmoid(l) - x) / N;  d/dx = -l / N.  Targets in [0, 1] (binary or grey levels).

    Shape: logits, target (N, *) -> a scalar, in nats per image.
    """
    target = as_tensor(target, like=logits)
    if target.shape != logits.shape:
        raise ValueError(f"bernoulli_nll: logits {logits.shape} and target {target.shape} differ; "
                         f"the decoder must output one logit per pixel")
    n = logits.shape[0]
    loss = bernoulli_nll_per_sample(logits.data, target.data).mean()

    def backward(g):
        return g * (sigmoid_array(logits.data) - target.data) / n, -g * logits.data / n

    return from_op(np.asarray(loss, dtype=logits.dtype), (logits, target), backward, "bernoulli_nll")
