"""Fused convolutions (notes ch. 5): conv2d and conv1d with a hand-derived backward.

Deep-learning layers compute the cross-correlation

    y[n, o, p, q] = b[o] + sum_c sum_i sum_j x_pad[n, c, p*s + i*d, q*s + j*d] w[o, c, i, j]

which is the lecture's convolution y[m, n] = sum_i sum_j x[i, j] h[m - i, n - j]
with the mirrored kernel h[-i, -j] = w[i, j] (see ``dlx.nn.conv.reference_conv2d``).
The kernel is learned, so the mirror changes nothing.

Forward (im2col): a strided view puts every receptive field of the batch in a
column of ``cols`` (C*kh*kw, N*Ho*Wo), and one matrix product W (O, C*kh*kw) @ cols
gives all outputs (O, N*Ho*Wo), turned to NCHW while the bias is added (the order of
the N*Ho*Wo columns is chosen per layer, see below). Backward, with G (O, N*Ho*Wo)
the upstream gradient in the same order:

    dL/dW    = G @ cols^T                      (one matrix product: the sum over images and positions)
    dL/db    = sum of G over images and positions
    dL/dcols = W^T @ G, and dL/dx sums each column back to the pixels it was
               read from (col2im): one strided slice-add per kernel offset (i, j),
               no Python loop over the batch or the output positions.

One product for the whole batch, not one per image, is what lets BLAS use every core.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlx import buffers
from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.parallel import parallel_for, threads
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
# The columns are (C*kh*kw, M) with the M = N*Ho*Wo output pixels of the batch in one of two orders:
#
# - channel-major, (N, Ho, Wo): images (C, N, Hp, Wp); a kernel offset (i, j) reads, and col2im adds
#   back, runs of Wo contiguous numbers; turning the output (O, N, Ho*Wo) into (N, O, Ho, Wo) moves
#   runs of Ho*Wo, cheap.
# - batch-last, (Ho, Wo, N): images (C, Hp, Wp, N); the runs are Wo*N long (a row of every image at
#   once), so im2col and col2im run several times faster when Wo is small, but the input, the output
#   and the output's gradient must be transposed (``transpose_2d``).
#
# ``batch_last_pays`` picks the order that moves fewer numbers badly: batch-last when the columns
# (C*kh*kw numbers per output pixel) outweigh the transposes (about 2*O per pixel). On the MNIST
# CNN (measured, benchmarks/suite.py): conv 1->16 5x5 on 28x28 is faster channel-major, conv 16->32
# 5x5 on 14x14 batch-last (im2col 3.5 -> 1.3 ms, col2im 8.1 -> 2.9 ms at batch 64).
# The copies and sums are split over cores with ``parallel_for``; BLAS does the matrix products.
TILE = 128  # rows per block of a transpose: a block of TILE x N floats stays in the cache
LAYOUT: str | None = None  # "batch_last" or "channel_major" forces one order (tests, benchmarks)


def batch_last_pays(c: int, o: int, kh: int, kw: int) -> bool:
    if LAYOUT is not None:
        return LAYOUT == "batch_last"
    return c * kh * kw > 2 * o


def transpose_2d(a: np.ndarray, column_bias: np.ndarray | None = None) -> np.ndarray:
    """``a.T`` (K, R) of a 2-D (R, K), contiguous, copied in blocks that stay in the cache;
    ``column_bias`` (R,) is added to the columns of the result in the same pass.

    A plain transposing copy of a large array misses the cache on every read or every write;
    blocks of TILE rows (or columns) halve the time. (Threads do not pay here: each block is
    a few microseconds of work between two Python steps that need the GIL.)
    """
    rows, columns = a.shape
    out = buffers.empty((columns, rows), a.dtype)
    if a.size < 4 * TILE * TILE:
        blocks = [(slice(None), slice(None))]
    elif rows >= columns:  # blocks of TILE rows of a
        blocks = [(slice(k, k + TILE), slice(None)) for k in range(0, rows, TILE)]
    else:
        blocks = [(slice(None), slice(k, k + TILE)) for k in range(0, columns, TILE)]
    for a_rows, a_columns in blocks:
        if column_bias is None:
            np.copyto(out[a_columns, a_rows], a[a_rows, a_columns].T)
        else:
            np.add(a[a_rows, a_columns].T, column_bias[a_rows], out=out[a_columns, a_rows])
    return out


def to_columns_order(a: np.ndarray, batch_last: bool) -> np.ndarray:
    """(N, C, ...) -> (C, M), contiguous, M the other axes in the columns' order."""
    n, c = a.shape[:2]
    if batch_last:
        return transpose_2d(a.reshape(n, -1)).reshape(c, -1)
    out = buffers.empty((c, n, a.size // (n * c)), a.dtype)
    np.copyto(out, a.reshape(n, c, -1).transpose(1, 0, 2))
    return out.reshape(c, -1)


def from_columns_order(a: np.ndarray, shape, bias, batch_last: bool) -> np.ndarray:
    """(C, M) -> (N, C, ...) of ``shape``, adding ``bias`` (C,) or None in the same pass."""
    n, c = shape[:2]
    per_channel = a.size // (n * c)
    bias = None if bias is None else bias.astype(a.dtype, copy=False)
    if batch_last:
        column_bias = None if bias is None else np.repeat(bias, per_channel)
        return transpose_2d(a.reshape(-1, n), column_bias).reshape(shape)
    out = buffers.empty((n, c, per_channel), a.dtype)
    source = a.reshape(c, n, per_channel).transpose(1, 0, 2)
    if bias is None:
        np.copyto(out, source)
    else:
        np.add(source, bias[:, None], out=out)
    return out.reshape(shape)


def _padded_images(x: np.ndarray, pads, batch_last: bool) -> np.ndarray:
    """(N, C, H, W) -> (C, Hp, Wp, N) or (C, N, Hp, Wp) with zero borders."""
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, w + left + right
    if batch_last:
        inner = to_columns_order(x, True).reshape(c, h, w, n)
        if not any(pads):
            return inner
        xp = buffers.zeros((c, hp, wp, n), x.dtype)
        xp[:, top:top + h, left:left + w, :] = inner
        return xp
    xp = buffers.zeros((c, n, hp, wp), x.dtype) if any(pads) else buffers.empty((c, n, h, w), x.dtype)
    xp[:, :, top:top + h, left:left + w] = x.transpose(1, 0, 2, 3)
    return xp


def _columns(xp: np.ndarray, kernel, stride, dilation, out_hw, batch_last: bool) -> np.ndarray:
    """im2col: (C*kh*kw, M); column (n, p, q) holds the receptive field of output pixel (p, q)
    of image n, row (c, i, j) its pixel (p*sh + i*dh, q*sw + j*dw) of channel c."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    a_c, a_h, a_w, a_n = (0, 1, 2, 3) if batch_last else (0, 2, 3, 1)  # axes of xp: channel, row, column, image
    c, n = xp.shape[a_c], xp.shape[a_n]
    s_c, s_h, s_w, s_n = (xp.strides[a] for a in (a_c, a_h, a_w, a_n))
    pixels = ((ho, wo, n), (s_h * sh, s_w * sw, s_n)) if batch_last else ((n, ho, wo), (s_n, s_h * sh, s_w * sw))
    windows = as_strided(xp, shape=(c, kh, kw, *pixels[0]),  # a view, nothing copied yet
                         strides=(s_c, s_h * dh, s_w * dw, *pixels[1]), writeable=False)
    cols = buffers.empty(windows.shape, xp.dtype)
    axis = 0 if c >= threads() or c >= kh else 1  # split channels, or kernel rows when there are few

    def copy(start, stop):
        part = (slice(None),) * axis + (slice(start, stop),)
        np.copyto(cols[part], windows[part])

    parallel_for(windows.shape[axis], copy, work=cols.size)
    return cols.reshape(c * kh * kw, -1)


class Columns:
    """The saved im2col columns of a forward pass and their order."""

    __slots__ = ("array", "batch_last")

    def __init__(self, array: np.ndarray, batch_last: bool):
        self.array, self.batch_last = array, batch_last


def conv2d_forward(x, weight, bias, stride, pads, dilation):
    """Returns the output (N, O, Ho, Wo) and the saved ``Columns`` (C*kh*kw, N*Ho*Wo).

    One matrix product W (O, C*kh*kw) @ cols (C*kh*kw, N*Ho*Wo) for the whole batch (a
    product per image would make N small calls to BLAS, which uses only one core for each).
    """
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    ho = conv_output_size(h, kh, stride[0], pads[0] + pads[1], dilation[0])
    wo = conv_output_size(w, kw, stride[1], pads[2] + pads[3], dilation[1])
    if ho < 1 or wo < 1:
        raise ShapeError(f"convolution: the image {x.shape[2:]} padded by {pads} is smaller than the dilated "
                         f"kernel {(dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)}; pad it or use "
                         f"a smaller kernel")
    batch_last = batch_last_pays(c, o, kh, kw)
    cols = _columns(_padded_images(x, pads, batch_last), (kh, kw), stride, dilation, (ho, wo), batch_last)
    out = np.matmul(weight.reshape(o, -1), cols, out=buffers.empty((o, cols.shape[1]), cols.dtype))  # (O, M)
    return from_columns_order(out, (n, o, ho, wo), bias, batch_last), Columns(cols, batch_last)


def col2im(dcols, x_shape, kernel, stride, pads, dilation, out_hw, batch_last: bool) -> np.ndarray:
    """Adjoint of im2col: add each column entry back onto the pixel it was read from; (N, C, H, W).

    ``dcols`` is (C*kh*kw, M) in the given order. The sums are formed in a padded buffer of
    the images in that order, where offset (i, j) adds one strided block, then cropped and
    turned to (N, C, H, W). Threads take disjoint channels.
    """
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, w + left + right
    if batch_last:
        dcols = dcols.reshape(c, kh, kw, ho, wo, n)
        dxp = buffers.zeros((c, hp, wp, n), dcols.dtype)
    else:
        dcols = dcols.reshape(c, kh, kw, n, ho, wo)
        dxp = buffers.zeros((c, n, hp, wp), dcols.dtype)

    def add(start, stop):  # channels start..stop
        lead = (slice(start, stop),) if batch_last else (slice(start, stop), slice(None))  # (images)
        for i in range(kh):
            for j in range(kw):  # offset (i, j) read pixels (p*sh + i*dh, q*sw + j*dw)
                rows, columns = strided_slice(i * dh, ho, sh), strided_slice(j * dw, wo, sw)
                dxp[(*lead, rows, columns)] += dcols[start:stop, i, j]

    parallel_for(c, add, work=dcols.size)
    if batch_last:
        inner = dxp[:, top:top + h, left:left + w] if any(pads) else dxp
        return transpose_2d(np.ascontiguousarray(inner).reshape(-1, n)).reshape(n, c, h, w)
    out = buffers.empty((n, c, h, w), dxp.dtype)
    np.copyto(out, dxp[:, :, top:top + h, left:left + w].transpose(1, 0, 2, 3))
    return out


def conv2d_backward(g, saved: Columns, x_shape, weight, stride, pads, dilation, need):
    """Gradients (dx, dW, db) of ``conv2d_forward``; ``need`` says which of the three to compute.

    With G (O, M) the upstream gradient in the columns' order: dW = G @ cols^T and
    dcols = W^T @ G, each one matrix product over the whole batch; db sums G's rows.
    """
    o, _, kh, kw = weight.shape
    n, _, ho, wo = g.shape
    g2 = to_columns_order(g, saved.batch_last)  # (O, M)
    gx = gw = gb = None
    if need[0]:
        w2 = weight.reshape(o, -1)
        dcols = np.matmul(w2.T, g2, out=buffers.empty((w2.shape[1], g2.shape[1]), g2.dtype))  # (C*kh*kw, M)
        gx = col2im(dcols, x_shape, (kh, kw), stride, pads, dilation, (ho, wo), saved.batch_last)
    if need[1]:
        gw = np.matmul(g2, saved.array.T).reshape(weight.shape)  # (O, C*kh*kw)
    if need[2]:
        gb = g2.sum(axis=1)
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
