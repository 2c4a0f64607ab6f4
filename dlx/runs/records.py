"""What the JSON record of each kind of checkpoint must hold, checked when the file is loaded.

A model file (``kind: model``) must describe an architecture dlx can rebuild;
a training checkpoint (``kind: training``) must hold what resuming reads.
Each problem is one ``CheckpointError`` line naming the file and the key, so a
damaged or hand-edited file never surfaces as a ``KeyError`` or ``TypeError``::

    check_record(Path("model.npz"), {"kind": "model"})
    # CheckpointError: 'model.npz': the record has no 'description'; ...
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from dlx.errors import CheckpointError
from dlx.registry import layers, models

REQUIRED = {  # kind -> key -> the JSON type it must have
    "model": {"description": dict, "task": str, "loss": str},
    "training": {"epoch": int, "history": list, "stopper": dict, "guard": dict, "generators": dict},
    "weights": {"epoch": (int, type(None))},
}
WHAT_TO_DO = "give the files of a dlx run, as dlx wrote them"


def check_record(path: Path, meta: dict[str, Any]) -> None:
    """Raise a one-line CheckpointError if ``meta`` lacks what its ``kind`` needs (unknown kinds pass)."""
    kind = meta.get("kind")
    for key, types in REQUIRED.get(kind, {}).items():
        if key not in meta:
            raise CheckpointError(f"'{path}': the {kind} record has no '{key}'; {WHAT_TO_DO}")
        value = meta[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise CheckpointError(f"'{path}': '{key}' of the {kind} record is a {type(value).__name__}, "
                                  f"not {_type_names(types)}; {WHAT_TO_DO}")
    if kind == "model":
        _check_description(path, meta["description"])
    if kind == "training":
        _check_keys(path, meta["stopper"], "stopper", ("best", "best_epoch", "wait"))
        _check_keys(path, meta["guard"], "guard", ("reference", "first_epoch_done"))
        if not all(isinstance(row, dict) for row in meta["history"]):
            raise CheckpointError(f"'{path}': 'history' of the training record must be a list of rows; {WHAT_TO_DO}")


def _check_keys(path: Path, record: dict, name: str, keys) -> None:
    missing = [key for key in keys if key not in record]
    if missing:
        raise CheckpointError(f"'{path}': '{name}' of the training record has no '{missing[0]}'; {WHAT_TO_DO}")


def _type_names(types) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer", type(None): "null"}
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(names.get(t, t.__name__) for t in types)


def _check_description(path: Path, description: dict) -> None:
    import dlx.models  # noqa: F401  (fills the layer and model registries in a fresh process)
    import dlx.nn  # noqa: F401
    shape = description.get("input_shape")
    shapes = list(shape.values()) if isinstance(shape, dict) and shape else [shape]  # a graph: one per input
    if not all(isinstance(s, list) and all(type(n) is int and n > 0 for n in s) for s in shapes):
        raise CheckpointError(f"'{path}': description.input_shape must be a list of positive integers, "
                              f"got {shape!r}; {WHAT_TO_DO}")
    architecture = description.get("architecture")
    if not isinstance(architecture, dict):
        raise CheckpointError(f"'{path}': description.architecture is missing or not an object; {WHAT_TO_DO}")
    blocks = description.get("blocks", {})
    if not isinstance(blocks, dict):
        raise CheckpointError(f"'{path}': description.blocks is not an object; {WHAT_TO_DO}")
    _check_layer(path, architecture, "description.architecture", depth=0, blocks=blocks)
    for name, block in blocks.items():
        _check_layer(path, block, f"description.blocks.{name}", depth=1, blocks=blocks)


GRAPH_PARTS = {  # graph layers (dlx.models.graph): the keys that hold one part, or a list of parts
    "residual": {"body": dict}, "branches": {"paths": list}, "graph": {"nodes": list}, "node": {"body": (dict, None)},
}


def _check_graph_layer(path: Path, config: dict, where: str, depth: int, blocks: dict) -> None:
    name = config["name"]
    if name == "use":
        if config.get("block") not in blocks:
            raise CheckpointError(f"'{path}': {where} uses block {config.get('block')!r}, which description.blocks "
                                  f"does not describe; {WHAT_TO_DO}")
        return
    for key, kind in GRAPH_PARTS[name].items():
        value = config.get(key)
        if kind == (dict, None) and value is None:
            continue
        parts = value if kind is list and isinstance(value, list) else [value]
        for i, part in enumerate(parts):
            _check_layer(path, part, f"{where}.{key}" + (f".{i}" if kind is list else ""), depth + 1, blocks)


def _check_layer(path: Path, config: dict, where: str, depth: int, blocks: dict | None = None) -> None:
    """Every layer config has a known ``name`` and only arguments its constructor takes."""
    if depth > 32 or not isinstance(config, dict):
        raise CheckpointError(f"'{path}': {where} is not a layer description; {WHAT_TO_DO}")
    name = config.get("name")
    if not isinstance(name, str):
        raise CheckpointError(f"'{path}': {where} has no layer 'name'; {WHAT_TO_DO}")
    if name == "sequential":
        children = config.get("layers")
        if not isinstance(children, list):
            raise CheckpointError(f"'{path}': {where}.layers is missing or not a list; {WHAT_TO_DO}")
        for i, child in enumerate(children):
            _check_layer(path, child, f"{where}.layers.{i}", depth + 1, blocks)
        return
    if name in GRAPH_PARTS or name == "use":
        return _check_graph_layer(path, config, where, depth, blocks or {})
    if name not in layers and name not in models:
        raise CheckpointError(f"'{path}': {where} names an unknown layer '{name}'; {WHAT_TO_DO} "
                              f"(with a dlx that knows the layer)")
    target = layers.get(name) if name in layers else models.get(name)
    parameters = inspect.signature(target).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    unknown = sorted(set(config) - {"name"} - set(parameters) - {"self"})
    if unknown:
        raise CheckpointError(f"'{path}': {where} ({name}) has an unknown argument '{unknown[0]}'; {WHAT_TO_DO}")
    missing = [n for n, p in parameters.items() if p.default is p.empty and n not in config
               and n not in ("self", "rng") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if missing:
        raise CheckpointError(f"'{path}': {where} ({name}) lacks its argument '{missing[0]}'; {WHAT_TO_DO}")
