"""Upsampling of images (N, C, H, W) by an integer factor: nearest neighbour and bilinear.

Both are linear maps of each channel, y = A_h x A_w^T, with fixed matrices A of shape
(H * scale, H); their backward is the transpose, dL/dx = A_h^T G A_w.

* nearest: y[p, q] = x[p // s, q // s]. A has a single 1 per row, so the backward sums
  each s x s block of the upstream gradient: G.reshape(N, C, H, s, W, s).sum((3, 5)).
* bilinear (PyTorch's ``align_corners=False``): output pixel p sits at input coordinate
  u = (p + 0.5) / s - 0.5, clamped to [0, H - 1]; it mixes rows floor(u) and floor(u) + 1
  with weights 1 - (u - floor(u)) and u - floor(u).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.ops.conv import pair
from dlx.tensor import Tensor, from_op


def _checked_scale(x: Tensor, scale, name: str) -> tuple[int, int]:
    if x.ndim != 4:
        raise ShapeError(f"{name}: expects images of shape (N, C, H, W), got {x.shape}")
    scale = pair(scale, "scale")
    if min(scale) < 1:
        raise ShapeError(f"{name}: scale must be a positive integer, got {scale}")
    return scale


@operation("upsample_nearest2d", lambda rng: ([rng.standard_normal((2, 3, 3, 4))], {"scale": (2, 3)}))
def upsample_nearest2d(x: Tensor, scale=2) -> Tensor:
    """Repeat every pixel ``scale`` times along height and width: (N, C, H, W) -> (N, C, sH, sW).

    Example::

        >>> upsample_nearest2d(Tensor(np.arange(4.0).reshape(1, 1, 2, 2)), 2).shape
        (1, 1, 4, 4)
    """
    sh, sw = _checked_scale(x, scale, "upsample_nearest2d")
    n, c, h, w = x.shape
    out = np.repeat(np.repeat(x.data, sh, axis=2), sw, axis=3)  # (N, C, sH, sW)

    def backward(g):  # each input pixel was copied into an sh x sw block: sum the block
        return (g.reshape(n, c, h, sh, w, sw).sum(axis=(3, 5)),)

    return from_op(out, (x,), backward, "upsample_nearest2d")


def bilinear_matrix(size: int, scale: int, dtype=np.float64) -> np.ndarray:
    """The (size * scale, size) interpolation matrix of one axis (align_corners=False)."""
    out = np.arange(size * scale)
    u = np.clip((out + 0.5) / scale - 0.5, 0.0, size - 1)  # input coordinate of each output pixel
    low = np.floor(u).astype(int)
    high = np.minimum(low + 1, size - 1)
    frac = u - low
    matrix = np.zeros((size * scale, size), dtype=dtype)
    np.add.at(matrix, (out, low), 1.0 - frac)
    np.add.at(matrix, (out, high), frac)
    return matrix


@operation("upsample_bilinear2d", lambda rng: ([rng.standard_normal((2, 3, 3, 4))], {"scale": (2, 3)}))
def upsample_bilinear2d(x: Tensor, scale=2) -> Tensor:
    """Bilinear upsampling by ``scale`` (PyTorch ``align_corners=False``): (N, C, H, W) -> (N, C, sH, sW).

    Example::

        >>> upsample_bilinear2d(Tensor(np.ones((1, 1, 2, 2))), 2).data.sum()   # constants stay constant
        16.0
    """
    sh, sw = _checked_scale(x, scale, "upsample_bilinear2d")
    _, _, h, w = x.shape
    rows = bilinear_matrix(h, sh, x.dtype)  # (sH, H)
    cols = bilinear_matrix(w, sw, x.dtype)  # (sW, W)
    out = np.einsum("ph,nchw,qw->ncpq", rows, x.data, cols, optimize=True)

    def backward(g):  # the transposed map: A_h^T G A_w
        return (np.einsum("ph,ncpq,qw->nchw", rows, g, cols, optimize=True),)

    return from_op(out, (x,), backward, "upsample_bilinear2d")
