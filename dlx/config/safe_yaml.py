"""A cheap first pass over a YAML text that refuses what would hang or crash the loader.

``yaml.safe_load`` runs no code, but a hostile or broken file can still hurt:

* an alias bomb ("billion laughs"): nine anchors, each a list of ten aliases of the
  one before, expand to 10^9 nodes; the loader shares them, but anything that
  walks the tree (the line map, validation) expands them;
* a recursive alias (``a: &a [*a]``) makes a tree that contains itself;
* thousands of nested brackets exhaust Python's recursion limit in the composer;
* a key given twice (a second ``training:`` section) silently replaces the first.

``check_yaml_structure`` walks the parser's *events* (a flat stream, no recursion,
no tree built) once, keeping for each anchor the number of nodes it expands to.
It raises ``ConfigError`` with the file and line before anything is composed::

    check_yaml_structure("a: &a [*a]", "c.yaml")
    # ConfigError: c.yaml:1: alias '*a' refers to the node that contains it (a recursive alias) ...

``load_yaml`` is ``yaml.safe_load`` with YAML 1.2's numbers: YAML 1.1 (PyYAML) reads
``1e-5`` (no dot) as the *string* '1e-5', so ``lr: 1e-5`` would be refused. Every
place that reads YAML (configs, ``--set`` values, sweep files and values, ``-o``
options) goes through it, or through ``load_checked_yaml`` with the same rules::

    load_yaml("lr: 1e-5")   # {'lr': 1e-05}; also 1E-5, 1.0e-5, .5, -.5, +1e5

``load_checked_yaml`` reads a whole file: the check, then one composition (by libyaml, C, where
PyYAML has it: a config is read in well under a millisecond instead of several) giving the data and
the node tree whose marks give each key's line.
"""
from __future__ import annotations

import re

import yaml

from dlx.errors import ConfigError

MAX_DEPTH = 64  # nested sections and lists; a config needs fewer than ten
MAX_NODES = 100_000  # scalars, lists and mappings after expanding every alias


_FLOAT = "tag:yaml.org,2002:float"


# libyaml's parser (C) when PyYAML was built with it, else PyYAML's own: the same grammar, read several
# times faster. Its composer recurses in C, so it composes only texts whose depth the check has bounded.
_FAST_SAFE_LOADER = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
_YAML12_FLOAT = re.compile(r"""^(?:
      [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?   # 1.5  1.  1.0e-5
    | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+                  # 1e-5  1E5  +1e5
    | [-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?           # .5  -.5  .5e-3
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*       # sexagesimal, as YAML 1.1
    | [-+]?\.(?:inf|Inf|INF)
    | \.(?:nan|NaN|NAN))$""", re.VERBOSE)


