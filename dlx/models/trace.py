"""A model walked as the graph it computes: every node's shape, parameters and multiply-adds per sample.

``trace_model(model, input_shape)`` follows a model's structure without running it
(chains, residual blocks, branches, shared blocks, graphs of several inputs) and
gives one ``TracedNode`` per layer and per merge, in the order they compute.
It is the shape check of graph models (a layer that does not fit raises a
ShapeError whose ``key_path`` points at its place in the config), their memory
check, ``dlx summary``'s table and its picture.

Convention for multiply-adds (``multiply_adds``), per sample, counting only the
products with weights: dense ``in * out`` (per step for time_dense); convolution
``C_in * k_h * k_w * C_out * H_out * W_out`` (1-D: ``C_in * k * C_out * L_out``);
transposed convolution ``C_in * k_h * k_w * C_out * H_in * W_in``; recurrent
layers ``T * (F + H) * gates * H`` per direction (gates: 1 simple, 3 GRU, 4
LSTM). Activations, pooling, normalisation, dropout, reshapes and merges (add,
concat, multiply) count 0. A shared block's parameters count once (at its first
use), its multiply-adds at every use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from dlx.errors import ShapeError
from dlx.models.memory import check_memory, parameter_shapes
from dlx.nn import Conv1D, Conv2D, ConvTranspose2D, Dense, Module, Sequential
from dlx.nn.functional import Graph
from dlx.nn.graph import Branches, Residual, SharedBlock, merged_shape


@dataclass
class TracedNode:
    """One layer or merge of a traced model."""

    index: int
    path: tuple  # key path in the config's model section (or in the module tree for a loaded model)
    label: str  # registry name of the layer, or input / add / concat / multiply
    shape: tuple  # output per sample
    inputs: list[int] = field(default_factory=list)  # indices of the nodes it reads
    parameters: int = 0
    parameter_shapes: list = field(default_factory=list)
    multiply_adds: int = 0
    depth: int = 0  # nesting: 0 at the top
    block: str | None = None  # the shared block it belongs to


def multiply_adds(layer: Module, input_shape, output_shape) -> int:
    """Multiply-adds per sample of one layer (the module docstring states the convention)."""
    if hasattr(layer, "count_multiply_adds"):  # a composite layer counts its own (the Transformer's)
        return int(layer.count_multiply_adds(tuple(input_shape)))
    if isinstance(layer, Dense):  # dense (F,) -> (U,); time_dense (T, F) -> (T, U)
        return math.prod(output_shape[:-1]) * int(input_shape[-1]) * int(output_shape[-1])
    if isinstance(layer, ConvTranspose2D):
        return int(input_shape[0]) * math.prod(layer.kernel_size) * math.prod(output_shape[:1]) \
            * math.prod(input_shape[1:])
    if isinstance(layer, (Conv1D, Conv2D)):
        kernel = layer.kernel_size if isinstance(layer.kernel_size, tuple) else (layer.kernel_size,)
        return int(input_shape[0]) * math.prod(kernel) * math.prod(output_shape)
    if hasattr(layer, "gates") and hasattr(layer, "units"):  # recurrent over (T, F)
        steps, features, units = int(input_shape[0]), int(input_shape[1]), int(layer.units)
        return (2 if layer.bidirectional else 1) * steps * (features + units) * layer.gates * units
    return 0


def located(error: ShapeError, path: tuple, label: str) -> ShapeError:
    """``error`` as a ShapeError about the node at ``path`` (its ``key_path``)."""
    located_error = ShapeError(f"{label} {error}")
    located_error.key_path = tuple(path)
    return located_error


class Tracer:
    """Walks a model's structure with shapes; ``nodes`` in computation order."""

    def __init__(self):
        self.nodes: list[TracedNode] = []
        self.block_inputs: dict[str, tuple] = {}
        self.counted: set[int] = set()

    def add(self, path, label, shape, inputs, depth, block, module=None, input_shape=None) -> int:
        node = TracedNode(len(self.nodes), tuple(path), label, tuple(shape), list(inputs), depth=depth, block=block)
        if module is not None:
            node.parameter_shapes = self._new_parameter_shapes(module, input_shape)
            node.parameters = sum(math.prod(s) for s in node.parameter_shapes)
            node.multiply_adds = multiply_adds(module, input_shape, shape)
        self.nodes.append(node)
        return node.index

    def _new_parameter_shapes(self, module: Module, input_shape) -> list[tuple]:
        if id(module) in self.counted:
            return []
        self.counted.add(id(module))
        if module.built:
            return [tuple(p.shape) for p in module.parameters()]
        return parameter_shapes(module, input_shape)

    def walk(self, module: Module, shape: tuple, source: int, path: tuple, depth: int = 0,
             block: str | None = None) -> tuple[tuple, int]:
        """(output shape, index of the last node) of ``module`` applied to the node ``source``."""
        path = getattr(module, "config_path", path)
        if isinstance(module, Sequential):
            for i, item in enumerate(module.layers):
                shape, source = self.walk(item, shape, source, path + (i,), depth, block)
            return shape, source
        if isinstance(module, Residual):
            return self.residual(module, shape, source, path, depth, block)
        if isinstance(module, Branches):
            ends = [self.walk(p, shape, source, path + ("paths", i), depth + 1, block)
                    for i, p in enumerate(module.paths)]
            try:
                merged = merged_shape([s for s, _ in ends], module.merge, module.axis)
            except ShapeError as error:
                raise located(error, path, "branches:") from None
            return merged, self.add(path, module.merge, merged, [i for _, i in ends], depth, block)
        if isinstance(module, SharedBlock):
            first = self.block_inputs.setdefault(module.block_name, tuple(shape))
            if first != tuple(shape):
                raise located(ShapeError(f"'{module.block_name}' gets input {tuple(shape)} here but {first} at its "
                                         f"first use; a shared block has one set of weights, so every use needs the "
                                         f"same input shape"), path, "block")
            return self.walk(module.block, shape, source, ("blocks", module.block_name), depth + 1, module.block_name)
        label = getattr(type(module), "registry_name", type(module).__name__)
        try:
            out = tuple(module.output_shape(tuple(shape)))
        except ShapeError as error:
            raise located(error, path, label) from None
        return out, self.add(path, label, out, [source], depth, block, module, tuple(shape))

    def residual(self, module: Residual, shape: tuple, source: int, path: tuple, depth: int,
                 block: str | None) -> tuple[tuple, int]:
        """The body's nodes, the projection's (if the shortcut needs one) and their sum."""
        out, last = self.walk(module.body, shape, source, path + ("layers",), depth + 1, block)
        try:
            projection = module.shortcut_module(shape)
            shortcut = projection.output_shape(shape) if projection is not None else shape
            merged = merged_shape([out, shortcut], "add")
        except ShapeError as error:
            raise located(error, path, "residual:") from None
        if projection is not None:
            source = self.add(path + ("shortcut",), "projection", shortcut, [source], depth + 1, block,
                              projection, shape)
        return merged, self.add(path, "add", merged, [last, source], depth, block)

    def graph(self, graph: Graph, input_shape) -> None:
        try:
            shapes = graph.input_shapes(input_shape)
        except ShapeError as error:
            raise located(error, ("inputs",), "graph:") from None
        values = {name: (shape, self.add(("inputs", name), "input", shape, [], 0, None))
                  for name, shape in shapes.items()}
        for node in graph.nodes:
            path = getattr(node, "config_path", ("nodes", node.node_name))
            sources = [values[s] for s in node.sources]
            shape, source = sources[0]
            if len(sources) > 1:
                try:
                    shape = node.merged_shape([s for s, _ in sources])
                except ShapeError as error:
                    raise located(error, path, f"node '{node.node_name}':") from None
                source = self.add(path, node.merge, shape, [i for _, i in sources], 0, None)
            if node.body is not None:
                shape, source = self.walk(node.body, shape, source, path + ("layers",))
            values[node.node_name] = (shape, source)


def trace_model(model: Module, input_shape) -> list[TracedNode]:
    """Every node of ``model`` for inputs of ``input_shape`` (one shape, or ``{input name: shape}`` for a graph)."""
    tracer = Tracer()
    if isinstance(model, Graph):
        tracer.graph(model, input_shape)
    else:
        start = tracer.add(("input",), "input", input_shape, [], 0, None)
        tracer.walk(model, tuple(input_shape), start, ("layers",))
    return tracer.nodes


def check_traced_memory(nodes: list[TracedNode], batch_size: int, limit: int | None = None):
    """``check_memory`` for a traced model: its parameters once, every node's output as an activation."""
    largest = max(nodes, key=lambda n: n.parameters + batch_size * math.prod(n.shape))
    what = f"the model (mostly {'.'.join(map(str, ('model',) + largest.path))}, {largest.label})"
    return check_memory([s for n in nodes for s in n.parameter_shapes], [n.shape for n in nodes if n.label != "input"],
                        batch_size, limit, what=what)
