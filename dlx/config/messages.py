"""One-line messages for validation errors: file, YAML line, key path, what is allowed."""
from __future__ import annotations

from pydantic import ValidationError

from dlx.config.overrides import dotted, schema_fields
from dlx.registry import closest


def describe_validation_error(error: ValidationError, raw: dict, source: str, lines: dict, model=None) -> str:
    """One line for a pydantic error: ``file:line: key.path: problem``; ``model`` is the schema validated
    against (default: the experiment config), for naming the allowed keys."""
    by_path: dict[tuple, list[dict]] = {}
    for item in error.errors():
        path = _data_path(item["loc"], raw, item["type"] in ("extra_forbidden", "missing"))
        by_path.setdefault(path, []).append(item)
    first = min(by_path, key=lambda p: _line_of(p, lines))
    items = by_path[first]
    line = _line_of(first, lines)
    where = f"{source}:{line}" if line < 10**9 else source
    message = _message(first, items, raw, model)
    more = len(by_path) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {dotted(first)}: {message}{tail}"


def _data_path(loc, raw, names_a_key: bool) -> tuple:
    """Drop the parts of a pydantic location that name union members rather than keys.

    A part that is not in the data is kept only when the error is about that key
    (unknown or missing) and it is the last; otherwise it names a type tried by a union
    (``str``) or the tag of a union's member (``q_learning``).
    """
    path, node = [], raw
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(part)
        elif names_a_key and isinstance(node, dict) and isinstance(part, str) and not any(c in part for c in "[]()") \
                and i == len(loc) - 1:
            path.append(part)  # a missing or unknown key (a part before it names a union member: agent name)
            node = None
    return tuple(path)


def _line_of(path, lines) -> int:
    for end in range(len(path), 0, -1):
        if tuple(path[:end]) in lines:
            return lines[tuple(path[:end])]
    return 10**9


def _message(path, items, raw, model=None) -> str:
    kinds = {item["type"] for item in items}
    if "extra_forbidden" in kinds:
        known = sorted(schema_fields(path[:-1], model, raw) or [])
        guess = closest(str(path[-1]), known)
        hint = f"did you mean '{guess}'? " if guess else ""
        return f"unknown key; {hint}allowed keys: {', '.join(known)}"
    if "missing" in kinds:
        return "required key is missing"
    got = items[0].get("input")
    messages = []
    for item in items:
        text = item["msg"].removeprefix("Value error, ")
        if text not in messages:
            messages.append(text)
    if isinstance(got, (dict, list)):
        return "; or ".join(messages)
    return f"{'; or '.join(messages)} (got {got!r})"
