"""How much memory a model will need, estimated from shapes before anything is allocated.

A 1 kB config (or a model.npz record) with ``units: 1000000000`` would ask NumPy
for hundreds of GiB; the builder calls ``check_memory`` with the shapes it has
inferred, before it builds a single array, and refuses what exceeds the limit in
one line that says how to raise it.

The estimate, in bytes of ``itemsize`` each (float32: 4):

* parameters: the weights, their gradients and ``optimiser_slots`` arrays of
  optimiser state each (Adam keeps two: m and v), so ``(2 + slots) * P``;
* activations: every layer's output for a batch, kept for the backward pass, and
  a gradient of the same size, so ``2 * batch_size * sum(prod(shape))``.

Example::

    >>> estimate = check_memory([(784, 128), (128,)], [(128,), (10,)], batch_size=64)
    >>> estimate.total < 2**20
    True

For a model of layers not yet built, ``check_layers_memory(model.layers, input_shape,
batch_size)`` reads the parameter shapes from the layers' arguments (``parameter_shapes``).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

from dlx.config.sizes import parse_bytes
from dlx.errors import ConfigError

LIMIT_ENV = "DLX_MEMORY_LIMIT"
DEFAULT_LIMIT = 4 * 2**30  # 4 GiB


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes for parameters (with gradients and optimiser state) and activations at a batch size."""

    parameters: int
    activations: int

    @property
    def total(self) -> int:
        return self.parameters + self.activations


def memory_limit(configured: str | int | float | None = None) -> int:
    """The limit in bytes: ``configured`` (a config key) if given, else ``$DLX_MEMORY_LIMIT``, else 4 GiB."""
    if configured is not None:
        return parse_bytes(configured)
    if os.environ.get(LIMIT_ENV):
        return parse_bytes(os.environ[LIMIT_ENV])
    return DEFAULT_LIMIT


def estimate_memory(parameter_shapes: Iterable[Sequence[int]], activation_shapes: Iterable[Sequence[int]],
                    batch_size: int, itemsize: int = 4, optimiser_slots: int = 2) -> MemoryEstimate:
    """Bytes needed to train: see the module docstring for what is counted.

    Args:
        parameter_shapes: the shape of each parameter array.
        activation_shapes: each layer's output shape for one sample (no batch axis).
        batch_size: samples per step.
        itemsize (default 4): bytes per number (float32).
        optimiser_slots (default 2): state arrays per parameter (Adam 2, momentum 1, plain SGD 0).
    """
    parameters = sum(math.prod(shape) for shape in parameter_shapes)  # Python ints: no overflow
    activations = sum(math.prod(shape) for shape in activation_shapes)
    return MemoryEstimate(parameters=(2 + optimiser_slots) * parameters * itemsize,
                          activations=2 * batch_size * activations * itemsize)


def format_bytes(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def check_memory(parameter_shapes, activation_shapes, batch_size: int, limit: int | None = None,
                 what: str = "the model", **estimate_options) -> MemoryEstimate:
    """The estimate, or a one-line ConfigError when it exceeds ``limit`` (default: ``memory_limit()``).

    Example::

        >>> check_memory([(10**9, 10**3)], [(10**9,)], batch_size=32)
        ConfigError: the model needs about 14.8 TiB (parameters 14.6 TiB, activations 238.4 GiB at batch size 32),
        more than the limit of 4.0 GiB; make it smaller, or raise the limit with DLX_MEMORY_LIMIT=... ...
    """
    estimate = estimate_memory(parameter_shapes, activation_shapes, batch_size, **estimate_options)
    limit = memory_limit() if limit is None else limit
    if estimate.total > limit:
        raise ConfigError(f"{what} needs about {format_bytes(estimate.total)} (parameters "
                          f"{format_bytes(estimate.parameters)}, activations {format_bytes(estimate.activations)} "
                          f"at batch size {batch_size}), more than the limit of {format_bytes(limit)}; make it "
                          f"smaller, or raise the limit with {LIMIT_ENV}=16GiB or training.memory_limit: 16GiB")
    return estimate


def check_bytes(nbytes: int, what: str, smaller: str) -> None:
    """A one-line ConfigError, before anything is allocated, when ``what`` needs more than the limit.

    Example::

        >>> check_bytes(64 * 10**9, "--episodes 1000000000", "play fewer episodes")
        ConfigError: --episodes 1000000000 needs about 59.6 GiB, more than the limit of 4.0 GiB; play fewer ...
    """
    limit = memory_limit()
    if nbytes > limit:
        raise ConfigError(f"{what} needs about {format_bytes(nbytes)}, more than the limit of {format_bytes(limit)}; "
                          f"{smaller}, or raise the limit with {LIMIT_ENV}=16GiB")


def parameter_shapes(layer, input_shape: Sequence[int]) -> list[tuple[int, ...]]:
    """The shapes of the parameters ``layer`` will create for ``input_shape``, before it allocates them.

    A layer may say so itself with a ``parameter_shapes(input_shape)`` method; otherwise dense
    (``units``), convolution (``filters``, ``kernel_size``) and batch-norm layers are known, and
    layers without these arguments are counted as parameter-free.
    """
    if hasattr(layer, "parameter_shapes"):
        return [tuple(shape) for shape in layer.parameter_shapes(tuple(input_shape))]
    bias = getattr(layer, "bias", False) is True
    if hasattr(layer, "units"):  # dense: (in, units) and (units,)
        return [(int(input_shape[-1]), int(layer.units))] + [(int(layer.units),)] * bias
    if hasattr(layer, "filters") and hasattr(layer, "kernel_size"):  # (filters, channels, *kernel)
        kernel = layer.kernel_size if isinstance(layer.kernel_size, tuple) else (layer.kernel_size,)
        return [(int(layer.filters), int(input_shape[0]), *map(int, kernel))] + [(int(layer.filters),)] * bias
    if "batch_norm" in getattr(type(layer), "registry_name", ""):  # gamma and beta (the running stats are small)
        return [(int(input_shape[0]),)] * 2
    return []


def check_layers_memory(layers, input_shape: Sequence[int], batch_size: int, limit: int | None = None,
                        **estimate_options) -> MemoryEstimate:
    """``check_memory`` for layers in order (a Sequential's ``layers``), their shapes inferred here.

    Call it after ``model.output_shape(input_shape)`` has checked that the layers fit and
    before ``model.build``; the message names the layer that needs the most.
    """
    shape, parameters, activations, largest = tuple(input_shape), [], [], (0, "the model")
    for i, layer in enumerate(layers):
        shapes = parameter_shapes(layer, shape)
        shape = tuple(layer.output_shape(shape))
        parameters += shapes
        sized = tuple(1 if d is None else d for d in shape)  # None: a length known only at run time (a decoder's)
        activations.append(sized)
        size = sum(math.prod(s) for s in shapes) + batch_size * math.prod(sized)
        if size > largest[0]:
            name = getattr(type(layer), "registry_name", type(layer).__name__)
            largest = (size, f"the model (mostly layer {i}, {name})")
    return check_memory(parameters, activations, batch_size, limit, what=largest[1], **estimate_options)
