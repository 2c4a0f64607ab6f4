"""Transposed convolution (the decoder's upsampling convolution) with a hand-derived backward.

A convolution with stride s maps an image (N, C, Hy, Wy) to (N, O, H, W); as a linear
map x -> y = A x it has a transpose A^T that maps (N, O, H, W) back to (N, C, Hy, Wy).
``conv_transpose2d`` *is* that A^T: its forward is the input gradient of conv2d,

    y = conv_transpose2d(x, W) = d/dz <conv2d(z, W), x>,   W of shape (O, C, kh, kw)

so each input pixel x[n, o, p, q] scatters the kernel W[o, :, :, :] into the output at
(p*s - pad + i*d, q*s - pad + j*d). In im2col terms (notes ch. 5):

    cols_n = W^T (C*kh*kw, O) @ x_n (O, H*W),   y_n = col2im(cols_n)

Backward, with G the upstream gradient (N, C, Hy, Wy): A^T's transpose is A again, so

    dL/dx  = conv2d(G, W)                         (same stride, padding, dilation)
    dL/dW  = sum_n x_n (O, H*W) @ im2col(G_n)^T   (the weight gradient of conv2d(G, W)
                                                   with x in the role of the upstream gradient)
    dL/db  = sum of G over images and positions

Output size Hy = (H - 1) s - 2 pad + d (kh - 1) + output_padding + 1; ``output_padding``
(< stride) picks one of the s input sizes that a strided conv2d maps to the same H.
The weight layout (in_channels, out_channels, kh, kw) is PyTorch's.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.ops.conv import batch_last_pays, col2im, conv2d_forward, pair, to_columns_order
from dlx.tensor import Tensor, from_op


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0,
                               dilation: int = 1) -> int:
    """(size - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _check(x: Tensor, weight: Tensor, stride, output_padding) -> None:
    if x.ndim != 4:
        raise ShapeError(f"conv_transpose2d: expects input of shape (N, C, H, W), got {x.shape}")
    if x.shape[1] != weight.shape[0]:
        raise ShapeError(f"conv_transpose2d: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
                         f"{weight.shape} expects {weight.shape[0]} (weight is (in, out, kh, kw))")
    if any(op < 0 or op >= s for op, s in zip(output_padding, stride)):
        raise ShapeError(f"conv_transpose2d: output_padding {output_padding} must be >= 0 and smaller than "
                         f"the stride {stride}")


def conv_transpose2d_forward(x, weight, bias, stride, padding, output_padding, dilation) -> np.ndarray:
    """The array computation: (N, O, H, W) with weight (O, C, kh, kw) -> (N, C, Hy, Wy)."""
    n, o, h, w = x.shape
    _, c, kh, kw = weight.shape
    hy = conv_transpose_output_size(h, kh, stride[0], padding[0], output_padding[0], dilation[0])
    wy = conv_transpose_output_size(w, kw, stride[1], padding[1], output_padding[1], dilation[1])
    if hy < 1 or wy < 1:
        raise ShapeError(f"conv_transpose2d: padding {padding} leaves no output for input {x.shape[2:]}; "
                         f"use less padding")
    pads = (padding[0], padding[0], padding[1], padding[1])
    batch_last = batch_last_pays(c, o, kh, kw)
    cols = np.matmul(weight.reshape(o, -1).T, to_columns_order(x, batch_last))  # (C*kh*kw, N*H*W)
    out = col2im(cols, (n, c, hy, wy), (kh, kw), stride, pads, dilation, (h, w), batch_last)
    if bias is not None:
        out += bias[:, None, None]
    return out


def conv_transpose2d_backward(g, x, weight, stride, padding, dilation, need):
    """Gradients (dx, dW, db) of ``conv_transpose2d_forward``; ``need`` says which to compute."""
    n, o, h, w = x.shape
    pads = (padding[0], padding[0], padding[1], padding[1])
    dx, saved = conv2d_forward(g, weight, None, stride, pads, dilation)  # dx (N, O, H, W), columns of G
    gw = None
    if need[1]:  # x (O, N*H*W) @ cols^T (N*H*W, C*kh*kw): the sum over images and positions
        gw = np.matmul(to_columns_order(x, saved.batch_last), saved.array.T).reshape(weight.shape)
    gb = g.sum(axis=(0, 2, 3)) if need[2] else None
    return (dx if need[0] else None), gw, gb


def _example(rng):
    x, w, b = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(2)
    return [x, w, b], {"stride": 2, "padding": 1, "output_padding": 1}


@operation("conv_transpose2d", _example)
def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, dilation=1) -> Tensor:
    """Transposed 2-D convolution of (N, O, H, W) with weight (O, C, kh, kw), bias (C,).

    ``stride``, ``padding`` (removed from each border of the output), ``output_padding``
    (extra rows/columns at the bottom/right, smaller than the stride) and ``dilation``:
    int or pair. Output (N, C, Hy, Wy), Hy = (H - 1) s - 2 p + d (kh - 1) + output_padding + 1.

    Example::

        >>> x = Tensor(np.ones((1, 4, 4, 4)))        # (N, O, H, W)
        >>> conv_transpose2d(x, Tensor(np.ones((4, 2, 3, 3))), stride=2, padding=1, output_padding=1).shape
        (1, 2, 8, 8)
    """
    stride, padding, dilation = pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation")
    output_padding = pair(output_padding, "output_padding")
    _check(x, weight, stride, output_padding)
    out = conv_transpose2d_forward(x.data, weight.data, None if bias is None else bias.data, stride, padding,
                                   output_padding, dilation)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        need = [p.requires_grad for p in parents] + [False] * (3 - len(parents))
        grads = conv_transpose2d_backward(g, x.data, weight.data, stride, padding, dilation, need)
        return grads[:len(parents)]

    return from_op(out, parents, backward, "conv_transpose2d")
