"""Build a model from the ``model`` section of a config, inferring every input size from the data.

Layers are written as ``- relu`` or ``- dense: {units: 64}``; the value
``outputs`` for a size (``units: outputs``) means the number of outputs the
data set needs. A model is checked shape by shape before it is built, so a
layer that does not fit fails with its index, name and both shapes before any
training.

Every layer also accepts ``l1`` / ``l2`` (its own weight penalties) and
``frozen: true`` (its parameters get no gradient and no optimiser update; they
are still saved)::

    layers:
      - dense: {units: 64, frozen: true}
      - relu
      - dense: {units: outputs, l2: 0.01}
"""
from __future__ import annotations

from typing import Any

import numpy as np

import dlx.nn  # noqa: F401  (registers the layers)
from dlx.errors import ConfigError, ShapeError
from dlx.models.graph import build_graph_model, is_graph_config, is_graph_model, module_from_config
from dlx.models.memory import check_layers_memory
from dlx.models.trace import check_traced_memory, trace_model
from dlx.nn import Module, Sequential
from dlx.nn.graph import shared_blocks
from dlx.registry import layers, models

FORMAT = "dlx-model"


def layer_spec(spec) -> tuple[str, dict[str, Any]]:
    """``"relu"`` -> ("relu", {}); ``{"dense": {"units": 4}}`` -> ("dense", {"units": 4})."""
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and len(spec) == 1:
        name, kwargs = next(iter(spec.items()))
        if kwargs is None:
            return name, {}
        if isinstance(kwargs, dict):
            return name, dict(kwargs)
    raise ConfigError(f"a layer is written '- name' or '- name: {{argument: value}}', got {spec!r}")


def _resolve_outputs(kwargs: dict, output_size: int) -> dict:
    return {k: (output_size if v == "outputs" else v) for k, v in kwargs.items()}


PENALTY_KEYS = ("l1", "l2")  # per-layer weight penalties, accepted by every layer
FROZEN_KEY = "frozen"  # per-layer: ``frozen: true`` keeps the layer's parameters as built (or loaded)
LAYER_KEYS = PENALTY_KEYS + (FROZEN_KEY,)  # accepted by every layer on top of its own arguments


def create_layer(name: str, kwargs: dict, output_size: int) -> Module:
    """A layer from its registry name and arguments; ``l1``/``l2`` set its own weight penalties,
    ``frozen: true`` freezes its parameters (no gradient, no optimiser update)."""
    cls = layers.get(name)
    kwargs = dict(kwargs)
    penalty = {key: float(kwargs.pop(key)) for key in PENALTY_KEYS if key in kwargs}
    frozen = kwargs.pop(FROZEN_KEY, False)
    if not isinstance(frozen, bool):
        raise ConfigError(f"layer '{name}': frozen must be true or false, got {frozen!r}")
    try:
        layer = cls(**_resolve_outputs(kwargs, output_size))
    except TypeError as error:
        raise ConfigError(f"layer '{name}': {error}") from None
    if penalty:
        layer.penalty = penalty
    if frozen:
        layer.freeze()  # kept until build_model builds the parameters
    return layer


def other_kind_problem(name: str, factory) -> str | None:
    """Why the registered model ``name`` cannot be a supervised config's model, or None if it can.

    One registry holds every kind's models; a generative model says ``experiment_kind = "generative"``.
    """
    kind = getattr(factory, "experiment_kind", "supervised")
    if kind == "supervised":
        return None
    return (f"'{name}' is a {kind} model, not one a supervised config trains; write a {kind} config "
            f"(e.g. configs/vae_digits.yaml: task: {kind}, model: {{kind: {name}, ...}})")


