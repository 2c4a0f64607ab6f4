"""Layers that make images larger, for decoders and generators: ConvTranspose2D and Upsample2D.

A transposed convolution with stride s is the learned way up (the transpose of a strided
convolution, see ``dlx.ops.conv_transpose``); upsampling followed by an ordinary
convolution is the fixed way up, free of the checkerboard patterns that overlapping
transposed kernels can leave (Odena et al., 2016, "Deconvolution and checkerboard artifacts").
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.init import get_initialiser
from dlx.nn.module import Module, Parameter
from dlx.ops.conv import pair
from dlx.ops.conv_transpose import conv_transpose2d, conv_transpose_output_size
from dlx.ops.upsample import upsample_bilinear2d, upsample_nearest2d
from dlx.registry import layers
from dlx.tensor import Tensor

INPUT_HINT = "give images as (channels, height, width); add a 'reshape' layer after a dense layer"


@layers.register("conv_transpose2d", "deconv2d", "conv2d_transpose")
class ConvTranspose2D(Module):
    """Transposed 2-D convolution: each input pixel paints a learned kernel into a larger output.

    Args:
        filters (int): number of output channels.
        kernel_size (int or pair): kernel height and width.
        stride (int or pair, default 1): the upsampling factor.
        padding (int or pair, default 0): rows/columns removed from each border of the output.
        output_padding (int or pair, default 0): extra rows/columns at the bottom/right (< stride).
        bias (bool, default True): add a learned bias per output channel.
        init (str or dict, default "he_uniform"): initialiser of the weight; fan_in = in_channels * kh * kw.
        bias_init (str or dict, default "zeros"): initialiser of the bias.

    Shape:
        input (N, C, H, W), output (N, filters, Ho, Wo) with
        Ho = (H - 1) stride - 2 padding + kh + output_padding. Weight (C, filters, kh, kw).

    Example::

        >>> layer = ConvTranspose2D(16, 4, stride=2, padding=1)   # doubles height and width
        >>> layer.build((32, 7, 7), np.random.default_rng(0))
        >>> layer.output_shape((32, 7, 7))
        (16, 14, 14)
    """

    def __init__(self, filters: int, kernel_size, stride=1, padding=0, output_padding=0, bias: bool = True,
                 init="he_uniform", bias_init="zeros"):
        super().__init__()
        if int(filters) < 1:
            raise ConfigError(f"conv_transpose2d: filters must be a positive integer, got {filters}")
        self.filters, self.bias, self.init, self.bias_init = int(filters), bias, init, bias_init
        self.kernel_size, self.stride = pair(kernel_size, "kernel_size"), pair(stride, "stride")
        self.padding, self.output_padding = pair(padding, "padding"), pair(output_padding, "output_padding")
        if min(self.kernel_size + self.stride) < 1 or min(self.padding + self.output_padding) < 0:
            raise ConfigError(f"conv_transpose2d: kernel_size and stride must be positive, padding and "
                              f"output_padding >= 0; got {kernel_size}, {stride}, {padding}, {output_padding}")
        if any(o >= s for o, s in zip(self.output_padding, self.stride)):
            raise ConfigError(f"conv_transpose2d: output_padding {output_padding} must be smaller than the "
                              f"stride {stride}")
        self.built = False

    @staticmethod
    def example():
        return {"filters": 2, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}, (3, 3, 2)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ShapeError(f"expects input of shape (channels, height, width), got {shape}; {INPUT_HINT}")
        sizes = [conv_transpose_output_size(n, k, s, p, o) for n, k, s, p, o in
                 zip(shape[1:], self.kernel_size, self.stride, self.padding, self.output_padding)]
        if min(sizes) < 1:
            raise ShapeError(f"padding {self.padding} leaves no output for input {shape}; use less padding")
        return (self.filters, *sizes)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        channels, area = int(input_shape[0]), int(np.prod(self.kernel_size))
        fan_in, fan_out = channels * area, self.filters * area
        self.weight = Parameter(get_initialiser(self.init)((channels, self.filters, *self.kernel_size),
                                                           fan_in, fan_out, rng))
        self.b = Parameter(get_initialiser(self.bias_init)((self.filters,), fan_in, fan_out, rng)) \
            if self.bias else None
        self.built = True

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, filters, Ho, Wo)
        return conv_transpose2d(x, self.weight, self.b, self.stride, self.padding, self.output_padding)


@layers.register("upsample2d", "upsample")
class Upsample2D(Module):
    """Upsampling of images by an integer factor, nearest neighbour or bilinear; no parameters.

    Args:
        scale (int or pair, default 2): factor along height and width.
        mode (str, default "nearest"): "nearest" (repeat pixels) or "bilinear"
            (PyTorch's ``align_corners=False``).

    Shape:
        input (N, C, H, W), output (N, C, scale H, scale W).

    Example::

        >>> Upsample2D(2)(Tensor(np.zeros((8, 16, 7, 7)))).shape
        (8, 16, 14, 14)
    """

    def __init__(self, scale=2, mode: str = "nearest"):
        super().__init__()
        if mode not in ("nearest", "bilinear"):
            raise ConfigError(f"upsample2d: mode '{mode}' is unknown; use 'nearest' or 'bilinear'")
        self.scale, self.mode = pair(scale, "scale"), mode
        if min(self.scale) < 1:
            raise ConfigError(f"upsample2d: scale must be a positive integer, got {scale}")

    @staticmethod
    def example():
        return {"scale": 2, "mode": "bilinear"}, (2, 3, 2)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ShapeError(f"expects input of shape (channels, height, width), got {shape}; {INPUT_HINT}")
        return (shape[0], shape[1] * self.scale[0], shape[2] * self.scale[1])

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, C, sH, sW)
        upsample = upsample_nearest2d if self.mode == "nearest" else upsample_bilinear2d
        return upsample(x, self.scale)
