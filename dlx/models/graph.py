"""Model graphs from configs: named blocks, residual shortcuts, branches, repeat, shared blocks, several inputs.

Keras' functional API, written as YAML. Anywhere a list of layers is allowed (the
model's ``layers``, a block, a residual body, a branch), an item may be a layer
(``- relu``, ``- dense: {units: 64}``) or one of::

    - residual: [LAYERS]                           # out = f(x) + x, or f(x) + W_s x when the shapes differ
    - residual: {layers: [LAYERS], shortcut: auto | identity | projection | none}   # none: f(x), the plain twin
    - branches: {paths: [[LAYERS], [LAYERS]], merge: add | concat | multiply, axis: 0}
    - repeat: {times: 3, layers: [LAYERS]}         # three copies in a row, each with its own weights
    - use: NAME                                     # the block NAME: every use shares one set of weights

The model section is a chain (one input, one output), or a graph of named inputs,
nodes and outputs (an encoder and a decoder)::

    model:
      blocks:                                       # optional; used with '- use: NAME'
        encoder: [dense: {units: 16}, tanh]
      layers: [ITEMS]                               # a chain, or instead:
      inputs: [source, target]                      # the graph's inputs (default: one, named input)
      nodes:                                        # in order; each from inputs or earlier nodes
        code: {from: source, layers: [use: encoder]}
        out: {from: [target, code], merge: concat, layers: [dense: {units: outputs}]}
      outputs: [out, code]                          # default: the last node

A config without any of these builds exactly the plain ``Sequential`` it always did.
"""
from __future__ import annotations

from typing import Any, Callable

from dlx.errors import ConfigError, ShapeError
from dlx.nn import Module, Sequential
from dlx.nn.functional import Graph, GraphNode
from dlx.nn.graph import MERGES, SHORTCUTS, Branches, Residual, SharedBlock
from dlx.registry import closest

STRUCTURAL = ("residual", "branches", "repeat", "use")  # chain items that are not layers


class GraphSpecError(ConfigError):
    """A graph config that does not describe a graph; ``key_path`` points into the model section."""

    def __init__(self, key_path: tuple, message: str):
        super().__init__(message)
        self.key_path = tuple(key_path)


def structural(spec) -> str | None:
    """``"residual"`` for ``{residual: ...}`` (and so on for STRUCTURAL), None for a layer."""
    if isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in STRUCTURAL:
        return next(iter(spec))
    return None


def is_graph_model(model: Module) -> bool:
    """Whether a built model has graph layers (residual, branches, shared blocks, several inputs)."""
    return any(isinstance(m, (Residual, Branches, SharedBlock, Graph)) for m in model.modules())


def is_graph_config(config: dict) -> bool:
    """Whether a model section (a dict) uses blocks, nodes or structural items (else: a plain chain)."""
    return bool(config.get("blocks") or config.get("nodes")) or any(structural(s) for s in config.get("layers") or [])


