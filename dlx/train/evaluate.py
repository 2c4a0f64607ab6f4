"""Targets for a loss, predictions from outputs, and evaluation of a model on a data set."""
from __future__ import annotations

import numpy as np

from dlx.data import Dataset
from dlx.ops.activation import sigmoid_array, softmax_array
from dlx.tensor import Tensor, no_grad
from dlx.train.metrics import task_metrics


def loss_targets(ds: Dataset, loss, n_outputs: int) -> np.ndarray:
    """The targets in the form the loss compares with the model's outputs.

    Cross-entropy takes integer labels; BCE and MSE compare with a float matrix
    of the outputs' shape (one column for a binary label, one-hot columns for
    several classes).
    """
    y = ds.y
    if ds.task in ("regression", "multilabel"):
        return y.astype(np.float32, copy=False)
    if loss.family == "cross_entropy":
        return y
    if n_outputs == 1:
        return y.astype(np.float32).reshape(-1, 1)
    return np.eye(n_outputs, dtype=np.float32)[y]


def scores(outputs: np.ndarray, task: str, loss) -> np.ndarray:
    """Class probabilities (classification) or values (regression) from raw outputs."""
    if task == "regression":
        return outputs
    if loss.applies == "softmax":
        return softmax_array(outputs, axis=-1)
    if loss.applies == "sigmoid":
        return sigmoid_array(outputs)
    return outputs


def decide(outputs: np.ndarray, task: str, loss) -> np.ndarray:
    """Predicted labels (classification), 0/1 matrices (multilabel) or values (regression)."""
    s = scores(outputs, task, loss)
    if task == "regression":
        return s
    if task == "multilabel":
        return (s >= 0.5).astype(np.float32)
    if s.shape[-1] == 1:  # one output unit: a probability (or a value trained with MSE)
        return (s[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(s, axis=-1)


@no_grad()
def predict_outputs(model, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's raw outputs for X, in eval mode, in batches."""
    was_training = model.training
    model.eval()
    try:
        parts = [model(Tensor(X[i:i + batch_size])).data for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.zeros((0,), dtype=np.float32)


@no_grad()
def evaluate(model, ds: Dataset, loss, n_outputs: int, batch_size: int = 1024) -> dict:
    """Loss and the task's metrics (and the confusion matrix for classification) on ``ds``."""
    if len(ds) == 0:
        return {}
    outputs = predict_outputs(model, ds.X, batch_size)
    targets = loss_targets(ds, loss, n_outputs)
    result = {"loss": float(loss(Tensor(outputs), targets).item())}
    result.update(task_metrics(ds.task, ds.y, decide(outputs, ds.task, loss), ds.n_classes))
    return result
