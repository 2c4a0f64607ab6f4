"""Command-line overrides: ``--set a.b.c=value``, typed by YAML; an unknown path is an error."""
from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from dlx.config.safe_yaml import load_yaml
from dlx.config.schema import ExperimentConfig
from dlx.errors import ConfigError
from dlx.registry import closest


def dotted(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def apply_override(raw: dict, override: str, schema=None, source: str = "", lines: dict | None = None) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML, so typed) to the raw config in place.

    Every path component but the last must exist; the last must be a key the
    schema knows (checked at validation), so a typo is an error, never a new key.
    ``source`` and ``lines`` (the file and its YAML lines) put the file and the line
    of the parent section into the message of an unknown key.
    """
    where = Where(source, lines or {})
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
        node = _descend(node, part, parts[: i + 1], override, schema, raw, where)
    last = parts[-1]
    if isinstance(node, list):
        index = _index(node, last, override)
        node[index] = value
    elif isinstance(node, dict):
        _check_known_key(node, parts, override, schema, raw, where)
        node[last] = value
    else:
        raise ConfigError(f"--set {override}: '{dotted(parts[:-1])}' is a value, not a section")


class Where:
    """``file:line: `` of the section holding a key path (empty without a file)."""

    def __init__(self, source: str, lines: dict):
        self.source, self.lines = source, lines

    def __call__(self, path) -> str:
        if not self.source:
            return ""
        parent = tuple(path[:-1])
        line = next((self.lines[parent[:end]] for end in range(len(parent), 0, -1) if parent[:end] in self.lines), None)
        return f"{self.source}:{line}: " if line is not None else f"{self.source}: "


def _descend(node, part, path, override, schema, raw, where):
    if isinstance(node, list):
        return node[_index(node, part, override)]
    if not isinstance(node, dict):
        raise ConfigError(f"--set {override}: '{dotted(path[:-1])}' is a value, not a section")
    if part not in node or node[part] is None:
        known = schema_fields(path[:-1], schema, raw)
        if known is not None and part in known:
            node[part] = {}
        elif len(path) == 1 and schema is not dict and not closest(part, sorted(set(node) | set(known or ()))) \
                and _deeper_guess(parts_of(override), schema, raw):
            guess = _deeper_guess(parts_of(override), schema, raw)
            raise ConfigError(f"--set {override}: {where(path)}unknown section '{part}'; did you mean '{guess}'?")
        else:
            raise _unknown_path(override, path, list(node) + list(known or []), where)
    return node[part]


def parts_of(override: str) -> list[str]:
    return override.partition("=")[0].strip().split(".")


def _deeper_guess(parts: list[str], schema, raw) -> str | None:
    """For an unknown section: the dotted path of a key elsewhere in the schema closest to the
    override's last key (``optimiser.lrr`` on a DQN config: ``agent.lr``), or None."""
    paths = {}
    for name in sorted(schema_fields((), schema, raw) or ()):
        for key in sorted(schema_fields((name,), schema, raw) or ()):
            paths.setdefault(key, f"{name}.{key}")
    guess = closest(parts[-1], list(paths))
    return paths[guess] if guess else None


def _index(node: list, part: str, override: str) -> int:
    if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
        raise ConfigError(f"--set {override}: '{part}' is not an index of a list of {len(node)} items")
    return int(part)


def _check_known_key(node: dict, parts: list[str], override: str, schema, raw, where) -> None:
    known = schema_fields(parts[:-1], schema, raw)
    if parts[-1] in node or known is None or parts[-1] in known:
        return
    if parts[0] == "optimiser":  # hyperparameters are checked against the optimiser later
        return
    raise _unknown_path(override, parts, list(node) + list(known), where)


def _unknown_path(override, path, candidates, where=None) -> ConfigError:
    guess = closest(path[-1], sorted(set(candidates)))
    hint = f"; did you mean '{guess}'?" if guess else f"; known: {', '.join(sorted(set(map(str, candidates))))}" \
        if candidates else ""
    return ConfigError(f"--set {override}: {where(path) if where else ''}unknown key '{dotted(path)}'{hint}")


def schema_fields(path, schema=None, raw=None) -> set[str] | None:
    """The field names of the section at ``path`` of ``schema`` (a pydantic model; default: the
    experiment config), or None for free-form sections (``schema=dict``: every section is free-form).
    ``raw`` (the config's data) picks the member of a tagged union, e.g. an agent's settings by name."""
    model: Any = schema or ExperimentConfig
    for part in path:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        raw = raw.get(part) if isinstance(raw, dict) else None
        model = _model_of(field.annotation, raw)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return set(model.model_fields)
    return None


def _model_of(annotation, data=None):
    """The pydantic model inside ``X``, ``X | None``, or the member of a union ``X | Y`` whose
    literal fields (a tag such as ``name: Literal["dqn"]``) match ``data``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    members = [arg for arg in _union_members(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
    for member in members:
        if isinstance(data, dict) and _tags_match(member, data):
            return member
    return members[0] if members else None


def _union_members(annotation) -> list:
    """The types of ``Annotated[X | Y, ...]``, ``X | Y`` or ``X | None``."""
    members = []
    for arg in getattr(annotation, "__args__", ()) or ():
        members.extend(_union_members(arg) if get_origin(arg) in (Union, UnionType, Annotated) else [arg])
    if get_origin(annotation) is Annotated:
        members = _union_members(annotation.__origin__)
    return members


def _tags_match(model, data: dict) -> bool:
    """Every ``Literal`` field of ``model`` present in ``data`` has one of its allowed values there."""
    tags = {name: get_args(f.annotation) for name, f in model.model_fields.items()
            if get_origin(f.annotation) is Literal}
    present = {name: values for name, values in tags.items() if name in data}
    return bool(present) and all(data[name] in values for name, values in present.items())
