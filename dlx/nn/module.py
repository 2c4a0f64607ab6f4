"""Module and Parameter: parameters found automatically, train/eval modes, state dicts.

A layer is a ``Module`` whose ``forward`` composes operations. Layers whose
parameter shapes depend on the input (``Dense`` needs the number of input
features) create them in ``build(input_shape, rng)``; ``output_shape`` tells
the shape of one sample after the layer without running it, so a model can be
checked before any training. Shapes here exclude the batch axis.
"""
from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import Iterator

import numpy as np

from dlx.errors import CheckpointError
from dlx.tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module owns and an optimiser updates (``requires_grad=True``).

    A frozen parameter (``frozen = True``, or ``Module.freeze()``) has
    ``requires_grad=False``: backward gives it no gradient, every optimiser skips
    it, and it stays in ``state_dict``.
    """

    __slots__ = ()

    def __init__(self, data, dtype=None):
        super().__init__(data, requires_grad=True, dtype=dtype)

    @property
    def frozen(self) -> bool:
        return not self.requires_grad

    @frozen.setter
    def frozen(self, value: bool) -> None:
        self.requires_grad = not value
        if value:
            self.grad = None

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class of layers and models.

    Sub-modules and parameters are attributes (also inside lists, tuples and
    dicts); they are found by walking the attributes in definition order.
    Buffers (arrays saved with the state but not trained, such as running
    statistics) are registered with ``register_buffer``.
    """

    training: bool = True
    built: bool = True
    _frozen: bool = False  # freeze() was called: parameters made by a later build() are frozen too
    takes_mask: bool = False  # forward(x, mask=None) accepts the (N, T) mask of padded sequences
    per_step: bool = False  # in eval mode, each time step's output depends on that step's input alone

    @staticmethod
    def example() -> tuple[dict, tuple[int, ...]]:
        """Constructor arguments and a per-sample input shape for the common layer tests."""
        return {}, (3, 4)

    def __init__(self):
        self.training = True
        self._buffers: dict[str, np.ndarray] = {}

    # ---- the forward pass ---------------------------------------------------------------
    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        if not self.built:
            first = args[0]
            shape = first.shape[1:] if hasattr(first, "shape") else ()
            self.build(tuple(shape), np.random.default_rng())
            self.refreeze()
        return self.forward(*args, **kwargs)

    # ---- shapes -------------------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        """Create the parameters for inputs of ``input_shape`` (one sample, no batch axis)."""
        self.built = True

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of one sample after this layer; raises ShapeError if the input does not fit."""
        return tuple(input_shape)

    # ---- parameters, buffers, sub-modules ---------------------------------------------------
    def _children(self) -> Iterator[tuple[str, object]]:
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, (Parameter, Module)):
                        yield f"{name}.{key}", item

    def named_modules(self, prefix: str = "", _seen: set | None = None) -> Iterator[tuple[str, "Module"]]:
        """Every module once (a block used twice is listed under its first use), with its dotted name."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self._children():
            if isinstance(child, Module):
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, seen)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter once, in attribute definition order, with its dotted name."""
        seen: set[int] = set()
        for name, child in self._children():
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(child, Module):
                pairs = child.named_parameters(full)
            else:
                pairs = [(full, child)]
            for pair in pairs:
                if id(pair[1]) not in seen:
                    seen.add(id(pair[1]))
                    yield pair

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        if "_buffers" not in vars(self):
            self._buffers = {}
        self._buffers[name] = value

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules():
            for name, value in vars(module).get("_buffers", {}).items():
                yield (f"{module_name}.{name}" if module_name else name), value

    def num_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    # ---- frozen parameters ----------------------------------------------------------------
    def freeze(self) -> "Module":
        """Freeze every parameter of this module and its sub-modules: no gradient, no update.

        Frozen parameters stay in ``state_dict``. On a module that is not built yet
        the wish is kept: ``refreeze()`` (called by ``build_model`` and a lazy first
        call) freezes the parameters that ``build`` creates.

        Example::

            >>> model.layers[0].freeze()      # train only the layers above it
        """
        return self._set_frozen(True)

    def unfreeze(self) -> "Module":
        """Undo ``freeze()`` for this module and its sub-modules."""
        return self._set_frozen(False)

    def _set_frozen(self, frozen: bool) -> "Module":
        for module in self.modules():
            module._frozen = frozen
        for p in self.parameters():
            p.frozen = frozen
        return self

    def refreeze(self) -> "Module":
        """Freeze the parameters of every sub-module that ``freeze()`` was called on (after a build)."""
        for module in self.modules():
            if module._frozen:
                module.freeze()
        return self

    def trainable_parameters(self) -> list[Parameter]:
        """The parameters that are not frozen."""
        return [p for p in self.parameters() if not p.frozen]

    # ---- modes --------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    # ---- state ----------------------------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of every parameter and buffer, by dotted name."""
        state = OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())
        state.update((name, np.array(value, copy=True)) for name, value in self.named_buffers())
        return state

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers; names and shapes must match."""
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(params) | set(buffers)
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise CheckpointError(f"state does not fit the model: missing {missing or 'none'}, "
                                  f"unexpected {unexpected or 'none'}; was it saved from this architecture?")
        for name, value in state.items():
            value = np.asarray(value)
            if name in params:
                target = params[name]
                if target.shape != value.shape:
                    raise CheckpointError(f"'{name}' has shape {value.shape} in the state but "
                                          f"{target.shape} in the model; was it saved from this architecture?")
                target.data = value.astype(target.dtype, copy=True)
            elif name in buffers:
                self._set_buffer(name, value)

    def _set_buffer(self, dotted: str, value: np.ndarray) -> None:
        module_name, _, name = dotted.rpartition(".")
        module = dict(self.named_modules())[module_name]
        old = module._buffers[name]
        if np.shape(old) != value.shape:
            raise CheckpointError(f"buffer '{dotted}' has shape {value.shape} in the state but {np.shape(old)} "
                                  f"in the model")
        module._buffers[name] = value.astype(np.asarray(old).dtype, copy=True)

    # ---- description ----------------------------------------------------------------------
    def get_config(self) -> dict:
        """The registry name and constructor arguments, enough to build this module again."""
        config = {"name": getattr(type(self), "registry_name", type(self).__name__)}
        for name, param in inspect.signature(type(self).__init__).parameters.items():
            if name in ("self", "rng") or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if hasattr(self, name):
                value = getattr(self, name)
                if isinstance(value, tuple):
                    value = list(value)
                if value is None or isinstance(value, (bool, int, float, str, list, dict)):
                    config[name] = value
        return config

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")

    def __repr__(self) -> str:
        children = [(n, c) for n, c in self._children() if isinstance(c, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({n}): " + repr(c).replace("\n", "\n  ") for n, c in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
