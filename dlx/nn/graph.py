"""Graph layers: residual shortcuts, parallel branches and their merges, blocks used more than once.

Each is a ``Module`` made of other modules and the tape's own operations (``add``,
``mul``, ``concatenate``), so their backward passes are those of the operations:
a residual block's gradient is the body's plus the shortcut's, a concatenation
splits the incoming gradient along the joined axis, and a block used twice
receives the sum of the gradients of both uses (the tape accumulates them).

Merges of parallel outputs (``MERGES``):

* ``add``: y = sum_i f_i(x); every branch must give the same shape;
* ``multiply``: y = prod_i f_i(x) elementwise; the same shape too;
* ``concat``: the outputs joined along one per-sample ``axis`` (0: the channels
  of images (C, H, W) and the features of vectors (F,); -1: the features of a
  sequence (T, F)); the other axes must agree.

Example::

    >>> block = Residual(Sequential([Dense(16), ReLU(), Dense(16)]))      # out = f(x) + x
    >>> both = Branches([Sequential([Dense(8)]), Sequential([Dense(4)])], merge="concat")
    >>> Sequential([Dense(16), block, both]).output_shape((5,))
    (12,)
"""
from __future__ import annotations

from dlx.errors import ShapeError
from dlx.nn.container import forward_masked
from dlx.nn.conv import Conv2D
from dlx.nn.linear import Dense, TimeDense
from dlx.nn.module import Module
from dlx.ops.conv import conv_output_size
from dlx.ops.elementwise import add, mul
from dlx.ops.shape import concatenate

MERGES = ("add", "concat", "multiply")
SHORTCUTS = ("auto", "identity", "projection", "none")


