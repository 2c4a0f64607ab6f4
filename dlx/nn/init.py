"""Weight initialisers, chosen by name: ``init="he_normal"`` or ``{"name": "normal", "std": 0.1}``.

Each is called as ``init(shape, fan_in, fan_out, rng)`` and returns a float32
array. ``fan_in`` / ``fan_out`` count the connections into and out of one unit
(for a convolution: channels times kernel size).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.registry import initialisers


class Initialiser:
    def __call__(self, shape, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        return self.sample(tuple(shape), fan_in, fan_out, rng).astype(np.float32)

    def sample(self, shape, fan_in, fan_out, rng):
        raise NotImplementedError


@initialisers.register("glorot_uniform", "xavier_uniform")
class GlorotUniform(Initialiser):
    """Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def sample(self, shape, fan_in, fan_out, rng):
        limit = self.gain * np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape)


@initialisers.register("glorot_normal", "xavier_normal")
class GlorotNormal(Initialiser):
    """Glorot/Xavier normal: N(0, gain^2 * 2 / (fan_in + fan_out))."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def sample(self, shape, fan_in, fan_out, rng):
        return rng.normal(0.0, self.gain * np.sqrt(2.0 / (fan_in + fan_out)), shape)


@initialisers.register("he_uniform", "kaiming_uniform")
class HeUniform(Initialiser):
    """He/Kaiming uniform for ReLU layers: U(-a, a), a = sqrt(6 / fan_in)."""

    def sample(self, shape, fan_in, fan_out, rng):
        limit = np.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, shape)


@initialisers.register("he_normal", "kaiming_normal")
class HeNormal(Initialiser):
    """He/Kaiming normal for ReLU layers: N(0, 2 / fan_in)."""

    def sample(self, shape, fan_in, fan_out, rng):
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)


@initialisers.register("normal")
class Normal(Initialiser):
    """Normal distribution N(mean, std^2)."""

    def __init__(self, mean: float = 0.0, std: float = 0.05):
        self.mean, self.std = mean, std

    def sample(self, shape, fan_in, fan_out, rng):
        return rng.normal(self.mean, self.std, shape)


@initialisers.register("uniform")
class Uniform(Initialiser):
    """Uniform distribution U(low, high)."""

    def __init__(self, low: float = -0.05, high: float = 0.05):
        if not low < high:
            raise ConfigError(f"uniform initialiser needs low < high, got low={low}, high={high}")
        self.low, self.high = low, high

    def sample(self, shape, fan_in, fan_out, rng):
        return rng.uniform(self.low, self.high, shape)


@initialisers.register("zeros")
class Zeros(Initialiser):
    """All zeros (biases)."""

    def sample(self, shape, fan_in, fan_out, rng):
        return np.zeros(shape)


@initialisers.register("ones")
class Ones(Initialiser):
    """All ones (scales of normalisation layers)."""

    def sample(self, shape, fan_in, fan_out, rng):
        return np.ones(shape)


@initialisers.register("constant")
class Constant(Initialiser):
    """Every weight the same ``value``, or the given ``values`` (e.g. the notes' worked examples)."""

    def __init__(self, value: float = 0.0, values: list | None = None):
        self.value, self.values = value, values

    def sample(self, shape, fan_in, fan_out, rng):
        if self.values is None:
            return np.full(shape, self.value)
        values = np.asarray(self.values, dtype=np.float64)
        if values.size != int(np.prod(shape)):
            raise ConfigError(f"constant initialiser: {values.size} values for a weight of shape {shape}; "
                              f"give {int(np.prod(shape))}")
        return values.reshape(shape)


@initialisers.register("identity")
class Identity(Initialiser):
    """gain * identity matrix (the IRNN's recurrent weights); needs a 2-D shape."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def sample(self, shape, fan_in, fan_out, rng):
        if len(shape) != 2:
            raise ConfigError(f"identity initialiser needs a 2-D weight, got shape {shape}; "
                              f"use it for dense or recurrent weights")
        return self.gain * np.eye(*shape)


@initialisers.register("orthogonal")
class Orthogonal(Initialiser):
    """gain * a random orthogonal matrix (QR of a Gaussian matrix, signs fixed), Saxe et al. 2014."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def sample(self, shape, fan_in, fan_out, rng):
        rows, cols = shape[0], int(np.prod(shape[1:]))
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return self.gain * q[:rows, :cols].reshape(shape)


def get_initialiser(spec) -> Initialiser:
    """An initialiser from a name, a ``{"name": ..., **kwargs}`` dict, or an Initialiser."""
    if isinstance(spec, Initialiser):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name", None)
        if name is None:
            raise ConfigError(f"initialiser {spec} has no 'name'; write e.g. {{name: normal, std: 0.1}}")
        return initialisers.create(name, **spec)
    return initialisers.create(spec)
