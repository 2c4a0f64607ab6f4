"""The supervised tasks: regression, binary, multi-class and multi-label classification."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.registry import tasks
from dlx.tasks.base import Task
from dlx.tasks.metrics import classification_metrics, multilabel_metrics, regression_metrics


@tasks.register("regression")
class Regression(Task):
    """Real-valued targets (N, K): linear outputs, mean-squared error, MSE/MAE/R^2."""

    name = "regression"
    metrics = ("mse", "mae", "r2")

    def default_loss(self, final_activation: str) -> str:
        return "mse"

    def scores(self, outputs, loss):
        return outputs

    def measure(self, ds, decisions):
        return regression_metrics(ds.y, decisions)


class Classification(Task):
    """Labels 0..C-1: decisions by threshold (one output) or argmax; a confusion matrix and its plot."""

    metrics = ("accuracy", "precision", "recall", "f1")

    def targets(self, ds, loss, n_outputs):
        if loss.family == "cross_entropy":
            return ds.y
        if n_outputs == 1:
            return ds.y.astype(np.float32).reshape(-1, 1)
        return np.eye(n_outputs, dtype=np.float32)[ds.y]

    def decide(self, outputs, loss):
        s = self.scores(outputs, loss)
        if s.shape[-1] == 1:  # one output unit: a probability (or a value trained with MSE)
            return (s[:, 0] >= 0.5).astype(np.int64)
        return np.argmax(s, axis=-1)

    def measure(self, ds, decisions):
        return classification_metrics(ds.y, decisions, ds.n_classes)

    def plots(self, model, splits, test, folder: Path) -> None:
        from dlx.runs import plot_confusion_matrix
        from dlx.tasks.pictures import write_cnn_pictures
        train = splits["train"]
        if test.get("confusion_matrix") is not None:
            plot_confusion_matrix(test["confusion_matrix"], train.class_names, folder / "confusion_matrix.png",
                                  title="test confusion matrix")
        part = next((splits[k] for k in ("test", "validation", "train") if len(splits[k])), None)
        if part is not None and len(part.input_shape) == 3:  # images: what the convolutions learned
            write_cnn_pictures(model, part.X[0], part.class_names[int(part.y[0])], folder)
        if part is not None:  # a spiking network: rasters and membrane traces of one example
            from dlx.tasks.spikes import write_spike_pictures
            write_spike_pictures(model, part.X[0], part.class_names[int(part.y[0])], folder)


@tasks.register("binary")
class Binary(Classification):
    """Two classes: one sigmoid output with BCE (or BCE on logits), or two with cross-entropy."""

    name = "binary"

    def outputs(self, ds, loss):
        return 2 if loss.family == "cross_entropy" else 1

    def default_loss(self, final_activation):
        return "bce" if final_activation == "sigmoid" else "bce_with_logits"


@tasks.register("multiclass")
class Multiclass(Classification):
    """C > 2 classes: C outputs, softmax with cross-entropy."""

    name = "multiclass"

    def default_loss(self, final_activation):
        return "cross_entropy"


@tasks.register("multilabel")
class Multilabel(Task):
    """Several independent 0/1 labels (N, L): L sigmoid outputs, BCE, threshold 0.5."""

    name = "multilabel"
    metrics = ("accuracy", "f1")

    def default_loss(self, final_activation):
        return "bce" if final_activation == "sigmoid" else "bce_with_logits"

    def decide(self, outputs, loss):
        return (self.scores(outputs, loss) >= 0.5).astype(np.float32)

    def measure(self, ds, decisions):
        return multilabel_metrics(ds.y, decisions)
