"""Fused convolutions (notes ch. 5): conv2d and conv1d with a hand-derived backward.

Deep-learning layers compute the cross-correlation

    y[n, o, p, q] = b[o] + sum_c sum_i sum_j x_pad[n, c, p*s + i*d, q*s + j*d] w[o, c, i, j]

which is the lecture's convolution y[m, n] = sum_i sum_j x[i, j] h[m - i, n - j]
with the mirrored kernel h[-i, -j] = w[i, j] (see ``dlx.nn.conv.reference_conv2d``).
The kernel is learned, so the mirror changes nothing.

Forward (im2col): a strided view puts every receptive field of image n in a
column of ``cols_n`` (C*kh*kw, Ho*Wo), and one batched matrix product
W (O, C*kh*kw) @ cols (N, C*kh*kw, Ho*Wo) gives all outputs, already in NCHW
order. Backward, with G_n (O, Ho*Wo) the upstream gradient of image n:

    dL/dW      = sum_n G_n @ cols_n^T          (one batched matrix product, summed)
    dL/db      = sum of G over images and positions
    dL/dcols_n = W^T @ G_n, and dL/dx sums each column back to the pixels it was
                 read from (col2im): one strided slice-add per kernel offset (i, j),
                 no Python loop over the batch or the output positions.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


# ---- argument normalisation (shared with the pooling ops and the layers) ----------------------
def pair(value, name: str = "value") -> tuple[int, int]:
    """An int or a pair of ints as a pair: 3 -> (3, 3)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    values = tuple(int(v) for v in value)
    if len(values) != 2:
        raise ShapeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return values