def _with_yaml12_floats(loader: type) -> type:
    loader.yaml_implicit_resolvers = {first: [(tag, regexp) for tag, regexp in resolvers if tag != _FLOAT]
                                      for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    loader.add_implicit_resolver(_FLOAT, _YAML12_FLOAT, list("-+0123456789."))
    return loader


@_with_yaml12_floats
class DlxLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (no code runs) whose floats are YAML 1.2's: an exponent needs no dot."""


@_with_yaml12_floats
class _CheckedLoader(_FAST_SAFE_LOADER):
    """``DlxLoader`` on libyaml, for texts ``check_yaml_structure`` passed (``load_checked_yaml``)."""


def load_yaml(text: str):
    """``yaml.safe_load`` of ``text`` with YAML 1.2 floats (``1e-5`` is a number); nothing in it runs code."""
    loader = DlxLoader(text)  # a SafeLoader: what yaml.safe_load does, with these floats
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_checked_yaml(text: str, source: str):
    """``check_yaml_structure``, then (data, node tree): composed once, the data ``load_yaml``'s and the
    nodes keeping each value's line. Nothing in it runs code.

    libyaml reads it where PyYAML has libyaml. A text libyaml refuses is read again by PyYAML's own
    parser, which accepts the same grammar and whose messages name the offending character or alias.
    """
    try:
        check_yaml_structure(text, source, _FAST_SAFE_LOADER)
        return _compose_and_construct(_CheckedLoader(text))
    except yaml.YAMLError:
        check_yaml_structure(text, source)
        return _compose_and_construct(DlxLoader(text))


def _compose_and_construct(loader):
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


class _Frame:
    """One open mapping or sequence: its size so far and, for a mapping, the keys seen."""

    def __init__(self, anchor: str | None, is_mapping: bool):
        self.anchor, self.is_mapping = anchor, is_mapping
        self.nodes = 1
        self.expect_key = True
        self.keys: dict[str, int] = {}


def check_yaml_structure(text: str, source: str, parser: type = yaml.SafeLoader) -> None:
    """Refuse alias bombs, recursive aliases, deep nesting and duplicate keys, cheaply.

    Args:
        text: the YAML text.
        source: the file name used in messages.
        parser: the loader class whose parser gives the events (PyYAML's, or libyaml's).

    Raises:
        ConfigError: one line with ``source:line`` and what to change.
        yaml.YAMLError: the text is not YAML (the caller words it).
    """
    anchors: dict[str, int] = {}  # anchor -> nodes it expands to (complete anchors only)
    open_anchors: set[str] = set()
    stack: list[_Frame] = []
    aliased = False  # an alias was used: too many values is then an alias bomb
    for event in yaml.parse(text, Loader=parser):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            _note_key(stack, None, line, source)
            if len(stack) >= MAX_DEPTH:
                raise ConfigError(f"{source}:{line}: nested more than {MAX_DEPTH} levels deep; "
                                  f"a config needs only a few levels of sections and lists")
            stack.append(_Frame(event.anchor, isinstance(event, yaml.MappingStartEvent)))
            if event.anchor:
                open_anchors.add(event.anchor)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if frame.anchor:
                anchors[frame.anchor] = frame.nodes
                open_anchors.discard(frame.anchor)
            if stack:
                stack[-1].nodes += frame.nodes
        elif isinstance(event, yaml.ScalarEvent):
            _note_key(stack, event.value, line, source)
            if event.anchor:
                anchors[event.anchor] = 1
            _add(stack, 1)
        elif isinstance(event, yaml.AliasEvent):
            _note_key(stack, None, line, source)
            if event.anchor in open_anchors:
                raise ConfigError(f"{source}:{line}: alias '*{event.anchor}' refers to the node that contains it "
                                  f"(a recursive alias); write the values out instead")
            _add(stack, anchors.get(event.anchor, 1))
            aliased = True
        if stack and stack[-1].nodes > MAX_NODES:
            raise _too_many_values(source, line, aliased=aliased)


def _too_many_values(source: str, line: int, aliased: bool) -> ConfigError:
    """Too many values: with aliases used, an alias bomb; without, data pasted into a config."""
    if aliased:
        return ConfigError(f"{source}:{line}: the config expands to more than {MAX_NODES:,} values once its "
                           f"aliases (*name) are filled in; an alias bomb? write the values out instead")
    return ConfigError(f"{source}:{line}: the config holds more than {MAX_NODES:,} values; a config describes "
                       f"an experiment, put data in a data file (dataset: {{name: csv, options: {{path: ...}}}})")


def _add(stack: list[_Frame], nodes: int) -> None:
    if stack:
        stack[-1].nodes += nodes


def _note_key(stack: list[_Frame], key: str | None, line: int, source: str) -> None:
    """Track key/value alternation in the innermost mapping; a scalar key seen twice is an error."""
    if not stack or not stack[-1].is_mapping:
        return
    frame = stack[-1]
    if frame.expect_key and key is not None and key != "<<":  # "<<" merges are meant to repeat
        if key in frame.keys:
            raise ConfigError(f"{source}:{line}: key '{key}' is given twice (lines {frame.keys[key]} and {line}); "
                              f"the second would silently replace the first; merge them into one")
        frame.keys[key] = line
    frame.expect_key = not frame.expect_key
