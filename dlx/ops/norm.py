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
dL/dx = gamma g / sigma. Training mode updates the running statistics in place:
running = (1 - momentum) running + momentum batch, with the unbiased batch
variance var * m / (m - 1), as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def _example(rng):
    x = rng.standard_normal((4, 3, 2, 2)) * 2.0 + 0.5
    return [x, rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)], {}


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
    axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channels
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # (1, C, 1, ...) broadcasts per channel
    m = x.size // x.shape[1]
    if training:
        if m < 2:
            raise ShapeError(f"batch_norm: needs more than one value per channel in training, got input "
                             f"{x.shape}; use batches of at least 2 or call eval()")
        mean = x.data.mean(axis=axes, keepdims=True)  # (1, C, 1, ...)
        centred = x.data - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (m / (m - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ShapeError("batch_norm: evaluation mode needs running_mean and running_var")
        centred = x.data - running_mean.reshape(shape).astype(x.dtype, copy=False)
        var = running_var.reshape(shape).astype(x.dtype, copy=False)
    inv_sigma = 1.0 / np.sqrt(var + eps)  # (1, C, 1, ...)
    xhat = centred * inv_sigma
    out = xhat * gamma.data.reshape(shape) + beta.data.reshape(shape)

    def backward(g):
        h = g * gamma.data.reshape(shape)  # dL/dxhat
        if not x.requires_grad:
            gx = None
        elif training:
            gx = inv_sigma * (h - h.mean(axis=axes, keepdims=True)
                              - xhat * (h * xhat).mean(axis=axes, keepdims=True))
        else:
            gx = h * inv_sigma
        ggamma = (g * xhat).sum(axis=axes) if gamma.requires_grad else None
        gbeta = g.sum(axis=axes) if beta.requires_grad else None
        return gx, ggamma, gbeta

    return from_op(out, (x, gamma, beta), backward, "batch_norm")
