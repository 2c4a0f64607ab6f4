"""Fused batch normalisation (Ioffe & Szegedy 2015) with a hand-derived backward.

Per channel c (axis 1), over the m = N * (spatial size) values x_i of that channel:

    mu = (1/m) sum_i x_i,   var = (1/m) sum_i (x_i - mu)^2   (biased, used to normalise)
    xhat_i = (x_i - mu) / sigma,   sigma = sqrt(var + eps)
    y_i = gamma xhat_i + beta

Backward. With g_i = dL/dy_i: dL/dbeta = sum_i g_i, dL/dgamma = sum_i g_i xhat_i and
dL/dxhat_i = gamma g_i =: h_i. xhat_i depends on x_k directly and through mu and sigma:

    d xhat_i / d x_k = (delta_ik - 1/m) / sigma - (x_i - mu) / sigma^2 * d sigma / d x_k
    d sigma / d x_k  = (x_k - mu) / (m sigma) = xhat_k / m

so  d xhat_i / d x_k = (delta_ik - 1/m - xhat_i xhat_k / m) / sigma, and

    dL/dx_k = sum_i h_i d xhat_i / d x_k
            = (1 / sigma) (h_k - mean_i(h_i) - xhat_k mean_i(h_i xhat_i)).

In evaluation mode mu and var are the running statistics (constants), so
dL/dx = gamma g / sigma. The per-channel sums are ``np.einsum`` passes (``channel_sums``);
the mean of the centred values gives the variance (two passes, stable in float32), and the
backward is gx = (gamma / sigma) g - (gamma / sigma) mean(g xhat) xhat - (gamma / sigma) mean(g)
with the three per-channel factors formed first. Training mode updates the running statistics in place:
running = (1 - momentum) running + momentum batch, with the unbiased batch
variance var * m / (m - 1), as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from dlx import buffers
from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def _example(rng):
    x = rng.standard_normal((4, 3, 2, 2)) * 2.0 + 0.5
    return [x, rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)], {}


def channel_sums(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Per channel (axis 1) of (N, C, ...): the sum of ``a``, or of ``a * b``, over every other axis.

    ``np.einsum`` does it in one pass without a temporary, several times faster than
    ``sum(axis=(0, 2, ...))`` on NCHW arrays (0.04 against 0.12 ms for 64 x 32 x 14 x 14).
    """
    if a.ndim == 2:  # (N, C): a contiguous reduction down the rows is as fast, with less overhead
        return a.sum(axis=0) if b is None else np.einsum("nc,nc->c", a, b)
    a3 = a.reshape(a.shape[0], a.shape[1], -1)
    if b is None:
        return np.einsum("ncp->c", a3)
    return np.einsum("ncp,ncp->c", a3, b.reshape(a3.shape))


def _update_running(running: np.ndarray | None, batch: np.ndarray, momentum: float) -> None:
    if running is not None:
        running *= 1.0 - momentum
        running += momentum * batch.reshape(running.shape)


@operation("batch_norm", _example)
def batch_norm(x: Tensor, gamma: Tensor, beta: Tensor, running_mean: np.ndarray | None = None,
               running_var: np.ndarray | None = None, training: bool = True, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) of x (N, C, ...) and scale by gamma (C,), shift by beta (C,).

    Training mode normalises with the batch statistics and updates ``running_mean`` and
    ``running_var`` (arrays of shape (C,), changed in place) when they are given; evaluation
    mode (``training=False``) normalises with them.
    """
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expects input of shape (N, C, ...), got {x.shape}")
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # (1, C, 1, ...) broadcasts per channel
    m = x.size // x.shape[1]
    dtype = x.dtype
    if training:
        if m < 2:
            raise ShapeError(f"batch_norm: needs more than one value per channel in training, got input "
                             f"{x.shape}; use batches of at least 2 or call eval()")
        mean = channel_sums(x.data) / m  # (C,)
        xhat = np.subtract(x.data, mean.reshape(shape), out=buffers.empty(x.shape, dtype))  # centred
        var = channel_sums(xhat, xhat) / m  # two passes: the variance of the centred values
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (m / (m - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ShapeError("batch_norm: evaluation mode needs running_mean and running_var")
        xhat = np.subtract(x.data, running_mean.reshape(shape).astype(dtype, copy=False),
                           out=buffers.empty(x.shape, dtype))
        var = running_var.astype(dtype, copy=False)
    inv_sigma = (1.0 / np.sqrt(var + eps)).astype(dtype, copy=False)  # (C,)
    xhat *= inv_sigma.reshape(shape)
    out = np.multiply(xhat, gamma.data.reshape(shape), out=buffers.empty(x.shape, dtype))
    out += beta.data.reshape(shape)

    def backward(g):
        sum_g, sum_gx = channel_sums(g), channel_sums(g, xhat)  # dL/dbeta, dL/dgamma
        gx = None
        if x.requires_grad:
            scale = gamma.data * inv_sigma  # (C,): gamma / sigma
            gx = np.multiply(g, scale.reshape(shape), out=buffers.empty(g.shape, g.dtype))
            if training:  # gamma/sigma (g - mean(g) - xhat mean(g xhat)), the means per channel
                correction = np.multiply(xhat, (scale * sum_gx / m).reshape(shape),
                                         out=buffers.empty(g.shape, g.dtype))
                gx -= correction
                gx -= (scale * sum_g / m).reshape(shape)
        return gx, (sum_gx if gamma.requires_grad else None), (sum_g if beta.requires_grad else None)

    return from_op(out, (x, gamma, beta), backward, "batch_norm")
