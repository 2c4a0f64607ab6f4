"""Integer layers of a quantised model (``dlx compress --method quantise`` makes them from trained ones).

Symmetric quantisation with ``b`` bits keeps the integer codes ``q`` in ``[-Q, Q]``,
``Q = 2^(b-1) - 1`` (127 for int8, 7 for int4), and a scale ``s``: ``x ~ s q`` with
``q = clip(round(x / s), -Q, Q)``. A layer holds its weights as int8 codes with one scale
per output channel (``s_w[j] = max_i |W_ij| / Q``) and one scale for its input
(``s_x``, calibrated on training batches). Its forward is what an integer accelerator does::

    q_x = clip(round(x / s_x))                  # (N, in) integers
    acc = q_x @ q_W                             # (N, out) int32 accumulation, exact
    y   = acc * (s_x * s_w) + b                 # one rescale per output channel, then the float bias

so ``y`` is not computed by dequantising the weights and multiplying floats. The codes
have no gradient (the forward is a step function of ``x``; its derivative is zero almost
everywhere); the float bias keeps its own, so the layers pass the registry's gradcheck.
``simulated_dense`` computes the same thing in float64 arithmetic, the reference a test
compares the integer forward with, bit for bit.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Module, Parameter
from dlx.ops.shape import reshape
from dlx.registry import layers
from dlx.tensor import Tensor


def largest_code(bits: int) -> int:
    """``Q = 2^(bits-1) - 1``: the largest code of a symmetric ``bits``-bit quantiser (2..8 bits)."""
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 8:
        raise ConfigError(f"bits must be a whole number from 2 to 8, got {bits!r}; use 8 (int8) or 4")
    return 2 ** (int(bits) - 1) - 1


def scale_for(max_abs, bits: int) -> np.ndarray:
    """The symmetric scale ``max|x| / Q`` (float32), 1 where ``max|x|`` is 0 (an all-zero channel)."""
    max_abs = np.asarray(max_abs, dtype=np.float32)
    return np.where(max_abs > 0, max_abs / np.float32(largest_code(bits)), np.float32(1.0)).astype(np.float32)


def quantised_codes(x: np.ndarray, scale, bits: int) -> np.ndarray:
    """``clip(round(x / scale), -Q, Q)`` as int32 (round half to even, as NumPy rounds)."""
    top = largest_code(bits)
    return np.clip(np.rint(np.asarray(x, dtype=np.float32) / np.asarray(scale, dtype=np.float32)), -top, top).astype(np.int32)


def rescaled(acc: np.ndarray, input_scale, weight_scale, bias) -> np.ndarray:
    """``acc * (s_x * s_w) + b`` in float32; ``acc`` holds integers below 2^24, exact in float32."""
    out = acc.astype(np.float32) * (np.float32(input_scale) * np.asarray(weight_scale, dtype=np.float32))
    return out + np.asarray(bias, dtype=np.float32) if bias is not None else out


def simulated_dense(x, weight_codes, weight_scale, input_scale, bias, bits: int) -> np.ndarray:
    """The float reference of ``QuantisedDense``: the same codes as float64 numbers, a float64 product
    (exact: sums of integer products below 2^53), then the same rescale."""
    codes = np.clip(np.rint(np.asarray(x, np.float32) / np.float32(input_scale)), -largest_code(bits),
                    largest_code(bits)).astype(np.float64)
    return rescaled(codes @ np.asarray(weight_codes, dtype=np.float64), input_scale, weight_scale, bias)


class _Quantised(Module):
    """What the integer layers share: the codes, the scales, the float bias and the forward's last step."""

    def _make_state(self, weight_shape: tuple, channels: int) -> None:
        self.register_buffer("weight_codes", np.zeros(weight_shape, dtype=np.int8))
        self.register_buffer("weight_scale", np.ones(channels, dtype=np.float32))
        self.register_buffer("input_scale", np.ones(1, dtype=np.float32) / largest_code(self.activation_bits))
        self.b = Parameter(np.zeros(channels, dtype=np.float32)) if self.bias else None
        self.built = True

    def codes_of(self, x: np.ndarray) -> np.ndarray:
        return quantised_codes(x, self._buffers["input_scale"][0], self.activation_bits)

    def finish(self, acc: np.ndarray) -> Tensor:
        """Rescale the integer accumulator (channels on axis 1) and add the bias on the tape."""
        shape = (1, -1) + (1,) * (acc.ndim - 2)
        scale = self._buffers["weight_scale"].reshape(shape)
        out = Tensor(rescaled(acc, self._buffers["input_scale"][0], scale, None))
        return out + reshape(self.b, shape[1:]) if self.b is not None else out


