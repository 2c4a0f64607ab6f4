"""Named models: a config says ``model: {name: mlp, options: {hidden: [64, 32]}}``."""
from __future__ import annotations

from dlx.errors import ConfigError
from dlx.nn import Dense, Sequential
from dlx.registry import activations, layers, models


@models.register("mlp")
def mlp(output_size: int, hidden: list[int] = (64,), activation: str = "relu", dropout: float = 0.0,
        output_activation: str | None = None) -> Sequential:
    """A multi-layer perceptron: dense layers of the ``hidden`` sizes, each followed by the activation.

    Args:
        output_size (int): units of the last layer (given by the data set).
        hidden (list of int, default [64]): sizes of the hidden layers.
        activation (str, default "relu"): activation after every hidden layer.
        dropout (float, default 0): dropout probability after every hidden activation.
        output_activation (str, default None): activation after the last layer (None: logits).
    """
    if any(int(h) < 1 for h in hidden):
        raise ConfigError(f"mlp: hidden sizes must be positive integers, got {list(hidden)}")
    parts = []
    for size in hidden:
        parts += [Dense(int(size)), activations.create(activation)]
        if dropout:
            parts.append(layers.create("dropout", p=dropout))
    parts.append(Dense(output_size))
    if output_activation:
        parts.append(activations.create(output_activation))
    return Sequential(parts)
