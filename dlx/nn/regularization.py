"""Regularisation by noise in training (notes: generalisation): Dropout and GaussianNoise.

Both are active only in training mode and are the identity in evaluation mode.
They draw from ``self.rng``, a generator seeded in ``build`` from the model's
generator, so one seed gives the same masks in every run.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.nn.module import Module
from dlx.ops.elementwise import add, mul
from dlx.registry import layers
from dlx.tensor import Tensor


class _NoiseLayer(Module):
    """A layer with its own generator; built (seeded) by ``build`` or from ``rng``."""

    per_step = True  # the identity in eval mode

    def __init__(self, rng: np.random.Generator | None = None):
        super().__init__()
        self.rng: np.random.Generator | None = None
        self.built = False
        if rng is not None:
            self.build((), rng)

    def build(self, input_shape, rng):
        self.rng = np.random.default_rng(rng.integers(2 ** 63))
        self.built = True

    @staticmethod
    def _float_dtype(x: Tensor):
        """The dtype to draw noise in: the input's if the generator supports it."""
        return x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)


@layers.register("dropout")
class Dropout(_NoiseLayer):
    """Inverted dropout: in training, zero each element with probability p and scale the rest by 1/(1-p).

    Scaling the kept elements in training keeps E[output] = input, so evaluation mode
    is the identity (no rescaling at test time). Gradients flow only through the kept
    elements, scaled by 1/(1-p).

    Args:
        p (float, default 0.5): probability of zeroing an element, in [0, 1).
        rng: generator to seed the masks from; otherwise seeded when the model is built.

    Shape:
        input (N, *), output the same.

    Example::

        >>> layer = Dropout(0.5, rng=np.random.default_rng(0))
        >>> layer(Tensor(np.ones((2, 4)))).data     # doctest: +SKIP
        array([[2., 0., 2., 2.],
               [0., 0., 2., 0.]])
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None):
        if not 0 <= p < 1:
            raise ConfigError(f"dropout: p must lie in [0, 1), got {p}; p is the probability of "
                              f"dropping an element (p=1 would drop everything)")
        self.p = float(p)
        super().__init__(rng)

    @staticmethod
    def example():
        return {"p": 0.5}, (3, 4)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        dtype = self._float_dtype(x)
        keep = self.rng.random(x.shape, dtype=dtype) >= self.p  # True with probability 1 - p
        mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - self.p))  # 0 or 1/(1-p)
        return mul(x, mask)


@layers.register("gaussian_noise")
class GaussianNoise(_NoiseLayer):
    """Training with noise: in training, add N(0, std^2) noise to every element; identity in evaluation.

    Args:
        std (float, default 0.1): standard deviation of the noise, >= 0.
        rng: generator to seed the noise from; otherwise seeded when the model is built.

    Shape:
        input (N, *), output the same.

    Example::

        >>> layer = GaussianNoise(0.1, rng=np.random.default_rng(0))
        >>> float(layer(Tensor(np.zeros((1000, 10)))).data.std().round(1))
        0.1
    """

    def __init__(self, std: float = 0.1, rng: np.random.Generator | None = None):
        if not std >= 0:
            raise ConfigError(f"gaussian_noise: std must be >= 0, got {std}")
        self.std = float(std)
        super().__init__(rng)

    @staticmethod
    def example():
        return {"std": 0.5}, (3, 4)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.std == 0:
            return x
        dtype = self._float_dtype(x)
        noise = self.rng.standard_normal(x.shape, dtype=dtype) * dtype.type(self.std)
        return add(x, noise)