class GraphBuilder:
    """Modules from a model section; ``make_layer(key_path, spec)`` makes each plain layer.

    Every module made gets ``config_path``, its key path in the model section, for messages.
    """

    def __init__(self, config: dict, make_layer: Callable[[tuple, Any], Module]):
        self.specs = config.get("blocks") or {}
        if not isinstance(self.specs, dict):
            raise GraphSpecError(("blocks",), "blocks is a mapping of names to lists of layers")
        self.make_layer, self.blocks, self.pending = make_layer, {}, []

    def model(self, config: dict) -> Module:
        model = self.graph(config) if config.get("nodes") else self.chain(config.get("layers"), ("layers",))
        unused = [name for name in self.specs if name not in self.blocks]
        if unused:
            raise GraphSpecError(("blocks", unused[0]), f"block '{unused[0]}' is never used; use it with "
                                 f"'- use: {unused[0]}' or remove it")
        return model

    def chain(self, items, path: tuple) -> Sequential:
        if not isinstance(items, list) or not items:
            raise GraphSpecError(path, "give a list of layers, e.g. [dense: {units: 8}, relu]")
        return _at(Sequential([self.item(spec, path + (i,)) for i, spec in enumerate(items)]), path)

    def item(self, spec, path: tuple) -> Module:
        kind = structural(spec)
        if kind is None:
            return _at(self.make_layer(path, spec), path)
        value, path = spec[kind], path + (kind,)
        if kind == "use":
            return _at(self.use(value, path), path)
        if kind == "residual":
            options = {"layers": value} if isinstance(value, list) else _options(value, path, ("layers",), ("shortcut",))
            shortcut = _choice(options, "shortcut", SHORTCUTS, "auto", path)
            body = self.chain(options["layers"], path if isinstance(value, list) else path + ("layers",))
            return _at(Residual(body, shortcut), path)
        if kind == "branches":
            options = _options(value, path, ("paths",), ("merge", "axis"))
            paths = options["paths"]
            if not isinstance(paths, list) or len(paths) < 2:
                raise GraphSpecError(path + ("paths",), "give at least two paths, each a list of layers")
            merge = _choice(options, "merge", MERGES, "concat", path)
            modules = [self.chain(p, path + ("paths", i)) for i, p in enumerate(paths)]
            return _at(Branches(modules, merge, _axis(options, path)), path)
        options = _options(value, path, ("times", "layers"))  # repeat
        times = options["times"]
        if type(times) is not int or times < 1:
            raise GraphSpecError(path + ("times",), f"must be a positive integer, got {times!r}")
        return _at(Sequential([self.chain(options["layers"], path + ("layers",)) for _ in range(times)]), path)

    def use(self, name, path: tuple) -> SharedBlock:
        if not isinstance(name, str) or name not in self.specs:
            guess = closest(str(name), list(self.specs))
            hint = f"did you mean '{guess}'? " if guess else ""
            known = ", ".join(self.specs) or "none (define blocks under model.blocks)"
            raise GraphSpecError(path, f"unknown block {name!r}; {hint}blocks: {known}")
        if name in self.pending:
            cycle = " -> ".join(self.pending[self.pending.index(name):] + [name])
            raise GraphSpecError(path, f"block '{name}' contains itself ({cycle}); a block cannot use itself")
        if name not in self.blocks:
            self.pending.append(name)
            self.blocks[name] = self.chain(self.specs[name], ("blocks", name))
            self.pending.pop()
        return SharedBlock(name, self.blocks[name])

    def graph(self, config: dict) -> Graph:
        inputs = config.get("inputs") or ["input"]
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs) or len(set(inputs)) < len(inputs):
            raise GraphSpecError(("inputs",), f"give a list of distinct input names, got {inputs!r}")
        nodes, known = [], list(inputs)
        for name, spec in config["nodes"].items():
            path = ("nodes", name)
            if name in known:
                raise GraphSpecError(path, f"'{name}' is already an input or a node; give every node its own name")
            options = _options(spec, path, (), ("from", "merge", "axis", "layers"))
            sources = options.get("from", known[-1] if nodes or len(inputs) == 1 else None)
            sources = [sources] if isinstance(sources, str) else sources
            if not isinstance(sources, list) or not sources or any(s not in known for s in sources):
                raise GraphSpecError(path + ("from",), f"takes {sources!r}; give inputs or earlier nodes: "
                                     f"{', '.join(known)}")
            merge = _choice(options, "merge", MERGES, None, path)
            if len(sources) > 1 and merge is None:
                raise GraphSpecError(path, f"takes {len(sources)} values; say how to merge them: merge: "
                                     f"{' | '.join(MERGES)}")
            body = self.chain(options["layers"], path + ("layers",)) if "layers" in options else None
            nodes.append(_at(GraphNode(name, sources, merge, _axis(options, path), body), path))
            known.append(name)
        outputs = config.get("outputs") or [known[-1]]
        if not isinstance(outputs, list) or any(o not in known for o in outputs):
            raise GraphSpecError(("outputs",), f"{outputs!r}: give a list of nodes or inputs: {', '.join(known)}")
        return Graph(inputs, nodes, outputs)


def _at(module: Module, path: tuple) -> Module:
    module.config_path = tuple(path)
    return module