def padding_amounts(padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int p, a pair (ph, pw) or ((top, bottom), (left, right))."""
    if isinstance(padding, (int, np.integer)):
        return (int(padding),) * 4
    first, second = padding
    if isinstance(first, (int, np.integer)) and isinstance(second, (int, np.integer)):
        return int(first), int(first), int(second), int(second)
    return int(first[0]), int(first[1]), int(second[0]), int(second[1])


def conv_output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int = 1) -> int:
    """floor((size + padding - dilation (kernel - 1) - 1) / stride) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pad_spatial(x: np.ndarray, pads: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """Pad the last two axes of (N, C, H, W) by (top, bottom, left, right) with ``value``."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    xp = np.full((n, c, h + top + bottom, w + left + right), value, dtype=x.dtype)
    xp[:, :, top:top + h, left:left + w] = x
    return xp


def strided_slice(start: int, count: int, step: int) -> slice:
    """The ``count`` positions start, start + step, ... as a slice."""
    return slice(start, start + step * (count - 1) + 1, step)


# ---- array-level forward and backward -------------------------------------------------------------
def _columns(xp: np.ndarray, kernel, stride, dilation, out_hw) -> np.ndarray:
    """im2col per image: (N, C*kh*kw, Ho*Wo); column (p, q) of image n holds its receptive field."""
    n, c = xp.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    s_n, s_c, s_h, s_w = xp.strides
    windows = as_strided(xp, shape=(n, c, kh, kw, ho, wo),  # a view, nothing copied yet
                         strides=(s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw), writeable=False)
    return windows.reshape(n, c * kh * kw, ho * wo)  # the one copy


def conv2d_forward(x, weight, bias, stride, pads, dilation):
    """Returns the output (N, O, Ho, Wo) and the saved columns (N, C*kh*kw, Ho*Wo)."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    ho = conv_output_size(h, kh, stride[0], pads[0] + pads[1], dilation[0])
    wo = conv_output_size(w, kw, stride[1], pads[2] + pads[3], dilation[1])
    if ho < 1 or wo < 1:
        raise ShapeError(f"convolution: the image {x.shape[2:]} padded by {pads} is smaller than the dilated "
                         f"kernel {(dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)}; pad it or use "
                         f"a smaller kernel")
    cols = _columns(pad_spatial(x, pads), (kh, kw), stride, dilation, (ho, wo))
    out = np.matmul(weight.reshape(o, -1), cols)  # (O, C*kh*kw) @ (N, C*kh*kw, Ho*Wo) -> (N, O, Ho*Wo)
    if bias is not None:
        out += bias[:, None]
    return out.reshape(n, o, ho, wo), cols


def col2im(dcols, x_shape, kernel, stride, pads, dilation, out_hw) -> np.ndarray:
    """Adjoint of im2col: add each column entry back onto the pixel it was read from; (N, C, H, W)."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    top, bottom, left, right = pads
    dcols = dcols.reshape(n, c, kh, kw, ho, wo)
    dxp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=dcols.dtype)  # (N, C, Hp, Wp)
    for i in range(kh):
        for j in range(kw):  # offset (i, j) read pixels (p*sh + i*dh, q*sw + j*dw)
            dxp[:, :, strided_slice(i * dh, ho, sh), strided_slice(j * dw, wo, sw)] += dcols[:, :, i, j]
    return dxp[:, :, top:top + h, left:left + w] if any(pads) else dxp


def conv2d_backward(g, cols, x_shape, weight, stride, pads, dilation, need):
    """Gradients (dx, dW, db) of ``conv2d_forward``; ``need`` says which of the three to compute."""
    o, _, kh, kw = weight.shape
    n, _, ho, wo = g.shape
    g3 = g.reshape(n, o, ho * wo)  # (N, O, Ho*Wo)
    gx = gw = gb = None
    if need[0]:
        dcols = np.matmul(weight.reshape(o, -1).T, g3)  # (N, C*kh*kw, Ho*Wo)
        gx = col2im(dcols, x_shape, (kh, kw), stride, pads, dilation, (ho, wo))
    if need[1]:  # sum over images of G_n @ cols_n^T: (O, C*kh*kw)
        gw = np.matmul(g3, cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
    if need[2]:
        gb = g3.sum(axis=(0, 2))
    return gx, gw, gb


def _check_channels(name: str, x: Tensor, weight: Tensor, rank: int) -> None:
    if x.ndim != rank + 2:
        axes = "(N, C, H, W)" if rank == 2 else "(N, C, L)"
        raise ShapeError(f"{name}: expects input of shape {axes}, got {x.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ShapeError(f"{name}: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
                         f"{weight.shape} expects {weight.shape[1]}; give in_channels={x.shape[1]}")


# ---- the operations ---------------------------------------------------------------------------------
def _conv2d_example(rng):
    x, w, b = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    return [x, w, b], {"stride": 2, "padding": 1, "dilation": 2}


@operation("conv2d", _conv2d_example)
def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C, H, W) with weight (O, C, kh, kw), bias (O,).

    ``stride``, ``dilation``: int or pair; ``padding``: int, pair or ((top, bottom), (left, right)),
    zeros. Output (N, O, Ho, Wo) with Ho = floor((H + pads - dilation (kh - 1) - 1) / stride) + 1.
    """
    _check_channels("conv2d", x, weight, 2)
    stride, dilation, pads = pair(stride, "stride"), pair(dilation, "dilation"), padding_amounts(padding)
    out, cols = conv2d_forward(x.data, weight.data, None if bias is None else bias.data, stride, pads, dilation)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        need = [p.requires_grad for p in parents] + [False] * (3 - len(parents))
        grads = conv2d_backward(g, cols, x.shape, weight.data, stride, pads, dilation, need)
        return grads[:len(parents)]

    return from_op(out, parents, backward, "conv2d")


def _conv1d_example(rng):
    x, w, b = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    return [x, w, b], {"stride": 2, "padding": 2, "dilation": 2}


@operation("conv1d", _conv1d_example)
def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding=0,
           dilation: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) with weight (O, C, k), bias (O,).

    The 2-D computation with height 1. ``padding``: int or (left, right). Output (N, O, Lo)
    with Lo = floor((L + pads - dilation (k - 1) - 1) / stride) + 1.
    """
    _check_channels("conv1d", x, weight, 1)
    left, right = (padding, padding) if isinstance(padding, (int, np.integer)) else padding
    stride2, dilation2, pads = (1, int(stride)), (1, int(dilation)), (0, 0, int(left), int(right))
    b = None if bias is None else bias.data
    out, cols = conv2d_forward(x.data[:, :, None, :], weight.data[:, :, None, :], b, stride2, pads, dilation2)
    parents = (x, weight) if bias is None else (x, weight, bias)
    x4_shape = (x.shape[0], x.shape[1], 1, x.shape[2])

    def backward(g):  # the 2-D gradients with the height axis of size 1 removed again
        need = [p.requires_grad for p in parents] + [False] * (3 - len(parents))
        gx, gw, gb = conv2d_backward(g[:, :, None, :], cols, x4_shape, weight.data[:, :, None, :],
                                     stride2, pads, dilation2, need)
        grads = (None if gx is None else gx[:, :, 0], None if gw is None else gw[:, :, 0], gb)
        return grads[:len(parents)]

    return from_op(out[:, :, 0, :], parents, backward, "conv1d")
