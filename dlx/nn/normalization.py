"""Batch normalisation layers: normalise each feature (channel) with the statistics of the batch.

In training mode a layer normalises with the batch mean and (biased) variance and
updates running averages of both; in evaluation mode it normalises with the
running averages, so a prediction does not depend on the rest of the batch.
The fused operation and its derivation are in ``dlx.ops.norm``.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Module, Parameter
from dlx.ops.norm import batch_norm
from dlx.registry import layers
from dlx.tensor import Tensor


class _BatchNorm(Module):
    """Shared by BatchNorm1D and BatchNorm2D; subclasses give the accepted per-sample ranks."""

    ranks: tuple[int, ...] = (1,)
    input_axes = "(features,)"

    def __init__(self, eps: float = 1e-5, momentum: float = 0.1, num_features: int | None = None):
        super().__init__()
        name = type(self).registry_name
        if not eps > 0:
            raise ConfigError(f"{name}: eps must be positive, got {eps}")
        if not 0 <= momentum <= 1:
            raise ConfigError(f"{name}: momentum must lie in [0, 1], got {momentum}")
        self.eps, self.momentum, self.num_features = float(eps), float(momentum), num_features
        self.built = False
        if num_features is not None:
            self._create_parameters(int(num_features))

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) not in self.ranks:
            raise ShapeError(f"expects input of shape {self.input_axes}, got {shape}; {self.rank_hint}")
        if self.num_features is not None and shape[0] != self.num_features:
            raise ShapeError(f"expects {self.num_features} features (axis 1 of the batch), got {shape}")
        return shape

    def build(self, input_shape, rng):
        self.output_shape(input_shape)
        self._create_parameters(int(input_shape[0]))

    def _create_parameters(self, features: int) -> None:
        self.num_features = features
        self.gamma = Parameter(np.ones(features, dtype=np.float32))   # scale, starts at 1
        self.beta = Parameter(np.zeros(features, dtype=np.float32))   # shift, starts at 0
        self.register_buffer("running_mean", np.zeros(features, dtype=np.float32))
        self.register_buffer("running_var", np.ones(features, dtype=np.float32))
        self.built = True

    @property
    def running_mean(self) -> np.ndarray:
        return self._buffers["running_mean"]

    @property
    def running_var(self) -> np.ndarray:
        return self._buffers["running_var"]

    def forward(self, x: Tensor) -> Tensor:
        # (N, C, ...) -> (N, C, ...); running statistics change in place in training mode
        return batch_norm(x, self.gamma, self.beta, self._buffers["running_mean"], self._buffers["running_var"],
                          training=self.training, momentum=self.momentum, eps=self.eps)


@layers.register("batch_norm1d", "batchnorm1d", "batch_normalization1d")
class BatchNorm1D(_BatchNorm):
    """Batch normalisation of features (N, F) or sequences (N, C, L), statistics per feature/channel.

    y = gamma (x - mean) / sqrt(var + eps) + beta, with the batch's mean and biased variance in
    training (statistics over N, and L for sequences) and the running averages in evaluation.

    Args:
        eps (float, default 1e-5): added to the variance.
        momentum (float, default 0.1): running = (1 - momentum) running + momentum batch; the
            running variance averages the unbiased batch variance, as PyTorch does.
        num_features (int, default None): inferred from the data when the model is built.

    Shape:
        input (N, F) or (N, C, L), output the same. gamma, beta, running_mean, running_var (F,).

    Example::

        >>> layer = BatchNorm1D(num_features=4)
        >>> layer(Tensor(np.random.default_rng(0).normal(3.0, 2.0, (64, 4)))).data.std(axis=0).round(2)
        array([1., 1., 1., 1.])
    """

    ranks = (1, 2)
    input_axes = "(features,) or (channels, length)"
    rank_hint = "use batch_norm2d for images"

    @staticmethod
    def example():
        return {}, (4,)


@layers.register("batch_norm2d", "batchnorm2d", "batch_normalization2d")
class BatchNorm2D(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), statistics per channel over N, H and W.

    y = gamma (x - mean) / sqrt(var + eps) + beta, with the batch's mean and biased variance in
    training and the running averages in evaluation.

    Args:
        eps (float, default 1e-5): added to the variance.
        momentum (float, default 0.1): running = (1 - momentum) running + momentum batch; the
            running variance averages the unbiased batch variance, as PyTorch does.
        num_features (int, default None): channels; inferred from the data when the model is built.

    Shape:
        input (N, C, H, W), output the same. gamma, beta, running_mean, running_var (C,).

    Example::

        >>> layer = BatchNorm2D()
        >>> layer(Tensor(np.ones((8, 16, 5, 5), np.float32))).shape
        (8, 16, 5, 5)
    """

    ranks = (3,)
    input_axes = "(channels, height, width)"
    rank_hint = "use batch_norm1d for features (N, F)"

    @staticmethod
    def example():
        return {}, (2, 3, 2)
