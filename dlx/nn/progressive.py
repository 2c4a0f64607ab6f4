"""Progressive neural networks (Rusu et al. 2016): a column per task, earlier columns frozen, lateral adapters.

Column k has hidden layers h_i^(k) = relu(W_i^(k) h_(i-1)^(k) + sum_(j<k) U_i^(k:j) h_(i-1)^(j)) and a head
y^(k) = W_out^(k) h_L^(k) + sum_(j<k) U_out^(k:j) h_L^(j): each layer of a new column also reads the layer below
it in every earlier column through a lateral adapter U (a dense layer without bias). When a column is added the
earlier columns (and their adapters) are frozen, so what they compute for their own task never changes.

``ProgressiveNet(hidden, lateral=False)`` is the fine-tuning baseline: one network (a single column) that keeps
training on each new task; its output layer is reused when the new task has as many classes, else a new head is
added on the shared trunk.

Example::

    net = ProgressiveNet([16, 16])
    net.add_task((64,), 5, rng)          # column 1 for task 1 (5 classes)
    net.add_task((64,), 5, rng)          # column 2; column 1 frozen, laterals from it into column 2
    net(Tensor(x), task=0).shape         # (N, 5): task 1's outputs, column 1 alone
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.linear import Dense
from dlx.nn.module import Module
from dlx.ops.activation import relu
from dlx.registry import models
from dlx.tensor import Tensor


class Column(Module):
    """One task's column: dense hidden layers, a head, and adapters from earlier columns (``laterals``)."""

    def __init__(self, hidden: list[int], n_in: int, n_out: int, earlier: int, rng: np.random.Generator):
        super().__init__()
        sizes = [n_in, *hidden]
        self.hidden = [Dense(units, in_features=fan_in, rng=rng) for fan_in, units in zip(sizes, hidden)]
        self.head = Dense(n_out, in_features=sizes[-1], rng=rng)
        # adapter "i_j": from column j's layer i-1 output (i >= 1; i = len(hidden) is the head) into this layer i
        self.laterals = {f"{i}_{j}": Dense(units, in_features=hidden[i - 1], bias=False, rng=rng)
                         for i, units in enumerate([*hidden, n_out]) if i >= 1 for j in range(earlier)}
        self.built = True

    def forward_all(self, x: Tensor, earlier: list[list[Tensor]]) -> tuple[list[Tensor], Tensor]:
        """(this column's hidden activations, its output), given the earlier columns' activations."""
        activations, below = [], x
        for i, layer in enumerate([*self.hidden, self.head]):
            z = layer(below)
            for j, theirs in enumerate(earlier):
                if i >= 1:
                    z = z + self.laterals[f"{i}_{j}"](theirs[i - 1])
            if i == len(self.hidden):
                return activations, z
            below = relu(z)
            activations.append(below)
        raise AssertionError("unreachable")


@models.register("progressive", "progressive_net")
class ProgressiveNet(Module):
    """Columns added one per task (``add_task``); ``forward(x, task)`` is task ``task``'s column's output.

    Args:
        hidden (list of int, default [64, 64]): units of each column's hidden layers.
        output_size (int, default None): the first task's classes, when built as a model of a config
            (``build`` adds the first column); the continual kind adds each task's column itself.
        lateral (bool, default True): a progressive network (a new frozen-below column per task, with lateral
            adapters); False: fine-tuning, one network that keeps training (a new head only for a task with
            another number of classes).

    Shape:
        input (N, features), output (N, the task's classes).
    """

    def __init__(self, hidden=(64, 64), lateral: bool = True, output_size: int | None = None):
        super().__init__()
        self.output_size = output_size
        if not hidden or any(int(h) < 1 for h in hidden):
            raise ConfigError(f"progressive: hidden must list positive layer sizes, got {list(hidden)}")
        self.hidden, self.lateral = [int(h) for h in hidden], bool(lateral)
        self.columns: list[Column] = []
        self.heads: list[Dense] = []  # fine-tuning: each task's output layer on the shared trunk
        self.built = True

    def output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ShapeError(f"progressive: expects input of shape (features,), got {tuple(input_shape)}; "
                             f"flatten the images (dataset option flatten: true)")
        return (self.output_size,)

    def build(self, input_shape, rng) -> None:
        """The first task's column (as a model of a config, with ``output_size`` outputs)."""
        self.output_shape(input_shape)
        if not self.columns:
            self.add_task(int(input_shape[0]), int(self.output_size), rng)

    @property
    def tasks(self) -> int:
        return len(self.columns) if self.lateral else len(self.heads)

    def add_task(self, n_in: int, n_out: int, rng: np.random.Generator) -> None:
        """Make room for one more task: a new column over frozen earlier ones, or a new head on the trunk."""
        if self.lateral:
            for column in self.columns:
                column.freeze()
            self.columns.append(Column(self.hidden, n_in, n_out, len(self.columns), rng))
            return
        if not self.columns:
            self.columns.append(Column(self.hidden, n_in, n_out, 0, rng))
            self.heads.append(self.columns[0].head)
        elif self.heads[-1].units == n_out:  # the same network, outputs and all, trained on the next task
            self.heads.append(self.heads[-1])
        else:
            self.heads.append(Dense(n_out, in_features=self.hidden[-1], rng=rng))

    def forward(self, x: Tensor, task: int | None = None) -> Tensor:
        task = self.tasks - 1 if task is None else task
        if not self.lateral:
            trunk = self.columns[0]
            activations, _ = trunk.forward_all(x, [])
            return self.heads[task](activations[-1])
        earlier: list[list[Tensor]] = []
        for column in self.columns[:task]:
            earlier.append(column.forward_all(x, earlier)[0])
        return self.columns[task].forward_all(x, earlier)[1]
