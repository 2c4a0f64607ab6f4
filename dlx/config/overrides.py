"""Command-line overrides: ``--set a.b.c=value``, typed by YAML; an unknown path is an error."""
from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from dlx.config.safe_yaml import load_yaml
from dlx.config.schema import ExperimentConfig
from dlx.errors import ConfigError
from dlx.registry import closest


def dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def apply_override(raw: dict, override: str, schema=None) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML, so typed) to the raw config in place.

    Every path component but the last must exist; the last must be a key the
    schema knows (checked at validation), so a typo is an error, never a new key.
    """
    if "=" not in override:
        raise ConfigError(f"--set {override}: write PATH=VALUE, e.g. --set optimiser.lr=0.01")
    key, _, text = override.partition("=")
    parts = [p for p in key.strip().split(".")]
    if not all(parts):
        raise ConfigError(f"--set {override}: empty key in '{key}'; write e.g. training.epochs=5")
    try:
        value = load_yaml(text) if text.strip() else None
    except yaml.YAMLError:
        value = text
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        node = _descend(node, part, parts[: i + 1], override, schema)
    last = parts[-1]
    if isinstance(node, list):
        index = _index(node, last, override)
        node[index] = value
    elif isinstance(node, dict):
        _check_known_key(node, parts, override, schema)
        node[last] = value
    else:
        raise ConfigError(f"--set {override}: '{dotted(parts[:-1])}' is a value, not a section")


def _descend(node, part, path, override, schema):
    if isinstance(node, list):
        return node[_index(node, part, override)]
    if not isinstance(node, dict):
        raise ConfigError(f"--set {override}: '{dotted(path[:-1])}' is a value, not a section")
    if part not in node or node[part] is None:
        known = schema_fields(path[:-1], schema)
        if known is not None and part in known:
            node[part] = {}
        else:
            raise _unknown_path(override, path, list(node) + list(known or []))
    return node[part]


def _index(node: list, part: str, override: str) -> int:
    if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
        raise ConfigError(f"--set {override}: '{part}' is not an index of a list of {len(node)} items")
    return int(part)


def _check_known_key(node: dict, parts: list[str], override: str, schema) -> None:
    known = schema_fields(parts[:-1], schema)
    if parts[-1] in node or known is None or parts[-1] in known:
        return
    if parts[0] == "optimiser":  # hyperparameters are checked against the optimiser later
        return
    raise _unknown_path(override, parts, list(node) + list(known))


def _unknown_path(override, path, candidates) -> ConfigError:
    guess = closest(path[-1], sorted(set(candidates)))
    hint = f"; did you mean '{guess}'?" if guess else ""
    return ConfigError(f"--set {override}: unknown key '{dotted(path)}'{hint}")


def schema_fields(path, schema=None) -> set[str] | None:
    """The field names of the section at ``path`` of ``schema`` (a pydantic model; default: the
    experiment config), or None for free-form sections (``schema=dict``: every section is free-form)."""
    model: Any = schema or ExperimentConfig
    for part in path:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        model = _model_of(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return set(model.model_fields)
    return None


def _model_of(annotation):
    """The pydantic model inside ``X``, ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
