"""Convolutional layers (notes ch. 5): Conv2D on images (N, C, H, W), Conv1D on sequences (N, C, L).

The same small kernel slides over the whole input (weight sharing), so a feature
is detected wherever it occurs, with far fewer weights than a dense layer.
``reference_conv2d`` and ``reference_conv1d`` write the lecture's definition as
plain loops; tests compare the fast operations with them.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.conv import conv1d, conv2d, conv_output_size, pair
from dlx.registry import layers
from dlx.tensor import Tensor


class _Convolution(Module):
    """Shared by Conv1D and Conv2D: ``rank`` spatial axes, arguments as tuples of that length."""

    rank = 2
    input_axes = "(channels, height, width)"

    def __init__(self, filters, kernel_size, stride, padding, dilation, bias, init, bias_init,
                 in_channels, rng):
        super().__init__()
        name = type(self).registry_name
        if int(filters) < 1:
            raise ConfigError(f"{name}: filters must be a positive integer, got {filters}")
        self.filters, self.bias, self.init, self.bias_init = int(filters), bias, init, bias_init
        self.kernel_size = self._tuple(kernel_size, "kernel_size")
        self.stride = self._tuple(stride, "stride")
        self.dilation = self._tuple(dilation, "dilation")
        if min(self._as_tuple(self.kernel_size) + self._as_tuple(self.stride) + self._as_tuple(self.dilation)) < 1:
            raise ConfigError(f"{name}: kernel_size, stride and dilation must be positive, got "
                              f"{kernel_size}, {stride}, {dilation}")
        self.padding = self._padding(padding)
        self._pads = self._pad_amounts()  # ((before, after), ...) per spatial axis
        self.in_channels = in_channels
        self.built = False
        if in_channels is not None and rng is not None:  # else built (seeded) with the model
            self._create_parameters(int(in_channels), rng)

    def _tuple(self, value, what):
        if self.rank == 1:
            value = value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value
            return int(value)
        return pair(value, what)

    def _as_tuple(self, value) -> tuple[int, ...]:
        return (value,) if self.rank == 1 else value

    def _padding(self, padding):
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ConfigError(f"{type(self).registry_name}: padding '{padding}' is unknown; "
                                  f"use 'same', 'valid' or a number of pixels")
            if padding == "same" and self._as_tuple(self.stride) != (1,) * self.rank:
                raise ConfigError(f"{type(self).registry_name}: padding='same' needs stride 1, got stride "
                                  f"{self.stride}; give the padding in pixels instead")
            return padding
        if min(self._as_tuple(self._tuple(padding, "padding"))) < 0:
            raise ConfigError(f"{type(self).registry_name}: padding must be >= 0, got {padding}")
        return self._tuple(padding, "padding")

    def _pad_amounts(self) -> tuple[tuple[int, int], ...]:
        if self.padding == "valid":
            return ((0, 0),) * self.rank
        if self.padding == "same":  # total d (k - 1), the odd pixel after, as PyTorch
            totals = [d * (k - 1) for k, d in zip(self._as_tuple(self.kernel_size), self._as_tuple(self.dilation))]
            return tuple((t // 2, t - t // 2) for t in totals)
        return tuple((p, p) for p in self._as_tuple(self.padding))

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != self.rank + 1:
            raise ShapeError(f"expects input of shape {self.input_axes}, got {shape}; {self.rank_hint}")
        if self.in_channels is not None and shape[0] != self.in_channels:
            raise ShapeError(f"expects input with {self.in_channels} channels {self.input_axes}, got {shape}")
        kernels, dilations = self._as_tuple(self.kernel_size), self._as_tuple(self.dilation)
        spans = [d * (k - 1) + 1 for k, d in zip(kernels, dilations)]
        padded = [n + sum(p) for n, p in zip(shape[1:], self._pads)]
        if any(n < s for n, s in zip(padded, spans)):
            raise ShapeError(f"expects {self.too_small(spans)} after padding, got {shape} (padded "
                             f"{'x'.join(map(str, padded))}); use a smaller kernel, padding='same' or "
                             f"fewer pooling layers before it")
        sizes = [conv_output_size(n, k, s, sum(p), d) for n, k, s, p, d in
                 zip(shape[1:], kernels, self._as_tuple(self.stride), self._pads, dilations)]
        return (self.filters, *sizes)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self._create_parameters(int(input_shape[0]), rng)

    def _create_parameters(self, channels: int, rng) -> None:
        self.in_channels = channels
        kernels = self._as_tuple(self.kernel_size)
        area = int(np.prod(kernels))
        fan_in, fan_out = channels * area, self.filters * area
        shape = (self.filters, channels, *kernels)
        self.weight = Parameter(get_initialiser(self.init)(shape, fan_in, fan_out, rng))
        self.b = Parameter(get_initialiser(self.bias_init)((self.filters,), fan_in, fan_out, rng)) \
            if self.bias else None
        self.built = True


@layers.register("conv2d", "convolution2d")
class Conv2D(_Convolution):
    """2-D convolution over images: each of ``filters`` kernels slides over all input channels.

    Args:
        filters (int): number of output channels (kernels).
        kernel_size (int or pair): kernel height and width.
        stride (int or pair, default 1): step between windows.
        padding (int, pair, "same" or "valid", default 0): zeros added around the image;
            "same" (stride 1 only) keeps height and width.
        dilation (int or pair, default 1): spacing between kernel taps.
        bias (bool, default True): add a learned bias per filter.
        init (str or dict, default "he_uniform"): initialiser of the weight, with
            fan_in = in_channels * kh * kw and fan_out = filters * kh * kw.
        bias_init (str or dict, default "zeros"): initialiser of the bias.
        in_channels (int, default None): inferred from the data when the model is built.
        rng: generator for the initial weights; with ``in_channels`` they are created at once,
            otherwise when the model is built (seeded) or on the first call.

    Shape:
        input (N, C, H, W), output (N, filters, Ho, Wo) with
        Ho = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1. Weight (filters, C, kh, kw).

    Example::

        >>> layer = Conv2D(16, 3, padding=1, in_channels=1, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.zeros((8, 1, 28, 28), np.float32))).shape
        (8, 16, 28, 28)
    """

    rank = 2
    input_axes = "(channels, height, width)"
    rank_hint = "give images as (N, channels, height, width), e.g. (N, 1, 28, 28) for grey images"

    def __init__(self, filters: int, kernel_size, stride=1, padding=0, dilation=1, bias: bool = True,
                 init="he_uniform", bias_init="zeros", in_channels: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(filters, kernel_size, stride, padding, dilation, bias, init, bias_init, in_channels, rng)

    @staticmethod
    def example():
        return {"filters": 3, "kernel_size": 3, "padding": 1, "stride": 2}, (2, 5, 5)

    @staticmethod
    def too_small(spans):
        return f"an image of at least {spans[0]}x{spans[1]}"

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, filters, Ho, Wo)
        (top, bottom), (left, right) = self._pads
        return conv2d(x, self.weight, self.b, self.stride, ((top, bottom), (left, right)), self.dilation)


@layers.register("conv1d", "convolution1d")
class Conv1D(_Convolution):
    """1-D convolution over sequences (text CNNs: n-gram detectors over word vectors).

    Args:
        filters (int): number of output channels (kernels).
        kernel_size (int): kernel width, e.g. 3 for trigrams.
        stride (int, default 1): step between windows.
        padding (int, "same" or "valid", default 0): zeros added at both ends.
        dilation (int, default 1): spacing between kernel taps.
        bias (bool, default True): add a learned bias per filter.
        init (str or dict, default "he_uniform"): initialiser of the weight
            (fan_in = in_channels * kernel_size).
        bias_init (str or dict, default "zeros"): initialiser of the bias.
        in_channels (int, default None): inferred from the data when the model is built.
        rng: generator for the initial weights; with ``in_channels`` they are created at once,
            otherwise when the model is built (seeded) or on the first call.

    Shape:
        input (N, C, L), output (N, filters, Lo) with
        Lo = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1. Weight (filters, C, k).

    Example::

        >>> layer = Conv1D(8, 3, in_channels=300, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.zeros((4, 300, 20), np.float32))).shape
        (4, 8, 18)
    """

    rank = 1
    input_axes = "(channels, length)"
    rank_hint = "word vectors of shape (length, dim) must be transposed to (dim, length)"

    def __init__(self, filters: int, kernel_size: int, stride: int = 1, padding=0, dilation: int = 1,
                 bias: bool = True, init="he_uniform", bias_init="zeros", in_channels: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(filters, kernel_size, stride, padding, dilation, bias, init, bias_init, in_channels, rng)

    @staticmethod
    def example():
        return {"filters": 3, "kernel_size": 3, "padding": 1, "dilation": 2}, (2, 7)

    @staticmethod
    def too_small(spans):
        return f"a sequence of at least {spans[0]} steps"

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, L) -> (N, filters, Lo)
        return conv1d(x, self.weight, self.b, self.stride, self._pads[0], self.dilation)


# ---- the lecture's definition, as plain loops (test references only) ----------------------------
def reference_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Conv2D by the lecture's double sum y[m, n] = sum_i sum_j x[i, j] h[m - i, n - j]. Slow.

    The layer's kernel w is the mirrored signal h: h[-a d, -b d] = w[a, b], zero at
    every other offset. Output (p, q) is the sum at m = p * stride, n = q * stride
    over the whole zero-padded image, per output channel o and summed over input
    channels c. x (N, C, H, W), weight (O, C, kh, kw); float64 loops.
    """
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    x = np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n_images, channels, height, width = x.shape
    filters, _, kh, kw = weight.shape

    def h(o, c, u, v):  # the kernel as a signal over offsets (u, v)
        if u > 0 or v > 0 or u % dh or v % dw or -u // dh >= kh or -v // dw >= kw:
            return 0.0
        return float(weight[o, c, -u // dh, -v // dw])

    out_h = (height - dh * (kh - 1) - 1) // sh + 1
    out_w = (width - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n_images, filters, out_h, out_w))
    for n in range(n_images):
        for o in range(filters):
            for p in range(out_h):
                for q in range(out_w):
                    m_, n_ = p * sh, q * sw
                    total = 0.0 if bias is None else float(bias[o])
                    for c in range(channels):
                        for i in range(height):
                            for j in range(width):
                                total += x[n, c, i, j] * h(o, c, m_ - i, n_ - j)
                    y[n, o, p, q] = total
    return y


def reference_conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Conv1D by the lecture's sum y[m] = sum_i x[i] h[m - i] with h[-a d] = w[a]. Slow.

    x (N, C, L), weight (O, C, k); float64 loops.
    """
    x = np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (padding, padding)))
    n_seqs, channels, length = x.shape
    filters, _, k = weight.shape
    out_len = (length - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((n_seqs, filters, out_len))
    for n in range(n_seqs):
        for o in range(filters):
            for p in range(out_len):
                total = 0.0 if bias is None else float(bias[o])
                for c in range(channels):
                    for i in range(length):
                        u = p * stride - i  # h[u] is w[-u / d] where that is a tap
                        if u <= 0 and u % dilation == 0 and -u // dilation < k:
                            total += x[n, c, i] * weight[o, c, -u // dilation]
                y[n, o, p] = total
    return y