def _options(value, path: tuple, required: tuple, optional: tuple = ()) -> dict:
    """``value`` as a mapping with the ``required`` keys and some ``optional`` ones."""
    allowed = required + optional
    if not isinstance(value, dict):
        raise GraphSpecError(path, f"give a mapping with {', '.join(allowed)}, got {value!r}")
    for key in value:
        if key not in allowed:
            guess = closest(str(key), allowed)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise GraphSpecError(path + (key,), f"unknown key; {hint}allowed: {', '.join(allowed)}")
    missing = [key for key in required if key not in value]
    if missing:
        raise GraphSpecError(path, f"'{missing[0]}' is missing; give {', '.join(required)}")
    return value


def _choice(options: dict, key: str, allowed: tuple, default, path: tuple):
    value = options.get(key, default)
    if value is not default and value not in allowed:
        raise GraphSpecError(path + (key,), f"unknown {key} {value!r}; use one of {', '.join(allowed)}")
    return value


def _axis(options: dict, path: tuple) -> int:
    axis = options.get("axis", 0)
    if type(axis) is not int:
        raise GraphSpecError(path + ("axis",), f"must be an integer (a per-sample axis; -1: the last), got {axis!r}")
    return axis


class _Rebuilder:
    """Modules from their ``get_config`` (model.json): graph layers here, plain layers by ``leaf``."""

    def __init__(self, blocks: dict, leaf: Callable[[dict], Module]):
        self.specs, self.leaf, self.blocks, self.pending = blocks, leaf, {}, []

    def __call__(self, config: dict) -> Module:
        name = config.get("name")
        if name == "sequential":
            return Sequential([self(c) for c in config["layers"]])
        if name == "residual":
            return Residual(self(config["body"]), config.get("shortcut", "auto"))
        if name == "branches":
            return Branches([self(c) for c in config["paths"]], config["merge"], config.get("axis", 0))
        if name == "use":
            return SharedBlock(config["block"], self.block(config["block"]))
        if name == "graph":
            return Graph(config["inputs"], [self(c) for c in config["nodes"]], config["outputs"])
        if name == "node":
            body = self(config["body"]) if config.get("body") else None
            return GraphNode(config["node_name"], config["sources"], config.get("merge"), config.get("axis", 0), body)
        return self.leaf(config)

    def block(self, name: str) -> Module:
        if name not in self.specs or name in self.pending:
            raise ConfigError(f"the model description uses block '{name}' but does not describe it (or it "
                              f"contains itself); give the folder of a dlx run")
        if name not in self.blocks:
            self.pending.append(name)
            self.blocks[name] = self(self.specs[name])
            self.pending.pop()
        return self.blocks[name]


def module_from_config(config: dict, blocks: dict, leaf: Callable[[dict], Module]) -> Module:
    """Rebuild a model from ``model.get_config()`` and its blocks' configs (``describe_model``)."""
    try:
        return _Rebuilder(blocks or {}, leaf)(config)
    except (KeyError, TypeError, ShapeError) as error:
        raise ConfigError(f"the model description is not a dlx graph ({error}); give the folder of a dlx run") \
            from None


def build_graph_model(config: dict, input_shape, output_size: int, rng, batch_size: int = 32,
                      memory_limit: int | None = None) -> Module:
    """The graph model of a model section, checked node by node (shapes, then memory) and built.

    Raises GraphSpecError (a ConfigError) for a section that does not describe a graph, and
    ShapeError whose ``key_path`` names the node that does not fit.
    """
    from dlx.models.builder import create_layer, layer_spec
    from dlx.models.trace import check_traced_memory, trace_model

    def make_layer(path: tuple, spec) -> Module:
        try:
            return create_layer(*layer_spec(spec), output_size)
        except ConfigError as error:
            raise GraphSpecError(path, str(error)) from None

    model = GraphBuilder(config, make_layer).model(config)
    check_traced_memory(trace_model(model, input_shape), batch_size, memory_limit)
    model.build(input_shape, rng)
    model.refreeze()
    return model