def merged_shape(shapes, merge: str, axis: int = 0) -> tuple[int, ...]:
    """The per-sample shape of ``merge`` applied to outputs of ``shapes``; ShapeError if they do not fit."""
    shapes = [tuple(s) for s in shapes]
    listed = " and ".join(map(str, shapes))
    if merge not in MERGES:
        raise ShapeError(f"unknown merge '{merge}'; use one of {', '.join(MERGES)}")
    if merge in ("add", "multiply"):
        if any(s != shapes[0] for s in shapes):
            raise ShapeError(f"'{merge}' needs outputs of one shape, got {listed}; give the branches the same "
                             f"output size, or merge them with concat")
        return shapes[0]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or not -rank <= axis < rank:
        raise ShapeError(f"concat along axis {axis} needs outputs with that axis and one rank, got {listed}")
    axis %= rank
    if any(s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
        raise ShapeError(f"concat along axis {axis} needs the other axes equal, got {listed}; "
                         f"pool or pad the branches to one size")
    return shapes[0][:axis] + (sum(s[axis] for s in shapes),) + shapes[0][axis + 1:]


def merge_outputs(tensors, merge: str, axis: int = 0):
    """``tensors`` (N, *shape) merged by ``merge``; ``axis`` counts per-sample axes (the batch axis excluded)."""
    if merge == "concat":
        return concatenate(tensors, axis=1 + axis % (tensors[0].ndim - 1))
    combine = add if merge == "add" else mul
    out = tensors[0]
    for tensor in tensors[1:]:
        out = combine(out, tensor)
    return out


def projection_for(input_shape, output_shape) -> Module:
    """The unbuilt linear map W_s x from ``input_shape`` to ``output_shape`` (He et al. 2016, eq. 2).

    Vectors: a dense layer without bias; sequences (T, F): the same per step; images
    (C, H, W): a 1x1 convolution without bias whose stride gives the output's height and width.
    """
    source, target = tuple(input_shape), tuple(output_shape)
    if len(source) == len(target) == 1:
        return Dense(target[0], bias=False)
    if len(source) == len(target) == 2 and source[0] == target[0]:
        return TimeDense(target[1], bias=False)
    if len(source) == len(target) == 3:
        for stride in range(1, max(source[1:]) + 1):
            if all(conv_output_size(n, 1, stride, 0) == m for n, m in zip(source[1:], target[1:])):
                return Conv2D(target[0], 1, stride=stride, bias=False)
    raise ShapeError(f"no projection shortcut maps {source} to {target}; make the block keep the input's "
                     f"rank (and its number of steps), or end it with a layer of the input's shape")


class Residual(Module):
    """out = f(x) + x, or f(x) + W_s x when the shapes differ: a residual block (He et al. 2016).

    Args:
        body (Module): f, usually a Sequential.
        shortcut (str, default "auto"): "identity" (f must keep the shape), "projection" (always
            W_s x: ``projection_for``) or "auto" (identity when the shapes agree, else projection);
            "none": no shortcut, out = f(x), the block's plain twin (for comparing the two in a sweep).

    Shape:
        input (N, *in), output (N, *f's output).
    """

    takes_mask = True

    def __init__(self, body: Module, shortcut: str = "auto"):
        super().__init__()
        if shortcut not in SHORTCUTS:
            raise ShapeError(f"unknown shortcut '{shortcut}'; use one of {', '.join(SHORTCUTS)}")
        self.body, self.shortcut, self.projection = body, shortcut, None
        self.built = False

    def shortcut_module(self, input_shape) -> Module | None:
        """The projection the shortcut needs for ``input_shape`` (unbuilt), or None for the identity."""
        output = tuple(self.body.output_shape(tuple(input_shape)))
        if self.shortcut == "none":
            return None
        if self.shortcut == "identity" or (self.shortcut == "auto" and output == tuple(input_shape)):
            if output != tuple(input_shape):
                raise ShapeError(f"an identity shortcut needs f(x) of the input's shape {tuple(input_shape)}, "
                                 f"got {output}; use shortcut: projection (or auto)")
            return None
        return self.projection if self.projection is not None else projection_for(input_shape, output)

    def output_shape(self, input_shape):
        projection = self.shortcut_module(input_shape)
        output = tuple(self.body.output_shape(tuple(input_shape)))
        if self.shortcut == "none":
            return output
        return merged_shape([output, projection.output_shape(input_shape) if projection else input_shape], "add")

    def build(self, input_shape, rng) -> None:
        if not self.body.built:
            self.body.build(tuple(input_shape), rng)
        projection = self.shortcut_module(input_shape)
        if projection is not None and not projection.built:
            projection.build(tuple(input_shape), rng)
        self.projection, self.built = projection, True

    def forward(self, x, mask=None):
        if self.shortcut == "none":
            return forward_masked(self.body, x, mask)
        shortcut = x if self.projection is None else self.projection(x)
        return add(forward_masked(self.body, x, mask), shortcut)

    def get_config(self) -> dict:
        return {"name": "residual", "body": self.body.get_config(), "shortcut": self.shortcut}


class Branches(Module):
    """Parallel paths from one input, their outputs merged: ``merge_outputs([f_1(x), ..., f_k(x)])``.

    Args:
        paths (list of Module): the branches (at least two).
        merge (str, default "concat"): "add", "concat" or "multiply" (see the module docstring).
        axis (int, default 0): the per-sample axis that concat joins.
    """

    takes_mask = True

    def __init__(self, paths, merge: str = "concat", axis: int = 0):
        super().__init__()
        if merge not in MERGES:
            raise ShapeError(f"unknown merge '{merge}'; use one of {', '.join(MERGES)}")
        self.paths, self.merge, self.axis = list(paths), merge, int(axis)

    @property
    def built(self) -> bool:  # type: ignore[override]
        return all(path.built for path in self.paths)

    @built.setter
    def built(self, value) -> None:
        pass

    def output_shape(self, input_shape):
        return merged_shape([path.output_shape(tuple(input_shape)) for path in self.paths], self.merge, self.axis)

    def build(self, input_shape, rng) -> None:
        for path in self.paths:
            if not path.built:
                path.build(tuple(input_shape), rng)

    def forward(self, x, mask=None):
        return merge_outputs([forward_masked(path, x, mask) for path in self.paths], self.merge, self.axis)

    def get_config(self) -> dict:
        return {"name": "branches", "paths": [path.get_config() for path in self.paths],
                "merge": self.merge, "axis": self.axis}


class SharedBlock(Module):
    """One use of a named block: every use holds the same module, so the block has one set of weights.

    ``named_parameters`` lists each parameter once (under its first use), the optimiser
    updates it once per step, and backward adds the gradients of all uses.

    Args:
        block_name (str): the block's name (in the config's ``blocks``).
        block (Module): the block itself, the same object for every use.
    """

    takes_mask = True

    def __init__(self, block_name: str, block: Module):
        super().__init__()
        self.block_name, self.block = block_name, block

    @property
    def built(self) -> bool:  # type: ignore[override]
        return self.block.built

    @built.setter
    def built(self, value) -> None:
        pass

    def output_shape(self, input_shape):
        return self.block.output_shape(tuple(input_shape))

    def build(self, input_shape, rng) -> None:
        if not self.block.built:
            self.block.build(tuple(input_shape), rng)

    def forward(self, x, mask=None):
        return forward_masked(self.block, x, mask)

    def get_config(self) -> dict:
        return {"name": "use", "block": self.block_name}


def shared_blocks(model: Module) -> dict[str, Module]:
    """``{name: block}`` of every block ``model`` uses through ``SharedBlock`` (first use first)."""
    found: dict[str, Module] = {}
    for module in model.modules():
        if isinstance(module, SharedBlock):
            found.setdefault(module.block_name, module.block)
    return found


__all__ = ["Branches", "MERGES", "Residual", "SHORTCUTS", "SharedBlock", "merge_outputs",
           "merged_shape", "projection_for", "shared_blocks"]
