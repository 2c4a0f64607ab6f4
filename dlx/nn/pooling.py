"""Pooling layers (notes ch. 5): downsample images (N, C, H, W) channel by channel.

Max pooling keeps the strongest response in each window, so small shifts of the
input barely change the output; average pooling keeps the mean. Both have no
parameters.
"""
from __future__ import annotations

from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Module
from dlx.ops.conv import pair
from dlx.ops.pool import avg_pool2d, max_pool2d
from dlx.ops.reduce import mean
from dlx.registry import layers
from dlx.tensor import Tensor

_IMAGE_AXES = "(channels, height, width)"


def _check_image_rank(shape) -> tuple[int, ...]:
    shape = tuple(shape)
    if len(shape) != 3:
        raise ShapeError(f"expects input of shape {_IMAGE_AXES}, got {shape}; "
                         f"give images as (N, channels, height, width)")
    return shape


class _Pool2D(Module):
    """Shared by MaxPool2D and AvgPool2D: window size, stride, padding and the output shape."""

    def __init__(self, pool_size=2, stride=None, padding=0):
        super().__init__()
        name = type(self).registry_name
        self.pool_size = pair(pool_size, "pool_size")
        self.stride = None if stride is None else pair(stride, "stride")
        self.padding = pair(padding, "padding")
        if min(self.pool_size) < 1 or (self.stride is not None and min(self.stride) < 1):
            raise ConfigError(f"{name}: pool_size and stride must be positive, got {pool_size}, {stride}")
        if not all(0 <= p <= k // 2 for p, k in zip(self.padding, self.pool_size)):
            raise ConfigError(f"{name}: padding {padding} must lie between 0 and half the pool size "
                              f"{self.pool_size}; use a smaller padding")

    @staticmethod
    def example():
        return {"pool_size": 2}, (2, 4, 5)

    def output_shape(self, input_shape):
        channels, height, width = _check_image_rank(input_shape)
        (kh, kw), (ph, pw) = self.pool_size, self.padding
        sh, sw = self.stride or self.pool_size
        if height + 2 * ph < kh or width + 2 * pw < kw:
            raise ShapeError(f"expects an image of at least {kh}x{kw} after padding, got "
                             f"{tuple(input_shape)}; remove a pooling layer or use padding in the "
                             f"convolutions before it")
        return channels, (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1


@layers.register("max_pool2d", "maxpool2d", "max_pooling2d")
class MaxPool2D(_Pool2D):
    """2-D max pooling: the maximum of each window; the gradient flows to the arg max.

    Args:
        pool_size (int or pair, default 2): window height and width.
        stride (int or pair, default None): step between windows; None means pool_size
            (windows that do not overlap).
        padding (int or pair, default 0): -inf padding on each side, at most half the window.

    Shape:
        input (N, C, H, W), output (N, C, Ho, Wo) with Ho = floor((H + 2 padding - pool) / stride) + 1.

    Example::

        >>> MaxPool2D(2)(Tensor(np.arange(16.0).reshape(1, 1, 4, 4))).data
        array([[[[ 5.,  7.],
                 [13., 15.]]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, C, Ho, Wo)
        return max_pool2d(x, self.pool_size, self.stride, self.padding)


@layers.register("avg_pool2d", "avgpool2d", "average_pooling2d")
class AvgPool2D(_Pool2D):
    """2-D average pooling: the mean of each window (zero padding counts towards the mean).

    Args:
        pool_size (int or pair, default 2): window height and width.
        stride (int or pair, default None): step between windows; None means pool_size.
        padding (int or pair, default 0): zero padding on each side, at most half the window.

    Shape:
        input (N, C, H, W), output (N, C, Ho, Wo) with Ho = floor((H + 2 padding - pool) / stride) + 1.

    Example::

        >>> AvgPool2D(2)(Tensor(np.arange(16.0).reshape(1, 1, 4, 4))).data
        array([[[[ 2.5,  4.5],
                 [10.5, 12.5]]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, C, Ho, Wo)
        return avg_pool2d(x, self.pool_size, self.stride, self.padding)


@layers.register("global_avg_pool2d", "global_average_pooling2d")
class GlobalAvgPool2D(Module):
    """Global average pooling: the mean of each channel over the whole image, (N, C, H, W) -> (N, C).

    Replaces flatten + dense at the end of a CNN with one number per feature map.

    Shape:
        input (N, C, H, W), output (N, C).

    Example::

        >>> GlobalAvgPool2D()(Tensor(np.ones((2, 3, 4, 4)))).shape
        (2, 3)
    """

    @staticmethod
    def example():
        return {}, (3, 2, 3)

    def output_shape(self, input_shape):
        return (_check_image_rank(input_shape)[0],)

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, H, W) -> (N, C)
        return mean(x, axis=(2, 3))