def build_model(model_config, input_shape: tuple[int, ...], output_size: int,
                rng: np.random.Generator, batch_size: int = 32, memory_limit: int | None = None) -> Module:
    """The model described by ``model_config`` (a ModelConfig or dict), built for ``input_shape``.

    Raises ShapeError naming the layer and both shapes if the layers do not fit, and
    ConfigError if training it at ``batch_size`` would need more memory than the limit
    (``dlx.models.memory``; None: ``$DLX_MEMORY_LIMIT`` or 4 GiB) before anything is allocated.
    """
    config = model_config if isinstance(model_config, dict) else model_config.model_dump()
    if config.get("name"):
        factory = models.get(config["name"])
        problem = other_kind_problem(config["name"], factory)
        if problem:
            raise ConfigError(f"model.name: {problem}")
        model = factory(output_size=output_size, **config.get("options", {}))
    elif is_graph_config(config):  # blocks, residual, branches, repeat, shared blocks, several inputs
        return build_graph_model(config, input_shape, output_size, rng, batch_size, memory_limit)
    else:
        model = Sequential([create_layer(*layer_spec(spec), output_size) for spec in config["layers"]])
    model.output_shape(tuple(input_shape))  # fails with layer index, name and both shapes
    check_layers_memory(getattr(model, "layers", [model]), input_shape, batch_size, limit=memory_limit)
    model.build(tuple(input_shape), rng)
    model.refreeze()
    return model


def check_output(model: Module, input_shape: tuple[int, ...], output_size: int, expected: tuple | None = None) -> None:
    """The model's output per sample must be ``expected`` (default (output_size,)): the data set decides it."""
    shape = tuple(model.output_shape(tuple(input_shape)))
    expected = (output_size,) if expected is None else tuple(expected)
    if shape != expected:
        raise ShapeError(f"the model's output has shape {shape} per sample but the data set needs "
                         f"{expected}; set the last layer's units to {output_size} (or 'outputs')"
                         + (" and give it every time step (return_sequences: true, then time_dense)"
                            if len(expected) == 2 else ""))


def final_activation(model: Module) -> str:
    """The registry name of the last layer if it is an activation, else 'linear'."""
    from dlx.registry import activations
    last = model.layers[-1] if isinstance(model, Sequential) and model.layers else model
    name = getattr(type(last), "registry_name", "linear")
    return name if name in activations else "linear"


def describe_model(model: Module, input_shape, output_size: int) -> dict:
    """A JSON-serialisable description: enough to rebuild the architecture.

    A model with shared blocks describes each block once, under ``blocks``; its uses
    say ``{"name": "use", "block": NAME}``. A graph of several inputs has one
    ``input_shape`` per input name.
    """
    shape = {k: list(v) for k, v in input_shape.items()} if isinstance(input_shape, dict) else list(input_shape)
    description = {"format": FORMAT, "version": 1, "input_shape": shape, "output_size": output_size,
                   "architecture": model.get_config(), "parameters": model.num_parameters()}
    blocks = shared_blocks(model)
    if blocks:
        description["blocks"] = {name: block.get_config() for name, block in blocks.items()}
    return description


def model_from_description(description: dict) -> Module:
    """Rebuild an (untrained) model from ``describe_model``'s output."""
    if description.get("format") != FORMAT:
        raise ConfigError("not a dlx model description (model.json); give the folder of a dlx run")
    architecture, shape = description["architecture"], description["input_shape"]
    input_shape = {k: tuple(v) for k, v in shape.items()} if isinstance(shape, dict) else tuple(shape)
    model = module_from_config(architecture, description.get("blocks", {}), _from_config)
    if is_graph_model(model):
        check_traced_memory(trace_model(model, input_shape), batch_size=1024)  # predictions' batches
    else:
        model.output_shape(input_shape)
        check_layers_memory(getattr(model, "layers", [model]), input_shape, batch_size=1024)
    model.build(input_shape, np.random.default_rng(0))
    return model


def _from_config(config: dict) -> Module:
    config = dict(config)
    name = config.pop("name")
    if name == "sequential":
        return Sequential([_from_config(c) for c in config["layers"]])
    if name not in layers and name in models:  # a named model that describes itself
        return models.create(name, **config)
    return layers.create(name, **config)
