"""Fused layer normalisation (Ba, Kiros & Hinton 2016) with a hand-derived backward.

Per sample and position, over the D features x_i of the last axis:

    mu = (1/D) sum_i x_i,   var = (1/D) sum_i (x_i - mu)^2,   sigma = sqrt(var + eps)
    xhat_i = (x_i - mu) / sigma,   y_i = gamma_i xhat_i + beta_i

Backward. It is batch normalisation's derivation with the roles of the axes swapped
(``dlx.ops.norm``): with h_i = gamma_i dL/dy_i,

    dL/dx_k = (1 / sigma) (h_k - mean_i(h_i) - xhat_k mean_i(h_i xhat_i)),

and dL/dgamma = sum over rows of g xhat, dL/dbeta = sum over rows of g. The statistics
are the same in training and evaluation (no running averages).
"""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def _example(rng):
    return [rng.standard_normal((3, 4, 5)) * 2.0 + 0.5, rng.uniform(0.5, 1.5, 5), rng.standard_normal(5)], {}


@operation("layer_norm", _example)
def layer_norm(x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    """Normalise each row of the last axis of x (..., D), then scale by gamma (D,) and shift by beta (D,).

    Example::

        >>> y = layer_norm(Tensor(np.arange(6.0).reshape(2, 3)), Tensor(np.ones(3)), Tensor(np.zeros(3)))
        >>> y.data.mean(axis=-1)
        array([0., 0.])
    """
    centred = x.data - x.data.mean(axis=-1, keepdims=True)
    var = np.einsum("...i,...i->...", centred, centred)[..., None] / x.shape[-1]  # (..., 1)
    inv_sigma = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat = centred * inv_sigma
    out = xhat * gamma.data + beta.data

    def backward(g):
        rows_g, rows_xhat = g.reshape(-1, g.shape[-1]), xhat.reshape(-1, g.shape[-1])
        gx = None
        if x.requires_grad:
            h = g * gamma.data
            gx = h - h.mean(axis=-1, keepdims=True)
            gx -= xhat * (np.einsum("...i,...i->...", h, xhat)[..., None] / x.shape[-1])
            gx *= inv_sigma
        ggamma = np.einsum("ri,ri->i", rows_g, rows_xhat) if gamma.requires_grad else None
        return gx, ggamma, (rows_g.sum(axis=0) if beta.requires_grad else None)

    return from_op(out, (x, gamma, beta), backward, "layer_norm")
