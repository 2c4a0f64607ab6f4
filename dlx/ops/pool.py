"""Fused pooling (notes ch. 5): max pooling and average pooling over (N, C, H, W).

Both loop over the kh*kw offsets of a window (4 for 2x2 pooling), each a strided
slice of the whole batch: slice (i, j) holds pixel (p*sh + i, q*sw + j) of every
window (p, q). No loop over the batch or over output positions.

Max pooling: y = max over the window. dy/dx is 1 for the window's arg max and 0
elsewhere, so backward routes each upstream gradient to the position of its
maximum (the first one in row-major order on ties, as PyTorch does); overlapping
windows add up their contributions. Where no gradient will be asked for (evaluation under ``no_grad``, an
input that needs none) the arg max is not tracked: the forward pass is one ``np.maximum`` per offset.

Average pooling: y = (1 / (kh kw)) sum over the window (zero padding counted,
as PyTorch's default), so every pixel of a window gets g / (kh kw).
"""
from __future__ import annotations

import numpy as np

from dlx import buffers
from dlx.errors import ShapeError
from dlx.ops.base import distinct, operation
from dlx.ops.conv import pad_spatial, pair, strided_slice
from dlx.tensor import Tensor, from_op, records_graph


def pool_geometry(x_shape, pool_size, stride, padding):
    """Normalised (kernel, stride, pads, output (Ho, Wo)); checks padding and the image size."""
    kernel = pair(pool_size, "pool_size")
    stride = kernel if stride is None else pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if ph > kernel[0] // 2 or pw > kernel[1] // 2:
        raise ShapeError(f"pooling padding {(ph, pw)} must be at most half the pool size {kernel}; "
                         f"use a smaller padding")
    h, w = x_shape[-2] + 2 * ph, x_shape[-1] + 2 * pw
    if h < kernel[0] or w < kernel[1]:
        raise ShapeError(f"pooling {kernel[0]}x{kernel[1]} needs an image of at least that size after padding, "
                         f"got {tuple(x_shape)}; remove a pooling layer or pad the input")
    out_hw = ((h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1)
    return kernel, stride, (ph, ph, pw, pw), out_hw


def _offset_slices(kernel, stride, out_hw):
    """For each offset (i, j) of a window: the slices that pick that pixel of every window."""
    return [(strided_slice(i, out_hw[0], stride[0]), strided_slice(j, out_hw[1], stride[1]))
            for i in range(kernel[0]) for j in range(kernel[1])]


def _crop(dxp, pads, x_shape):
    top, _, left, _ = pads
    return dxp[:, :, top:top + x_shape[2], left:left + x_shape[3]] if any(pads) else dxp


def _check_images(name: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ShapeError(f"{name}: expects input of shape (N, C, H, W), got {x.shape}")


def _running_max(xp, slices, with_arg: bool = True):
    """(max over the windows, offset k of the first maximum) by a running maximum over the offsets.

    Without ``with_arg`` (no gradient will be asked for: evaluation, ``no_grad``) the offset is not tracked
    and None is returned for it: one ``np.maximum`` per offset instead of five operations.
    """
    first = xp[:, :, slices[0][0], slices[0][1]]
    out = buffers.empty(first.shape, first.dtype)  # (N, C, Ho, Wo), running maximum
    np.copyto(out, first)
    if not with_arg:
        for rows, cols in slices[1:]:
            np.maximum(out, xp[:, :, rows, cols], out=out)
        return out, None
    arg = np.zeros(out.shape, dtype=np.int8 if len(slices) < 128 else np.int32)  # offset of the max
    for k, (rows, cols) in enumerate(slices[1:], start=1):
        candidate = xp[:, :, rows, cols]
        better = candidate > out  # strictly greater: the first maximum wins ties
        np.maximum(out, candidate, out=out)
        # k grows, so "arg = k where better" is max(arg, k * better) (arithmetic beats np.where)
        np.maximum(arg, better.astype(arg.dtype) * arg.dtype.type(k), out=arg)
    return out, arg


@operation("max_pool2d", lambda rng: ([distinct(rng, (2, 2, 5, 5))], {"pool_size": 3, "stride": 2, "padding": 1}))
def max_pool2d(x: Tensor, pool_size=2, stride=None, padding=0) -> Tensor:
    """Maximum over windows of (N, C, H, W); stride defaults to the pool size; padding is -inf."""
    _check_images("max_pool2d", x)
    kernel, stride, pads, out_hw = pool_geometry(x.shape, pool_size, stride, padding)
    xp = pad_spatial(x.data, pads, value=-np.inf)
    slices = _offset_slices(kernel, stride, out_hw)
    out, arg = _running_max(xp, slices, with_arg=records_graph((x,)))
    if arg is None:  # nothing will call backward (from_op records no graph)
        return from_op(out, (x,), None, "max_pool2d")
    disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]
    # windows that tile the padded image exactly write every pixel once: no zero fill needed
    tiled = stride == kernel and out_hw[0] * stride[0] == xp.shape[2] and out_hw[1] * stride[1] == xp.shape[3]
    padded_shape = xp.shape  # the closure keeps the shape, not the padded copy

    def backward(g):  # the gradient goes to the arg max of each window
        dxp = (buffers.empty if tiled else buffers.zeros)(padded_shape, g.dtype)  # (N, C, Hp, Wp)
        for k, (rows, cols) in enumerate(slices):
            if disjoint:  # every pixel in at most one window: write, no read-add
                np.multiply(g, arg == k, out=dxp[:, :, rows, cols])
            else:
                dxp[:, :, rows, cols] += g * (arg == k)
        return (_crop(dxp, pads, x.shape),)

    return from_op(out, (x,), backward, "max_pool2d")


@operation("avg_pool2d", lambda rng: ([rng.standard_normal((2, 2, 5, 5))], {"pool_size": 3, "stride": 2, "padding": 1}))
def avg_pool2d(x: Tensor, pool_size=2, stride=None, padding=0) -> Tensor:
    """Mean over windows of (N, C, H, W); stride defaults to the pool size; zero padding is counted."""
    _check_images("avg_pool2d", x)
    kernel, stride, pads, out_hw = pool_geometry(x.shape, pool_size, stride, padding)
    xp = pad_spatial(x.data, pads)
    slices = _offset_slices(kernel, stride, out_hw)
    scale = 1.0 / (kernel[0] * kernel[1])
    out = xp[:, :, slices[0][0], slices[0][1]].copy()  # (N, C, Ho, Wo)
    for rows, cols in slices[1:]:
        out += xp[:, :, rows, cols]
    out *= scale
    disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]
    padded_shape = xp.shape  # the closure keeps the shape, not the padded copy

    def backward(g):  # every pixel of a window gets g / (kh kw)
        share = g * scale
        dxp = np.zeros(padded_shape, dtype=share.dtype)  # (N, C, Hp, Wp)
        for rows, cols in slices:
            if disjoint:  # every pixel in at most one window
                dxp[:, :, rows, cols] = share
            else:
                dxp[:, :, rows, cols] += share
        return (_crop(dxp, pads, x.shape),)

    return from_op(out, (x,), backward, "avg_pool2d")
