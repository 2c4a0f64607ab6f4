"""Bayes by backprop's pieces (Blundell et al. 2015, "Weight uncertainty in neural networks").

Each weight has a Gaussian variational posterior q(w | mu, sigma) with sigma = softplus(rho) =
log(1 + e^rho), so sigma > 0 for any real rho. A weight is drawn by the reparameterisation

    w = mu + softplus(rho) * eps,   eps ~ N(0, 1)      (``softplus_sample``)

and the complexity cost of that draw, the sampled KL of the paper (its eq. 2 with one sample), is

    log q(w | mu, sigma) - log P(w),
    P(w) = pi N(w; 0, sigma1^2) + (1 - pi) N(w; 0, sigma2^2)     (the scale-mixture prior)

summed over the weights (``sampled_kl``). Its gradients with respect to w, mu and rho are
written out below; the tape adds the path through w = w(mu, rho, eps), as the paper's
dF/dmu = df/dw + df/dmu and dF/drho = (df/dw) eps / (1 + e^-rho) + df/drho.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.activation import sigmoid_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, as_tensor, from_op

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def softplus_array(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^-|z|)."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _sample_example(rng):
    return [rng.standard_normal((3, 4)), rng.standard_normal((3, 4)) - 2.0, rng.standard_normal((3, 4))]


@operation("softplus_sample", _sample_example)
def softplus_sample(mu: Tensor, rho: Tensor, eps) -> Tensor:
    """w = mu + softplus(rho) * eps with the noise ``eps`` given (drawn by the caller).

    dw/dmu = 1;  dw/drho = sigmoid(rho) * eps  (softplus' = sigmoid);  dw/deps = softplus(rho).

    Shape: mu, rho, eps the same shape -> w that shape.
    """
    eps = as_tensor(eps, like=mu)
    sigma = softplus_array(rho.data)
    out = mu.data + sigma * eps.data

    def backward(g):
        return g, g * sigmoid_array(rho.data) * eps.data, g * sigma

    return from_op(out, (mu, rho, eps), backward, "softplus_sample")


def log_scale_mixture(w: np.ndarray, pi: float, sigma1: float, sigma2: float) -> tuple[np.ndarray, np.ndarray]:
    """(log P(w) elementwise, d log P / dw) for P = pi N(0, sigma1^2) + (1 - pi) N(0, sigma2^2).

    In log space: a_k = log weight_k + log N(w; 0, sigma_k^2), log P = logsumexp(a_1, a_2);
    with the responsibilities r_k = e^(a_k - log P), d log P / dw = -w (r_1 / sigma1^2 + r_2 / sigma2^2).
    """
    parts = []
    for weight, sigma in ((pi, sigma1), (1.0 - pi, sigma2)):
        with np.errstate(divide="ignore"):  # pi = 1: one Gaussian, the other weight log 0 = -inf
            parts.append(np.log(weight) - np.log(sigma) - LOG_SQRT_2PI - w * w / (2.0 * sigma * sigma))
    top = np.maximum(parts[0], parts[1])
    log_p = top + np.log(np.exp(parts[0] - top) + np.exp(parts[1] - top))
    r1, r2 = np.exp(parts[0] - log_p), np.exp(parts[1] - log_p)
    return log_p, -w * (r1 / sigma1 ** 2 + r2 / sigma2 ** 2)


def _kl_example(rng):
    mu, rho = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((3, 4)) - 1.0
    w = mu + softplus_array(rho) * rng.standard_normal((3, 4))
    return [w, mu, rho], {"pi": 0.5, "sigma1": 1.0, "sigma2": 0.1}


@operation("sampled_kl", _kl_example)
def sampled_kl(w: Tensor, mu: Tensor, rho: Tensor, pi: float = 0.5, sigma1: float = 1.0,
               sigma2: float = 0.0025) -> Tensor:
    """sum over the weights of log q(w | mu, softplus(rho)) - log P(w), the scale-mixture prior P.

    With sigma = softplus(rho) and d = w - mu:
        log q = -log sigma - log sqrt(2 pi) - d^2 / (2 sigma^2)
        d/dw   = -d / sigma^2 - d log P / dw
        d/dmu  =  d / sigma^2
        d/drho = (-1 / sigma + d^2 / sigma^3) * sigmoid(rho)

    Args:
        pi, sigma1, sigma2: the prior's mixing weight and its two standard deviations
            (the paper's sigma1 > sigma2, sigma2 << 1).

    Shape: w, mu, rho the same shape -> a scalar, in nats.
    """
    sigma = softplus_array(rho.data)
    d = w.data - mu.data
    log_q = -np.log(sigma) - LOG_SQRT_2PI - d * d / (2.0 * sigma * sigma)
    log_p, dlog_p = log_scale_mixture(w.data, pi, sigma1, sigma2)
    out = np.asarray(np.sum(log_q - log_p), dtype=w.dtype)

    def backward(g):
        dw = -d / sigma ** 2 - dlog_p
        drho = (-1.0 / sigma + d * d / sigma ** 3) * sigmoid_array(rho.data)
        return g * dw, g * d / sigma ** 2, g * drho

    return from_op(out, (w, mu, rho), backward, "sampled_kl")
