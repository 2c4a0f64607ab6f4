"""A task: everything that depends on the kind of problem, chosen once when an experiment is prepared.

The training loop, evaluation, prediction and the results never ask "is this
classification?" themselves; they ask the task::

    task = get_task("multiclass")
    n = task.outputs(train, loss)                 # units of the last layer
    targets = task.targets(train, loss, n)        # what the loss compares the outputs with
    labels = task.decide(outputs, loss)           # argmax / threshold / values
    metrics = task.evaluate(model, test, loss, n) # loss, the task's metrics, a confusion matrix

A new kind of problem (sequence labelling, language modelling, generation) is a
new ``Task`` subclass registered in ``dlx.registry.tasks``; nothing else changes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.nn import forward_masked
from dlx.ops.activation import sigmoid_array, softmax_array
from dlx.registry import tasks
from dlx.tensor import Tensor, no_grad


@no_grad()
def predict_outputs(model, X: np.ndarray, batch_size: int = 1024, lengths: np.ndarray | None = None) -> np.ndarray:
    """The model's raw outputs for ``X``, in eval mode, in batches; ``lengths`` (N,) masks padded steps."""
    was_training = model.training
    model.eval()
    try:
        parts = [forward_masked(model, Tensor(X[i:i + batch_size]), _mask(lengths, i, batch_size, X)).data
                 for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.zeros((0,), dtype=np.float32)


def _mask(lengths, start: int, size: int, X: np.ndarray):
    if lengths is None:
        return None
    return np.arange(X.shape[1])[None, :] < lengths[start:start + size, None]  # (B, T)


class Task:
    """Base class. Subclasses set ``name`` and ``metrics`` and override what differs.

    Attributes:
        name: the task's registered name (a data set's ``task``).
        metrics: the metric names ``measure`` reports (besides ``loss``).
    """

    name = "task"
    metrics: tuple[str, ...] = ()

    def outputs(self, ds, loss) -> int:
        """Units of the model's last layer for data set ``ds`` trained with ``loss``."""
        return ds.output_size

    def default_loss(self, final_activation: str) -> str:
        """The lecture's table: the loss that fits this task and the model's final activation."""
        raise NotImplementedError

    def output_shape(self, ds, n_outputs: int) -> tuple:
        """The model's output per sample: (n_outputs,); (T, n_outputs) for a label per time step."""
        return (n_outputs,)

    def check_loss(self, loss, where: str) -> None:
        """Raise ConfigError (prefixed with ``where``) if ``loss`` cannot train this task; any loss by default."""

    def loss_value(self, loss, outputs, targets, mask=None):
        """The training loss of one batch; ``mask`` (B, T) marks the target steps that count (or None)."""
        return loss(outputs, targets)

    def references(self, splits: dict) -> dict:
        """Baselines to report next to the test metrics, computed from the splits (none by default)."""
        return {}

    def targets(self, ds, loss, n_outputs: int) -> np.ndarray:
        """The targets in the form ``loss`` compares with the model's outputs."""
        return ds.y.astype(np.float32, copy=False)

    def scores(self, outputs: np.ndarray, loss) -> np.ndarray:
        """Probabilities (classification) or values (regression) from raw outputs."""
        if loss.applies == "softmax":
            return softmax_array(outputs, axis=-1)
        if loss.applies == "sigmoid":
            return sigmoid_array(outputs)
        return outputs

    def decide(self, outputs: np.ndarray, loss) -> np.ndarray:
        """The predictions a user reads: labels, 0/1 matrices or values."""
        return self.scores(outputs, loss)

    def measure(self, ds, decisions: np.ndarray) -> dict:
        """The task's metrics of ``decisions`` against ``ds.y``."""
        raise NotImplementedError

    @no_grad()
    def evaluate(self, model, ds, loss, n_outputs: int, batch_size: int = 1024) -> dict:
        """``loss`` and the task's metrics of ``model`` on ``ds`` (empty for an empty split)."""
        if len(ds) == 0:
            return {}
        outputs = predict_outputs(model, ds.X, batch_size, ds.lengths)
        result = {"loss": float(loss(Tensor(outputs), self.targets(ds, loss, n_outputs)).item())}
        result.update(self.measure(ds, self.decide(outputs, loss)))
        return result

    def plots(self, model, splits: dict, test: dict, folder: Path) -> None:
        """Pictures that suit the task, drawn at the end of a run (none by default)."""


def get_task(name: str) -> Task:
    """The task registered as ``name`` (an instance)."""
    return tasks.get(name)()


def known_metrics() -> list[str]:
    """Every metric name any registered task reports, and ``loss``."""
    return sorted({m for task in tasks.canonical().values() for m in task.metrics} | {"loss"})
