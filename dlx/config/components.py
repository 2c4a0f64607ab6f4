"""What the registered components' signatures say about a config: their defaults and their keys.

Two uses, both reading ``inspect.signature`` of the registered classes, so a new
layer, optimiser or schedule needs no edit here:

* ``with_component_defaults(config)``: a resolved config (``model_dump``) with
  every hyperparameter the file left out filled in with the component's *own*
  default (``{name: adadelta}`` shows ``lr: 1.0``, ``adam`` ``lr: 0.001``);
* ``add_component_schemas(schema)``: the JSON Schema of ``dlx schema`` with the
  keys of each layer, optimiser and schedule, so an editor completes
  ``- conv2d: {filters, kernel_size, ...}``.

The registries are read from ``dlx.registry``; the caller imports the packages
that fill them (``dlx.nn``, ``dlx.optim``).
"""
from __future__ import annotations

import copy
import inspect
import re
from typing import Any

from dlx.registry import layers, optimisers, schedules

SKIPPED = {"self", "params", "rng", "in_features", "in_channels"}  # supplied by dlx, never by the config
JSON_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "str": "string", "None": "null",
              "list": "array", "dict": "object"}


def keyword_parameters(target) -> dict[str, inspect.Parameter]:
    """The keyword arguments a config may give ``target`` (a class or function)."""
    return {name: p for name, p in inspect.signature(target).parameters.items()
            if name not in SKIPPED and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def own_defaults(target) -> dict[str, Any]:
    """``{name: default}`` for the keyword arguments of ``target`` that have a plain default."""
    return {name: p.default for name, p in keyword_parameters(target).items()
            if p.default is not p.empty and (p.default is None or isinstance(p.default, (bool, int, float, str)))}


def with_component_defaults(config: dict) -> dict:
    """A copy of a resolved config with the optimiser's, schedule's and layers' own defaults filled in.

    A key the config gives (or that the schema set) is kept; a key left out or ``None``
    gets the default of the registered component's signature.

    Example::

        >>> with_component_defaults({"optimiser": {"name": "adadelta", "lr": None}})["optimiser"]["lr"]
        1.0
    """
    config = copy.deepcopy(config)
    optimiser = config.get("optimiser")
    if isinstance(optimiser, dict) and optimiser.get("name") in optimisers:
        for key, value in own_defaults(optimisers.get(optimiser["name"])).items():
            if optimiser.get(key) is None:
                optimiser[key] = value
        schedule = optimiser.get("schedule")
        if isinstance(schedule, str):
            schedule = optimiser["schedule"] = {"name": schedule}
        if isinstance(schedule, dict) and schedule.get("name") in schedules:
            for key, value in own_defaults(schedules.get(schedule["name"])).items():
                schedule.setdefault(key, value)
    model = config.get("model")
    if isinstance(model, dict):
        model["layers"] = _chain_with_defaults(model.get("layers"))
        for name, block in (model.get("blocks") or {}).items():
            model["blocks"][name] = _chain_with_defaults(block)
        for node in (model.get("nodes") or {}).values():
            if isinstance(node, dict) and "layers" in node:
                node["layers"] = _chain_with_defaults(node["layers"])
    return config


def _chain_with_defaults(items):
    """A list of layers with their defaults, graph items too (their own defaults: merge, axis, shortcut)."""
    return [_item_with_defaults(spec) for spec in items] if isinstance(items, list) else items


def _item_with_defaults(spec):
    key, value = next(iter(spec.items())) if isinstance(spec, dict) and len(spec) == 1 else (None, None)
    if key == "residual" and isinstance(value, list):
        return {key: _chain_with_defaults(value)}
    if key in ("residual", "repeat") and isinstance(value, dict):
        defaults = {"shortcut": "auto"} if key == "residual" else {}
        return {key: {**value, **{k: v for k, v in defaults.items() if k not in value},
                      "layers": _chain_with_defaults(value.get("layers"))}}
    if key == "branches" and isinstance(value, dict) and isinstance(value.get("paths"), list):
        return {key: {"merge": "concat", "axis": 0, **value,
                      "paths": [_chain_with_defaults(path) for path in value["paths"]]}}
    return spec if key == "use" else _layer_with_defaults(spec)


def _layer_with_defaults(spec):
    """``- dense: {units: 8}`` with the layer's other arguments and their defaults (given ones first)."""
    if isinstance(spec, str):
        name, given = spec, {}
    elif isinstance(spec, dict) and len(spec) == 1:
        name, given = next(iter(spec.items()))
    else:
        return spec
    if name not in layers or not (given is None or isinstance(given, dict)):
        return spec
    given = given or {}
    filled = {**given, **{k: v for k, v in own_defaults(layers.get(name)).items() if k not in given}}
    return {name: filled} if filled else name


def json_type(parameter: inspect.Parameter) -> dict:
    """A JSON Schema for one argument, from its annotation (or its default's type); ``{}`` if unknown."""
    annotation = parameter.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    literal = re.fullmatch(r"Literal\[(.*)\]", text.strip()) if text else None
    if literal:
        return {"enum": [part.strip().strip("'\"") for part in literal.group(1).split(",")]}
    names = [part.strip() for part in text.split("|")] if text else []
    if not names and parameter.default is not parameter.empty and parameter.default is not None:
        names = [type(parameter.default).__name__]
    types = [JSON_TYPES[n] for n in names if n in JSON_TYPES]
    if not types or len(types) != len(names):
        return {}
    return {"type": types[0]} if len(types) == 1 else {"type": types}


def argument_problem(parameter: inspect.Parameter, value) -> str | None:
    """Why ``value`` does not fit ``parameter`` (a boolean where a number is meant), or None.

    YAML reads ``yes``, ``no``, ``true`` as booleans, and Python would take them as 1 and 0;
    ``dlx.train.experiment`` calls this for every component argument a config gives.

    Example::

        >>> argument_problem(keyword_parameters(Adam)["beta1"], True)
        'is a boolean (yes/no/true/false); give a number'
    """
    if not isinstance(value, bool):
        return None
    declared = json_type(parameter).get("type")
    declared = [declared] if isinstance(declared, str) else declared or []
    numeric_default = isinstance(parameter.default, (int, float)) and not isinstance(parameter.default, bool)
    if ("boolean" not in declared and ({"integer", "number"} & set(declared))) or (not declared and numeric_default):
        return "is a boolean (yes/no/true/false); give a number"
    return None


def _arguments_schema(target, extra: dict | None = None) -> dict:
    properties = {}
    for name, parameter in keyword_parameters(target).items():
        entry = json_type(parameter)
        if parameter.default is not parameter.empty and isinstance(parameter.default, (bool, int, float, str)):
            entry["default"] = parameter.default
        properties[name] = entry
    properties.update(extra or {})
    required = [n for n, p in keyword_parameters(target).items() if p.default is p.empty]
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    return {**schema, "required": required} if required else schema


def _doc(target) -> str:
    doc = inspect.getdoc(target) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _named_component_schemas(registry) -> list[dict]:
    """``"name"`` or ``{name: "name", key: value, ...}`` for each component of a registry."""
    options: list[dict] = [{"type": "string", "enum": registry.names()}]
    for name, target in sorted(registry.canonical().items()):
        arguments = _arguments_schema(target, {"name": {"const": name}})
        arguments["required"] = ["name"] + arguments.get("required", [])
        options.append({**arguments, "description": _doc(target)})
    return options


def add_component_schemas(schema: dict, layer_extras: dict | None = None) -> dict:
    """Put each registered layer's, optimiser's and schedule's keys into the config's JSON Schema.

    Args:
        schema: ``ExperimentConfig.model_json_schema()`` (changed in place and returned).
        layer_extras (default None): keys every layer accepts besides its own (the penalties l1, l2).
    """
    integer_or_outputs = {"anyOf": [{"type": "integer"}, {"const": "outputs"}]}
    layer_items: list[dict] = [{"type": "string", "enum": layers.names()}]
    for name, cls in sorted(layers.canonical().items()):
        arguments = _arguments_schema(cls, layer_extras)
        for key, entry in arguments["properties"].items():
            if entry.get("type") == "integer":
                arguments["properties"][key] = {**integer_or_outputs, **{k: v for k, v in entry.items() if k != "type"}}
        layer_items.append({"type": "object", "properties": {name: arguments}, "required": [name],
                            "additionalProperties": False, "description": _doc(cls)})
    definitions = schema.setdefault("$defs", {})
    definitions.update(graph_item_schemas(layer_items))
    model = definitions["ModelConfig"]["properties"]
    model["layers"] = {"description": model["layers"].get("description", ""),
                       "anyOf": [definitions["Layers"], {"type": "null"}]}  # inline: editors show its items
    model["blocks"]["anyOf"][0]["additionalProperties"] = {"$ref": "#/$defs/Layers"}
    model["nodes"]["anyOf"][0]["additionalProperties"] = {"$ref": "#/$defs/GraphNode"}
    optimiser = definitions["OptimiserConfig"]
    optimiser["properties"]["name"]["enum"] = optimisers.names()
    for name, target in sorted(optimisers.canonical().items()):
        for key, parameter in keyword_parameters(target).items():
            optimiser["properties"].setdefault(key, {**json_type(parameter), "description": f"({name}) {key}"})
    optimiser["properties"]["schedule"] = {"description": optimiser["properties"]["schedule"].get("description"),
                                           "anyOf": _named_component_schemas(schedules) + [{"type": "null"}]}
    return schema


MERGES = ["add", "concat", "multiply"]  # dlx.nn.graph.MERGES and SHORTCUTS (tests/models/test_graph.py checks)
SHORTCUTS = ["auto", "identity", "projection", "none"]


def graph_item_schemas(layer_items: list[dict]) -> dict:
    """``$defs`` for a list of layers whose items may also be graph items (dlx.models.graph)."""
    layers = {"$ref": "#/$defs/Layers"}

    def item(key: str, value: dict) -> dict:
        return {"type": "object", "properties": {key: value}, "required": [key], "additionalProperties": False}

    def options(properties: dict, required: list) -> dict:
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    graph_items = [
        item("residual", {"anyOf": [layers, options({"layers": layers, "shortcut": {"enum": SHORTCUTS}}, ["layers"])],
                          "description": "out = f(x) + x (or + a projection W_s x when the shapes differ)"}),
        item("branches", options({"paths": {"type": "array", "items": layers, "minItems": 2},
                                  "merge": {"enum": MERGES}, "axis": {"type": "integer"}}, ["paths"])),
        item("repeat", options({"times": {"type": "integer", "minimum": 1}, "layers": layers}, ["times", "layers"])),
        item("use", {"type": "string", "description": "a block of model.blocks; every use shares its weights"}),
    ]
    sources = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    return {"Layers": {"type": "array", "items": {"anyOf": layer_items + graph_items}, "minItems": 1},
            "GraphNode": options({"from": sources, "merge": {"enum": MERGES}, "axis": {"type": "integer"},
                                  "layers": layers}, [])}
