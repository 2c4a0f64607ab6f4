"""Containers of layers."""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.nn.module import Module


class Sequential(Module):
    """Layers applied one after another; ``build`` passes the inferred shape from layer to layer.

    Example::

        >>> net = Sequential([Dense(8), Tanh(), Dense(1), Sigmoid()])
        >>> net.build((2,), np.random.default_rng(0))
        >>> net.output_shape((2,))
        (1,)
    """

    def __init__(self, layers=()):
        super().__init__()
        self.layers = list(layers)

    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def append(self, layer: Module) -> "Sequential":
        self.layers.append(layer)
        return self

    @property
    def built(self) -> bool:  # type: ignore[override]
        return all(layer.built for layer in self.layers)

    @built.setter
    def built(self, value) -> None:
        pass

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        for i, layer in enumerate(self.layers):
            shape = _checked_shape(i, layer, shape)
        return shape

    def build(self, input_shape, rng: np.random.Generator) -> None:
        shape = tuple(input_shape)
        for i, layer in enumerate(self.layers):
            next_shape = _checked_shape(i, layer, shape)
            if not layer.built:
                layer.build(shape, rng)
            shape = next_shape

    takes_mask = True

    def forward(self, x, mask=None):
        """Each layer in turn; a (N, T) ``mask`` of padded sequences goes to the layers that take one
        (``takes_mask``: the recurrent layers), the others never see it."""
        for layer in self.layers:
            x = forward_masked(layer, x, mask)
        return x

    def get_config(self) -> dict:
        return {"name": "sequential", "layers": [layer.get_config() for layer in self.layers]}


def forward_masked(model: Module, x, mask=None):
    """``model(x, mask=mask)`` if the model takes a mask (``takes_mask``), else ``model(x)``.

    Example::

        >>> out = forward_masked(model, Tensor(batch.X), batch.mask)   # padded steps ignored
    """
    if mask is not None and getattr(model, "takes_mask", False):
        return model(x, mask=mask)
    return model(x)


def _checked_shape(index: int, layer: Module, shape: tuple) -> tuple:
    try:
        return tuple(layer.output_shape(shape))
    except ShapeError as error:
        name = getattr(type(layer), "registry_name", type(layer).__name__)
        raise ShapeError(f"layer {index} ({name}) {error}") from None
