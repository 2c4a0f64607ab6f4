"""A graph of named inputs, nodes and outputs: Keras' functional model, for several inputs and outputs.

Nodes come in order; each takes one or more earlier values (graph inputs or
nodes), merges them if there are several (``dlx.nn.graph.MERGES``) and applies
its body (a chain of layers, or nothing). An encoder and a decoder::

    >>> graph = Graph(["source", "target"],
    ...               [GraphNode("code", ["source"], body=Sequential([Dense(8), Tanh()])),
    ...                GraphNode("out", ["target", "code"], merge="concat", body=Sequential([Dense(3)]))],
    ...               outputs=["out", "code"])
    >>> graph.output_shape({"source": (5,), "target": (2,)})
    ((3,), (8,))
    >>> out, code = graph(source, target)          # positional inputs in the order of ``inputs``

With one input and one output the graph is an ordinary model: ``output_shape((5,))``
is one shape and ``graph(x)`` one tensor.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.nn.container import forward_masked
from dlx.nn.graph import MERGES, merge_outputs, merged_shape
from dlx.nn.module import Module


class GraphNode(Module):
    """One node: ``body(merge(sources))``.

    Args:
        node_name (str): the node's name, what later nodes and ``outputs`` refer to.
        sources (list of str): graph inputs or earlier nodes.
        merge (str, default None): how several sources are merged (required for more than one).
        axis (int, default 0): the per-sample axis of a concat merge.
        body (Module, default None): applied after the merge; None: the merge itself.
    """

    def __init__(self, node_name: str, sources, merge: str | None = None, axis: int = 0, body: Module | None = None):
        super().__init__()
        self.node_name, self.sources, self.merge, self.axis, self.body = node_name, list(sources), merge, int(axis), body
        if len(self.sources) > 1 and merge not in MERGES:
            raise ShapeError(f"node '{node_name}' takes {len(self.sources)} values; say how to merge them "
                             f"with merge: {' | '.join(MERGES)}")

    @property
    def built(self) -> bool:  # type: ignore[override]
        return self.body is None or self.body.built

    @built.setter
    def built(self, value) -> None:
        pass

    def merged_shape(self, shapes) -> tuple[int, ...]:
        return merged_shape(shapes, self.merge, self.axis) if len(shapes) > 1 else tuple(shapes[0])

    def output_shape(self, input_shape):
        return tuple(self.body.output_shape(input_shape)) if self.body is not None else tuple(input_shape)

    def build(self, input_shape, rng) -> None:
        if self.body is not None and not self.body.built:
            self.body.build(tuple(input_shape), rng)

    def forward(self, values: list, mask=None):
        x = merge_outputs(values, self.merge, self.axis) if len(values) > 1 else values[0]
        return forward_masked(self.body, x, mask) if self.body is not None else x

    def get_config(self) -> dict:
        return {"name": "node", "node_name": self.node_name, "sources": self.sources, "merge": self.merge,
                "axis": self.axis, "body": self.body.get_config() if self.body is not None else None}


class Graph(Module):
    """Named inputs, nodes in order (each from earlier values), named outputs.

    Args:
        inputs (list of str): the names of the graph's inputs, in the order ``forward`` takes them.
        nodes (list of GraphNode): in an order where every source comes before its node.
        outputs (list of str, default None): nodes returned by ``forward`` (None: the last node).

    Shape:
        ``output_shape`` takes one shape (one input) or ``{input name: shape}``, and gives one
        shape (one output) or a tuple of shapes in the order of ``outputs``.
    """

    def __init__(self, inputs, nodes, outputs=None):
        super().__init__()
        self.inputs, self.nodes = list(inputs), list(nodes)
        self.outputs = list(outputs) if outputs else [self.nodes[-1].node_name]
        known = set(self.inputs)
        for node in self.nodes:
            missing = [s for s in node.sources if s not in known]
            if missing:
                raise ShapeError(f"node '{node.node_name}' takes {missing}, which is neither an input nor an "
                                 f"earlier node; known so far: {', '.join(sorted(known))}")
            known.add(node.node_name)
        unknown = [o for o in self.outputs if o not in known]
        if unknown:
            raise ShapeError(f"outputs {unknown} are not nodes or inputs; known: {', '.join(sorted(known))}")

    @property
    def built(self) -> bool:  # type: ignore[override]
        return all(node.built for node in self.nodes)

    @built.setter
    def built(self, value) -> None:
        pass

    def input_shapes(self, input_shape) -> dict[str, tuple[int, ...]]:
        """``{input name: shape}`` from one shape (a graph of one input) or a mapping."""
        if isinstance(input_shape, dict):
            missing = [name for name in self.inputs if name not in input_shape]
            if missing:
                raise ShapeError(f"the graph's inputs {missing} have no shape; give {self.inputs}")
            return {name: tuple(input_shape[name]) for name in self.inputs}
        if len(self.inputs) != 1:
            raise ShapeError(f"the graph has inputs {self.inputs} but is given one input of shape "
                             f"{tuple(input_shape)}; give the graph one input, or data with one array per input")
        return {self.inputs[0]: tuple(input_shape)}

    def value_shapes(self, input_shape, rng: np.random.Generator | None = None) -> dict[str, tuple[int, ...]]:
        """The shape of every input and node; builds the nodes on the way when ``rng`` is given."""
        shapes = self.input_shapes(input_shape)
        for node in self.nodes:
            merged = node.merged_shape([shapes[s] for s in node.sources])
            if rng is not None and not node.built:
                node.build(merged, rng)
            shapes[node.node_name] = node.output_shape(merged)
        return shapes

    def output_shape(self, input_shape):
        shapes = self.value_shapes(input_shape)
        outputs = tuple(shapes[name] for name in self.outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def build(self, input_shape, rng) -> None:
        self.value_shapes(input_shape, rng)

    def __call__(self, *inputs, **kwargs):
        if not self.built:
            values = inputs[0] if len(inputs) == 1 and isinstance(inputs[0], dict) else dict(zip(self.inputs, inputs))
            self.build({name: tuple(value.shape[1:]) for name, value in values.items()}, np.random.default_rng())
            self.refreeze()
        return self.forward(*inputs, **kwargs)

    def forward(self, *inputs, mask=None):
        """The outputs for inputs given in the order of ``inputs`` (or one ``{name: tensor}``)."""
        values = dict(inputs[0]) if len(inputs) == 1 and isinstance(inputs[0], dict) else dict(zip(self.inputs, inputs))
        if len(values) != len(self.inputs):
            raise ShapeError(f"the graph takes inputs {self.inputs}, got {len(inputs)}")
        for node in self.nodes:
            values[node.node_name] = node([values[s] for s in node.sources], mask=mask)
        outputs = tuple(values[name] for name in self.outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def get_config(self) -> dict:
        return {"name": "graph", "inputs": self.inputs, "nodes": [node.get_config() for node in self.nodes],
                "outputs": self.outputs}


__all__ = ["Graph", "GraphNode"]
