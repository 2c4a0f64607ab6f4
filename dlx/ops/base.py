"""Registration of operations, with an example input for the registry-wide gradcheck."""
from __future__ import annotations

from typing import Callable

from dlx.registry import operations


def operation(name: str, example: Callable | None = None):
    """Register an operation under ``name``.

    ``example(rng)`` returns the positional arguments (or ``(args, kwargs)``) of a
    valid call on random data; floating arrays in it are the inputs that the
    common tests check with ``gradcheck``. Away from kinks, so that central
    differences are defined.
    """

    def decorate(fn):
        fn.example = example
        return operations.register(name)(fn)

    return decorate


def away_from_zero(rng, shape, low=0.2, high=2.0):
    """Random values with |x| in [low, high] and random sign: no kinks of relu/abs/max within eps."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng, shape):
    """Random values without ties (for max)."""
    n = 1
    for s in shape:
        n *= s
    return (rng.permutation(n).reshape(shape) + rng.uniform(0.1, 0.4, shape)) / n