@layers.register("quantised_dense", "int8_dense")
class QuantisedDense(_Quantised):
    """A dense layer with integer weights and inputs, made by ``dlx compress --method quantise``.

    Args:
        units (int): outputs; in_features (int, default None): inputs, inferred when built.
        bits (int, default 8): bits of the weight codes (2..8; stored as int8).
        activation_bits (int, default 8): bits of the input codes.
        bias (bool, default True): a float32 bias added after the rescale.

    Shape:
        input (N, in_features), output (N, units); ``weight_codes`` (in_features, units) int8,
        ``weight_scale`` (units,), ``input_scale`` (1,).
    """

    def __init__(self, units: int, in_features: int | None = None, bits: int = 8, activation_bits: int = 8,
                 bias: bool = True):
        super().__init__()
        largest_code(bits), largest_code(activation_bits)
        self.units, self.in_features, self.bits, self.activation_bits = int(units), in_features, bits, activation_bits
        self.bias, self.built = bias, False

    @staticmethod
    def example():
        return {"units": 3}, (4,)

    def output_shape(self, input_shape):
        if len(input_shape) != 1 or (self.in_features is not None and input_shape[0] != self.in_features):
            raise ShapeError(f"expects input of shape ({self.in_features or 'features'},), got {tuple(input_shape)}")
        return (self.units,)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self.in_features = int(input_shape[0])
        self._make_state((self.in_features, self.units), self.units)

    def forward(self, x: Tensor) -> Tensor:
        # (N, in) int32 @ (in, units) int32 -> (N, units) int32
        acc = self.codes_of(x.data) @ self._buffers["weight_codes"].astype(np.int32)
        return self.finish(acc)


def image_columns(codes: np.ndarray, kernel: tuple, stride: tuple, pads: list) -> np.ndarray:
    """(N, C, H, W) integer codes -> (N, OH, OW, C * kh * kw) windows; padding adds code 0 (the value 0)."""
    padded = np.pad(codes, ((0, 0), (0, 0), tuple(pads[0]), tuple(pads[1])))
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel, axis=(2, 3))
    windows = windows[:, :, ::stride[0], ::stride[1]]  # (N, C, OH, OW, kh, kw)
    n, c, oh, ow, kh, kw = windows.shape
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, c * kh * kw)


@layers.register("quantised_conv2d", "int8_conv2d")
class QuantisedConv2D(_Quantised):
    """A 2-D convolution with integer kernels and inputs, made by ``dlx compress --method quantise``.

    Args:
        filters (int): output channels; kernel_size (pair); stride (pair, default (1, 1));
        pads (list, default [[0, 0], [0, 0]]): zeros before and after on height and width.
        in_channels (int, default None): inferred when built.
        bits, activation_bits, bias: as ``QuantisedDense``.

    Shape:
        input (N, C, H, W), output (N, filters, OH, OW); ``weight_codes`` (filters, C, kh, kw) int8,
        ``weight_scale`` (filters,), one per filter.
    """

    def __init__(self, filters: int, kernel_size, stride=(1, 1), pads=((0, 0), (0, 0)),
                 in_channels: int | None = None, bits: int = 8, activation_bits: int = 8, bias: bool = True):
        super().__init__()
        largest_code(bits), largest_code(activation_bits)
        self.filters, self.kernel_size, self.stride = int(filters), tuple(kernel_size), tuple(stride)
        self.pads = [list(p) for p in pads]
        self.in_channels, self.bits, self.activation_bits = in_channels, bits, activation_bits
        self.bias, self.built = bias, False

    @staticmethod
    def example():
        return {"filters": 2, "kernel_size": [3, 3], "pads": [[1, 1], [1, 1]]}, (2, 5, 5)

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"expects input of shape (channels, height, width), got {tuple(input_shape)}")
        sizes = [(n + sum(p) - k) // s + 1 for n, p, k, s in
                 zip(input_shape[1:], self.pads, self.kernel_size, self.stride)]
        return (self.filters, *sizes)

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self.in_channels = int(input_shape[0])
        self._make_state((self.filters, self.in_channels, *self.kernel_size), self.filters)

    def forward(self, x: Tensor) -> Tensor:
        columns = image_columns(self.codes_of(x.data), self.kernel_size, self.stride, self.pads)
        kernels = self._buffers["weight_codes"].astype(np.int32).reshape(self.filters, -1)
        acc = columns @ kernels.T  # (N, OH, OW, filters) int32
        return self.finish(acc.transpose(0, 3, 1, 2))
